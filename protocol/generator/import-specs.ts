/**
 * Facts-only import of Kafka's message specs.
 *
 * Reads ../shared/kafka-protocol/messages/*.json (JSON with // comments), keeps only the
 * facts the generator needs (names, types, versions, tags, defaults) and writes
 * protocol/specs/<MessageName>.json. No "about" text and no comments are carried over.
 *
 * Usage (after a build): node dist/protocol/generator/import-specs.js [repoRoot]
 */
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { FieldSpec, MessageSpec, StructSpec } from './spec.js';

/**
 * The APIs Sluice imports (request and response of each), plus the two headers: every API a
 * Kafka broker serves (the specs whose listeners include "broker"), ordered by API key. Codecs
 * exist for all of them, so a request the broker does not serve can still be read and answered
 * the way Kafka answers it (src/handlers/not-served.ts) instead of by a dropped connection.
 */
export const IMPORTED_APIS = [
  'Produce', 'Fetch', 'ListOffsets', 'Metadata', 'OffsetCommit', 'OffsetFetch', 'FindCoordinator',
  'JoinGroup', 'Heartbeat', 'LeaveGroup', 'SyncGroup', 'DescribeGroups', 'ListGroups', 'SaslHandshake',
  'ApiVersions', 'CreateTopics', 'DeleteTopics', 'DeleteRecords', 'InitProducerId', 'OffsetForLeaderEpoch',
  'AddPartitionsToTxn', 'AddOffsetsToTxn', 'EndTxn', 'WriteTxnMarkers', 'TxnOffsetCommit', 'DescribeAcls',
  'CreateAcls', 'DeleteAcls', 'DescribeConfigs', 'AlterConfigs', 'AlterReplicaLogDirs', 'DescribeLogDirs',
  'SaslAuthenticate', 'CreatePartitions', 'CreateDelegationToken', 'RenewDelegationToken',
  'ExpireDelegationToken', 'DescribeDelegationToken', 'DeleteGroups', 'ElectLeaders',
  'IncrementalAlterConfigs', 'AlterPartitionReassignments', 'ListPartitionReassignments', 'OffsetDelete',
  'DescribeClientQuotas', 'AlterClientQuotas', 'DescribeUserScramCredentials', 'AlterUserScramCredentials',
  'DescribeQuorum', 'UpdateFeatures', 'DescribeCluster', 'DescribeProducers', 'UnregisterBroker',
  'DescribeTransactions', 'ListTransactions', 'ConsumerGroupHeartbeat', 'ConsumerGroupDescribe',
  'GetTelemetrySubscriptions', 'PushTelemetry', 'ListClientMetricsResources', 'DescribeTopicPartitions',
  'ShareGroupHeartbeat', 'ShareGroupDescribe', 'ShareFetch', 'ShareAcknowledge', 'AddRaftVoter',
  'RemoveRaftVoter', 'InitializeShareGroupState', 'ReadShareGroupState', 'WriteShareGroupState',
  'DeleteShareGroupState', 'ReadShareGroupStateSummary',
] as const;

export const IMPORTED_MESSAGES: readonly string[] = [
  ...IMPORTED_APIS.flatMap((a) => [`${a}Request`, `${a}Response`]),
  'RequestHeader',
  'ResponseHeader',
];

/** Removes // line comments and block comments outside of JSON strings. */
export function stripJsonComments(text: string): string {
  let out = '';
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (c === '"') {
      // Copy the whole string literal, honouring backslash escapes.
      let j = i + 1;
      while (j < n && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < n && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

type Json = Record<string, unknown>;

function factsOfField(f: Json): FieldSpec {
  const out: FieldSpec = { name: String(f.name), type: String(f.type), versions: String(f.versions) };
  if (f.nullableVersions !== undefined) out.nullableVersions = String(f.nullableVersions);
  if (f.taggedVersions !== undefined) out.taggedVersions = String(f.taggedVersions);
  if (f.tag !== undefined) out.tag = Number(f.tag);
  if (f.default !== undefined) out.default = String(f.default);
  if (f.mapKey !== undefined) out.mapKey = Boolean(f.mapKey);
  if (f.ignorable !== undefined) out.ignorable = Boolean(f.ignorable);
  if (f.flexibleVersions !== undefined) out.flexibleVersions = String(f.flexibleVersions);
  if (Array.isArray(f.fields)) out.fields = (f.fields as Json[]).map(factsOfField);
  return out;
}

function factsOfStruct(s: Json): StructSpec {
  return { name: String(s.name), versions: String(s.versions), fields: ((s.fields as Json[]) ?? []).map(factsOfField) };
}

/** The facts of one spec file's text. */
export function importSpec(text: string): MessageSpec {
  const j = JSON.parse(stripJsonComments(text)) as Json;
  const out: MessageSpec = {
    name: String(j.name),
    type: j.type as MessageSpec['type'],
    ...(j.apiKey !== undefined ? { apiKey: Number(j.apiKey) } : {}),
    validVersions: String(j.validVersions),
    flexibleVersions: String(j.flexibleVersions ?? 'none'),
    fields: ((j.fields as Json[]) ?? []).map(factsOfField),
  };
  if (Array.isArray(j.commonStructs)) out.commonStructs = (j.commonStructs as Json[]).map(factsOfStruct);
  return out;
}

/** The committed form of a spec: pretty JSON with a trailing newline. */
export function specFileText(spec: MessageSpec): string {
  return JSON.stringify(spec, null, 2) + '\n';
}

/** Imports every message in IMPORTED_MESSAGES from `messagesDir`: file name -> text. */
export function importAll(messagesDir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const name of IMPORTED_MESSAGES) {
    const spec = importSpec(readFileSync(join(messagesDir, `${name}.json`), 'utf8'));
    if (spec.name !== name) throw new Error(`${name}.json declares name ${spec.name}`);
    files.set(`${name}.json`, specFileText(spec));
  }
  return files;
}

/** The repository root: the nearest ancestor of `from` holding package.json. */
export function findRepoRoot(from: string): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${from}`);
    dir = up;
  }
  return dir;
}

function main(): void {
  const root = resolve(process.argv[2] ?? findRepoRoot(dirname(fileURLToPath(import.meta.url))));
  const messagesDir = resolve(root, '../shared/kafka-protocol/messages');
  const outDir = join(root, 'protocol/specs');
  mkdirSync(outDir, { recursive: true });
  for (const [file, text] of importAll(messagesDir)) writeFileSync(join(outDir, file), text);
  process.stdout.write(`imported ${IMPORTED_MESSAGES.length} specs into ${outDir}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
