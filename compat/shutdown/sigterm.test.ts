/**
 * Graceful shutdown: SIGTERM while a kafkajs producer has acks=all requests in flight. The
 * broker answers what it accepted, syncs the WAL and exits 0; after a restart every
 * acknowledged record is there, the log verifies, and nothing was cut by recovery.
 */
import { describe, expect, it } from 'vitest';
import { describeRun, endOffsets, kafkaClient, runDumpLog, startBroker } from '../harness.js';

const SENDS = 40;
const PER_SEND = 50;

describe('graceful shutdown', () => {
  it('SIGTERM finishes in-flight WAL work and exits 0', async () => {
    const broker = await startBroker();
    try {
      const kafka = kafkaClient(broker.bootstrap, 'compat-sigterm', 0);
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: 'drain', numPartitions: 2 }], waitForLeaders: true });
      await admin.disconnect();
      const producer = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
      await producer.connect();

      let acknowledged = 0;
      let firstAck!: () => void;
      const gotFirstAck = new Promise<void>((resolve) => (firstAck = resolve));
      const sends = Array.from({ length: SENDS }, (_, i) =>
        producer
          .send({
            topic: 'drain',
            acks: -1,
            messages: Array.from({ length: PER_SEND }, (_, k) => ({ key: `${i}-${k}`, value: 'v'.repeat(100) })),
          })
          .then(
            (meta) => {
              acknowledged += PER_SEND;
              firstAck();
              return meta;
            },
            () => null,
          ),
      );
      await gotFirstAck;
      const exit = new Promise<number | null>((resolve) => broker.process.once('exit', (code) => resolve(code)));
      await broker.kill('SIGTERM');
      expect(await exit, broker.logs()).toBe(0);
      await Promise.all(sends);
      await producer.disconnect().catch(() => undefined);
      expect(broker.logs()).toContain('finishing in-flight work');

      await broker.restart();
      expect(broker.logs()).not.toMatch(/truncating the last segment/);
      const verify = await runDumpLog(broker.dataDir, { verify: true });
      expect(verify.code, describeRun(verify)).toBe(0);
      const admin2 = kafkaClient(broker.bootstrap, 'compat-sigterm-check').admin();
      await admin2.connect();
      const ends = await endOffsets(admin2, 'drain');
      await admin2.disconnect();
      const total = [...ends.values()].reduce((a, b) => a + b, 0);
      expect(acknowledged).toBeGreaterThan(0);
      expect(total).toBeGreaterThanOrEqual(acknowledged);
    } finally {
      await broker.stop();
    }
  });
});
