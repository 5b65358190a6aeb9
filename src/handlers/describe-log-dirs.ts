/**
 * DescribeLogDirs (key 35), versions 0-4.
 *
 * Sluice has one log directory, the data directory, holding the WAL that every partition
 * shares. Each partition is reported with the bytes of its retained batches as its size (what
 * `kafka-log-dirs` and Admin.describeLogDirs sum up), offset lag 0 (there are no replicas to
 * catch up) and no future replica. From v4 the directory's total and usable bytes come from
 * statfs; an in-memory broker (wal.enabled=false) reports -1 for both. A null topic list means
 * every partition; partitions named in the request that do not exist are left out, as Kafka
 * leaves out partitions it does not host.
 */

import { statfs } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  DescribeLogDirsApi,
  createDescribeLogDirsResponse,
  createDescribeLogDirsResponseDescribeLogDirsPartition,
  createDescribeLogDirsResponseDescribeLogDirsResult,
  createDescribeLogDirsResponseDescribeLogDirsTopic,
  readDescribeLogDirsRequest,
  sizeDescribeLogDirsResponse,
  writeDescribeLogDirsResponse,
  type DescribeLogDirsRequest,
  type DescribeLogDirsResponse,
  type DescribeLogDirsResponseDescribeLogDirsTopic,
} from '../../protocol/generated/describe-log-dirs.js';
import type { Broker } from '../broker.js';
import type { TopicState } from '../log/index.js';
import { int64 } from './support.js';
import { defineHandler, type RequestContext } from './types.js';

function describeTopic(topic: TopicState, partitions: readonly number[] | null): DescribeLogDirsResponseDescribeLogDirsTopic {
  const out = createDescribeLogDirsResponseDescribeLogDirsTopic();
  out.name = topic.name;
  for (const p of topic.partitions) {
    if (partitions !== null && !partitions.includes(p.partition)) continue;
    const partition = createDescribeLogDirsResponseDescribeLogDirsPartition();
    partition.partitionIndex = p.partition;
    partition.partitionSize = int64(p.index.liveBytes);
    out.partitions.push(partition);
  }
  return out;
}

function describedTopics(broker: Broker, request: DescribeLogDirsRequest): DescribeLogDirsResponseDescribeLogDirsTopic[] {
  if (request.topics === null) return [...broker.log.topics()].map((t) => describeTopic(t, null));
  const out: DescribeLogDirsResponseDescribeLogDirsTopic[] = [];
  for (const wanted of request.topics) {
    const topic = broker.log.topic(wanted.topic);
    if (topic === undefined) continue;
    const described = describeTopic(topic, wanted.partitions);
    if (described.partitions.length > 0) out.push(described);
  }
  return out;
}

async function handleDescribeLogDirs(request: DescribeLogDirsRequest, { broker, apiVersion }: RequestContext): Promise<DescribeLogDirsResponse> {
  const response = createDescribeLogDirsResponse();
  const dir = createDescribeLogDirsResponseDescribeLogDirsResult();
  dir.logDir = resolve(broker.config.dataDir);
  dir.topics = describedTopics(broker, request);
  if (apiVersion >= 4 && broker.config.wal.enabled) {
    const fs = await statfs(dir.logDir);
    dir.totalBytes = int64(fs.blocks * fs.bsize);
    dir.usableBytes = int64(fs.bavail * fs.bsize);
  }
  response.results = [dir];
  return response;
}

export const describeLogDirsHandler = defineHandler<DescribeLogDirsRequest, DescribeLogDirsResponse>({
  apiKey: DescribeLogDirsApi.apiKey,
  name: DescribeLogDirsApi.name,
  minVersion: 0,
  maxVersion: 4,
  readRequest: readDescribeLogDirsRequest,
  sizeResponse: sizeDescribeLogDirsResponse,
  writeResponse: writeDescribeLogDirsResponse,
  handle: handleDescribeLogDirs,
});
