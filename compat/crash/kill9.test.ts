/**
 * Crash durability: while a kafkajs producer sends continuously to a 3-partition topic, the
 * broker is killed with SIGKILL, restarted on the same data dir, and every acknowledged batch
 * must still be there at its acknowledged offset:
 *   - ListOffsets: each partition's end offset >= every acknowledged baseOffset + count;
 *   - `dump-log --verify` exits 0 (the log is intact after recovery);
 *   - the dump lists each acknowledged batch at its acknowledged base offset with its count,
 *     and each partition's batches tile [0, end) with no gap or overlap.
 * Fetch is not implemented yet, so the check goes through ListOffsets and the dump only.
 */
import { describe, expect, it } from 'vitest';
import type { Message } from 'kafkajs';
import { parseDumpLog, partsByPartition } from '../dump-log.js';
import { describeRun, endOffsets, kafkaClient, runDumpLog, startBroker } from '../harness.js';

const PARTITIONS = 3;
const WORKERS = 4;
const PER_PARTITION = 5; // records per partition per send
const ACKS_BEFORE_KILL = 300; // acknowledged (partition, batch) pairs, i.e. 100 sends
const MAX_SENDS_PER_WORKER = 5_000; // bound: the kill comes long before this
const VALUE = 'x'.repeat(200);

interface Ack { partition: number; baseOffset: number; count: number }

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

async function crashAndRecover(acks: 1 | -1): Promise<void> {
  const topic = `crash-acks-${acks === -1 ? 'all' : '1'}`;
  const broker = await startBroker({ overrides: { 'wal.sync.policy': 'always' } });
  try {
    const kafka = kafkaClient(broker.bootstrap, `compat-crash-${acks}`, 0);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
    await admin.disconnect();

    const producer = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
    await producer.connect();

    const acked: Ack[] = [];
    const failuresBeforeKill: unknown[] = [];
    let killed = false;
    let inFlight = 0;
    let failedInFlight = 0;
    let reachedTarget!: () => void;
    const target = new Promise<void>((resolve) => { reachedTarget = resolve; });

    const worker = async (w: number): Promise<void> => {
      for (let i = 0; i < MAX_SENDS_PER_WORKER && !killed; i++) {
        const messages: Message[] = [];
        for (let p = 0; p < PARTITIONS; p++) {
          for (let k = 0; k < PER_PARTITION; k++) messages.push({ partition: p, key: `w${w}-${i}-${k}`, value: VALUE });
        }
        inFlight++;
        try {
          const result = await producer.send({ topic, acks, messages });
          // A response that arrived is an acknowledgement, even if it is processed after the kill.
          for (const r of result) {
            if (r.errorCode !== 0) throw new Error(`partition ${r.partition}: error ${r.errorCode}`);
            acked.push({ partition: r.partition, baseOffset: Number(r.baseOffset), count: PER_PARTITION });
          }
          if (acked.length >= ACKS_BEFORE_KILL) reachedTarget();
        } catch (err) {
          if (killed) failedInFlight++;
          else {
            failuresBeforeKill.push(err);
            reachedTarget();
          }
          return;
        } finally {
          inFlight--;
        }
      }
    };
    const workers = Array.from({ length: WORKERS }, (_, w) => worker(w));

    await withTimeout(target, 30_000, `${ACKS_BEFORE_KILL} acknowledgements\n${broker.logs().slice(-4000)}`);
    expect(failuresBeforeKill, 'no produce failed before the kill').toEqual([]);
    const inFlightAtKill = inFlight;
    killed = true;
    await broker.kill('SIGKILL');
    await withTimeout(Promise.all(workers), 30_000, 'producer workers to stop after the kill');
    await withTimeout(producer.disconnect(), 10_000, 'producer disconnect').catch(() => undefined);
    expect(inFlightAtKill, 'requests were in flight when the broker died').toBeGreaterThan(0);
    expect(acked.length).toBeGreaterThanOrEqual(ACKS_BEFORE_KILL);

    // Acknowledged batches never overlap within a partition.
    const ackedByPartition = new Map<number, Ack[]>();
    for (const a of acked) ackedByPartition.set(a.partition, [...(ackedByPartition.get(a.partition) ?? []), a]);
    for (const [p, list] of ackedByPartition) {
      list.sort((a, b) => a.baseOffset - b.baseOffset);
      for (let i = 1; i < list.length; i++) {
        expect(list[i]!.baseOffset, `partition ${p} acks overlap`).toBeGreaterThanOrEqual(list[i - 1]!.baseOffset + list[i - 1]!.count);
      }
    }

    await broker.restart();
    const admin2 = kafkaClient(broker.bootstrap, `compat-crash-${acks}-verify`).admin();
    await admin2.connect();
    let ends: Map<number, number>;
    try {
      ends = await endOffsets(admin2, topic);
    } finally {
      await admin2.disconnect();
    }
    expect(ends.size).toBe(PARTITIONS);
    for (const [p, list] of ackedByPartition) {
      const needed = Math.max(...list.map((a) => a.baseOffset + a.count));
      expect(ends.get(p), `partition ${p}: end offset after restart covers every ack`).toBeGreaterThanOrEqual(needed);
    }

    // Stop the broker so the dump reads a quiet data dir.
    await broker.kill('SIGTERM');
    const dump = await runDumpLog(broker.dataDir, { verify: true });
    expect(dump.code, `dump-log --verify\n${describeRun(dump)}`).toBe(0);

    const dumped = partsByPartition(parseDumpLog(dump.stdout), topic);
    expect(dumped.size, `dump-log output names the batches of ${topic}:\n${dump.stdout.slice(0, 2000)}`).toBe(PARTITIONS);
    for (let p = 0; p < PARTITIONS; p++) {
      const parts = dumped.get(p)!;
      let next = 0;
      for (const part of parts) {
        expect(part.baseOffset, `partition ${p}: dumped batches are contiguous`).toBe(next);
        next += part.count;
      }
      expect(next, `partition ${p}: dump ends where ListOffsets ended`).toBe(ends.get(p));
      for (const a of ackedByPartition.get(p) ?? []) {
        const found = parts.find((d) => d.baseOffset === a.baseOffset);
        expect(found, `partition ${p}: acknowledged batch at ${a.baseOffset} is in the WAL`).toBeDefined();
        expect(found!.count, `partition ${p}: batch at ${a.baseOffset} has its ${a.count} records`).toBe(a.count);
      }
    }
    console.log(
      `kill -9 at acks=${acks}: ${acked.length} acknowledged batches, ${inFlightAtKill} sends in flight at the kill ` +
        `(${failedInFlight} failed), end offsets ${[...ends.entries()].map(([p, o]) => `${p}:${o}`).join(' ')}`,
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- broker logs ---\n${broker.logs().slice(-6000)}`, { cause: err });
  } finally {
    await broker.stop();
  }
}

describe('kill -9 under load', () => {
  it('acks=1: every acknowledged record survives and keeps its offset', () => crashAndRecover(1));
  it('acks=all: every acknowledged record survives and keeps its offset', () => crashAndRecover(-1));
});
