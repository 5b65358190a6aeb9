/**
 * kcat (librdkafka, from Debian) against a real broker process: metadata listing,
 * line-per-message produce at acks=all and acks=1, checked through ListOffsets (kafkajs admin),
 * and the idempotent producer with each codec read back by kcat in group mode.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin } from 'kafkajs';
import { describeRun, endOffsets, kafkaClient, pollUntil, runKcat, startBroker, storedBatches, sum, type Broker } from '../harness.js';

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

  it.each(['gzip', 'snappy', 'lz4', 'zstd'])('kcat -P idempotent at acks=all with %s; kcat -G reads back exactly and commits the end offsets', async (codec) => {
    const topic = `idempotent-${codec}`;
    const partitions = 3;
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
    const lines = Array.from({ length: 300 }, (_, i) => `k${i % 17}:${codec}-value-${i}-${'x'.repeat(i % 40)}`);
    const produced = await runKcat(
      ['-b', broker.bootstrap, '-P', '-t', topic, '-K', ':', '-X', 'enable.idempotence=true', '-X', 'acks=all', '-X', `compression.codec=${codec}`],
      lines.join('\n') + '\n',
    );
    expect(produced.code, describeRun(produced)).toBe(0);
    expect(produced.stderr).not.toMatch(/error|failed/i);

    // The broker kept kcat's batches: its codec, and the producer id InitProducerId gave it.
    const batches = await storedBatches(broker, topic, partitions);
    expect(sum(batches.map((b) => b.records))).toBe(lines.length);
    expect(new Set(batches.map((b) => b.codec))).toEqual(new Set([codec]));
    const ids = new Set(batches.map((b) => b.producerId));
    expect(ids.size).toBe(1);
    expect([...ids][0]).toBeGreaterThanOrEqual(0);

    const group = `kcat-${codec}`;
    const consumed = await runKcat([
      '-b', broker.bootstrap, '-G', group, topic, '-e', '-J', '-q',
      '-X', 'auto.offset.reset=earliest', '-X', 'session.timeout.ms=6000',
    ], undefined, 45_000);
    expect(consumed.code, describeRun(consumed)).toBe(0);
    const records = consumed.stdout.split('\n').filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { partition: number; offset: number; key: string; payload: string });
    expect(records.map((r) => `${r.key}:${r.payload}`).sort()).toEqual([...lines].sort());
    // Per partition, offsets 0..n-1 in order, each key always on the same partition.
    for (let p = 0; p < partitions; p++) {
      const offsets = records.filter((r) => r.partition === p).map((r) => r.offset);
      expect(offsets).toEqual(offsets.map((_, i) => i));
    }
    const partitionOfKey = new Map<string, number>();
    for (const r of records) expect(partitionOfKey.get(r.key) ?? (partitionOfKey.set(r.key, r.partition), r.partition)).toBe(r.partition);

    const ends = await endOffsets(admin, topic);
    const committed = await pollUntil(async () => {
      const offsets = await admin.fetchOffsets({ groupId: group, topics: [topic] });
      const m = new Map(offsets[0]!.partitions.map((p) => [p.partition, Number(p.offset)]));
      return [...ends].every(([p, e]) => m.get(p) === e) ? m : undefined;
    }, `kcat group ${group} to commit the end offsets`, 10_000);
    expect(sum(committed.values())).toBe(lines.length);
  }, 60_000);
});
