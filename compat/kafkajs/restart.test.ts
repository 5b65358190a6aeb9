/**
 * Broker kill -9 in the middle of group consumption. A kafkajs consumer reads 9,000 messages
 * from 3 partitions, committing after each batch. After 3,000 deliveries its handler holds the
 * batch it is in; the broker is SIGKILLed and restarted on the same port and data dir:
 *   - the committed offsets (admin.fetchOffsets) after the restart are exactly the ones the
 *     consumer saw acknowledged before the kill (OffsetCommit is a WAL entry);
 *   - the consumer, released, rejoins the (restarted, empty) group and resumes from those
 *     offsets: every partition's first delivery after the restart is its committed offset,
 *     nothing is lost, nothing committed is read again, and the final committed offsets
 *     equal the end offsets.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Consumer } from 'kafkajs';
import { endOffsets, kafkaClient, pollUntil, startBroker, sum, type Broker } from '../harness.js';
import { Ledger } from './ledger.js';

const TOPIC = 'restart-mid-consume';
const GROUP = 'compat-restart';
const PARTITIONS = 3;
const TOTAL = 9_000;
const HOLD_AT = 3_000;

describe('broker kill -9 during consumption', () => {
  let broker: Broker | undefined;
  let consumer: Consumer | undefined;

  afterAll(async () => {
    await consumer?.disconnect().catch(() => undefined);
    await broker?.stop();
  });

  it('the group resumes from its committed offsets', { timeout: 120_000 }, async () => {
    broker = await startBroker();
    const b = broker;
    const kafka = kafkaClient(b.bootstrap, 'compat-restart', 10);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }], waitForLeaders: true });
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    for (let start = 0; start < TOTAL; start += 500) {
      await producer.send({ topic: TOPIC, acks: -1, messages: Array.from({ length: 500 }, (_, i) => ({ key: `key-${start + i}`, value: `value-${start + i}` })) });
    }
    await producer.disconnect();
    await admin.disconnect();
    const ends = await (async () => {
      const a = kafkaClient(b.bootstrap, 'compat-restart-ends').admin();
      await a.connect();
      try { return await endOffsets(a, TOPIC); } finally { await a.disconnect(); }
    })();
    expect(sum(ends.values())).toBe(TOTAL);

    const ledger = new Ledger();
    let restarted = false;
    const firstAfter = new Map<number, number>();
    let release!: () => void;
    const released = new Promise<void>((resolve) => { release = resolve; });
    let held!: () => void;
    const holding = new Promise<void>((resolve) => { held = resolve; });

    // Small fetches, so every partition has made (and committed) partial progress at the hold.
    consumer = kafka.consumer({ groupId: GROUP, sessionTimeout: 10_000, rebalanceTimeout: 10_000, heartbeatInterval: 500, maxBytesPerPartition: 8_192 });
    ledger.watchCommits(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        const offset = Number(message.offset);
        if (restarted && !firstAfter.has(partition)) firstAfter.set(partition, offset);
        ledger.deliver('X', partition, offset, message.key!.toString());
        if (!restarted && ledger.distinct >= HOLD_AT) {
          held();
          await released;
        }
      },
    });

    await Promise.race([holding, ledger.distinctReaches(TOTAL, 30_000).then(() => { throw new Error('consumed everything before the hold'); })]);
    const committedAtKill = new Map(ledger.committed);
    expect(committedAtKill.size, `every partition has a commit before the kill`).toBe(PARTITIONS);
    await b.kill('SIGKILL');
    await b.restart({ samePort: true });
    restarted = true;

    const admin2 = kafkaClient(b.bootstrap, 'compat-restart-check').admin();
    await admin2.connect();
    try {
      const offsets = await admin2.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
      const afterRestart = new Map(offsets[0]!.partitions.map((p) => [p.partition, Number(p.offset)]));
      for (let p = 0; p < PARTITIONS; p++) {
        expect(afterRestart.get(p), `partition ${p}: committed offset survives kill -9`).toBe(committedAtKill.get(p) ?? -1);
      }
      release();

      await ledger.distinctReaches(TOTAL, 60_000, `all ${TOTAL} messages after the restart`);
      expect(ledger.missing(ends)).toEqual([]);
      expect(ledger.violations, 'a committed message was delivered again').toEqual([]);
      for (let p = 0; p < PARTITIONS; p++) {
        const committed = committedAtKill.get(p);
        if (committed !== undefined && committed < ends.get(p)!) {
          expect(firstAfter.get(p), `partition ${p}: first delivery after the restart`).toBe(committed);
        }
      }
      const final = await pollUntil(async () => {
        const o = await admin2.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
        const m = new Map(o[0]!.partitions.map((x) => [x.partition, Number(x.offset)]));
        return [...ends].every(([p, e]) => m.get(p) === e) ? m : undefined;
      }, 'final commits', 20_000);
      for (const [p, e] of ends) expect(final.get(p)).toBe(e);
      console.log(
        `restart: committed at kill ${[...committedAtKill].map(([p, o]) => `${p}:${o}`).join(' ')}, ` +
          `first after ${[...firstAfter].map(([p, o]) => `${p}:${o}`).join(' ')}, ${ledger.duplicates} duplicates`,
      );
    } finally {
      release();
      await admin2.disconnect();
    }
  });
});
