/**
 * A kafkajs consumer group of 3 members on a 6-partition topic, 60,000 keyed messages:
 *   - members A and B run in this process (eachMessage), member C in a child process
 *     (group-member.mjs, eachBatch) so it can be crashed with SIGKILL;
 *   - once all three share the 6 partitions, the first 30,000 messages are produced; C holds
 *     a batch after 2,000 (delivered, not committed); when half of the 30,000 were delivered,
 *     B disconnects (LeaveGroup) and C is killed mid-batch (no LeaveGroup: its session, 6 s,
 *     must expire); then the other 30,000 are produced;
 *   - A ends up with every partition and the test waits until all 60,000 were delivered.
 * Checks: every offset of every partition delivered with the key that was produced, no
 * message lost; a message delivered twice was never behind the group's committed offset
 * (duplicates only in the uncommitted window), and C's held batch is delivered again to a
 * surviving member; the committed offsets (admin.fetchOffsets)
 * end equal to the end offsets (admin.fetchTopicOffsets).
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin, Consumer, Kafka, Producer } from 'kafkajs';
import { endOffsets, kafkaClient, pollUntil, startBroker, sum, type Broker } from '../harness.js';
import { Ledger, when } from './ledger.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const TOPIC = 'group-60k';
const GROUP = 'compat-group-60k';
const PARTITIONS = 6;
const HALF = 30_000;
const C_HOLDS_AFTER = 2_000;
const SESSION = { sessionTimeout: 6_000, rebalanceTimeout: 8_000, heartbeatInterval: 500 };

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

async function produceRange(producer: Producer, from: number, to: number): Promise<void> {
  for (let start = from; start < to; start += 1_000) {
    const messages = [];
    for (let i = start; i < Math.min(to, start + 1_000); i++) messages.push({ key: `key-${i}`, value: `value-${i}` });
    await producer.send({ topic: TOPIC, acks: 1, messages });
  }
}

describe('kafkajs consumer group: 3 members, one leaves, one crashes', () => {
  let broker: Broker;
  let kafka: Kafka;
  let admin: Admin;
  let child: ChildProcess | undefined;
  const consumers: Consumer[] = [];

  beforeAll(async () => {
    broker = await startBroker();
    kafka = kafkaClient(broker.bootstrap, 'compat-group');
    admin = kafka.admin();
    await admin.connect();
  });

  afterAll(async () => {
    child?.kill('SIGKILL');
    for (const c of consumers) await c.disconnect().catch(() => undefined);
    await admin?.disconnect();
    await broker?.stop();
  });

  it('delivers all 60,000 messages; duplicates only where uncommitted; committed == end offsets', { timeout: 120_000 }, async () => {
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }], waitForLeaders: true });
    const ledger = new Ledger();
    const assignments = new Map<string, number[]>(); // member name -> partitions of its last join
    const allJoined = when(() => {
      if (assignments.size < 3) return false;
      const all = [...assignments.values()].flat();
      return [...assignments.values()].every((a) => a.length > 0) && all.length === PARTITIONS && new Set(all).size === PARTITIONS;
    }, 45_000, 'A, B and C to share the 6 partitions');

    const startMember = async (name: string): Promise<Consumer> => {
      const consumer = kafka.consumer({ groupId: GROUP, ...SESSION, retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 1_000 } });
      consumers.push(consumer);
      ledger.watchCommits(consumer);
      consumer.on(consumer.events.GROUP_JOIN, (e) => {
        assignments.set(name, Object.values(e.payload.memberAssignment).flat());
        allJoined.poke();
      });
      await consumer.connect();
      await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ partition, message }) => {
          ledger.deliver(name, partition, Number(message.offset), message.key!.toString());
        },
      });
      return consumer;
    };

    const a = await startMember('A');
    const b = await startMember('B');
    child = fork(path.join(HERE, 'group-member.mjs'), [], {
      env: {
        ...process.env,
        BOOTSTRAP: broker.bootstrap,
        GROUP,
        TOPIC,
        SESSION_TIMEOUT_MS: String(SESSION.sessionTimeout),
        REBALANCE_TIMEOUT_MS: String(SESSION.rebalanceTimeout),
        HEARTBEAT_MS: String(SESSION.heartbeatInterval),
        HOLD_AFTER: String(C_HOLDS_AFTER),
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const childExit = new Promise<void>((resolve) => child!.once('exit', () => resolve()));
    let cHeld!: () => void;
    const cHolding = new Promise<void>((resolve) => { cHeld = resolve; });
    const cHeldBatch: string[] = []; // "p:o" of the last batch C reported
    child.on('message', (m: { t: string; assignment?: number[]; items?: Array<[number, number, string]>; offsets?: Array<[number, number]> }) => {
      if (m.t === 'holding') {
        cHeld();
      } else if (m.t === 'join') {
        assignments.set('C', m.assignment!);
        allJoined.poke();
      } else if (m.t === 'msgs') {
        cHeldBatch.splice(0, cHeldBatch.length, ...m.items!.map(([p, o]) => `${p}:${o}`));
        for (const [p, o, k] of m.items!) ledger.deliver('C', p, o, k);
      } else if (m.t === 'commit') {
        for (const [p, o] of m.offsets!) ledger.commit(p, o);
      }
    });
    await allJoined.promise;

    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      await produceRange(producer, 0, HALF);
      await ledger.distinctReaches(HALF / 2, 30_000);
      await withTimeout(cHolding, 30_000, 'C to hold a batch');
      expect(ledger.byMember.get('C') ?? 0, 'C consumed before its crash').toBeGreaterThan(0);
      expect(ledger.byMember.get('B') ?? 0, 'B consumed before it left').toBeGreaterThan(0);

      // C crashes (no LeaveGroup), B leaves cleanly, and the stream goes on.
      child.kill('SIGKILL');
      await childExit;
      await b.disconnect();
      await produceRange(producer, HALF, 2 * HALF);
    } finally {
      await producer.disconnect();
    }

    await ledger.distinctReaches(2 * HALF, 60_000, 'all 60,000 messages');
    const ends = await endOffsets(admin, TOPIC);
    expect(sum(ends.values())).toBe(2 * HALF);
    expect(ledger.missing(ends), 'offsets never delivered').toEqual([]);
    expect(ledger.distinct).toBe(2 * HALF);
    const keys = new Set(ledger.keys.values());
    for (let i = 0; i < 2 * HALF; i++) if (!keys.has(`key-${i}`)) throw new Error(`key-${i} was never delivered`);
    expect(ledger.violations, 'a committed message was delivered again').toEqual([]);
    expect(cHeldBatch.length).toBeGreaterThan(0);
    for (const id of cHeldBatch) expect(ledger.deliveries.get(id), `${id} of C's uncommitted batch delivered again`).toBeGreaterThanOrEqual(2);
    expect(assignments.get('A')?.slice().sort(), 'A owns every partition at the end').toEqual([0, 1, 2, 3, 4, 5]);

    // kafkajs commits after each batch; wait (bounded) for the last commit to land.
    const committed = await pollUntil(async () => {
      const offsets = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
      const byPartition = new Map(offsets[0]!.partitions.map((p) => [p.partition, Number(p.offset)]));
      return [...ends].every(([p, end]) => byPartition.get(p) === end) ? byPartition : undefined;
    }, 'committed offsets to reach the end offsets', 20_000);
    for (const [p, end] of ends) expect(committed.get(p), `partition ${p} committed`).toBe(end);
    await a.disconnect();
    console.log(
      `consumer group: ${ledger.distinct} distinct, ${ledger.duplicates} duplicate deliveries; per member ` +
        [...ledger.byMember].map(([m, n]) => `${m}=${n}`).join(' '),
    );
  });
});
