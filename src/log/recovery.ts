/**
 * Reading the WAL back: segments in order, entries checked for length and CRC, read with
 * large positional reads (one syscall per chunk, not per entry, the next chunk read ahead
 * while this one is checked: segment-reader.ts), decoded through the
 * decoder table and handed to a visitor. Used by recovery at open and by the dump tool.
 *
 * The scan stops at the first problem and reports it; the caller decides what it means.
 * Only a torn or corrupt entry (bad length / CRC, or cut short by the end of the file)
 * in the LAST segment is cut by recovery; anything else refuses to start.
 */

import { ENTRY_HEADER_SIZE, EntryFormatError, PRODUCE_PART_SIZE, RECORD_DECODERS, checkFrame, type WalEntry } from './framing.js';
import { STATE_DECODERS } from './state-entries.js';
import type { WalFileSystem } from './fs.js';
import { SegmentReader } from './segment-reader.js';

export interface SegmentFile {
  firstSeq: number;
  path: string;
}

export interface EntryLocation {
  segment: SegmentFile;
  segmentIndex: number;
  /** Byte position of the entry (its length field) in the segment file. */
  position: number;
  /** Whole entry size in bytes (header included). */
  size: number;
  type: number;
  /** WAL sequence number of the entry. */
  seq: number;
}

export type ScanProblemKind =
  /** The entry runs past the end of the file (a torn write). */
  | 'torn'
  /** Bad length or CRC mismatch. */
  | 'corrupt'
  /** The CRC holds but the payload does not parse, or the type is unknown. */
  | 'format'
  /** Segment file names do not follow on from each other (a missing segment). */
  | 'sequence'
  /** The visitor rejected the entry (for example an offset that does not follow on). */
  | 'visitor';

export interface ScanProblem {
  kind: ScanProblemKind;
  file: string;
  position: number;
  reason: string;
  segmentIndex: number;
  lastSegment: boolean;
}

export interface ScanResult {
  /** Per segment: the byte length up to the end of the last good entry. */
  validSizes: number[];
  fileSizes: number[];
  entryCounts: number[];
  /** Sequence number after the last good entry. */
  nextSeq: number;
  problem: ScanProblem | null;
}

/** True for the problems recovery fixes by truncating the last segment. */
export function isCuttable(problem: ScanProblem): boolean {
  return problem.lastSegment && (problem.kind === 'torn' || problem.kind === 'corrupt');
}

/** The decoder table: one entry per type; unknown types are refused. */
const DECODERS: Record<number, (payload: Buffer) => WalEntry> = { ...RECORD_DECODERS, ...STATE_DECODERS };

export const DEFAULT_SCAN_CHUNK = 4 * 1024 * 1024;

/**
 * Scans `segments` (oldest first). The payload and record-set buffers handed to `visit`
 * are views of a reused read buffer: copy anything kept past the call.
 */
export async function scanWal(
  fs: WalFileSystem,
  segments: readonly SegmentFile[],
  visit: (entry: WalEntry, at: EntryLocation) => void,
  chunkSize: number = DEFAULT_SCAN_CHUNK,
  onSegment?: (segment: SegmentFile, index: number, size: number) => void,
): Promise<ScanResult> {
  const result: ScanResult = { validSizes: [], fileSizes: [], entryCounts: [], nextSeq: segments[0]?.firstSeq ?? 0, problem: null };
  const buffers: [Buffer, Buffer] = [Buffer.allocUnsafe(2 * chunkSize), Buffer.allocUnsafe(2 * chunkSize)];
  for (let si = 0; si < segments.length; si++) {
    const segment = segments[si]!;
    const lastSegment = si === segments.length - 1;
    const problem = (kind: ScanProblemKind, position: number, reason: string): ScanResult => {
      result.problem = { kind, file: segment.path, position, reason, segmentIndex: si, lastSegment };
      return result;
    };
    if (si > 0 && segment.firstSeq !== result.nextSeq) {
      result.validSizes.push(0);
      result.fileSizes.push(0);
      result.entryCounts.push(0);
      return problem('sequence', 0, `segment starts at entry ${segment.firstSeq} but the previous segment ends before entry ${result.nextSeq}`);
    }
    const handle = await fs.open(segment.path, 'read');
    let reader: SegmentReader | null = null;
    try {
      const size = await handle.size();
      onSegment?.(segment, si, size);
      result.fileSizes.push(size);
      result.validSizes.push(0);
      result.entryCounts.push(0);
      reader = new SegmentReader(handle, size, chunkSize, buffers);
      let cur = 0;
      let seq = segment.firstSeq;
      const finish = (): void => {
        result.validSizes[si] = cur;
        result.entryCounts[si] = seq - segment.firstSeq;
        result.nextSeq = seq;
      };
      while (cur < size) {
        const buf = reader.buf;
        const rel = reader.indexOf(cur);
        const check = checkFrame(buf, rel, reader.windowEnd);
        if (check.kind === 'bad') {
          finish();
          return problem('corrupt', cur, check.reason);
        }
        if (check.kind === 'short') {
          if (cur + check.need > size) {
            finish();
            return problem('torn', cur, `entry needs ${check.need} bytes but the file ends ${size - cur} bytes after its start`);
          }
          let loaded: boolean;
          try {
            loaded = await reader.load(cur, check.need);
          } catch (err) {
            throw new Error(`reading ${segment.path} at byte ${cur}: ${(err as Error).message}`, { cause: err });
          }
          if (!loaded) {
            finish();
            return problem('torn', cur, `file shrank while reading (entry needs ${check.need} bytes)`);
          }
          continue;
        }
        const decode = DECODERS[check.type];
        if (decode === undefined) {
          finish();
          return problem('format', cur, `unknown entry type ${check.type} (written by a newer version?)`);
        }
        let entry: WalEntry;
        try {
          entry = decode(buf.subarray(check.payloadStart, check.end));
        } catch (err) {
          finish();
          if (err instanceof EntryFormatError) return problem('format', cur, `entry type ${check.type}: ${err.message}`);
          throw err;
        }
        const entrySize = check.end - rel;
        try {
          visit(entry, { segment, segmentIndex: si, position: cur, size: entrySize, type: check.type, seq });
        } catch (err) {
          finish();
          return problem('visitor', cur, err instanceof Error ? err.message : String(err));
        }
        cur += entrySize;
        seq++;
      }
      finish();
    } finally {
      if (reader !== null) await reader.drain();
      await handle.close();
    }
  }
  return result;
}

/** File position of the record bytes of part `partIndex` given the lengths of the parts before it. */
export function produceRecordsPosition(entryPosition: number, partCount: number, bytesBefore: number): number {
  return entryPosition + ENTRY_HEADER_SIZE + 4 + PRODUCE_PART_SIZE * partCount + bytesBefore;
}
