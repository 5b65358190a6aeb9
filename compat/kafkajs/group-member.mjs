// A kafkajs consumer-group member in its own process, so a test can crash it with SIGKILL
// (no LeaveGroup, no commit, heartbeats just stop). Plain JS: it runs under node directly.
//
// Configuration in the environment: BOOTSTRAP, GROUP, TOPIC, SESSION_TIMEOUT_MS,
// REBALANCE_TIMEOUT_MS, HEARTBEAT_MS, HOLD_AFTER (after reporting that many messages it holds
// its current batch forever: delivered, never committed, as a crash mid-batch leaves it).
// Reports to the parent over IPC:
//   { t: 'join', memberId, assignment: number[] }        on every GROUP_JOIN
//   { t: 'msgs', items: [[partition, offset, key], ...] } delivered messages, sent before
//                                                         the handler returns (so before commit)
//   { t: 'commit', offsets: [[partition, offset], ...] } after each successful OffsetCommit
//   { t: 'holding' }                                     once it holds a batch (HOLD_AFTER)
import { Kafka, logLevel } from 'kafkajs';

const env = process.env;
const kafka = new Kafka({
  clientId: 'compat-group-child',
  brokers: [env.BOOTSTRAP],
  logLevel: logLevel.NOTHING,
  retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 1000 },
});
const consumer = kafka.consumer({
  groupId: env.GROUP,
  sessionTimeout: Number(env.SESSION_TIMEOUT_MS),
  rebalanceTimeout: Number(env.REBALANCE_TIMEOUT_MS),
  heartbeatInterval: Number(env.HEARTBEAT_MS),
});
consumer.on(consumer.events.GROUP_JOIN, (e) => {
  const assignment = Object.values(e.payload.memberAssignment).flat();
  process.send({ t: 'join', memberId: e.payload.memberId, assignment });
});
consumer.on(consumer.events.COMMIT_OFFSETS, (e) => {
  const offsets = e.payload.topics.flatMap((t) => t.partitions.map((p) => [p.partition, Number(p.offset)]));
  process.send({ t: 'commit', offsets });
});
const holdAfter = Number(env.HOLD_AFTER ?? Infinity);
let reported = 0;
await consumer.connect();
await consumer.subscribe({ topic: env.TOPIC, fromBeginning: true });
await consumer.run({
  eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
    const items = batch.messages.map((m) => [batch.partition, Number(m.offset), m.key.toString()]);
    await new Promise((resolve) => process.send({ t: 'msgs', items }, resolve));
    reported += items.length;
    if (reported >= holdAfter) {
      process.send({ t: 'holding' });
      await new Promise(() => undefined); // until SIGKILL
    }
    for (const m of batch.messages) resolveOffset(m.offset);
    await heartbeat();
  },
});
process.send({ t: 'running' });
