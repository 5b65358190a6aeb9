/**
 * The idempotence check of one partition's record set, batch by batch, and the
 * bookkeeping after it was appended. Per batch, never per record: only the header fields
 * ProducerId, ProducerEpoch, BaseSequence and LastOffsetDelta are used.
 *
 * For a batch with ProducerId >= 0, in Kafka's order (UnifiedLog.analyzeAndValidateProducerState,
 * ProducerStateEntry.findDuplicateBatch, ProducerAppendInfo.checkProducerEpoch / checkSequence):
 *   1. same epoch as the producer's state and exactly the sequence range of one of its
 *      last 5 batches: a duplicate, acknowledged with the original offsets, not written;
 *   2. epoch below the producer's epoch on this partition, or below an epoch raised by
 *      InitProducerId: INVALID_PRODUCER_EPOCH (47);
 *   3. epoch above the partition's: the new epoch must start at sequence 0, else
 *      OUT_OF_ORDER_SEQUENCE_NUMBER (45);
 *   4. same epoch: BaseSequence must follow the last sequence (wrapping at 2^31-1 to 0),
 *      else OUT_OF_ORDER_SEQUENCE_NUMBER (45);
 *   5. no state for the producer on this partition:
 *      - the id was handed out by this broker within producer.id.expiration.ms (its state
 *        cannot have expired, see ProducerStates.recentlyAllocated), so the producer never
 *        wrote here: a non-zero sequence is a batch that overtook the producer's first one
 *        and is answered UNKNOWN_PRODUCER_ID (59), what Kafka before 2.5 answered for a
 *        non-zero sequence without state (the response's log start offset stays -1, which
 *        makes the Java client simply retry the batch);
 *      - otherwise (state expired, or an id this broker did not hand out recently): any
 *        sequence is accepted, as Kafka 2.5+ does (ProducerAppendInfo.checkSequence: "If
 *        there is no current producer epoch ... accept writes with any sequence number",
 *        KIP-360), because answering 59 there makes the producer reset and re-send.
 * Several batches in one record set are checked in order, each against the state the
 * earlier ones leave. A record set is all new (appended) or all duplicates of batches
 * stored back to back (acknowledged with the first one's offset): a set mixing the two
 * cannot be answered with one base offset and gets DUPLICATE_SEQUENCE_NUMBER (46). Real
 * clients send one batch per partition per request (Kafka requires that for v3+).
 */

import { ErrorCode } from '../../protocol/generated/errors.js';
import type { BatchHeader } from '../../protocol/record-batch.js';
import { inSequence, lastSequence, type PartitionKey, type ProducerStates } from './state.js';

export type Verdict =
  | { readonly kind: 'append' }
  | { readonly kind: 'duplicate'; readonly firstOffset: number }
  | { readonly kind: 'error'; readonly code: number; readonly message: string };

export const APPEND: Verdict = { kind: 'append' };

/** The header fields the check reads. */
export type ProducerBatch = Pick<BatchHeader, 'producerId' | 'producerEpoch' | 'baseSequence' | 'lastOffsetDelta' | 'maxTimestamp'>;

interface Pending {
  producerId: number;
  epoch: number;
  lastSeq: number;
}

function error(code: number, message: string): Verdict {
  return { kind: 'error', code, message };
}

export function checkRecordSet(states: ProducerStates, partition: PartitionKey, batches: readonly ProducerBatch[], now: number): Verdict {
  const producers = states.of(partition);
  let sawNew = false;
  let dupFirst = -1;
  let dupLast = -1;
  let pending: Pending[] | null = null;
  for (const b of batches) {
    const id = b.producerId;
    if (id < 0) {
      if (dupFirst >= 0) return mixed();
      sawNew = true;
      continue;
    }
    const epoch = b.producerEpoch;
    const first = b.baseSequence;
    if (epoch < 0 || first < 0) return error(ErrorCode.INVALID_RECORD, `idempotent batch of producer ${id} needs epoch and sequence >= 0, got epoch ${epoch} sequence ${first}`);
    const last = lastSequence(first, b.lastOffsetDelta);
    let mine: Pending | undefined;
    if (pending !== null) for (const p of pending) if (p.producerId === id) mine = p;
    const stored = producers?.get(id);

    if (mine === undefined && stored !== undefined && stored.epoch === epoch) {
      const dup = stored.batches.find((m) => m.firstSeq === first && m.lastSeq === last);
      if (dup !== undefined) {
        if (sawNew || (dupFirst >= 0 && dup.firstOffset !== dupLast + 1)) return mixed();
        if (dupFirst < 0) dupFirst = dup.firstOffset;
        dupLast = dup.lastOffset;
        continue;
      }
    }
    if (dupFirst >= 0) return mixed();

    const fence = states.fences.get(id);
    if (fence !== undefined && epoch < fence.epoch) {
      return error(ErrorCode.INVALID_PRODUCER_EPOCH, `producer ${id} epoch ${epoch} is fenced by epoch ${fence.epoch}`);
    }
    const curEpoch = mine?.epoch ?? stored?.epoch;
    if (curEpoch !== undefined) {
      const curLast = mine !== undefined ? mine.lastSeq : stored!.batches[stored!.batches.length - 1]!.lastSeq;
      if (epoch < curEpoch) {
        return error(ErrorCode.INVALID_PRODUCER_EPOCH, `producer ${id} epoch ${epoch} is smaller than the last seen epoch ${curEpoch}`);
      }
      if (epoch > curEpoch) {
        if (first !== 0) {
          return error(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, `producer ${id}: new epoch ${epoch} must start at sequence 0, got ${first} (current epoch ${curEpoch})`);
        }
      } else if (!inSequence(curLast, first)) {
        return error(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, `producer ${id} epoch ${epoch}: sequence ${first} does not follow ${curLast}`);
      }
    } else if (first !== 0 && states.recentlyAllocated(id, now)) {
      return error(ErrorCode.UNKNOWN_PRODUCER_ID, `producer ${id} has not written to this partition yet; its first batch must have sequence 0, got ${first}`);
    }
    sawNew = true;
    if (batches.length > 1) {
      if (mine === undefined) (pending ??= []).push({ producerId: id, epoch, lastSeq: last });
      else {
        mine.epoch = epoch;
        mine.lastSeq = last;
      }
    }
  }
  return dupFirst >= 0 ? { kind: 'duplicate', firstOffset: dupFirst } : APPEND;
}

function mixed(): Verdict {
  return error(ErrorCode.DUPLICATE_SEQUENCE_NUMBER, 'record set mixes batches already written with new ones; send them in separate requests');
}

/** Records the idempotent batches of a record set appended at `baseOffset`. */
export function recordAppended(states: ProducerStates, partition: PartitionKey, batches: readonly ProducerBatch[], baseOffset: number): void {
  let offset = baseOffset;
  for (const b of batches) {
    if (b.producerId >= 0) states.record(partition, b.producerId, b.producerEpoch, b.baseSequence, b.lastOffsetDelta, offset, b.maxTimestamp);
    offset += b.lastOffsetDelta + 1;
  }
}
