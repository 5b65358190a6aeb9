/**
 * Set-up and bookkeeping requests for the load generator: ApiVersions negotiation, CreateTopics,
 * and end offsets through ListOffsets (used for acks=0 throughput and the final correctness check).
 */
import {
  type ApiCodec,
  ApiVersionsCodec,
  CreateTopicsCodec,
  ListOffsetsCodec,
  ProduceCodec,
  createApiVersionsRequest,
  createCreateTopicsRequest,
  createCreateTopicsRequestCreatableTopic,
  createListOffsetsRequest,
  createListOffsetsRequestListOffsetsPartition,
  createListOffsetsRequestListOffsetsTopic,
  ErrorCode,
} from '../protocol/generated/index.js';
import { type BenchConnection, CLIENT_ID, errorName } from './wire.js';

export interface Versions {
  produce: number;
  listOffsets: number;
  createTopics: number;
}

/** The highest version both the codec and the broker support, or `preferred` if it is in both ranges. */
function pick(ranges: Map<number, { min: number; max: number }>, codec: ApiCodec, preferred?: number): number {
  const broker = ranges.get(codec.apiKey);
  if (!broker) throw new Error(`the broker does not advertise ${codec.name} (api key ${codec.apiKey})`);
  const lo = Math.max(broker.min, codec.minVersion);
  const hi = Math.min(broker.max, codec.maxVersion);
  if (lo > hi) throw new Error(`no common ${codec.name} version: broker ${broker.min}-${broker.max}, codec ${codec.minVersion}-${codec.maxVersion}`);
  if (preferred === undefined) return hi;
  if (preferred < lo || preferred > hi) throw new Error(`${codec.name} v${preferred} is outside the common range ${lo}-${hi}`);
  return preferred;
}

/** ApiVersions (v3, falling back to v0 when the broker answers UNSUPPORTED_VERSION) and version choice. */
export async function negotiate(conn: BenchConnection, produceVersion?: number): Promise<Versions> {
  const request = createApiVersionsRequest();
  request.clientSoftwareName = CLIENT_ID;
  request.clientSoftwareVersion = '0.1.0';
  let response = await conn.request(ApiVersionsCodec, 3, request);
  if (response.errorCode === ErrorCode.UNSUPPORTED_VERSION) response = await conn.request(ApiVersionsCodec, 0, request);
  if (response.errorCode !== 0) throw new Error(`ApiVersions failed: ${errorName(response.errorCode)}`);
  const ranges = new Map(response.apiKeys.map((k) => [k.apiKey, { min: k.minVersion, max: k.maxVersion }]));
  const versions = {
    produce: pick(ranges, ProduceCodec, produceVersion),
    listOffsets: pick(ranges, ListOffsetsCodec),
    createTopics: pick(ranges, CreateTopicsCodec),
  };
  if (versions.produce < 3) throw new Error(`Produce v${versions.produce} has no RecordBatch v2; need v3 or later`);
  return versions;
}

export async function createTopic(conn: BenchConnection, versions: Versions, name: string, partitions: number): Promise<void> {
  const request = createCreateTopicsRequest();
  const topic = createCreateTopicsRequestCreatableTopic();
  topic.name = name;
  topic.numPartitions = partitions;
  topic.replicationFactor = 1;
  request.topics = [topic];
  request.timeoutMs = 30_000;
  const response = await conn.request(CreateTopicsCodec, versions.createTopics, request);
  const result = response.topics.find((t) => t.name === name);
  if (!result) throw new Error(`CreateTopics response does not mention ${name}`);
  if (result.errorCode !== 0) {
    throw new Error(`CreateTopics ${name} failed: ${errorName(result.errorCode)} ${result.errorMessage ?? ''}`);
  }
}

/** Latest offset (high watermark) of partitions 0..count-1. */
export async function endOffsets(conn: BenchConnection, versions: Versions, name: string, count: number): Promise<number[]> {
  const request = createListOffsetsRequest();
  request.replicaId = -1;
  const topic = createListOffsetsRequestListOffsetsTopic();
  topic.name = name;
  for (let p = 0; p < count; p++) {
    const part = createListOffsetsRequestListOffsetsPartition();
    part.partitionIndex = p;
    part.currentLeaderEpoch = -1;
    part.timestamp = -1n; // latest
    part.maxNumOffsets = 1;
    topic.partitions.push(part);
  }
  request.topics = [topic];
  request.timeoutMs = 30_000;
  const response = await conn.request(ListOffsetsCodec, versions.listOffsets, request);
  const offsets = new Array<number>(count).fill(-1);
  for (const t of response.topics) {
    if (t.name !== name) continue;
    for (const p of t.partitions) {
      if (p.errorCode !== 0) throw new Error(`ListOffsets ${name}-${p.partitionIndex}: ${errorName(p.errorCode)}`);
      offsets[p.partitionIndex] = versions.listOffsets === 0 ? Number(p.oldStyleOffsets[0] ?? -1n) : Number(p.offset);
    }
  }
  const missing = offsets.findIndex((o) => o < 0);
  if (missing >= 0) throw new Error(`ListOffsets gave no offset for ${name}-${missing}`);
  return offsets;
}

/**
 * Polls end offsets until their sum reaches `total`; resolves with the time it was seen.
 * Fails after `timeoutMs`, naming what it saw.
 */
export async function waitForTotal(
  conn: BenchConnection,
  versions: Versions,
  name: string,
  count: number,
  total: number,
  timeoutMs = 60_000,
  intervalMs = 5,
): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const offsets = await endOffsets(conn, versions, name, count);
    const now = performance.now();
    const sum = offsets.reduce((a, b) => a + b, 0);
    if (sum === total) return now;
    if (sum > total) throw new Error(`end offsets sum to ${sum}, more than the ${total} records sent: [${offsets.join(', ')}]`);
    if (now >= deadline) {
      throw new Error(`end offsets stopped at ${sum} of ${total} records sent after ${timeoutMs} ms: [${offsets.join(', ')}]`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
