/**
 * Minimal RecordBatch v2 builder for the log tests: uncompressed records, base offset 0,
 * CRC-32C over bytes 21..end, exactly what a producer sends.
 */

import { crc32c } from '@node-rs/crc32';
import { BATCH_HEADER_SIZE, BatchField, writeInt64 } from '../../protocol/record-batch.js';

function varint(value: number, out: number[]): void {
  let v = value >= 0 ? value * 2 : -value * 2 - 1; // zigzag
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

function record(key: Buffer, value: Buffer, offsetDelta: number, timestampDelta: number): Buffer {
  const head: number[] = [0]; // attributes
  varint(timestampDelta, head);
  varint(offsetDelta, head);
  varint(key.length, head);
  const mid: number[] = [];
  varint(value.length, mid);
  const tail = [0]; // no headers
  const bodyLen = head.length + key.length + mid.length + value.length + tail.length;
  const len: number[] = [];
  varint(bodyLen, len);
  return Buffer.concat([Buffer.from(len), Buffer.from(head), key, Buffer.from(mid), value, Buffer.from(tail)]);
}

export interface TestBatchOptions {
  baseTimestamp?: number;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  attributes?: number;
}

export function buildTestBatch(values: Array<{ key: string; value: string; timestampDelta?: number }>, o: TestBatchOptions = {}): Buffer {
  const body = Buffer.concat(values.map((v, i) => record(Buffer.from(v.key), Buffer.from(v.value), i, v.timestampDelta ?? 0)));
  const batch = Buffer.alloc(BATCH_HEADER_SIZE + body.length);
  const baseTs = o.baseTimestamp ?? 1_700_000_000_000;
  const maxDelta = values.reduce((m, v) => Math.max(m, v.timestampDelta ?? 0), 0);
  writeInt64(batch, BatchField.baseOffset, 0);
  batch.writeInt32BE(batch.length - 12, BatchField.batchLength);
  batch.writeInt32BE(-1, BatchField.partitionLeaderEpoch);
  batch.writeInt8(2, BatchField.magic);
  batch.writeInt16BE(o.attributes ?? 0, BatchField.attributes);
  batch.writeInt32BE(values.length - 1, BatchField.lastOffsetDelta);
  writeInt64(batch, BatchField.baseTimestamp, baseTs);
  writeInt64(batch, BatchField.maxTimestamp, baseTs + maxDelta);
  writeInt64(batch, BatchField.producerId, o.producerId ?? -1);
  batch.writeInt16BE(o.producerEpoch ?? -1, BatchField.producerEpoch);
  batch.writeInt32BE(o.baseSequence ?? -1, BatchField.baseSequence);
  batch.writeInt32BE(values.length, BatchField.recordsCount);
  body.copy(batch, BATCH_HEADER_SIZE);
  batch.writeUInt32BE(crc32c(batch.subarray(BatchField.attributes)) >>> 0, BatchField.crc);
  return batch;
}
