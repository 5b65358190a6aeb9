/**
 * kafka-python (pure Python, pinned in compat/python/requirements.txt, installed into
 * compat/python/.venv) against sluice, through compat/python/kafka_python_suite.py. kafka-python
 * negotiates versions with ApiVersions (no api_version setting); the test records which.
 *   - KafkaAdminClient: create_topics (and again: TopicAlreadyExists), list_topics,
 *     describe_topics, describe_cluster, create_partitions (grow; shrink refused),
 *     describe_configs (topic, broker), alter_configs, list_consumer_groups,
 *     describe_consumer_groups (Stable with the live member, Empty after it left),
 *     list_consumer_group_offsets, delete_consumer_groups (refused while live, then done),
 *     delete_topics;
 *   - KafkaProducer at acks=1, at acks=all with gzip, and idempotent (enable_idempotence=True,
 *     acks=all), keyed records with headers; dump-log shows the idempotent batches' producer id;
 *   - KafkaConsumer in a group reads every record back once and commits the end offsets.
 * The script's JSON is checked, and the broker independently through kafkajs (metadata,
 * configs, end offsets, group offsets, the records themselves).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin } from 'kafkajs';
import { describeRun, endOffsets, fetchAllRecords, kafkaClient, runDumpLog, startBroker, type Broker } from '../harness.js';
import { VENV_PYTHON, expectVersions, formatVersions, kafkaPythonVersion, pinnedKafkaPython, runScript, type RequestVersions } from './python.js';

const TOPIC = 'py-kafka-python';
const EXTRA = 'py-kafka-python-extra';
const GROUP = 'py-kafka-python-group';
const RECORDS = 300; // per producer, as in the script
const PRODUCERS = ['1', 'all', 'all-idempotent'];

interface Rec { partition: number; offset: number; key: string | null; value: string | null; headers: Array<[string, string | null]>; stray?: boolean }
interface Group { group: string; error: string; state: string; protocolType: string; protocol: string; members: Array<{ clientId: string; assignment: Array<[string, number]> }> }
interface Suite {
  version: string;
  inferredBrokerVersion: number[];
  createTopics: Array<[string, string]>;
  createExisting: string | Array<[string, string]>;
  listTopics: string[];
  describeTopics: Array<{ topic: string; error: string; partitions: Array<[number, number, number[], number[]]>; authorizedOperations: string[] }>;
  describeCluster: { clusterId: string; controllerId: number; brokers: Array<[number, string, number]> };
  createPartitions: Array<[string, string]>;
  shrinkPartitions: string | Array<[string, string]>;
  partitionsAfter: number;
  configsBefore: Record<string, Record<string, string>>;
  alterConfigs: Array<[string, string]>;
  configsAfter: Record<string, Record<string, string>>;
  produced: Array<Rec & { acks: string }>;
  consumed: Rec[];
  assignment: Array<[string, number]>;
  committed: Record<string, number>;
  endOffsets: Record<string, number>;
  listGroups: Array<[string, string]>;
  describeLive: Group[];
  groupOffsets: Record<string, number>;
  deleteLive: string | Array<[string, string]>;
  describeEmpty: Group[];
  deleteGroups: Array<[string, string]>;
  groupOffsetsAfterDelete: Record<string, number>;
  listGroupsAfterDelete: Array<[string, string]>;
  deleteTopics: Array<[string, string]>;
  listTopicsAfterDelete: string[];
  requestVersions: RequestVersions;
}

/**
 * What kafka-python 2.3.3 sends to sluice: its own maximum of each API (sluice serves more),
 * capped for the admin calls by KafkaAdminClient's own limits.
 */
const KAFKA_PYTHON_VERSIONS: RequestVersions = {
  ApiVersions: [4],
  Metadata: [8],
  CreateTopics: [3],
  CreatePartitions: [1],
  DescribeConfigs: [2],
  AlterConfigs: [1],
  Produce: [8],
  InitProducerId: [1],
  FindCoordinator: [2],
  JoinGroup: [5],
  SyncGroup: [3],
  OffsetFetch: [5],
  ListOffsets: [5],
  Fetch: [10],
  OffsetCommit: [7],
  ListGroups: [1],
  DescribeGroups: [3],
  DeleteGroups: [1],
  LeaveGroup: [3],
  DeleteTopics: [3],
};
const TIMING_DEPENDENT: RequestVersions = { Heartbeat: [3] };

const ALL_TOPIC_OPERATIONS = ['ALTER', 'ALTER_CONFIGS', 'CREATE', 'DELETE', 'DESCRIBE', 'DESCRIBE_CONFIGS', 'READ', 'WRITE'];

describe('kafka-python against sluice', () => {
  let broker: Broker;
  let admin: Admin;
  let s: Suite;

  beforeAll(async () => {
    broker = await startBroker({ overrides: { 'auto.create.topics.enable': 'false' } });
    admin = kafkaClient(broker.bootstrap, 'compat-py-kafka-python-admin').admin();
    await admin.connect();
  });

  afterAll(async () => {
    await admin?.disconnect();
    await broker?.stop();
  });

  it('the virtualenv has the pinned kafka-python', async () => {
    expect(await kafkaPythonVersion()).toBe(pinnedKafkaPython());
  });

  it('runs the admin, producer and consumer-group suite', { timeout: 90_000 }, async () => {
    const { result, run } = await runScript<Suite>(VENV_PYTHON, 'kafka_python_suite.py', [broker.bootstrap, TOPIC, EXTRA, GROUP], 60_000);
    s = result;
    console.log(`kafka-python ${s.version} (infers broker ${s.inferredBrokerVersion.join('.')}) sent: ${formatVersions(s.requestVersions)}`);
    expect(s.version).toBe(pinnedKafkaPython());
    expect(expectVersions(s.requestVersions, KAFKA_PYTHON_VERSIONS, TIMING_DEPENDENT), describeRun(run)).toEqual([]);
  });

  it('topics: create (again refused), list, describe, describe_cluster, create_partitions (shrink refused), delete', async () => {
    expect(s, 'the suite ran').toBeDefined();
    expect(s.createTopics).toEqual([[TOPIC, 'NoError'], [EXTRA, 'NoError']]);
    expect(s.createExisting).toBe('TopicAlreadyExistsError');
    expect(s.listTopics).toEqual([TOPIC, EXTRA].sort());
    expect(s.describeTopics).toEqual([{
      topic: TOPIC,
      error: 'NoError',
      partitions: [0, 1, 2].map((p) => [p, 1, [1], [1]]),
      authorizedOperations: ALL_TOPIC_OPERATIONS,
    }]);
    expect(s.describeCluster.controllerId).toBe(1);
    expect(s.describeCluster.brokers).toEqual([[1, broker.host, broker.port]]);
    expect(s.createPartitions).toEqual([[TOPIC, 'NoError']]);
    expect(s.shrinkPartitions).toBe('InvalidPartitionsError');
    expect(s.partitionsAfter).toBe(4);
    expect(s.deleteTopics).toEqual([[EXTRA, 'NoError']]);
    expect(s.listTopicsAfterDelete).toEqual([TOPIC]);

    // The broker's own view, through kafkajs.
    expect((await admin.listTopics()).sort()).toEqual([TOPIC]);
    const meta = await admin.fetchTopicMetadata({ topics: [TOPIC] });
    expect(meta.topics[0]!.partitions.map((p) => p.partitionId).sort()).toEqual([0, 1, 2, 3]);
  });

  it('configs: describe (topic and broker) and alter', async () => {
    expect(s, 'the suite ran').toBeDefined();
    expect(s.configsBefore[TOPIC]).toMatchObject({ 'retention.ms': '3600000', 'cleanup.policy': 'delete' });
    expect(s.configsBefore['1']).toMatchObject({ 'num.partitions': '1', 'auto.create.topics.enable': 'false' });
    expect(s.alterConfigs).toEqual([[TOPIC, 'NoError']]);
    expect(s.configsAfter[TOPIC]).toMatchObject({ 'retention.ms': '7200000', 'max.message.bytes': '500000' });

    const described = await admin.describeConfigs({ resources: [{ type: 2, name: TOPIC, configNames: ['retention.ms', 'max.message.bytes'] }], includeSynonyms: false });
    const values = Object.fromEntries(described.resources[0]!.configEntries.map((c) => [c.configName, c.configValue]));
    expect(values).toEqual({ 'retention.ms': '7200000', 'max.message.bytes': '500000' });
  });

  it('produce at acks=1, acks=all (gzip) and idempotently: acknowledged offsets tile every partition; the group consumer reads each record once', async () => {
    expect(s, 'the suite ran').toBeDefined();
    expect(s.produced).toHaveLength(PRODUCERS.length * RECORDS);
    expect(new Set(s.produced.map((p) => p.acks))).toEqual(new Set(PRODUCERS));
    const ends = await endOffsets(admin, TOPIC);
    const offsets = new Map<number, number[]>();
    for (const p of s.produced) offsets.set(p.partition, [...(offsets.get(p.partition) ?? []), p.offset]);
    for (const [partition, list] of offsets) {
      expect(list.sort((a, b) => a - b), `partition ${partition}`).toEqual(list.map((_, i) => i));
    }
    for (let p = 0; p < 4; p++) expect(ends.get(p), `end of ${p}`).toBe(offsets.get(p)?.length ?? 0);

    const place = (r: Rec): string => `${r.partition}@${r.offset}`;
    const content = (r: Rec): string => JSON.stringify([r.key, r.value, r.headers]);
    const produced = new Map(s.produced.map((p) => [place(p), content(p)]));
    expect(s.consumed.filter((c) => c.stray), 'records after the last one').toEqual([]);
    expect(s.consumed).toHaveLength(produced.size);
    expect(new Set(s.consumed.map(place)).size, 'no record twice').toBe(produced.size);
    for (const c of s.consumed) expect(content(c), place(c)).toBe(produced.get(place(c)));

    // kafkajs reads the same records (the acks=all half gzip-compressed by kafka-python).
    const records = await fetchAllRecords(kafkaClient(broker.bootstrap, 'compat-py-kafka-python-readback'), TOPIC, ends);
    expect(records).toHaveLength(produced.size);
    for (const r of records) {
      const headers = Object.entries(r.headers).map(([k, v]) => [k, (v as Buffer).toString('hex')]);
      expect(JSON.stringify([r.key?.toString('hex') ?? null, r.value?.toString('hex') ?? null, headers]), `${r.partition}@${r.offset}`).toBe(produced.get(`${r.partition}@${r.offset}`));
    }
  });

  it('groups: commit == end offsets; list, describe (Stable, then Empty), offsets, delete (refused while live)', async () => {
    expect(s, 'the suite ran').toBeDefined();
    const ends = Object.fromEntries([...(await endOffsets(admin, TOPIC))].map(([p, e]) => [`${TOPIC}/${p}`, e]));
    expect(s.assignment).toEqual([0, 1, 2, 3].map((p) => [TOPIC, p]));
    expect(s.endOffsets).toEqual(ends);
    expect(s.committed).toEqual(ends);
    expect(s.groupOffsets).toEqual(ends);

    expect(s.listGroups).toEqual([[GROUP, 'consumer']]);
    expect(s.describeLive).toEqual([{
      group: GROUP,
      error: 'NoError',
      state: 'Stable',
      protocolType: 'consumer',
      protocol: 'range',
      members: [{ clientId: 'compat-kafka-python-consumer', assignment: [0, 1, 2, 3].map((p) => [TOPIC, p]) }],
    }]);
    expect(s.deleteLive).toEqual([[GROUP, 'NonEmptyGroupError']]);
    expect(s.describeEmpty).toEqual([{ group: GROUP, error: 'NoError', state: 'Empty', protocolType: 'consumer', protocol: '', members: [] }]);
    expect(s.deleteGroups).toEqual([[GROUP, 'NoError']]);
    expect(s.groupOffsetsAfterDelete).toEqual({});
    expect(s.listGroupsAfterDelete).toEqual([]);

    // The broker's view: the group and its offsets are gone.
    expect((await admin.listGroups()).groups).toEqual([]);
    const fetched = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
    expect(fetched[0]!.partitions.map((p) => p.offset)).toEqual(['-1', '-1', '-1', '-1']);
  });

  it('dump-log: the acks=all batches are gzip, the idempotent producer\'s carry its producer id, the others none', async () => {
    expect(s, 'the suite ran').toBeDefined();
    await broker.kill();
    const dump = await runDumpLog(broker.dataDir, { verify: true });
    expect(dump.code, describeRun(dump)).toBe(0);
    const batches = dump.stdout.split('\n').filter((l) => l.startsWith(`batch topic=${TOPIC} `));
    const records = { gzip: 0, idempotent: 0, plain: 0 };
    for (const line of batches) {
      expect(line).toContain('crc=valid');
      const producerId = Number(/ producerId=(-?\d+) /.exec(line)![1]);
      const count = Number(/ count=(\d+) /.exec(line)![1]);
      if (line.includes('compression=gzip ')) {
        expect(producerId, line).toBe(-1);
        records.gzip += count;
      } else {
        expect(line).toContain('compression=none ');
        if (producerId >= 0) records.idempotent += count;
        else records.plain += count;
      }
    }
    expect(records).toEqual({ gzip: RECORDS, idempotent: RECORDS, plain: RECORDS });
  });
});
