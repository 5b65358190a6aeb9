/**
 * Builds real RecordBatch v2 bytes (uncompressed, correct CRC-32C) the way a producer
 * does, for tests, tools and the benchmark load generator that need batches without a client library.
 */

import { crc32c } from '@node-rs/crc32';
import { BATCH_HEADER_SIZE, BatchField, writeInt64 } from './record-batch.js';

export interface TestRecord {
  key?: Buffer | string | null;
  value: Buffer | string | null;
  headers?: Array<[string, Buffer | string]>;
  timestampDelta?: number;
}

export interface BatchOptions {
  baseTimestamp?: number;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  attributes?: number;
}

function zigzagVarint(value: number): number[] {
  let v = value >= 0 ? value * 2 : -value * 2 - 1;
  const out: number[] = [];
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

function bytesOf(value: Buffer | string | null | undefined): Buffer | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? Buffer.from(value) : value;
}

function encodeRecord(record: TestRecord, offsetDelta: number): Buffer {
  const parts: Buffer[] = [Buffer.from([0, ...zigzagVarint(record.timestampDelta ?? 0), ...zigzagVarint(offsetDelta)])];
  const pushBytes = (b: Buffer | null): void => {
    if (b === null) parts.push(Buffer.from(zigzagVarint(-1)));
    else parts.push(Buffer.from(zigzagVarint(b.length)), b);
  };
  pushBytes(bytesOf(record.key));
  pushBytes(bytesOf(record.value));
  const headers = record.headers ?? [];
  parts.push(Buffer.from(zigzagVarint(headers.length)));
  for (const [name, value] of headers) {
    pushBytes(Buffer.from(name));
    pushBytes(bytesOf(value));
  }
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from(zigzagVarint(body.length)), body]);
}

/** One batch holding `records`, base offset 0, as a producer sends it. */
export function buildBatch(records: TestRecord[], options: BatchOptions = {}): Buffer {
  const body = Buffer.concat(records.map((r, i) => encodeRecord(r, i)));
  const batch = Buffer.alloc(BATCH_HEADER_SIZE + body.length);
  const baseTimestamp = options.baseTimestamp ?? 1_700_000_000_000;
  const maxDelta = records.reduce((m, r) => Math.max(m, r.timestampDelta ?? 0), 0);
  writeInt64(batch, BatchField.baseOffset, 0);
  batch.writeInt32BE(batch.length - 12, BatchField.batchLength);
  batch.writeInt32BE(-1, BatchField.partitionLeaderEpoch);
  batch.writeInt8(2, BatchField.magic);
  batch.writeInt16BE(options.attributes ?? 0, BatchField.attributes);
  batch.writeInt32BE(records.length - 1, BatchField.lastOffsetDelta);
  writeInt64(batch, BatchField.baseTimestamp, baseTimestamp);
  writeInt64(batch, BatchField.maxTimestamp, baseTimestamp + maxDelta);
  writeInt64(batch, BatchField.producerId, options.producerId ?? -1);
  batch.writeInt16BE(options.producerEpoch ?? -1, BatchField.producerEpoch);
  batch.writeInt32BE(options.baseSequence ?? -1, BatchField.baseSequence);
  batch.writeInt32BE(records.length, BatchField.recordsCount);
  body.copy(batch, BATCH_HEADER_SIZE);
  batch.writeUInt32BE(crc32c(batch.subarray(BatchField.attributes)) >>> 0, BatchField.crc);
  return batch;
}

/** `count` small records with values `${prefix}-${i}`, in one batch. */
export function buildSimpleBatch(count: number, prefix = 'v', options: BatchOptions = {}): Buffer {
  return buildBatch(
    Array.from({ length: count }, (_, i) => ({ key: `k${i}`, value: `${prefix}-${i}` })),
    options,
  );
}
