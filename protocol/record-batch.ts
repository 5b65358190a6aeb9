/**
 * A view over Kafka RecordBatch v2 headers (magic 2), the unit that the produce path,
 * the WAL and Fetch all move around without re-encoding.
 *
 * Only the fixed 61-byte header is ever parsed: the broker works per batch, never per
 * record. Layout (big-endian):
 *
 *   0 BaseOffset int64        27 BaseTimestamp int64
 *   8 BatchLength int32       35 MaxTimestamp int64
 *  12 PartitionLeaderEpoch    43 ProducerId int64
 *  16 Magic int8              51 ProducerEpoch int16
 *  17 CRC uint32 (CRC-32C     53 BaseSequence int32
 *     of bytes 21..end)       57 RecordsCount int32
 *  21 Attributes int16        61 Records...
 *  23 LastOffsetDelta int32
 *
 * BaseOffset and PartitionLeaderEpoch sit before the CRC'd range, so the broker can
 * patch them in place without touching the checksum.
 */

import { crc32c } from '@node-rs/crc32';

export const BATCH_HEADER_SIZE = 61;
/** BatchLength counts the bytes after the BaseOffset and BatchLength fields. */
export const BATCH_LENGTH_PREFIX = 12;
export const CURRENT_MAGIC = 2;

export const BatchField = {
  baseOffset: 0,
  batchLength: 8,
  partitionLeaderEpoch: 12,
  magic: 16,
  crc: 17,
  attributes: 21,
  lastOffsetDelta: 23,
  baseTimestamp: 27,
  maxTimestamp: 35,
  producerId: 43,
  producerEpoch: 51,
  baseSequence: 53,
  recordsCount: 57,
} as const;

export const Attribute = {
  compressionMask: 0x07,
  timestampTypeLogAppend: 0x08,
  transactional: 0x10,
  control: 0x20,
  deleteHorizon: 0x40,
} as const;

const COMPRESSION_NAMES = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;

/** Kafka error codes this module answers with (kept numeric to stay sans-table). */
export const BatchError = {
  NONE: 0,
  CORRUPT_MESSAGE: 2,
  MESSAGE_TOO_LARGE: 10,
  INVALID_RECORD: 87,
} as const;

export interface BatchHeader {
  /** Byte position of the batch inside the buffer it was read from. */
  position: number;
  /** Whole batch size in bytes (BatchLength + 12). */
  size: number;
  baseOffset: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordsCount: number;
}

export interface RecordSetCheck {
  /** 0 when every batch is valid, otherwise the Kafka error code for the first bad batch. */
  errorCode: number;
  errorMessage: string | null;
  batches: BatchHeader[];
  /** Sum of the batches' record counts. */
  recordCount: number;
  /** Largest MaxTimestamp of all batches (-1 when empty). */
  maxTimestamp: number;
}

/** Reads a signed 64-bit big-endian integer as a JS number (exact below 2^53). */
export function readInt64(buf: Buffer, pos: number): number {
  return buf.readInt32BE(pos) * 0x1_0000_0000 + buf.readUInt32BE(pos + 4);
}

/** Writes a JS integer (|n| < 2^53) as a signed 64-bit big-endian integer. */
export function writeInt64(buf: Buffer, pos: number, value: number): void {
  const high = Math.floor(value / 0x1_0000_0000);
  buf.writeInt32BE(high, pos);
  buf.writeUInt32BE(value - high * 0x1_0000_0000, pos + 4);
}

/** Parses the 61-byte header at `pos`; the caller guarantees the bytes are there. */
export function readBatchHeader(buf: Buffer, pos: number): BatchHeader {
  return {
    position: pos,
    size: buf.readInt32BE(pos + BatchField.batchLength) + BATCH_LENGTH_PREFIX,
    baseOffset: readInt64(buf, pos + BatchField.baseOffset),
    partitionLeaderEpoch: buf.readInt32BE(pos + BatchField.partitionLeaderEpoch),
    magic: buf.readInt8(pos + BatchField.magic),
    crc: buf.readUInt32BE(pos + BatchField.crc),
    attributes: buf.readInt16BE(pos + BatchField.attributes),
    lastOffsetDelta: buf.readInt32BE(pos + BatchField.lastOffsetDelta),
    baseTimestamp: readInt64(buf, pos + BatchField.baseTimestamp),
    maxTimestamp: readInt64(buf, pos + BatchField.maxTimestamp),
    producerId: readInt64(buf, pos + BatchField.producerId),
    producerEpoch: buf.readInt16BE(pos + BatchField.producerEpoch),
    baseSequence: buf.readInt32BE(pos + BatchField.baseSequence),
    recordsCount: buf.readInt32BE(pos + BatchField.recordsCount),
  };
}

/** CRC-32C of bytes 21..end of the batch, as stored in its CRC field. */
export function computeBatchCrc(buf: Buffer, batch: Pick<BatchHeader, 'position' | 'size'>): number {
  return crc32c(buf.subarray(batch.position + BatchField.attributes, batch.position + batch.size)) >>> 0;
}

export function compressionName(attributes: number): string {
  return COMPRESSION_NAMES[attributes & Attribute.compressionMask] ?? 'unknown';
}

function fail(errorCode: number, errorMessage: string, batches: BatchHeader[]): RecordSetCheck {
  return { errorCode, errorMessage, batches, recordCount: 0, maxTimestamp: -1 };
}

/**
 * Checks a record set sent by a producer, batch by batch, the way Kafka's log validator
 * does for magic 2: framing and CRC (CORRUPT_MESSAGE), magic, base offset, control
 * batches and record counts (INVALID_RECORD), and the batch size limit
 * (MESSAGE_TOO_LARGE). Never looks inside the records.
 */
export function validateRecordSet(records: Buffer, maxBatchBytes: number = Number.MAX_SAFE_INTEGER): RecordSetCheck {
  const batches: BatchHeader[] = [];
  let recordCount = 0;
  let maxTimestamp = -1;
  let pos = 0;
  if (records.length === 0) return fail(BatchError.CORRUPT_MESSAGE, 'empty record set', batches);
  while (pos < records.length) {
    const remaining = records.length - pos;
    // Magic sits at byte 16 in every message format, so check it before the v2 header size:
    // a v0/v1 message set is INVALID_RECORD, not a torn v2 batch.
    if (remaining > BatchField.magic) {
      const magic = records.readInt8(pos + BatchField.magic);
      if (magic !== CURRENT_MAGIC) {
        return fail(BatchError.INVALID_RECORD, `unsupported record batch magic ${magic}; only magic 2 is accepted`, batches);
      }
    }
    if (remaining < BATCH_HEADER_SIZE) {
      return fail(BatchError.CORRUPT_MESSAGE, `record set ends with a partial batch header (${remaining} bytes)`, batches);
    }
    const size = records.readInt32BE(pos + BatchField.batchLength) + BATCH_LENGTH_PREFIX;
    if (size < BATCH_HEADER_SIZE || size > remaining) {
      return fail(BatchError.CORRUPT_MESSAGE, `batch length ${size} does not fit the ${remaining} bytes left`, batches);
    }
    if (size > maxBatchBytes) {
      return fail(BatchError.MESSAGE_TOO_LARGE, `batch of ${size} bytes exceeds the limit of ${maxBatchBytes}`, batches);
    }
    const batch = readBatchHeader(records, pos);
    if (computeBatchCrc(records, batch) !== batch.crc) {
      return fail(BatchError.CORRUPT_MESSAGE, `batch CRC mismatch at byte ${pos}`, batches);
    }
    if (batch.baseOffset !== 0) {
      return fail(BatchError.INVALID_RECORD, `batch base offset must be 0 from a producer, got ${batch.baseOffset}`, batches);
    }
    if ((batch.attributes & Attribute.control) !== 0) {
      return fail(BatchError.INVALID_RECORD, 'control batches cannot be produced by clients', batches);
    }
    if (batch.recordsCount <= 0 || batch.recordsCount !== batch.lastOffsetDelta + 1) {
      return fail(
        BatchError.INVALID_RECORD,
        `record count ${batch.recordsCount} does not match last offset delta ${batch.lastOffsetDelta}`,
        batches,
      );
    }
    batches.push(batch);
    recordCount += batch.recordsCount;
    if (batch.maxTimestamp > maxTimestamp) maxTimestamp = batch.maxTimestamp;
    pos += size;
  }
  return { errorCode: BatchError.NONE, errorMessage: null, batches, recordCount, maxTimestamp };
}

/**
 * Gives consecutive batches consecutive offsets starting at `baseOffset` and stamps the
 * leader epoch, in place. Returns the offset after the last record.
 */
export function assignOffsets(
  records: Buffer,
  batches: readonly Pick<BatchHeader, 'position' | 'lastOffsetDelta'>[],
  baseOffset: number,
  leaderEpoch: number,
): number {
  let next = baseOffset;
  for (const batch of batches) {
    writeInt64(records, batch.position + BatchField.baseOffset, next);
    records.writeInt32BE(leaderEpoch, batch.position + BatchField.partitionLeaderEpoch);
    next += batch.lastOffsetDelta + 1;
  }
  return next;
}

/**
 * Walks the batches of a record set already in the log (trusted framing), calling `visit`
 * with each header. Stops early, returning false, at a batch that does not fit.
 */
export function forEachBatch(records: Buffer, visit: (batch: BatchHeader) => void): boolean {
  let pos = 0;
  while (pos < records.length) {
    if (records.length - pos < BATCH_HEADER_SIZE) return false;
    const size = records.readInt32BE(pos + BatchField.batchLength) + BATCH_LENGTH_PREFIX;
    if (size < BATCH_HEADER_SIZE || pos + size > records.length) return false;
    visit(readBatchHeader(records, pos));
    pos += size;
  }
  return true;
}
