import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Reader, Writer } from '../../protocol/primitives.js';
import {
  decodeRequest, decodeResponse, encodeApiVersionsUnsupportedVersion, encodeRequestFrame, encodeResponse,
  encodeResponseFrame, readRequestHeader, readResponseHeader, requestHeaderVersion, responseHeaderVersion,
  sizeRequestHeader, writeRequestHeader,
} from '../../protocol/headers.js';
import {
  ErrorCode, errorInfo, createApiVersionsRequest, createApiVersionsResponse, readApiVersionsRequest,
  readApiVersionsResponse, createProduceRequest, sizeProduceResponse, writeProduceResponse, createProduceResponse,
  type ApiVersionsResponse, type ProduceRequest, type MetadataRequest, createMetadataRequest,
} from '../../protocol/generated/index.js';
import * as genReqHeader from '../../protocol/generated/request-header.js';
import * as genResHeader from '../../protocol/generated/response-header.js';

const SEED = 1729;
const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const squash = (s: string): string => s.replace(/\s+/g, '');
const str16 = (s: string): string => Buffer.byteLength(s).toString(16).padStart(4, '0') + Buffer.from(s).toString('hex');
const compact = (s: string): string => (Buffer.byteLength(s) + 1).toString(16).padStart(2, '0') + Buffer.from(s).toString('hex');

describe('header versions', () => {
  it('request header v2 iff flexible, else v1; v0 only for ControlledShutdown v0', () => {
    expect(requestHeaderVersion(18, 2)).toBe(1);
    expect(requestHeaderVersion(18, 3)).toBe(2);
    expect(requestHeaderVersion(18, 9)).toBe(2); // beyond known versions: flexible ranges are open-ended
    expect(requestHeaderVersion(0, 8)).toBe(1);
    expect(requestHeaderVersion(0, 9)).toBe(2);
    expect(requestHeaderVersion(3, 9)).toBe(2);
    expect(requestHeaderVersion(7, 0)).toBe(0);
    expect(requestHeaderVersion(17, 1)).toBe(1); // SaslHandshake is never flexible
    expect(requestHeaderVersion(999, 5)).toBe(1);
  });

  it('response header v1 iff flexible, except ApiVersions which is always v0', () => {
    expect(responseHeaderVersion(18, 0)).toBe(0);
    expect(responseHeaderVersion(18, 3)).toBe(0);
    expect(responseHeaderVersion(18, 4)).toBe(0);
    expect(responseHeaderVersion(3, 8)).toBe(0);
    expect(responseHeaderVersion(3, 9)).toBe(1);
    expect(responseHeaderVersion(0, 9)).toBe(1);
  });
});

describe('request header', () => {
  it('ClientId is a classic INT16 string even in header v2', () => {
    const req = createMetadataRequest();
    req.topics = null;
    const frame = encodeRequestFrame(3, 12, 42, 'kcat', req);
    // size, api key 3, version 12, correlation 42, clientId as int16-length string, empty header tags
    expect(frame.subarray(4, 4 + 8 + 2 + 4 + 1).toString('hex')).toBe('0003' + '000c' + '0000002a' + str16('kcat') + '00');
    const r = new Reader(frame, 4);
    const h = readRequestHeader(r);
    expect(h).toEqual({ apiKey: 3, apiVersion: 12, correlationId: 42, clientId: 'kcat', headerVersion: 2, unknownTaggedFields: [] });
    expect(r.offset).toBe(4 + 15);
    const nullId = encodeRequestFrame(3, 12, 1, null, req);
    expect(nullId.subarray(12, 14).toString('hex')).toBe('ffff');
  });

  it('parses enough of an unknown API or future version to answer it', () => {
    const body = hex('deadbeef');
    const unknownApi = Buffer.concat([hex('03e7 0005 00000007' + str16('x')), body]);
    const r = new Reader(unknownApi);
    expect(readRequestHeader(r)).toMatchObject({ apiKey: 999, apiVersion: 5, correlationId: 7, clientId: 'x', headerVersion: 1 });
    expect(r.offset).toBe(unknownApi.length - 4);
    // ApiVersions v9 (not yet defined): flexible, so header v2 with a tag section.
    const future = Buffer.concat([hex('0012 0009 00000008' + str16('java') + '00'), body]);
    const r2 = new Reader(future);
    expect(readRequestHeader(r2)).toMatchObject({ apiKey: 18, apiVersion: 9, correlationId: 8, clientId: 'java', headerVersion: 2 });
    expect(r2.offset).toBe(future.length - 4);
  });

  it(`agrees with the spec-generated header codec (seed ${SEED})`, () => {
    const arb = fc.record({
      apiKey: fc.constantFrom(0, 1, 3, 18, 19, 999),
      apiVersion: fc.integer({ min: 0, max: 12 }),
      correlationId: fc.integer({ min: -2147483648, max: 2147483647 }),
      clientId: fc.option(fc.string({ unit: 'grapheme', maxLength: 20 }), { nil: null }),
    });
    fc.assert(fc.property(arb, (h) => {
      const hv = requestHeaderVersion(h.apiKey, h.apiVersion);
      const w = Writer.alloc(sizeRequestHeader(hv, h.clientId));
      writeRequestHeader(w, h);
      const ours = w.finish();
      const g = { ...genReqHeader.createRequestHeader(), requestApiKey: h.apiKey, requestApiVersion: h.apiVersion, correlationId: h.correlationId, clientId: h.clientId };
      const gw = Writer.alloc(genReqHeader.sizeRequestHeader(hv, g));
      genReqHeader.writeRequestHeader(gw, hv, g);
      expect(gw.finish().equals(ours)).toBe(true);
      expect(genReqHeader.readRequestHeader(new Reader(ours), hv)).toEqual(g);
    }), { seed: SEED, numRuns: 200 });
  });
});

describe('response frames', () => {
  it('ApiVersions responses use header v0 even at v3+', () => {
    const body = createApiVersionsResponse();
    body.apiKeys = [{ apiKey: 0, minVersion: 0, maxVersion: 11, unknownTaggedFields: [] }];
    const frame = encodeResponse(18, 3, 1, body);
    expect(frame.toString('hex')).toBe(
      '00000013' + // size 19
      '00000001' + // correlation id, header v0: no tag section
      '0000' + '02' + '0000' + '0000' + '000b' + '00' + // error, compact array of 1 ApiVersion with empty tags
      '00000000' + '00', // throttle time, body tags
    );
    const back = decodeResponse(18, 3, frame.subarray(4));
    expect(back.correlationId).toBe(1);
    expect((back.message as ApiVersionsResponse).apiKeys).toEqual(body.apiKeys);
  });

  it('flexible responses use header v1 (an empty tag section after the correlation id)', () => {
    const m = createProduceResponse();
    const frame = encodeResponseFrame(0, 9, 77, sizeProduceResponse(9, m), (w) => writeProduceResponse(w, 9, m));
    expect(frame.toString('hex')).toBe('0000000b' + '0000004d' + '00' + '01' + '00000000' + '00');
    const r = new Reader(frame, 4);
    expect(readResponseHeader(r, 0, 9).correlationId).toBe(77);
    expect(r.offset).toBe(9);
    const v8 = encodeResponse(0, 8, 77, m);
    expect(v8.subarray(4, 8).toString('hex')).toBe('0000004d');
    expect(v8.readInt32BE(0)).toBe(v8.length - 4);
    expect(genResHeader.readResponseHeader(new Reader(frame, 4), 1).correlationId).toBe(77);
  });

  it('answers an unsupported ApiVersions version with a v0 body, error 35 and the range', () => {
    const frame = encodeApiVersionsUnsupportedVersion(5, 0, 4);
    expect(frame.toString('hex')).toBe('00000010' + '00000005' + '0023' + '00000001' + '0012' + '0000' + '0004');
    const back = readApiVersionsResponse(new Reader(frame, 8), 0);
    expect(back.errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
    expect(errorInfo(back.errorCode).name).toBe('UNSUPPORTED_VERSION');
    expect(back.apiKeys).toEqual([{ apiKey: 18, minVersion: 0, maxVersion: 4, unknownTaggedFields: [] }]);
  });
});

describe('versions beyond the spec snapshot', () => {
  it('Produce v12 (Kafka 4.0, same layout as v11) encodes through the generated functions directly', () => {
    const m = createProduceResponse();
    const v12 = encodeResponseFrame(0, 12, 3, sizeProduceResponse(12, m), (w) => writeProduceResponse(w, 12, m));
    const v11 = encodeResponseFrame(0, 11, 3, sizeProduceResponse(11, m), (w) => writeProduceResponse(w, 11, m));
    expect(v12.equals(v11)).toBe(true);
    // The generic registry helpers refuse versions outside the spec's validVersions.
    expect(() => encodeResponse(0, 12, 3, m)).toThrow(/outside/);
  });
});

describe('hand-checked request vectors', () => {
  it('ApiVersions v3 as librdkafka sends it', () => {
    const bytes = hex(
      '0012 0003 00000001' + str16('rdkafka') + '00' + // header v2: key 18, v3, correlation 1, client id, no tags
      compact('librdkafka') + compact('2.3.0') + '00', // ClientSoftwareName, ClientSoftwareVersion, no tags
    );
    const r = new Reader(bytes);
    const h = readRequestHeader(r);
    expect(h).toMatchObject({ apiKey: 18, apiVersion: 3, correlationId: 1, clientId: 'rdkafka', headerVersion: 2 });
    const body = readApiVersionsRequest(r, 3);
    expect(body).toEqual({ ...createApiVersionsRequest(), clientSoftwareName: 'librdkafka', clientSoftwareVersion: '2.3.0' });
    expect(r.remaining).toBe(0);
    const frame = encodeRequestFrame(18, 3, 1, 'rdkafka', body);
    expect(frame.subarray(4).equals(bytes)).toBe(true);
    expect(frame.readInt32BE(0)).toBe(bytes.length);
  });

  it('ApiVersions v0 has an empty body', () => {
    const frame = encodeRequestFrame(18, 0, 2, 'kafkajs', createApiVersionsRequest());
    expect(frame.toString('hex')).toBe('00000011' + '0012 0000 00000002'.replace(/ /g, '') + str16('kafkajs'));
  });

  it('Produce v3 (classic) and v9 (flexible) with one record set', () => {
    const records = hex('0102030405');
    const m: ProduceRequest = {
      ...createProduceRequest(), acks: -1, timeoutMs: 1000,
      topicData: [{ name: 't', partitionData: [{ index: 0, records, unknownTaggedFields: [] }], unknownTaggedFields: [] }],
    };
    const v3 = encodeRequestFrame(0, 3, 9, 'c', m);
    expect(v3.subarray(4).toString('hex')).toBe(squash(
      '0000 0003 00000009' + str16('c') + // header v1
      'ffff' + 'ffff' + '000003e8' + // null transactional id, acks -1, timeout 1000
      '00000001' + str16('t') + '00000001' + '00000000' + '00000005' + '0102030405'));
    const v9 = encodeRequestFrame(0, 9, 9, 'c', m);
    expect(v9.subarray(4).toString('hex')).toBe(squash(
      '0000 0009 00000009' + str16('c') + '00' + // header v2
      '00' + 'ffff' + '000003e8' + // compact null transactional id
      '02' + compact('t') + '02' + '00000000' + '06' + '0102030405' + '00' + '00' + '00'));
    const decoded = decodeRequest(v9.subarray(4));
    const body = decoded.message as ProduceRequest;
    expect(body).toEqual(m);
    // The record set is a view of the frame, not a copy.
    expect(body.topicData[0].partitionData[0].records!.buffer).toBe(v9.buffer);
  });

  it('Metadata v1 with null topics (all topics) and v0 with an empty list', () => {
    const m: MetadataRequest = { ...createMetadataRequest(), topics: null };
    expect(encodeRequestFrame(3, 1, 1, null, m).subarray(4).toString('hex')).toBe('0003 0001 00000001 ffff ffffffff'.replace(/ /g, ''));
    expect(() => encodeRequestFrame(3, 0, 1, null, m)).toThrow(/not nullable/);
  });
});
