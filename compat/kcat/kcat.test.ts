/**
 * kcat (librdkafka, from Debian) against a real broker process: metadata listing, and
 * line-per-message produce at acks=all and acks=1, checked through ListOffsets (kafkajs admin).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin } from 'kafkajs';
import { describeRun, endOffsets, kafkaClient, runKcat, startBroker, sum, type Broker } from '../harness.js';

interface KcatMetadata {
  brokers: Array<{ id: number; name: string }>;
  topics: Array<{ topic: string; partitions: Array<{ partition: number; leader: number }> }>;
}

describe('kcat against sluice', () => {
  let broker: Broker;
  let admin: Admin;

  beforeAll(async () => {
    broker = await startBroker();
    admin = kafkaClient(broker.bootstrap, 'compat-kcat-admin').admin();
    await admin.connect();
  });

  afterAll(async () => {
    await admin?.disconnect();
    await broker?.stop();
  });

  it('kcat -L lists the broker and its topics', async () => {
    await admin.createTopics({ topics: [{ topic: 'listed', numPartitions: 2 }], waitForLeaders: true });

    const plain = await runKcat(['-b', broker.bootstrap, '-L', '-m', '10']);
    expect(plain.code, describeRun(plain)).toBe(0);
    expect(plain.stdout).toMatch(new RegExp(`broker -?\\d+ at ${broker.host.replace(/\./g, '\\.')}:${broker.port}`));
    expect(plain.stdout).toMatch(/topic "listed" with 2 partitions/);

    const json = await runKcat(['-b', broker.bootstrap, '-L', '-J', '-m', '10']);
    expect(json.code, describeRun(json)).toBe(0);
    const md = JSON.parse(json.stdout) as KcatMetadata;
    expect(md.brokers).toHaveLength(1);
    expect(md.brokers[0]!.name).toBe(broker.bootstrap);
    const listed = md.topics.find((t) => t.topic === 'listed');
    expect(listed?.partitions.map((p) => p.partition).sort()).toEqual([0, 1]);
    for (const p of listed!.partitions) expect(p.leader).toBe(md.brokers[0]!.id);
  });

  it('kcat -P at acks=all then acks=1 produces every stdin line (topic auto-created)', async () => {
    const topic = 'orders';
    const allLines = Array.from({ length: 50 }, (_, i) => `order-${i} {"qty":${i}}`);
    const all = await runKcat(['-b', broker.bootstrap, '-P', '-t', topic, '-X', 'acks=all'], allLines.join('\n') + '\n');
    expect(all.code, describeRun(all)).toBe(0);
    expect(all.stderr).not.toMatch(/error|failed/i);
    let ends = await endOffsets(admin, topic);
    expect(sum(ends.values())).toBe(allLines.length);

    // Keyed this time (-K), acks=1: the end offset grows by exactly the number of lines.
    const oneLines = Array.from({ length: 30 }, (_, i) => `customer-${i % 4}:order-${50 + i}`);
    const one = await runKcat(['-b', broker.bootstrap, '-P', '-t', topic, '-K', ':', '-X', 'acks=1'], oneLines.join('\n') + '\n');
    expect(one.code, describeRun(one)).toBe(0);
    expect(one.stderr).not.toMatch(/error|failed/i);
    ends = await endOffsets(admin, topic);
    expect(sum(ends.values())).toBe(allLines.length + oneLines.length);
    const starts = await admin.fetchTopicOffsets(topic);
    for (const o of starts) expect(Number(o.low)).toBe(0);
  });

  it('kcat -P with headers and a compression codec off produces to an explicit partition', async () => {
    await admin.createTopics({ topics: [{ topic: 'payments', numPartitions: 3 }], waitForLeaders: true });
    const lines = Array.from({ length: 12 }, (_, i) => `pay-${i}`);
    const res = await runKcat(
      ['-b', broker.bootstrap, '-P', '-t', 'payments', '-p', '2', '-H', 'source=kcat', '-X', 'acks=all', '-X', 'compression.codec=none'],
      lines.join('\n') + '\n',
    );
    expect(res.code, describeRun(res)).toBe(0);
    const ends = await endOffsets(admin, 'payments');
    expect([0, 1, 2].map((p) => ends.get(p))).toEqual([0, 0, lines.length]);
  });
});
