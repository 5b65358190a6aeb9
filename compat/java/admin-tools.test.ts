/**
 * Apache Kafka's admin tools (3.9 and 4.1) that look at a cluster, against a real Sluice
 * process: the cluster tool (DescribeCluster), the log-dirs tool (DescribeLogDirs), the
 * transactions tool (ListTransactions, DescribeProducers, DescribeTransactions), the feature
 * tool (ApiVersions' features), the consumer-groups tool's --delete-offsets (OffsetDelete), the
 * delete-records tool (DeleteRecords), and on 4.1, whose tools jar has them, the ACL tool (answered
 * SECURITY_DISABLED as by Kafka without an authorizer) and the broker-api-versions tool.
 * Each assertion reads the tool's own output, so the tools, not a mock, decide.
 *
 * The broker runs at log.level=debug, which logs every request's API and version; the last
 * test checks that the Java clients (producer, consumer, admin) used flexible versions for
 * every API that has them.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin } from 'kafkajs';
import { describeRun, describeVersions, kafkaClient, nonFlexibleRequests, requestVersionsByClient, startBroker, type Broker } from '../harness.js';
import { JAVA_ERRORS, KAFKA_VERSIONS, TOOLS, parsePerfSummary, runJava, type KafkaVersion } from './java.js';

const RECORDS = 1000;
const CLUSTER_TOOL = 'org.apache.kafka.tools.ClusterTool';
const LOG_DIRS_TOOL = 'org.apache.kafka.tools.LogDirsCommand';
const TRANSACTIONS_TOOL = 'org.apache.kafka.tools.TransactionsCommand';
const FEATURE_TOOL = 'org.apache.kafka.tools.FeatureCommand';
const ACL_TOOL = 'org.apache.kafka.tools.AclCommand';
const API_VERSIONS_TOOL = 'org.apache.kafka.tools.BrokerApiVersionsCommand';
const DELETE_RECORDS_TOOL = 'org.apache.kafka.tools.DeleteRecordsCommand';

/** Tools that the 4.x tools jar has and 3.9's does not (3.9 ships them in the broker jar). */
const since4 = (version: KafkaVersion): boolean => version.startsWith('4.');

for (const version of KAFKA_VERSIONS) {
  describe(`Kafka ${version} admin tools against sluice`, () => {
    const topic = 'observed';
    let broker: Broker;
    let admin: Admin;
    // Registered only where the tools jar has the tool (not skipped: there is nothing to run on 3.9).
    const onlySince4 = (name: string, fn: () => Promise<void>): void => {
      if (since4(version)) it(name, fn);
    };
    const tool = (main: string, ...args: string[]) => runJava(version, main, ['--bootstrap-server', broker.bootstrap, ...args]);

    beforeAll(async () => {
      broker = await startBroker({ overrides: { 'log.level': 'debug' } });
      admin = kafkaClient(broker.bootstrap, `compat-java-admin-${version}`).admin();
      await admin.connect();
      // The Java producer's defaults: idempotent, so the partition holds producer state.
      const perf = await runJava(version, TOOLS.producerPerf, ['--topic', topic, '--num-records', String(RECORDS), '--record-size', '100',
        '--throughput', '-1', '--producer-props', `bootstrap.servers=${broker.bootstrap}`]);
      expect(parsePerfSummary(perf.stdout)?.records, describeRun(perf)).toBe(RECORDS);
    }, 90_000);

    afterAll(async () => {
      await admin?.disconnect();
      await broker?.stop();
    });

    it('kafka-cluster cluster-id prints the cluster id that Metadata gives', async () => {
      const r = await runJava(version, CLUSTER_TOOL, ['cluster-id', '--bootstrap-server', broker.bootstrap]);
      expect(r.code, describeRun(r)).toBe(0);
      const { clusterId } = await admin.describeCluster();
      expect(r.stdout.trim()).toBe(`Cluster ID: ${clusterId}`);
    });

    onlySince4('kafka-cluster list-endpoints lists this broker (DescribeCluster)', async () => {
      const r = await runJava(version, CLUSTER_TOOL, ['list-endpoints', '--bootstrap-server', broker.bootstrap]);
      expect(r.code, describeRun(r)).toBe(0);
      const rows = r.stdout.trim().split('\n').slice(1).map((line) => line.trim().split(/\s+/));
      expect(rows).toEqual([['1', '127.0.0.1', String(broker.port), 'null', 'unfenced', 'broker']]);
    });

    it('kafka-log-dirs describes the data directory and the partition size (DescribeLogDirs)', async () => {
      const r = await tool(LOG_DIRS_TOOL, '--describe', '--topic-list', topic);
      expect(r.code, describeRun(r)).toBe(0);
      const json = JSON.parse(r.stdout.split('\n').find((line) => line.startsWith('{'))!) as {
        brokers: Array<{ broker: number; logDirs: Array<{ logDir: string; error: string | null; partitions: Array<{ partition: string; size: number; offsetLag: number }> }> }>;
      };
      expect(json.brokers.map((b) => b.broker)).toEqual([1]);
      const [dir] = json.brokers[0]!.logDirs;
      expect(dir!.error).toBeNull();
      expect(dir!.logDir).toBe(path.resolve(broker.dataDir));
      expect(dir!.partitions.map((p) => [p.partition, p.offsetLag])).toEqual([[`${topic}-0`, 0]]);
      // 1,000 records of 100 B plus batch and record headers.
      expect(dir!.partitions[0]!.size).toBeGreaterThan(RECORDS * 100);
      expect(dir!.partitions[0]!.size).toBeLessThan(RECORDS * 200);
    });

    it('kafka-transactions: list is empty, describe-producers shows the idempotent producer, an unknown id is not found', async () => {
      const list = await tool(TRANSACTIONS_TOOL, 'list');
      expect(list.code, describeRun(list)).toBe(0);
      expect(list.stdout.trim().split('\n')).toHaveLength(1); // the header only

      const producers = await tool(TRANSACTIONS_TOOL, 'describe-producers', '--topic', topic, '--partition', '0');
      expect(producers.code, describeRun(producers)).toBe(0);
      const [header, ...rows] = producers.stdout.trim().split('\n').map((line) => line.trim().split(/\s+/));
      expect(header).toContain('LastSequence');
      expect(rows).toHaveLength(1);
      expect(rows[0]![header!.indexOf('LastSequence')]).toBe(String(RECORDS - 1));
      expect(rows[0]![header!.indexOf('LatestCoordinatorEpoch')]).toBe('-1');

      const described = await tool(TRANSACTIONS_TOOL, 'describe', '--transactional-id', 'nobody');
      expect(described.code).toBe(1);
      expect(described.stdout + described.stderr).toMatch(/could not be found/);
    });

    it('kafka-features describe succeeds and finalizes nothing (no transaction.version)', async () => {
      const r = await tool(FEATURE_TOOL, 'describe');
      expect(r.code, describeRun(r)).toBe(0);
      expect(r.stdout + r.stderr).not.toMatch(/transaction\.version|Exception/);
    });

    onlySince4('kafka-acls --list: SecurityDisabledException, as from Kafka without an authorizer', async () => {
      const r = await tool(ACL_TOOL, '--list');
      expect(r.stdout + r.stderr).toMatch(/SecurityDisabledException: No authorizer is configured on the broker/);
    });

    onlySince4('kafka-broker-api-versions shows the advertised ranges, DescribeCluster included', async () => {
      const r = await tool(API_VERSIONS_TOOL);
      expect(r.code, describeRun(r)).toBe(0);
      expect(r.stdout).toMatch(/DescribeCluster\(60\): 0 to 1 \[usable: 1\]/);
      expect(r.stdout).toMatch(/Produce\(0\): 0 to 11 \[usable: 11\]/);
      expect(r.stdout + r.stderr).not.toMatch(JAVA_ERRORS);
    });
    it('the console consumer reads the records back in a group', async () => {
      const r = await runJava(version, TOOLS.consoleConsumer, ['--bootstrap-server', broker.bootstrap, '--topic', topic,
        '--group', 'admin-tools', '--from-beginning', '--max-messages', String(RECORDS), '--timeout-ms', '30000']);
      expect(r.code, describeRun(r)).toBe(0);
      expect(r.stderr).toContain(`Processed a total of ${RECORDS} messages`);
    });

    it('kafka-consumer-groups --delete-offsets drops the finished group\'s offsets (OffsetDelete)', async () => {
      const before = await admin.fetchOffsets({ groupId: 'admin-tools', topics: [topic] });
      expect(before[0]!.partitions.map((p) => Number(p.offset))).toEqual([RECORDS]);
      const r = await runJava(version, TOOLS.consumerGroups, ['--bootstrap-server', broker.bootstrap, '--delete-offsets', '--group', 'admin-tools', '--topic', topic]);
      expect(r.code, describeRun(r)).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`${topic}\\s+0\\s+Successful`));
      const after = await admin.fetchOffsets({ groupId: 'admin-tools', topics: [topic] });
      expect(after[0]!.partitions.map((p) => Number(p.offset))).toEqual([-1]);
    });

    it('kafka-delete-records moves the log start (DeleteRecords); ListOffsets earliest agrees', async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-delete-records-'));
      const file = path.join(dir, 'offsets.json');
      writeFileSync(file, JSON.stringify({ partitions: [{ topic, partition: 0, offset: 400 }], version: 1 }));
      try {
        const r = await tool(DELETE_RECORDS_TOOL, '--offset-json-file', file);
        expect(r.code, describeRun(r)).toBe(0);
        expect(r.stdout).toMatch(new RegExp(`partition: ${topic}-0\\s+low_watermark: 400`));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      const offsets = await admin.fetchTopicOffsets(topic);
      expect(offsets.map((o) => [Number(o.low), Number(o.high)])).toEqual([[400, RECORDS]]);
    });

    it('every request of the Java producer, consumer and admin tools used a flexible version where the API has one', () => {
      // Every client but the test's own kafkajs admin (kafkajs 2.2.4 predates flexible versions).
      const kafkajsId = `compat-java-admin-${version}`;
      const byClient = new Map([...requestVersionsByClient(broker.logs())].filter(([client]) => client !== kafkajsId));
      for (const [client, apis] of byClient) console.log(`[java ${version}] ${client}: ${describeVersions(apis)}`);
      const apis = new Set([...byClient.values()].flatMap((a) => [...a.keys()]));
      for (const api of ['Produce', 'Fetch', 'Metadata', 'InitProducerId', 'JoinGroup', 'OffsetCommit', 'DescribeCluster', 'DescribeLogDirs', 'DeleteRecords', 'OffsetDelete']) {
        expect(apis, api).toContain(api);
      }
      expect(nonFlexibleRequests(byClient)).toEqual([]);
    });
  });
}
