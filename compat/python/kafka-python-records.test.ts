/**
 * kafka-python's delete_records (DeleteRecords v0) and describe_log_dirs (DescribeLogDirs v0),
 * through compat/python/kafka_python_records.py: 10 records on partition 0 and 5 on partition 1,
 * delete_records up to offset 4 on partition 0 and up to the high watermark (-1) on partition 1;
 * the low watermarks move there (as the response, ListOffsets earliest through kafka-python and
 * kafkajs say), a reader from the beginning gets only offsets 4-9 of partition 0, and
 * describe_log_dirs lists the topic's two partitions under the broker's data dir.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin } from 'kafkajs';
import { kafkaClient, startBroker, type Broker } from '../harness.js';
import { VENV_PYTHON, runScript } from './python.js';

const TOPIC = 'py-kafka-python-records';

interface Records {
  deleteRecords: Record<string, number>;
  beginningOffsets: Record<string, number>;
  endOffsets: Record<string, number>;
  left: Array<[number, number, string]>;
  describeLogDirs: Array<{ error: number; logDir: string; topics: Record<string, Array<[number, number]>> }>;
}

describe('kafka-python delete_records and describe_log_dirs against sluice', () => {
  let broker: Broker;
  let admin: Admin;

  beforeAll(async () => {
    broker = await startBroker({ overrides: { 'auto.create.topics.enable': 'false' } });
    admin = kafkaClient(broker.bootstrap, 'compat-py-kafka-python-records').admin();
    await admin.connect();
  });

  afterAll(async () => {
    await admin?.disconnect();
    await broker?.stop();
  });

  it('delete_records moves the low watermarks; describe_log_dirs lists the partitions', { timeout: 60_000 }, async () => {
    const { result: r } = await runScript<Records>(VENV_PYTHON, 'kafka_python_records.py', [broker.bootstrap, TOPIC], 45_000);
    expect(r.deleteRecords).toEqual({ 0: 4, 1: 5 });
    expect(r.beginningOffsets).toEqual({ 0: 4, 1: 5 });
    expect(r.endOffsets).toEqual({ 0: 10, 1: 5 });
    expect(r.left).toEqual([4, 5, 6, 7, 8, 9].map((o) => [0, o, `p0-${o}`]));

    const offsets = await admin.fetchTopicOffsets(TOPIC);
    expect(offsets.map((o) => [o.partition, Number(o.low), Number(o.high)]).sort()).toEqual([[0, 4, 10], [1, 5, 5]]);

    expect(r.describeLogDirs.length).toBeGreaterThan(0);
    for (const d of r.describeLogDirs) expect(d.error).toBe(0);
    const holding = r.describeLogDirs.filter((d) => TOPIC in d.topics);
    expect(holding).toHaveLength(1);
    expect(holding[0]!.logDir.startsWith(broker.dataDir), holding[0]!.logDir).toBe(true);
    expect(holding[0]!.topics[TOPIC]!.map(([p]) => p)).toEqual([0, 1]);
    for (const [, size] of holding[0]!.topics[TOPIC]!) expect(size).toBeGreaterThanOrEqual(0);
  });
});
