/**
 * Fetch (key 1), versions 4-12.
 *
 * - Batches go back verbatim from the log, starting with the batch that holds the fetch
 *   offset (clients skip the records before it). Batches still in memory are served from
 *   it; older ones are read back from the WAL with positional reads. Batches of 4 KiB or
 *   more leave as their own segments of the answer's writev, never copied (zero-copy);
 *   smaller ones are copied once into the frame (no Buffer.concat per partition).
 * - Limits: `partition_max_bytes` per partition and `max_bytes` in all, in whole batches.
 *   The first partition with data always gets at least one whole batch (KIP-74), and any
 *   other partition gets its first batch even above `partition_max_bytes` when it fits
 *   in what is left of `max_bytes`, so a large batch cannot stall a consumer.
 * - Long polling: when less than `min_bytes` is ready the request waits up to
 *   `max_wait_ms` and is woken when a produce makes data visible (Broker.waitForData, no
 *   timer loop); it re-plans only when one of its partitions moved. Nothing is read from
 *   the WAL until the answer is ready to go.
 * - High watermark = last stable offset (no transactions), so read_uncommitted and
 *   read_committed read the same records; read_committed answers get an empty (not null)
 *   aborted-transactions list, as Kafka sends.
 * - Errors per partition: UNKNOWN_TOPIC_OR_PARTITION, OFFSET_OUT_OF_RANGE (below the log
 *   start offset or above the log end offset), FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH
 *   for a `current_leader_epoch` older / newer than ours, KAFKA_STORAGE_ERROR when a WAL
 *   read fails (the broker keeps running). An errored partition carries -1 offsets, as in Kafka.
 * - Sessions (v7+): none are kept. Epoch -1 or 0 is a full fetch (whatever the session
 *   id, as Kafka treats them) answered with session id 0 (sessionless); any other epoch
 *   names a session we never issued: FETCH_SESSION_ID_NOT_FOUND. forgotten_topics_data
 *   is ignored (every full fetch lists its partitions).
 */

import { ErrorCode } from '../../protocol/generated/errors.js';
import {
  FetchApi,
  createFetchResponse,
  createFetchResponseFetchableTopicResponse,
  createFetchResponsePartitionData,
  readFetchRequest,
  sizeFetchResponse,
  writeFetchResponse,
  type FetchRequest,
  type FetchResponse,
  type FetchResponsePartitionData,
} from '../../protocol/generated/fetch.js';
import { GatherWriter, Writer } from '../../protocol/primitives.js';
import { sizeOfUvarint } from '../../protocol/sizes.js';
import type { Broker } from '../broker.js';
import type { BatchLocation, BrokerLog, PartitionState } from '../log/index.js';
import { leaderEpochError } from './support.js';
import { defineHandler, type RequestContext } from './types.js';

const NO_RECORDS = Buffer.alloc(0);
const NO_PIECES: readonly Buffer[] = [];
const READ_COMMITTED = 1;
const FINAL_EPOCH = -1;
const INITIAL_EPOCH = 0;

/** One requested partition: where its answer goes and what will fill it. */
interface Slot {
  out: FetchResponsePartitionData;
  topic: string;
  partition: PartitionState | undefined;
  fetchOffset: number;
  locations: BatchLocation[];
  /** Record bytes, filled by the read phase; written into the frame in order. */
  pieces: readonly Buffer[];
}

/** What the handler answers: the response with empty record sets, plus each partition's batches. */
interface FetchAnswer {
  response: FetchResponse;
  /** One entry per partition, in response order. */
  slots: Slot[];
}

interface Plan extends FetchAnswer {
  bytes: number;
  hasError: boolean;
}

function fail(out: FetchResponsePartitionData, errorCode: number): void {
  out.errorCode = errorCode;
  out.highWatermark = -1n;
  out.lastStableOffset = -1n;
  out.logStartOffset = -1n;
}

/** Decides what to send from the index alone (synchronous, no I/O). */
function plan(log: BrokerLog, request: FetchRequest): Plan {
  const response = createFetchResponse();
  const slots: Slot[] = [];
  const abortedTransactions = request.isolationLevel === READ_COMMITTED ? [] : null;
  let budget = request.maxBytes;
  let bytes = 0;
  let hasError = false;
  for (const wanted of request.topics) {
    const topicOut = createFetchResponseFetchableTopicResponse();
    topicOut.topic = wanted.topic;
    topicOut.topicId = wanted.topicId;
    response.responses.push(topicOut);
    const topic = log.topic(wanted.topic);
    for (const p of wanted.partitions) {
      const out = createFetchResponsePartitionData();
      out.partitionIndex = p.partition;
      out.abortedTransactions = abortedTransactions;
      // Kafka sends an empty record set, never a null one; librdkafka rejects null.
      out.records = NO_RECORDS;
      topicOut.partitions.push(out);
      const partition = topic?.partitions[p.partition];
      const fetchOffset = Number(p.fetchOffset);
      const slot: Slot = { out, topic: wanted.topic, partition, fetchOffset, locations: [], pieces: NO_PIECES };
      slots.push(slot);
      if (!partition) {
        fail(out, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        hasError = true;
        continue;
      }
      const epochError = leaderEpochError(p.currentLeaderEpoch, partition);
      if (epochError !== ErrorCode.NONE) {
        fail(out, epochError);
        hasError = true;
        continue;
      }
      if (fetchOffset < partition.logStartOffset || fetchOffset > partition.logEndOffset) {
        fail(out, ErrorCode.OFFSET_OUT_OF_RANGE);
        hasError = true;
        continue;
      }
      out.highWatermark = BigInt(partition.highWatermark);
      out.lastStableOffset = out.highWatermark;
      out.logStartOffset = BigInt(partition.logStartOffset);
      const first = bytes === 0;
      if (p.partitionMaxBytes <= 0 || (!first && budget <= 0)) continue;
      // batchesFrom always includes the first batch; a later partition's first batch may
      // exceed its partition_max_bytes but not what is left of max_bytes.
      const located = partition.batchesFrom(fetchOffset, Math.min(p.partitionMaxBytes, budget));
      if (located.length === 0 || (!first && located[0]!.length > budget)) continue;
      let size = 0;
      for (const loc of located) size += loc.length;
      slot.locations = located;
      bytes += size;
      budget -= size;
    }
  }
  return { response, slots, bytes, hasError };
}

/** Fetches the bytes of every planned batch; a failed read becomes that partition's error. */
async function read(broker: Broker, planned: Plan): Promise<FetchAnswer> {
  const { log } = broker;
  const reads: Array<Promise<void>> = [];
  for (const slot of planned.slots) {
    const locs = slot.locations;
    if (locs.length === 0) continue;
    if (locs.every((l) => l.bytes !== undefined)) {
      slot.pieces = locs.map((l) => l.bytes!);
      continue;
    }
    reads.push(
      Promise.all(locs.map((l) => l.bytes ?? log.readBatch(l))).then(
        (pieces) => {
          slot.pieces = pieces;
        },
        (err: Error) => {
          slot.locations = [];
          const p = slot.partition!;
          const current = log.topic(slot.topic)?.partitions[p.partition];
          if (current !== p) fail(slot.out, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
          else if (slot.fetchOffset < p.logStartOffset) fail(slot.out, ErrorCode.OFFSET_OUT_OF_RANGE);
          else {
            broker.logger.error(`fetch of ${slot.topic}-${p.partition} at offset ${slot.fetchOffset} failed to read the WAL: ${err.message}`);
            fail(slot.out, ErrorCode.KAFKA_STORAGE_ERROR);
          }
        },
      ),
    );
  }
  if (reads.length > 0) await Promise.all(reads);
  return planned;
}

/** The partitions a waiting fetch watches, with the high watermark and start offset it last saw. */
function snapshot(log: BrokerLog, request: FetchRequest): number[] {
  const seen: number[] = [];
  for (const t of request.topics) {
    const topic = log.topic(t.topic);
    for (const p of t.partitions) {
      const partition = topic?.partitions[p.partition];
      seen.push(partition ? partition.highWatermark : -1, partition ? partition.logStartOffset : -1);
    }
  }
  return seen;
}

function moved(before: number[], after: number[]): boolean {
  for (let i = 0; i < before.length; i++) if (before[i] !== after[i]) return true;
  return false;
}

function sessionError(errorCode: number): FetchAnswer {
  const response = createFetchResponse();
  response.errorCode = errorCode;
  return { response, slots: [] };
}

async function handleFetch(request: FetchRequest, context: RequestContext): Promise<FetchAnswer> {
  const { broker, apiVersion } = context;
  if (apiVersion >= 7 && request.sessionEpoch !== FINAL_EPOCH && request.sessionEpoch !== INITIAL_EPOCH) {
    return sessionError(ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
  }
  const deadline = Date.now() + Math.max(0, request.maxWaitMs);
  for (;;) {
    const planned = plan(broker.log, request);
    if (planned.bytes >= request.minBytes || planned.hasError || broker.closing || Date.now() >= deadline) {
      return read(broker, planned);
    }
    // Sleep until one of our partitions moves (or the deadline); other partitions' produces
    // wake us too, so check before re-planning.
    const seen = snapshot(broker.log, request);
    for (;;) {
      const remaining = deadline - Date.now();
      if (remaining <= 0 || broker.closing) break;
      await broker.waitForData(remaining);
      if (moved(seen, snapshot(broker.log, request))) break;
    }
  }
}

/**
 * Batches at least this large go out from where they are (the log's memory or the buffer a
 * WAL read filled) as their own segment of the answer's writev; smaller ones are copied into
 * the frame, where an extra segment would cost more than the copy.
 */
const GATHER_MIN_BYTES = 4096;

/**
 * Writes record sets from `pieces` in place of the (empty) records the generated encoder
 * is given: every nullable-bytes field of a Fetch response is a partition's records, met
 * in response order. So the generated codec writes everything else. Given the router's
 * GatherWriter, a batch of GATHER_MIN_BYTES or more is not copied at all (zero-copy); any
 * other is copied once, from the log's buffer into the frame.
 */
class RecordsWriter extends Writer {
  private next = 0;
  /** The router's GatherWriter, whose buffer this writes into; null for a plain Writer. */
  private readonly gather: GatherWriter | null;

  constructor(
    outer: Writer,
    private readonly slots: readonly Slot[],
  ) {
    super(outer.buf, outer.offset);
    this.gather = outer instanceof GatherWriter ? outer : null;
  }

  override nullableBytes(_placeholder: Uint8Array | null): void {
    const pieces = this.take();
    this.int32(total(pieces));
    this.pieces(pieces);
  }

  override compactNullableBytes(_placeholder: Uint8Array | null): void {
    const pieces = this.take();
    this.uvarint(total(pieces) + 1);
    this.pieces(pieces);
  }

  private pieces(pieces: readonly Buffer[]): void {
    const gather = this.gather;
    for (const p of pieces) {
      if (gather !== null && p.length >= GATHER_MIN_BYTES) {
        gather.offset = this.offset;
        gather.gather(p);
      } else {
        this.raw(p);
      }
    }
  }

  private take(): readonly Buffer[] {
    const slot = this.slots[this.next++];
    if (slot === undefined) throw new Error('fetch response has more record sets than partitions');
    return slot.pieces;
  }
}

function total(pieces: readonly Buffer[]): number {
  let n = 0;
  for (const p of pieces) n += p.length;
  return n;
}

function sizeFetchAnswer(version: number, answer: FetchAnswer): number {
  let n = sizeFetchResponse(version, answer.response);
  const flexible = version >= 12;
  for (const slot of answer.slots) {
    const bytes = total(slot.pieces);
    // The generated size counted an empty record set; add the bytes and any longer prefix.
    n += bytes + (flexible ? sizeOfUvarint(bytes + 1) - 1 : 0);
  }
  return n;
}

/** The record bytes RecordsWriter gathers instead of copying (see GATHER_MIN_BYTES). */
function gatheredFetchBytes(_version: number, answer: FetchAnswer): number {
  let n = 0;
  for (const slot of answer.slots) for (const p of slot.pieces) if (p.length >= GATHER_MIN_BYTES) n += p.length;
  return n;
}

function writeFetchAnswer(w: Writer, version: number, answer: FetchAnswer): void {
  const rw = new RecordsWriter(w, answer.slots);
  writeFetchResponse(rw, version, answer.response);
  w.offset = rw.offset;
}

export const fetchHandler = defineHandler<FetchRequest, FetchAnswer>({
  apiKey: FetchApi.apiKey,
  name: FetchApi.name,
  minVersion: 4,
  maxVersion: 12,
  readRequest: readFetchRequest,
  sizeResponse: sizeFetchAnswer,
  writeResponse: writeFetchAnswer,
  gatheredBytes: gatheredFetchBytes,
  handle: handleFetch,
});
