/**
 * Random bytes and mutated valid frames sent to a live broker: it never crashes, a bad
 * frame costs at most its own connection, and the log is never touched.
 */

import fc from 'fast-check';
import { readdir, stat } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeRequestFrame } from '../../protocol/headers.js';
import { ApiVersionsApi, createApiVersionsRequest, type ApiVersionsResponse } from '../../protocol/generated/api-versions.js';
import { FetchApi, createFetchRequest, createFetchRequestFetchPartition, createFetchRequestFetchTopic } from '../../protocol/generated/fetch.js';
import { ListOffsetsApi, createListOffsetsRequest, createListOffsetsRequestListOffsetsPartition, createListOffsetsRequestListOffsetsTopic } from '../../protocol/generated/list-offsets.js';
import { MetadataApi, createMetadataRequest, createMetadataRequestTopic } from '../../protocol/generated/metadata.js';
import { ProduceApi } from '../../protocol/generated/produce.js';
import { BatchField } from '../../protocol/record-batch.js';
import { buildSimpleBatch } from '../../protocol/record-batch-builder.js';
import { startBroker, type EmbeddedBroker } from '../../src/index.js';
import { produceRequest } from '../support/requests.js';
import { WireClient } from '../support/wire-client.js';

const SEED = 7_001;

/** Writes `bytes`, then a valid ApiVersions request; resolves once the broker answered it or closed the connection. */
function exchange(port: number, bytes: Buffer): Promise<'answered' | 'closed'> {
  const probe = encodeRequestFrame(ApiVersionsApi.apiKey, 3, 999_999, 'probe', createApiVersionsRequest());
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' }, () => {
      socket.write(bytes);
      // Half-close after the probe: a frame that claims more bytes than it has, or a
      // request that may wait (a fetch with a mutated max wait), then ends with the connection.
      socket.end(probe);
    });
    let received = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      // The probe's answer carries correlation id 999999 right after its size prefix.
      for (let pos = 0; pos + 8 <= received.length; ) {
        const size = received.readInt32BE(pos);
        if (received.readInt32BE(pos + 4) === 999_999) {
          socket.destroy();
          resolve('answered');
          return;
        }
        pos += 4 + size;
      }
    });
    socket.on('close', () => resolve('closed'));
    socket.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' ? resolve('closed') : reject(err)));
  });
}

function produceFrame(): { frame: Buffer; batchStart: number; batchLength: number } {
  const batch = buildSimpleBatch(3);
  const request = produceRequest('events', [{ partition: 0, records: batch }]);
  const frame = encodeRequestFrame(ProduceApi.apiKey, 9, 5, 'fuzz', request);
  return { frame, batchStart: frame.indexOf(batch), batchLength: batch.length };
}

function otherFrames(): Buffer[] {
  const metadata = createMetadataRequest();
  const wanted = createMetadataRequestTopic();
  wanted.name = 'events';
  metadata.topics = [wanted];
  const listOffsets = createListOffsetsRequest();
  const lt = createListOffsetsRequestListOffsetsTopic();
  lt.name = 'events';
  const lp = createListOffsetsRequestListOffsetsPartition();
  lp.timestamp = -1n;
  lt.partitions = [lp];
  listOffsets.topics = [lt];
  const fetch = createFetchRequest();
  const ft = createFetchRequestFetchTopic();
  ft.topic = 'events';
  const fp = createFetchRequestFetchPartition();
  fp.partitionMaxBytes = 1 << 20;
  ft.partitions = [fp];
  fetch.topics = [ft];
  return [
    encodeRequestFrame(ApiVersionsApi.apiKey, 3, 1, 'fuzz', createApiVersionsRequest()),
    encodeRequestFrame(MetadataApi.apiKey, 12, 2, 'fuzz', metadata),
    encodeRequestFrame(MetadataApi.apiKey, 1, 3, 'fuzz', metadata),
    encodeRequestFrame(ListOffsetsApi.apiKey, 7, 4, 'fuzz', listOffsets),
    encodeRequestFrame(FetchApi.apiKey, 12, 6, 'fuzz', fetch),
  ];
}

async function walBytes(dataDir: string): Promise<number> {
  const dir = join(dataDir, 'wal');
  let total = 0;
  for (const name of await readdir(dir)) total += (await stat(join(dir, name))).size;
  return total;
}

describe('hostile input against a live broker', () => {
  let broker: EmbeddedBroker;
  let walBefore = 0;

  beforeAll(async () => {
    broker = await startBroker({ logger: 'silent', overrides: { 'auto.create.topics.enable': 'false', 'socket.request.max.bytes': '65536' } });
    await broker.broker.createTopic('events', 1);
    const client = await WireClient.open(broker.port);
    await client.request(ProduceApi.apiKey, 9, produceRequest('events', [{ partition: 0, records: buildSimpleBatch(5) }]));
    client.close();
    walBefore = await walBytes(broker.dataDir);
  });

  afterAll(async () => {
    await broker.close();
  });

  async function assertUntouched(): Promise<void> {
    expect(broker.broker.log.partition('events', 0)!.logEndOffset).toBe(5);
    expect(await walBytes(broker.dataDir)).toBe(walBefore);
    expect(broker.broker.log.fenced).toBe(false);
  }

  it('survives random bytes, with or without a plausible size prefix', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.boolean(), async (body, prefixed) => {
        let bytes = Buffer.from(body);
        if (prefixed) {
          const size = Buffer.alloc(4);
          size.writeInt32BE(bytes.length, 0);
          bytes = Buffer.concat([size, bytes]);
        }
        await exchange(broker.port, bytes);
      }),
      { seed: SEED, numRuns: 150, verbose: true },
    );
    await assertUntouched();
  });

  it('survives mutated valid frames of every served read API', async () => {
    const frames = otherFrames();
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: frames.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        async (which, edits) => {
          const frame = Buffer.from(frames[which]!);
          for (const [at, value] of edits) frame[at % frame.length] = value;
          await exchange(broker.port, frame);
        },
      ),
      { seed: SEED + 1, numRuns: 200, verbose: true },
    );
    await assertUntouched();
  });

  it('rejects produce frames whose batch bytes were mutated, without writing anything', async () => {
    const { frame, batchStart, batchLength } = produceFrame();
    // Everything the batch CRC covers: attributes through the last record.
    const covered = batchLength - BatchField.attributes;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 0, max: covered - 1 }), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }),
        async (edits) => {
          const mutated = Buffer.from(frame);
          for (const [at, xor] of edits) mutated[batchStart + BatchField.attributes + at] ^= xor;
          if (mutated.equals(frame)) return;
          await exchange(broker.port, mutated);
        },
      ),
      { seed: SEED + 2, numRuns: 150, verbose: true },
    );
    await assertUntouched();
  });

  it('still serves well-formed clients afterwards', async () => {
    const client = await WireClient.open(broker.port);
    const response = await client.request<ApiVersionsResponse>(ApiVersionsApi.apiKey, 3, createApiVersionsRequest());
    client.close();
    expect(response.errorCode).toBe(0);
    expect(await exchange(broker.port, Buffer.from([0, 0, 0, 1, 0]))).toBe('closed');
  });
});
