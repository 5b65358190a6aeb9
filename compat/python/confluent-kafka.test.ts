/**
 * confluent-kafka-python 1.7.0 (Debian's python3-confluent-kafka, on Debian's librdkafka 2.0.2)
 * against sluice, through compat/python/confluent_roundtrip.py run by `/usr/bin/python3`:
 *   - a consumer group of two members shares the partitions of five topics (one per codec:
 *     none, gzip, snappy, lz4, zstd) before anything is produced;
 *   - an idempotent producer (enable.idempotence=True, acks=all) per codec sends 400 records
 *     with keys (some null), binary values and headers (a repeated name, an empty value);
 *   - the group reads back exactly what was produced (keys, values, headers, at the offsets
 *     the delivery reports gave, contiguous from 0), and its committed offsets equal the end
 *     offsets.
 * The test checks the script's JSON and, independently, the broker: kafkajs's ListOffsets,
 * OffsetFetch and Fetch (the librdkafka-compressed batches decoded by kafkajs), and dump-log
 * (every batch stored with its codec, a valid CRC and the producer id InitProducerId gave).
 * Then librdkafka's AdminClient (compat/python/confluent_admin.py): create_topics (validate_only,
 * TOPIC_ALREADY_EXISTS), list_topics, create_partitions (INVALID_PARTITIONS when shrinking),
 * describe_configs, alter_configs, list_groups, delete_topics, at the old versions librdkafka
 * 2.0.2 sends (AlterConfigs v0, CreatePartitions v0, DescribeConfigs v1, ListGroups and
 * DescribeGroups v0, DeleteTopics v1).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin } from 'kafkajs';
import '../kafkajs/codecs.js';
import { describeRun, endOffsets, fetchAllRecords, kafkaClient, runDumpLog, startBroker, type Broker } from '../harness.js';
import { DEBIAN_PYTHON, confluentVersions, expectVersions, formatVersions, runScript, type RequestVersions } from './python.js';

const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
const PARTITIONS = 4; // as in the script
const RECORDS = 400; // per topic, as in the script
const GROUP = 'py-confluent-group';
const topicOf = (codec: string): string => `py-confluent-${codec}`;

interface Rec { topic: string; partition: number; offset: number; key: string | null; value: string | null; headers: Array<[string, string | null]> }
interface Produced extends Rec { codec: string }
interface Consumed extends Rec { member: number }
interface AdminResult {
  validateOnly: Record<string, string>;
  topicsAfterValidate: string[];
  createTopics: Record<string, string>;
  createExisting: Record<string, string>;
  listTopics: string[];
  partitions: number;
  brokers: Array<[number, string, number]>;
  controllerId: number;
  createPartitions: Record<string, string>;
  shrinkPartitions: Record<string, string>;
  partitionsAfter: number;
  configsBefore: Record<string, Record<string, string>>;
  alterConfigs: Record<string, string>;
  configsAfter: Record<string, Record<string, string>>;
  listGroups: Array<[string, string, string, number]>;
  deleteTopics: Record<string, string>;
  topicsAfterDelete: string[];
  requestVersions: RequestVersions;
}
interface RoundTrip {
  version: string;
  librdkafka: string;
  assignment: Array<Array<[string, number]>>;
  produced: Produced[];
  consumed: Consumed[];
  committed: Record<string, number>;
  watermarks: Record<string, [number, number]>;
  requestVersions: RequestVersions;
  clientErrors: string[];
}

/** What librdkafka 2.0.2 sends to sluice: its own maximum of each API (sluice serves more). */
const LIBRDKAFKA_VERSIONS: RequestVersions = {
  ApiVersion: [3],
  Metadata: [4],
  FindCoordinator: [2],
  JoinGroup: [5],
  SyncGroup: [3],
  OffsetFetch: [7],
  ListOffsets: [2],
  Fetch: [11],
  InitProducerId: [4],
  Produce: [7],
  OffsetCommit: [7],
  LeaveGroup: [1],
};
const TIMING_DEPENDENT: RequestVersions = { Heartbeat: [3] };
/** What librdkafka 2.0.2's AdminClient sends (ListGroups is followed by DescribeGroups). */
const LIBRDKAFKA_ADMIN_VERSIONS: RequestVersions = {
  ApiVersion: [3],
  Metadata: [4],
  CreateTopics: [4],
  CreatePartitions: [0],
  DescribeConfigs: [1],
  AlterConfigs: [0],
  ListGroups: [0],
  DescribeGroups: [0],
  DeleteTopics: [1],
};


const where = (r: { topic: string; partition: number; offset: number }): string => `${r.topic}/${r.partition}@${r.offset}`;
const content = (r: Rec): string => JSON.stringify([r.key, r.value, r.headers]);

/** kafkajs's view of a header list: one value per name, an array when the name repeats. */
function kafkajsHeaders(headers: Array<[string, string | null]>): Record<string, string | null | Array<string | null>> {
  const out: Record<string, string | null | Array<string | null>> = {};
  for (const [name, value] of headers) {
    const seen = out[name];
    if (seen === undefined) out[name] = value;
    else out[name] = Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return out;
}

function hexOf(v: Buffer | null | undefined | Array<Buffer | null>): string | null | Array<string | null> {
  if (Array.isArray(v)) return v.map((b) => (b === null ? null : b.toString('hex')));
  return v === null || v === undefined ? null : v.toString('hex');
}

describe('confluent-kafka-python (Debian python3-confluent-kafka) against sluice', () => {
  let broker: Broker;
  let admin: Admin;
  let result: RoundTrip;

  beforeAll(async () => {
    broker = await startBroker({ overrides: { 'auto.create.topics.enable': 'false' } });
    admin = kafkaClient(broker.bootstrap, 'compat-py-confluent-admin').admin();
    await admin.connect();
    await admin.createTopics({ topics: CODECS.map((c) => ({ topic: topicOf(c), numPartitions: PARTITIONS })), waitForLeaders: true });
  });

  afterAll(async () => {
    await admin?.disconnect();
    await broker?.stop();
  });

  it(`${DEBIAN_PYTHON} imports confluent_kafka 1.7 on librdkafka 2.x`, async () => {
    const [version, librdkafka] = await confluentVersions();
    console.log(`confluent-kafka-python ${version}, librdkafka ${librdkafka}`);
    expect(version).toMatch(/^1\.7\./);
    expect(librdkafka).toMatch(/^2\./);
  });

  it('idempotent producers (acks=all) with every codec, a group of two reads everything back and commits the end offsets', { timeout: 120_000 }, async () => {
    const { result: r, run } = await runScript<RoundTrip>(
      DEBIAN_PYTHON,
      'confluent_roundtrip.py',
      [broker.bootstrap, GROUP, ...CODECS.map((c) => `${c}=${topicOf(c)}`)],
      90_000,
    );
    result = r;
    console.log(`confluent-kafka-python ${r.version} / librdkafka ${r.librdkafka} sent: ${formatVersions(r.requestVersions)}`);
    if (r.clientErrors.length > 0) console.log(`client-reported transient errors: ${r.clientErrors.join('; ')}`);

    // Both members held partitions, none twice, all of them between the two.
    const all = CODECS.flatMap((c) => Array.from({ length: PARTITIONS }, (_, p) => `${topicOf(c)}/${p}`)).sort();
    const held = r.assignment.map((a) => a.map(([t, p]) => `${t}/${p}`));
    expect(held.every((h) => h.length > 0), JSON.stringify(held)).toBe(true);
    expect([...held[0]!, ...held[1]!].sort()).toEqual(all);

    // Produced: RECORDS per topic, delivered at offsets that tile [0, n) in every partition.
    expect(r.produced).toHaveLength(CODECS.length * RECORDS);
    const perPartition = new Map<string, number[]>();
    for (const p of r.produced) {
      expect(p.topic).toBe(topicOf(p.codec));
      const k = `${p.topic}/${p.partition}`;
      perPartition.set(k, [...(perPartition.get(k) ?? []), p.offset]);
    }
    for (const [k, offsets] of perPartition) {
      expect(offsets.sort((a, b) => a - b), k).toEqual(offsets.map((_, i) => i));
    }

    // Consumed: exactly the produced records at their offsets, each once, by both members.
    const byPlace = new Map(r.produced.map((p) => [where(p), p]));
    const seen = new Set<string>();
    for (const c of r.consumed) {
      const p = byPlace.get(where(c));
      expect(p, `consumed ${where(c)} that was never produced`).toBeDefined();
      expect(content(c), where(c)).toBe(content(p!));
      expect(seen.has(where(c)), `${where(c)} consumed twice`).toBe(false);
      seen.add(where(c));
    }
    expect(seen.size).toBe(r.produced.length);
    expect(new Set(r.consumed.map((c) => c.member))).toEqual(new Set([0, 1]));

    // Committed offsets and watermarks as the client saw them: the end of every partition.
    for (const k of all) {
      const end = perPartition.get(k)!.length;
      expect(r.committed[k], `committed ${k}`).toBe(end);
      expect(r.watermarks[k], `watermarks ${k}`).toEqual([0, end]);
    }

    // The versions librdkafka 2.0.2 negotiated (InitProducerId: the producers were idempotent).
    expect(expectVersions(r.requestVersions, LIBRDKAFKA_VERSIONS, TIMING_DEPENDENT), describeRun(run)).toEqual([]);
  });

  it('the broker agrees: end offsets and the group offsets through kafkajs', async () => {
    expect(result, 'the round trip ran first').toBeDefined();
    const fetched = await admin.fetchOffsets({ groupId: GROUP, topics: CODECS.map(topicOf) });
    for (const codec of CODECS) {
      const topic = topicOf(codec);
      const ends = await endOffsets(admin, topic);
      const committed = new Map(fetched.find((t) => t.topic === topic)!.partitions.map((p) => [p.partition, Number(p.offset)]));
      for (let p = 0; p < PARTITIONS; p++) {
        const produced = result.produced.filter((r) => r.topic === topic && r.partition === p).length;
        expect(ends.get(p), `${topic}/${p} end`).toBe(produced);
        expect(committed.get(p), `${topic}/${p} committed`).toBe(produced);
      }
    }
    const described = await admin.describeGroups([GROUP]);
    expect(described.groups[0]!.state, 'both members left the group').toBe('Empty');
  });

  it('kafkajs reads the librdkafka-compressed batches back exactly', async () => {
    expect(result, 'the round trip ran first').toBeDefined();
    const kafka = kafkaClient(broker.bootstrap, 'compat-py-confluent-readback');
    for (const codec of CODECS) {
      const topic = topicOf(codec);
      const records = await fetchAllRecords(kafka, topic, await endOffsets(admin, topic));
      const got = records
        .map((r) => ({ place: `${topic}/${r.partition}@${r.offset}`, key: hexOf(r.key), value: hexOf(r.value), headers: Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, hexOf(v)])) }))
        .sort((a, b) => a.place.localeCompare(b.place));
      const want = result.produced
        .filter((p) => p.topic === topic)
        .map((p) => ({ place: where(p), key: p.key, value: p.value, headers: kafkajsHeaders(p.headers) }))
        .sort((a, b) => a.place.localeCompare(b.place));
      expect(got, codec).toEqual(want);
    }
  });

  it('AdminClient: create (validate_only, again refused), list, create_partitions (shrink refused), describe/alter configs, list_groups, delete', async () => {
    expect(result, 'the round trip ran first').toBeDefined();
    const topic = 'py-confluent-admin';
    const extra = 'py-confluent-admin-extra';
    const { result: a, run } = await runScript<AdminResult>(DEBIAN_PYTHON, 'confluent_admin.py', [broker.bootstrap, topic, extra, GROUP], 60_000);
    console.log(`confluent-kafka-python AdminClient sent: ${formatVersions(a.requestVersions)}`);
    const codecTopics = CODECS.map(topicOf);
    expect(a.validateOnly).toEqual({ [topic]: 'ok', [extra]: 'ok' });
    expect(a.topicsAfterValidate).toEqual([...codecTopics].sort());
    expect(a.createTopics).toEqual({ [topic]: 'ok', [extra]: 'ok' });
    expect(a.createExisting).toEqual({ [topic]: 'TOPIC_ALREADY_EXISTS' });
    expect(a.listTopics).toEqual([...codecTopics, topic, extra].sort());
    expect(a.partitions).toBe(3);
    expect(a.brokers).toEqual([[1, broker.host, broker.port]]);
    expect(a.controllerId).toBe(1);
    expect(a.createPartitions).toEqual({ [topic]: 'ok' });
    expect(a.shrinkPartitions).toEqual({ [topic]: 'INVALID_PARTITIONS' });
    expect(a.partitionsAfter).toBe(5);
    expect(a.configsBefore[topic]).toMatchObject({ 'retention.ms': '3600000', 'cleanup.policy': 'delete' });
    expect(a.configsBefore['1']).toMatchObject({ 'auto.create.topics.enable': 'false' });
    expect(a.alterConfigs).toEqual({ [topic]: 'ok' });
    expect(a.configsAfter[topic]).toMatchObject({ 'retention.ms': '7200000', 'cleanup.policy': 'delete' });
    expect(a.listGroups).toEqual([[GROUP, 'Empty', 'consumer', 0]]);
    expect(a.deleteTopics).toEqual({ [extra]: 'ok' });
    expect(a.topicsAfterDelete).toEqual([...codecTopics, topic].sort());
    // librdkafka 2.0.2's admin requests: the oldest versions of these APIs any client here sends.
    expect(expectVersions(a.requestVersions, LIBRDKAFKA_ADMIN_VERSIONS), describeRun(run)).toEqual([]);

    // The broker's view, through kafkajs.
    expect((await admin.listTopics()).sort()).toEqual([...codecTopics, topic].sort());
    const described = await admin.describeConfigs({ resources: [{ type: 2, name: topic, configNames: ['retention.ms'] }], includeSynonyms: false });
    expect(described.resources[0]!.configEntries.map((c) => [c.configName, c.configValue])).toEqual([['retention.ms', '7200000']]);
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(meta.topics[0]!.partitions).toHaveLength(5);
  });

  it('dump-log: every batch stored with its codec, a valid CRC and an idempotent producer id', async () => {
    expect(result, 'the round trip ran first').toBeDefined();
    await broker.kill();
    const dump = await runDumpLog(broker.dataDir, { verify: true });
    expect(dump.code, describeRun(dump)).toBe(0);
    for (const codec of CODECS) {
      const batches = dump.stdout.split('\n').filter((l) => l.startsWith(`batch topic=${topicOf(codec)} `));
      expect(batches.length, codec).toBeGreaterThan(0);
      let records = 0;
      for (const line of batches) {
        expect(line).toContain(`compression=${codec} `);
        expect(line).toContain('crc=valid');
        expect(Number(/ producerId=(-?\d+) /.exec(line)![1]), line).toBeGreaterThanOrEqual(0);
        records += Number(/ count=(\d+) /.exec(line)![1]);
      }
      expect(records, codec).toBe(RECORDS);
    }
  });
});
