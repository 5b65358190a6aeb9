/**
 * Record-level reading inside a RecordBatch v2 (sans-I/O): the broker's hot paths work per
 * batch and never come here; ListOffsets by timestamp and tools do, to find one record.
 *
 * A batch's records follow its 61-byte header, uncompressed or as one compressed stream
 * (attributes & 0x07; the caller decompresses). Each record is
 *
 *   length varint, attributes int8, timestampDelta varlong, offsetDelta varint,
 *   keyLength varint + key, valueLength varint + value,
 *   headerCount varint, then per header: keyLength varint + key, valueLength varint + value
 *
 * with zigzag varints; a length of -1 means null. Keys, values and header values are views
 * of the input, never copies. Malformed input throws RecordFormatError.
 */

import { Attribute, BATCH_HEADER_SIZE, type BatchHeader } from './record-batch.js';

export class RecordFormatError extends Error {
  override name = 'RecordFormatError';
  /** CORRUPT_MESSAGE */
  readonly code = 2;
}

export interface RecordEntry {
  /** Byte position of the record (its length prefix) in the records section. */
  position: number;
  attributes: number;
  offsetDelta: number;
  timestampDelta: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Array<[string, Buffer | null]>;
}

/** Reads zigzag varints/varlongs as JS numbers (exact below 2^53) from a buffer. */
class VarReader {
  pos: number;
  constructor(
    readonly buf: Buffer,
    pos: number,
    readonly end: number,
  ) {
    this.pos = pos;
  }

  varlong(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new RecordFormatError('varint runs past the end of the records');
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) {
        // zigzag: even -> n/2, odd -> -(n+1)/2
        return result % 2 === 0 ? result / 2 : -(result + 1) / 2;
      }
      scale *= 128;
    }
    throw new RecordFormatError('varint longer than 10 bytes');
  }

  int8(): number {
    if (this.pos >= this.end) throw new RecordFormatError('record ends early');
    return this.buf.readInt8(this.pos++);
  }

  bytes(): Buffer | null {
    const n = this.varlong();
    if (n < 0) {
      if (n !== -1) throw new RecordFormatError(`negative length ${n}`);
      return null;
    }
    if (this.pos + n > this.end) throw new RecordFormatError(`length ${n} runs past the end of the record`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  skip(): void {
    const n = this.varlong();
    if (n < -1) throw new RecordFormatError(`negative length ${n}`);
    if (n > 0) {
      if (this.pos + n > this.end) throw new RecordFormatError(`length ${n} runs past the end of the record`);
      this.pos += n;
    }
  }
}

/**
 * Walks `count` records in `records` (an uncompressed records section), calling `visit`
 * for each; `visit` returns true to stop early. With `withBodies` false, keys, values and
 * headers are skipped (left null/empty), which is all a timestamp search needs.
 * Returns the number of bytes consumed.
 */
export function forEachRecord(
  records: Buffer,
  count: number,
  visit: (record: RecordEntry) => boolean | void,
  withBodies = true,
): number {
  let pos = 0;
  for (let i = 0; i < count; i++) {
    if (pos >= records.length) throw new RecordFormatError(`batch says ${count} records, found ${i}`);
    const head = new VarReader(records, pos, records.length);
    const length = head.varlong();
    if (length <= 0 || head.pos + length > records.length) throw new RecordFormatError(`record length ${length} does not fit`);
    const r = new VarReader(records, head.pos, head.pos + length);
    const entry: RecordEntry = {
      position: pos,
      attributes: r.int8(),
      timestampDelta: r.varlong(),
      offsetDelta: r.varlong(),
      key: null,
      value: null,
      headers: [],
    };
    if (withBodies) {
      entry.key = r.bytes();
      entry.value = r.bytes();
      const n = r.varlong();
      if (n < 0) throw new RecordFormatError(`negative header count ${n}`);
      for (let h = 0; h < n; h++) {
        const name = r.bytes();
        if (name === null) throw new RecordFormatError('null header key');
        entry.headers.push([name.toString('utf8'), r.bytes()]);
      }
      if (r.pos !== r.end) throw new RecordFormatError(`record has ${r.end - r.pos} trailing byte(s)`);
    }
    pos = head.pos + length;
    if (visit(entry) === true) return pos;
  }
  return pos;
}

/** The records section of a batch (after the 61-byte header): compressed unless the codec is none. */
export function recordsSection(batch: Buffer): Buffer {
  return batch.subarray(BATCH_HEADER_SIZE);
}

export interface TimestampedOffset {
  offset: number;
  timestamp: number;
}

/**
 * In a batch whose records section is `records` (uncompressed), the first record at or
 * after `minOffset` whose timestamp is >= `target`, or null. With LogAppendTime every
 * record carries the batch's MaxTimestamp.
 */
export function firstRecordAtOrAfter(
  header: Pick<BatchHeader, 'baseOffset' | 'baseTimestamp' | 'maxTimestamp' | 'attributes' | 'recordsCount'>,
  records: Buffer,
  target: number,
  minOffset: number,
): TimestampedOffset | null {
  const logAppend = (header.attributes & Attribute.timestampTypeLogAppend) !== 0;
  let found: TimestampedOffset | null = null;
  forEachRecord(
    records,
    header.recordsCount,
    (r) => {
      const offset = header.baseOffset + r.offsetDelta;
      if (offset < minOffset) return false;
      const timestamp = logAppend ? header.maxTimestamp : header.baseTimestamp + r.timestampDelta;
      if (timestamp >= target) {
        found = { offset, timestamp };
        return true;
      }
      return false;
    },
    false,
  );
  return found;
}

/** The first record at or after `minOffset` carrying the batch's largest timestamp, or null. */
export function recordWithMaxTimestamp(
  header: Pick<BatchHeader, 'baseOffset' | 'baseTimestamp' | 'maxTimestamp' | 'attributes' | 'recordsCount'>,
  records: Buffer,
  minOffset: number,
): TimestampedOffset | null {
  const logAppend = (header.attributes & Attribute.timestampTypeLogAppend) !== 0;
  let best: TimestampedOffset | null = null;
  forEachRecord(
    records,
    header.recordsCount,
    (r) => {
      const offset = header.baseOffset + r.offsetDelta;
      if (offset < minOffset) return false;
      const timestamp = logAppend ? header.maxTimestamp : header.baseTimestamp + r.timestampDelta;
      if (best === null || timestamp > best.timestamp) best = { offset, timestamp };
      return false;
    },
    false,
  );
  return best;
}
