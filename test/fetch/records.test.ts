import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Attribute, readBatchHeader } from '../../protocol/record-batch.js';
import { buildBatch } from '../../protocol/record-batch-builder.js';
import { RecordFormatError, firstRecordAtOrAfter, forEachRecord, recordWithMaxTimestamp, recordsSection } from '../../protocol/records.js';

describe('protocol/records', () => {
  it('reads keys, values, headers and deltas as views', () => {
    const batch = buildBatch([
      { key: 'k', value: 'v', headers: [['h', 'x']], timestampDelta: 0 },
      { key: null, value: null, timestampDelta: 70_000 },
      { value: Buffer.alloc(300, 7), timestampDelta: -5 },
    ]);
    const seen: Array<[string | null, number | null, number, number, number]> = [];
    const used = forEachRecord(recordsSection(batch), 3, (r) => {
      seen.push([r.key?.toString() ?? null, r.value?.length ?? null, r.offsetDelta, r.timestampDelta, r.headers.length]);
    });
    expect(used).toBe(batch.length - 61);
    expect(seen).toEqual([
      ['k', 1, 0, 0, 1],
      [null, null, 1, 70_000, 0],
      [null, 300, 2, -5, 0],
    ]);
  });

  it('round-trips random records (fixed seed)', () => {
    const record = fc.record({
      key: fc.option(fc.string({ maxLength: 20 }), { nil: null }),
      value: fc.option(fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)), { nil: null }),
      timestampDelta: fc.integer({ min: -1_000_000, max: 1_000_000_000 }),
      headers: fc.array(fc.tuple(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 })), { maxLength: 3 }),
    });
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 10 }), (records) => {
        const batch = buildBatch(records);
        const out: typeof records = [];
        forEachRecord(recordsSection(batch), records.length, (r) => {
          out.push({
            key: r.key === null ? null : r.key.toString(),
            value: r.value === null ? null : Buffer.from(r.value),
            timestampDelta: r.timestampDelta,
            headers: r.headers.map(([n, v]) => [n, v!.toString()] as [string, string]),
          });
        });
        expect(out).toEqual(records);
      }),
      { seed: 42, numRuns: 200 },
    );
  });

  it('finds timestamps, with LogAppendTime meaning the batch max for every record', () => {
    const batch = buildBatch(
      [
        { value: 'a', timestampDelta: 0 },
        { value: 'b', timestampDelta: 50 },
        { value: 'c', timestampDelta: 20 },
      ],
      { baseTimestamp: 1000 },
    );
    const h = readBatchHeader(batch, 0);
    expect(firstRecordAtOrAfter(h, recordsSection(batch), 1010, 0)).toEqual({ offset: 1, timestamp: 1050 });
    expect(firstRecordAtOrAfter(h, recordsSection(batch), 1010, 2)).toEqual({ offset: 2, timestamp: 1020 });
    expect(firstRecordAtOrAfter(h, recordsSection(batch), 1051, 0)).toBeNull();
    expect(recordWithMaxTimestamp(h, recordsSection(batch), 0)).toEqual({ offset: 1, timestamp: 1050 });
    const appendTime = { ...h, attributes: Attribute.timestampTypeLogAppend };
    expect(firstRecordAtOrAfter(appendTime, recordsSection(batch), 1001, 0)).toEqual({ offset: 0, timestamp: 1050 });
  });

  it('throws RecordFormatError on malformed records', () => {
    const batch = buildBatch([{ value: 'abc' }, { value: 'def' }]);
    const records = recordsSection(batch);
    expect(() => forEachRecord(records, 3, () => undefined)).toThrow(RecordFormatError);
    expect(() => forEachRecord(records.subarray(0, records.length - 2), 2, () => undefined)).toThrow(RecordFormatError);
    expect(() => forEachRecord(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), 1, () => undefined)).toThrow(RecordFormatError);
  });
});
