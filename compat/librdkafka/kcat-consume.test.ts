/**
 * kcat (librdkafka 2.0.2, Debian) consuming from sluice:
 *   - `-C -o beginning -e -J` reads back every record kafkajs produced (keys, values, headers,
 *     offsets), from plain and gzip/snappy/lz4/zstd-compressed batches;
 *   - `-G group topic` (balanced consumer, bounded with -e and a timeout) consumes everything
 *     once, commits, and a second run of the same group finds nothing left; the committed
 *     offsets (admin.fetchOffsets) equal the end offsets.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CompressionTypes, type Admin, type Kafka } from 'kafkajs';
import '../kafkajs/codecs.js';
import { describeRun, endOffsets, kafkaClient, pollUntil, runKcat, startBroker, sum, type Broker } from '../harness.js';

interface KcatRecord {
  topic: string;
  partition: number;
  offset: number;
  key: string | null;
  payload: string | null;
  headers?: string[];
}

function parseJsonLines(stdout: string): KcatRecord[] {
  return stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as KcatRecord);
}

const PARTITIONS = 3;
const PER_CODEC = 60;
const CODECS = [CompressionTypes.None, CompressionTypes.GZIP, CompressionTypes.Snappy, CompressionTypes.LZ4, CompressionTypes.ZSTD];

describe('kcat consumes from sluice', () => {
  let broker: Broker;
  let kafka: Kafka;
  let admin: Admin;
  const topic = 'kcat-read';
  const expected = new Map<string, { partition: number; key: string; value: string; h: string }>();

  beforeAll(async () => {
    broker = await startBroker({ overrides: { 'auto.create.topics.enable': 'false' } });
    kafka = kafkaClient(broker.bootstrap, 'compat-kcat-consume');
    admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    let n = 0;
    for (const compression of CODECS) {
      const messages = Array.from({ length: PER_CODEC }, () => {
        const i = n++;
        const m = { partition: i % PARTITIONS, key: `key-${i}`, value: `value-${i} ${'z'.repeat(i % 40)}`, h: `h-${i}` };
        expected.set(m.key, m);
        return { partition: m.partition, key: m.key, value: m.value, headers: { trace: m.h } };
      });
      await producer.send({ topic, acks: -1, compression, messages });
    }
    await producer.disconnect();
  });

  afterAll(async () => {
    await admin?.disconnect();
    await broker?.stop();
  });

  it('kcat -C -o beginning -e returns every record with its key, value and headers', async () => {
    const res = await runKcat(['-b', broker.bootstrap, '-C', '-t', topic, '-o', 'beginning', '-e', '-J', '-q'], undefined, 30_000);
    expect(res.code, describeRun(res)).toBe(0);
    const records = parseJsonLines(res.stdout);
    expect(records).toHaveLength(expected.size);
    const offsets = new Map<number, number[]>();
    for (const r of records) {
      const want = expected.get(r.key!);
      expect(want, `unexpected key ${r.key}`).toBeDefined();
      expect(r.partition).toBe(want!.partition);
      expect(r.payload).toBe(want!.value);
      expect(r.headers).toEqual(['trace', want!.h]);
      offsets.set(r.partition, [...(offsets.get(r.partition) ?? []), r.offset]);
    }
    for (let p = 0; p < PARTITIONS; p++) {
      const list = offsets.get(p)!;
      expect(list, `partition ${p} offsets in order from 0`).toEqual(list.map((_, i) => i));
    }
  });

  it('kcat -C from an explicit partition and offset', async () => {
    const res = await runKcat(['-b', broker.bootstrap, '-C', '-t', topic, '-p', '1', '-o', '10', '-c', '5', '-J', '-q'], undefined, 30_000);
    expect(res.code, describeRun(res)).toBe(0);
    const records = parseJsonLines(res.stdout);
    expect(records.map((r) => [r.partition, r.offset])).toEqual([10, 11, 12, 13, 14].map((o) => [1, o]));
  });

  it('kcat -G consumes the topic as a group, commits, and a second run finds nothing new', async () => {
    const group = 'kcat-group';
    const args = [
      '-b', broker.bootstrap, '-G', group, topic, '-e', '-J', '-q',
      '-X', 'auto.offset.reset=earliest', '-X', 'session.timeout.ms=6000', '-X', 'topic.metadata.refresh.interval.ms=1000',
    ];
    const first = await runKcat(args, undefined, 45_000);
    expect(first.code, describeRun(first)).toBe(0);
    const records = parseJsonLines(first.stdout);
    expect(new Set(records.map((r) => r.key)).size).toBe(expected.size);
    for (const r of records) expect(r.payload).toBe(expected.get(r.key!)!.value);

    const ends = await endOffsets(admin, topic);
    expect(sum(ends.values())).toBe(expected.size);
    const committed = await pollUntil(async () => {
      const offsets = await admin.fetchOffsets({ groupId: group, topics: [topic] });
      const m = new Map(offsets[0]!.partitions.map((p) => [p.partition, Number(p.offset)]));
      return [...ends].every(([p, e]) => m.get(p) === e) ? m : undefined;
    }, 'kcat group offsets to be committed', 10_000);
    for (const [p, e] of ends) expect(committed.get(p)).toBe(e);

    const second = await runKcat(args, undefined, 45_000);
    expect(second.code, describeRun(second)).toBe(0);
    expect(parseJsonLines(second.stdout), 'nothing is delivered again').toEqual([]);
  });
});
