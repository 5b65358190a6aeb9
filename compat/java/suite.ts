/**
 * The Java compat suites, one `describe` per Kafka version, shared by the test files:
 *
 * - tools: ProducerPerformance 1,000,000 x 100 B at --throughput -1, the console consumer reads
 *   exactly those records back in a group (values checked against PerfPayloads.java, which
 *   recomputes ProducerPerformance's deterministic payloads), the consumer-groups tool shows that group at zero lag,
 *   and the topics tool creates, describes, lists and deletes a topic;
 * - compression: CompressionRoundTrip.java produces 5,000 varied records per codec (gzip,
 *   snappy, lz4, zstd) and reads them back exactly; dump-log shows every batch with that codec
 *   and, for idempotent producers, a producer id (-1 otherwise).
 *
 * `idempotence` is what the producers run with: 'default' leaves the Java producer's defaults
 * alone (enable.idempotence=true, so InitProducerId first); 'false' sets enable.idempotence=false
 * and keeps every other default (acks=all included).
 */
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin } from 'kafkajs';
import { describeRun, endOffsets, kafkaClient, runDumpLog, startBroker, sum, type Broker } from '../harness.js';
import { JAVA_ERRORS, TOOLS, compileJava, parseGroupDescribe, parsePerfSummary, runJava, type KafkaVersion } from './java.js';

export type Idempotence = 'default' | 'false';

const PERF_RECORDS = 1_000_000;
const RECORD_SIZE = 100;
const CODECS = ['gzip', 'snappy', 'lz4', 'zstd'] as const;
const PERF_VALUE = new RegExp(`^[A-Z]{${RECORD_SIZE}}$`);

function label(idempotence: Idempotence): string {
  return idempotence === 'default' ? 'default producer settings' : 'default settings but enable.idempotence=false';
}

function producerProps(bootstrap: string, idempotence: Idempotence): string[] {
  return [`bootstrap.servers=${bootstrap}`, ...(idempotence === 'false' ? ['enable.idempotence=false'] : [])];
}

export function toolsSuite(version: KafkaVersion, idempotence: Idempotence): void {
  describe(`Kafka ${version} Java tools against sluice (${label(idempotence)})`, () => {
    const tag = `${version.replace(/\./g, '')}-${idempotence === 'default' ? 'idem' : 'plain'}`;
    const topic = `perf-${tag}`;
    const group = `console-${tag}`;
    let broker: Broker;
    let admin: Admin;
    let classes: string;

    beforeAll(async () => {
      [broker, classes] = await Promise.all([startBroker(), compileJava(version)]);
      admin = kafkaClient(broker.bootstrap, `compat-java-${tag}`).admin();
      await admin.connect();
    }, 90_000);

    afterAll(async () => {
      await admin?.disconnect();
      await broker?.stop();
      if (classes) rmSync(classes, { recursive: true, force: true });
    });

    // The three tests below share the perf topic and run in order.
    it(`kafka-producer-perf-test: ${PERF_RECORDS} records of ${RECORD_SIZE} B, --throughput -1, all sent, no errors`, async () => {
      const r = await runJava(version, TOOLS.producerPerf, [
        '--topic', topic, '--num-records', String(PERF_RECORDS), '--record-size', String(RECORD_SIZE),
        '--throughput', '-1', '--producer-props', ...producerProps(broker.bootstrap, idempotence),
      ], { timeoutMs: 150_000, fastStart: false });
      expect(r.code, describeRun(r)).toBe(0);
      const summary = parsePerfSummary(r.stdout);
      expect(summary, describeRun(r)).toBeDefined();
      console.log(`[java ${version}, ${label(idempotence)}] ${summary!.line}`);
      // ProducerPerformance counts only acknowledged records; failures print stack traces.
      expect(summary!.records).toBe(PERF_RECORDS);
      expect(r.stdout + r.stderr, describeRun(r)).not.toMatch(JAVA_ERRORS);
      expect(sum((await endOffsets(admin, topic)).values())).toBe(PERF_RECORDS);
    }, 180_000);

    it('the console consumer reads back exactly those records, in order, in a group', async () => {
      // ProducerPerformance's values are deterministic (PerfPayloads.java recomputes them), so
      // the consumer's values, hashed in offset order, must equal the hash of what was sent.
      const expected = runJava(version, 'PerfPayloads', [String(PERF_RECORDS), String(RECORD_SIZE)], { extraClasspath: [classes] });
      const hash = createHash('sha256');
      let lines = 0;
      let bad = '';
      const r = await runJava(version, TOOLS.consoleConsumer, [
        '--bootstrap-server', broker.bootstrap, '--topic', topic, '--group', group, '--from-beginning',
        '--max-messages', String(PERF_RECORDS), '--timeout-ms', '30000',
      ], {
        timeoutMs: 120_000,
        fastStart: false,
        onLine: (line) => {
          // One partition, so the tool prints in offset order; the hash covers order and content.
          if (!bad && !PERF_VALUE.test(line)) bad = `line ${lines}: ${line.slice(0, 200)}`;
          hash.update(line + '\n');
          lines++;
        },
      });
      expect(r.code, describeRun(r)).toBe(0);
      expect(bad).toBe('');
      expect(lines).toBe(PERF_RECORDS);
      expect(r.stderr).toContain(`Processed a total of ${PERF_RECORDS} messages`);
      expect(r.stderr, describeRun(r)).not.toMatch(JAVA_ERRORS);
      const want = await expected;
      expect(want.code, describeRun(want)).toBe(0);
      expect(`sha256=${hash.digest('hex')}`).toBe(want.stdout.trim().split(' ')[0]);
    }, 150_000);

    it('kafka-consumer-groups --describe shows that group at zero lag', async () => {
      const r = await runJava(version, TOOLS.consumerGroups, ['--bootstrap-server', broker.bootstrap, '--describe', '--group', group]);
      expect(r.code, describeRun(r)).toBe(0);
      expect(r.stdout + r.stderr, describeRun(r)).not.toMatch(JAVA_ERRORS);
      const rows = parseGroupDescribe(r.stdout);
      expect(rows, describeRun(r)).toEqual([
        { group, topic, partition: 0, currentOffset: PERF_RECORDS, logEndOffset: PERF_RECORDS, lag: 0 },
      ]);

      const list = await runJava(version, TOOLS.consumerGroups, ['--bootstrap-server', broker.bootstrap, '--list']);
      expect(list.code, describeRun(list)).toBe(0);
      expect(list.stdout.split('\n').map((l) => l.trim())).toContain(group);
    }, 60_000);

    it('kafka-topics creates, describes, lists and deletes a topic', async () => {
      const name = `topics-${tag}`;
      const topics = (args: string[]) => runJava(version, TOOLS.topics, ['--bootstrap-server', broker.bootstrap, ...args]);

      const create = await topics(['--create', '--topic', name, '--partitions', '3', '--replication-factor', '1', '--config', 'retention.ms=3600000']);
      expect(create.code, describeRun(create)).toBe(0);
      expect(create.stdout).toContain(`Created topic ${name}.`);

      const described = await topics(['--describe', '--topic', name]);
      expect(described.code, describeRun(described)).toBe(0);
      expect(described.stdout).toMatch(new RegExp(`Topic: ${name}\\s+TopicId: \\S+\\s+PartitionCount: 3\\s+ReplicationFactor: 1\\s+Configs: .*retention\\.ms=3600000`));
      for (const p of [0, 1, 2]) expect(described.stdout).toMatch(new RegExp(`Topic: ${name}\\s+Partition: ${p}\\s+Leader: \\d+\\s+Replicas: \\d+\\s+Isr: \\d+`));

      const listed = await topics(['--list']);
      expect(listed.code, describeRun(listed)).toBe(0);
      expect(listed.stdout.split('\n')).toEqual(expect.arrayContaining([name, topic]));

      const deleted = await topics(['--delete', '--topic', name]);
      expect(deleted.code, describeRun(deleted)).toBe(0);
      const after = await topics(['--list']);
      expect(after.code, describeRun(after)).toBe(0);
      expect(after.stdout.split('\n')).not.toContain(name);
      expect(after.stdout.split('\n')).toContain(topic);
      for (const r of [create, described, listed, deleted, after]) expect(r.stderr, describeRun(r)).not.toMatch(JAVA_ERRORS);
    }, 90_000);
  });
}

export function compressionSuite(version: KafkaVersion, idempotence: Idempotence): void {
  describe(`Kafka ${version} Java client compression round trip against sluice (${label(idempotence)})`, () => {
    let broker: Broker;
    let classes: string;

    beforeAll(async () => {
      [broker, classes] = await Promise.all([startBroker(), compileJava(version)]);
    }, 90_000);

    afterAll(async () => {
      await broker?.stop();
      if (classes) rmSync(classes, { recursive: true, force: true });
    });

    it(`produces and consumes back every record exactly with ${CODECS.join(', ')}`, async () => {
      const prefix = `codec-${version.replace(/\./g, '')}-${idempotence === 'default' ? 'idem' : 'plain'}`;
      const r = await runJava(version, 'CompressionRoundTrip', [broker.bootstrap, prefix, idempotence, ...CODECS], {
        extraClasspath: [classes],
        timeoutMs: 120_000,
      });
      expect(r.code, describeRun(r)).toBe(0);
      expect(r.stdout.trim().split('\n')).toEqual(CODECS.map((c) => `codec=${c} records=5000 ok`));
      expect(r.stderr, describeRun(r)).not.toMatch(JAVA_ERRORS);

      // The broker kept the client's compressed batches: every batch of each topic carries its codec.
      await broker.kill();
      const dump = await runDumpLog(broker.dataDir, { verify: true });
      expect(dump.code, describeRun(dump)).toBe(0);
      for (const codec of CODECS) {
        const batches = dump.stdout.split('\n').filter((l) => l.startsWith(`batch topic=${prefix}-${codec} `));
        expect(batches.length, codec).toBeGreaterThan(0);
        let records = 0;
        for (const line of batches) {
          expect(line).toContain(`compression=${codec} `);
          expect(line).toContain('crc=valid');
          // Idempotent batches carry the producer id InitProducerId handed out; others carry -1.
          const producerId = Number(/ producerId=(-?\d+) /.exec(line)![1]);
          if (idempotence === 'default') expect(producerId, line).toBeGreaterThanOrEqual(0);
          else expect(producerId, line).toBe(-1);
          records += Number(/ count=(\d+) /.exec(line)![1]);
        }
        expect(records, codec).toBe(5000);
      }
    }, 150_000);
  });
}
