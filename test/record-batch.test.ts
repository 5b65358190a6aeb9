import { describe, expect, it } from 'vitest';
import {
  Attribute,
  BatchError,
  BatchField,
  assignOffsets,
  computeBatchCrc,
  forEachBatch,
  readBatchHeader,
  readInt64,
  validateRecordSet,
  writeInt64,
} from '../protocol/record-batch.js';
import { buildBatch, buildSimpleBatch } from '../protocol/record-batch-builder.js';

describe('record batch view', () => {
  it('reads and writes int64 across the 32-bit boundary and for negatives', () => {
    const buf = Buffer.alloc(8);
    for (const v of [0, 1, -1, 2 ** 32, 2 ** 32 + 5, -(2 ** 40) - 3, Number.MAX_SAFE_INTEGER]) {
      writeInt64(buf, 0, v);
      expect(buf.readBigInt64BE(0)).toBe(BigInt(v));
      expect(readInt64(buf, 0)).toBe(v);
    }
  });

  it('accepts a valid multi-batch record set and sums its records', () => {
    const set = Buffer.concat([buildSimpleBatch(3), buildSimpleBatch(2, 'w', { baseTimestamp: 2_000_000_000_000 })]);
    const check = validateRecordSet(set);
    expect(check.errorCode).toBe(BatchError.NONE);
    expect(check.batches.map((b) => b.recordsCount)).toEqual([3, 2]);
    expect(check.recordCount).toBe(5);
    expect(check.maxTimestamp).toBe(2_000_000_000_000);
  });

  it('patches base offsets and leader epochs in place without breaking the CRC', () => {
    const set = Buffer.concat([buildSimpleBatch(3), buildSimpleBatch(2)]);
    const { batches } = validateRecordSet(set);
    expect(assignOffsets(set, batches, 40, 7)).toBe(45);
    const seen: Array<[number, number]> = [];
    expect(forEachBatch(set, (b) => seen.push([b.baseOffset, b.partitionLeaderEpoch]))).toBe(true);
    expect(seen).toEqual([[40, 7], [43, 7]]);
    // The CRC does not cover the patched fields, so every batch still checks out.
    forEachBatch(set, (b) => expect(computeBatchCrc(set, b)).toBe(b.crc));
  });

  it('answers CORRUPT_MESSAGE for a flipped payload byte, a short batch and a partial header', () => {
    const flipped = buildSimpleBatch(2);
    flipped[flipped.length - 1] ^= 0xff;
    expect(validateRecordSet(flipped).errorCode).toBe(BatchError.CORRUPT_MESSAGE);
    const batch = buildSimpleBatch(2);
    expect(validateRecordSet(batch.subarray(0, batch.length - 1)).errorCode).toBe(BatchError.CORRUPT_MESSAGE);
    expect(validateRecordSet(Buffer.concat([batch, batch.subarray(0, 30)])).errorCode).toBe(BatchError.CORRUPT_MESSAGE);
    expect(validateRecordSet(Buffer.alloc(0)).errorCode).toBe(BatchError.CORRUPT_MESSAGE);
  });

  it('answers INVALID_RECORD for wrong magic, non-zero base offset, control batches and count mismatch', () => {
    const magic = buildSimpleBatch(1);
    magic.writeInt8(1, BatchField.magic);
    expect(validateRecordSet(magic).errorCode).toBe(BatchError.INVALID_RECORD);

    const based = buildSimpleBatch(1);
    writeInt64(based, BatchField.baseOffset, 5);
    expect(validateRecordSet(based).errorCode).toBe(BatchError.INVALID_RECORD);

    const control = buildBatch([{ value: 'x' }], { attributes: Attribute.control });
    expect(validateRecordSet(control).errorCode).toBe(BatchError.INVALID_RECORD);

    const mismatch = buildSimpleBatch(3);
    mismatch.writeInt32BE(5, BatchField.recordsCount);
    mismatch.writeUInt32BE(computeBatchCrc(mismatch, readBatchHeader(mismatch, 0)), BatchField.crc);
    expect(validateRecordSet(mismatch).errorCode).toBe(BatchError.INVALID_RECORD);
  });

  it('answers MESSAGE_TOO_LARGE for a batch above the limit', () => {
    const batch = buildBatch([{ value: Buffer.alloc(2000) }]);
    expect(validateRecordSet(batch, 1000).errorCode).toBe(BatchError.MESSAGE_TOO_LARGE);
    expect(validateRecordSet(batch, 10_000).errorCode).toBe(BatchError.NONE);
  });
});
