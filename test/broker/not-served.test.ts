/**
 * Requests the broker does not serve are answered the way Kafka answers them, never by a
 * dropped connection: every API of Kafka's broker specs, at every spec version the broker does
 * not serve, gets that API's own response with UNSUPPORTED_VERSION in every error code and the
 * request's keys echoed; the security APIs Kafka advertises while they are switched off get
 * their "disabled" errors; DescribeCluster describes this one-broker cluster. Only a request
 * whose layout cannot be known (an unknown API key, a version beyond the spec) closes the
 * connection, with the reason logged.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeRequestFrame } from '../../protocol/headers.js';
import { Reader, Writer } from '../../protocol/primitives.js';
import { API_CODECS, apiCodec } from '../../protocol/generated/index.js';
import { ApiVersionsApi, createApiVersionsRequest, type ApiVersionsResponse } from '../../protocol/generated/api-versions.js';
import { CreateAclsApi, type CreateAclsResponse } from '../../protocol/generated/create-acls.js';
import { DescribeAclsApi, createDescribeAclsRequest, type DescribeAclsResponse } from '../../protocol/generated/describe-acls.js';
import { DescribeClusterApi, createDescribeClusterRequest, type DescribeClusterResponse } from '../../protocol/generated/describe-cluster.js';
import { DescribeGroupsApi } from '../../protocol/generated/describe-groups.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import { FetchApi, createFetchRequest, type FetchResponse } from '../../protocol/generated/fetch.js';
import { MetadataApi, createMetadataRequest, type MetadataResponse } from '../../protocol/generated/metadata.js';
import { ElectLeadersApi, type ElectLeadersResponse } from '../../protocol/generated/elect-leaders.js';
import { SaslHandshakeApi, type SaslHandshakeResponse } from '../../protocol/generated/sasl-handshake.js';
import { HANDLERS } from '../../src/handlers/registry.js';
import { createLogger, startBroker, type EmbeddedBroker } from '../../src/index.js';
import { WireClient } from '../support/wire-client.js';
import { SPECS, arbitrariesFor } from '../protocol/spec-arbitrary.js';

const SEED = 20261124;
const T = { unknownTaggedFields: [] as never[] };

/** Every value of a field named like `*errorCode` anywhere in a decoded message. */
function errorCodes(value: unknown, out: number[] = []): number[] {
  if (Array.isArray(value)) for (const v of value) errorCodes(v, out);
  else if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) {
    for (const [key, v] of Object.entries(value)) {
      if (/errorCode$/i.test(key) && typeof v === 'number') out.push(v);
      else errorCodes(v, out);
    }
  }
  return out;
}

/** A decoded message with every error message field removed. */
function withoutMessages(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutMessages);
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([k]) => k !== 'errorMessage').map(([k, v]) => [k, withoutMessages(v)]));
}

function servedRange(apiKey: number): { min: number; max: number } | null {
  const h = HANDLERS.find((x) => x.apiKey === apiKey);
  return h === undefined ? null : { min: h.minVersion, max: h.maxVersion };
}

/** (API, version) pairs of Kafka's specs that the broker does not serve. */
const NOT_SERVED = API_CODECS.flatMap((codec) => {
  const served = servedRange(codec.apiKey);
  const versions: number[] = [];
  for (let v = codec.minVersion; v <= codec.maxVersion; v++) if (served === null || v < served.min || v > served.max) versions.push(v);
  return codec.apiKey === ApiVersionsApi.apiKey ? [] : versions.map((version) => ({ name: codec.name, version, codec }));
});

describe('requests the broker does not serve', () => {
  let dataDir: string;
  let broker: EmbeddedBroker;
  let client: WireClient;
  const logs: string[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sluice-not-served-'));
    broker = await startBroker({ dataDir, logger: createLogger('info', (line) => logs.push(line)) });
    client = await WireClient.open(broker.port);
  });

  afterAll(async () => {
    client.close();
    await broker.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('covers APIs the broker does not implement and versions of served APIs it does not serve', () => {
    const names = new Set(NOT_SERVED.map((c) => c.name));
    for (const name of ['ElectLeaders', 'AddPartitionsToTxn', 'ConsumerGroupHeartbeat', 'DescribeTopicPartitions', 'Fetch', 'ListOffsets']) {
      expect(names, name).toContain(name);
    }
    expect(NOT_SERVED.length).toBeGreaterThan(60);
  });

  it.each(NOT_SERVED)(`$name v$version: the API's own response, UNSUPPORTED_VERSION in every error code (seed ${SEED})`, async ({ name, version, codec }) => {
    const spec = SPECS.specs.find((s) => s.name === `${name}Request`)!;
    const requests = fc.sample(arbitrariesFor(spec).message(version), { seed: SEED + codec.apiKey * 100 + version, numRuns: 3 });
    for (const request of requests) {
      const response = await client.request<Record<string, unknown>>(codec.apiKey, version, request);
      // What the generated error response puts on the wire at this version, error messages aside.
      const generated = codec.createErrorResponse(request, ErrorCode.UNSUPPORTED_VERSION, null);
      const w = Writer.alloc(codec.sizeResponse(version, generated));
      codec.writeResponse(w, version, generated);
      const expected = codec.readResponse(new Reader(w.finish()), version);
      expect(withoutMessages(response)).toEqual(withoutMessages(expected));
      const codes = errorCodes(response);
      expect(codes.every((c) => c === ErrorCode.UNSUPPORTED_VERSION || c === ErrorCode.NONE), `${name} v${version}: ${codes}`).toBe(true);
    }
  });

  it('echoes the request keys: one result per topic and partition, one described group per group id', async () => {
    const elected = await client.request<ElectLeadersResponse>(ElectLeadersApi.apiKey, 2, {
      electionType: 0,
      topicPartitions: [{ topic: 'a', partitions: [0, 3], ...T }],
      timeoutMs: 1000,
      ...T,
    });
    expect(elected.errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
    expect(elected.replicaElectionResults.map((t) => [t.topic, t.partitionResult.map((p) => [p.partitionId, p.errorCode])])).toEqual([
      ['a', [[0, ErrorCode.UNSUPPORTED_VERSION], [3, ErrorCode.UNSUPPORTED_VERSION]]],
    ]);

    // DescribeGroups is served (v0-5); v6 is a spec version it does not serve, if the spec has it.
    const groups = apiCodec(DescribeGroupsApi.apiKey)!;
    if (groups.maxVersion > servedRange(groups.apiKey)!.max) {
      const r = await client.request<{ groups: Array<{ groupId: string; errorCode: number }> }>(groups.apiKey, groups.maxVersion,
        { ...groups.createRequest(), groups: ['g1', 'g2'] });
      expect(r.groups.map((g) => [g.groupId, g.errorCode])).toEqual([['g1', 35], ['g2', 35]]);
    }
  });

  it('answers a served API above its served versions at that version (Fetch v13+), and keeps serving', async () => {
    const fetch = apiCodec(FetchApi.apiKey)!;
    const served = servedRange(FetchApi.apiKey)!;
    expect(fetch.maxVersion).toBeGreaterThan(served.max);
    const response = await client.request<FetchResponse>(FetchApi.apiKey, served.max + 1, { ...createFetchRequest(), sessionId: 7 });
    expect(response.errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
    expect(response.sessionId).toBe(7);
    expect(logs.some((l) => l.includes(`answering Fetch v${served.max + 1} with UNSUPPORTED_VERSION`))).toBe(true);
    const metadata = await client.request<MetadataResponse>(MetadataApi.apiKey, 12, createMetadataRequest());
    expect(metadata.clusterId).toBe(broker.broker.clusterId);
  });

  it('answers the security APIs as Kafka does with them switched off, and advertises them', async () => {
    const acls = await client.request<DescribeAclsResponse>(DescribeAclsApi.apiKey, 3, createDescribeAclsRequest());
    expect(acls.errorCode).toBe(ErrorCode.SECURITY_DISABLED);
    expect(acls.errorMessage).toMatch(/authorizer/i);

    const creation = { resourceType: 2, resourceName: 't', resourcePatternType: 3, principal: 'User:a', host: '*', operation: 3, permissionType: 3, ...T };
    const created = await client.request<CreateAclsResponse>(CreateAclsApi.apiKey, 3, { creations: [creation, creation], ...T });
    expect(created.results.map((r) => r.errorCode)).toEqual([ErrorCode.SECURITY_DISABLED, ErrorCode.SECURITY_DISABLED]);

    const sasl = await client.request<SaslHandshakeResponse>(SaslHandshakeApi.apiKey, 1, { mechanism: 'PLAIN', ...T });
    expect(sasl.errorCode).toBe(ErrorCode.ILLEGAL_SASL_STATE);

    const versions = await client.request<ApiVersionsResponse>(ApiVersionsApi.apiKey, 3, createApiVersionsRequest());
    const advertised = new Map(versions.apiKeys.map((k) => [k.apiKey, [k.minVersion, k.maxVersion]]));
    expect(advertised.get(DescribeAclsApi.apiKey)).toEqual([0, 3]);
    expect(advertised.get(SaslHandshakeApi.apiKey)).toEqual([0, 1]);
    expect(advertised.get(DescribeClusterApi.apiKey)).toEqual([0, 1]);
    // Answered but not advertised: an API Sluice does not implement.
    expect(advertised.has(apiCodec(43)!.apiKey)).toBe(false);
  });

  it('ApiVersions keeps features honest: nothing supported or finalized (no transaction.version, no KRaft versions)', async () => {
    for (const version of [3, 4]) {
      const r = await client.request<ApiVersionsResponse>(ApiVersionsApi.apiKey, version, createApiVersionsRequest());
      expect(r.errorCode).toBe(ErrorCode.NONE);
      expect(r.supportedFeatures).toEqual([]);
      expect(r.finalizedFeatures).toEqual([]);
      expect(r.finalizedFeaturesEpoch).toBe(-1n);
      // Every advertised API is advertised at its flexible versions too, where Kafka has them.
      for (const k of r.apiKeys) {
        const codec = apiCodec(k.apiKey)!;
        if (codec.flexibleMinVersion !== null) expect(k.maxVersion, codec.name).toBeGreaterThanOrEqual(codec.flexibleMinVersion);
      }
    }
  });

  it('DescribeCluster describes this one broker; controller endpoints are a mismatch on a broker', async () => {
    for (const version of [0, 1]) {
      const request = { ...createDescribeClusterRequest(), includeClusterAuthorizedOperations: true };
      const r = await client.request<DescribeClusterResponse>(DescribeClusterApi.apiKey, version, request);
      expect(r.errorCode).toBe(ErrorCode.NONE);
      expect(r.clusterId).toBe(broker.broker.clusterId);
      expect(r.controllerId).toBe(1);
      expect(r.brokers.map((b) => [b.brokerId, b.host, b.port])).toEqual([[1, '127.0.0.1', broker.port]]);
      expect(r.clusterAuthorizedOperations).toBeGreaterThan(0);
    }
    const plain = await client.request<DescribeClusterResponse>(DescribeClusterApi.apiKey, 1, createDescribeClusterRequest());
    expect(plain.clusterAuthorizedOperations).toBe(-2147483648);
    const controllers = await client.request<DescribeClusterResponse>(DescribeClusterApi.apiKey, 1,
      { ...createDescribeClusterRequest(), endpointType: 2 });
    expect(controllers.errorCode).toBe(ErrorCode.MISMATCHED_ENDPOINT_TYPE);
    expect(controllers.brokers).toEqual([]);
  });

  it.each([
    ['an unknown API key', 999, 0, 'unknown api key 999'],
    ['a version beyond the spec', FetchApi.apiKey, 99, 'Fetch v99'],
  ])('closes the connection for %s, with the reason logged', async (_what, apiKey, version, reason) => {
    const other = await WireClient.open(broker.port);
    // An ApiVersions v0 frame (no body) with its API key and version patched.
    const frame = encodeRequestFrame(ApiVersionsApi.apiKey, 0, 1, 'probe', createApiVersionsRequest());
    frame.writeInt16BE(apiKey as number, 4);
    frame.writeInt16BE(version as number, 6);
    other.writeRaw(frame);
    await other.closed;
    expect(logs.some((l) => l.includes(reason as string) && l.includes('no known layout'))).toBe(true);
  });
});
