/**
 * Golden bytes: request frames captured once from real clients (kafkajs 2.2.4, kcat 1.7.1 with
 * librdkafka 2.0.2) by compat/capture/capture-golden.ts, stored in test/fixtures/golden/ as
 * `<client>-<api>-v<version>.bin` (request header + body, size prefix stripped) with a JSON of
 * what is known about each from how the client was driven.
 *
 * Two layers:
 *  1. The fixtures themselves are checked with a tiny independent parser (so a bad capture is
 *     caught even if the codecs agree with it).
 *  2. The project's codecs decode each fixture (header, body, record set) to the known fields,
 *     consume every byte, and re-encode to the identical bytes.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readApiVersionsRequest, type ApiVersionsRequest } from '../protocol/generated/api-versions.js';
import { apiCodec } from '../protocol/generated/index.js';
import { readMetadataRequest, type MetadataRequest } from '../protocol/generated/metadata.js';
import { readProduceRequest, type ProduceRequest } from '../protocol/generated/produce.js';
import * as GeneratedHeader from '../protocol/generated/request-header.js';
import { decodeRequest, encodeRequestFrame, readRequestHeader, sizeRequestHeader, writeRequestHeader } from '../protocol/headers.js';
import { Reader, Writer } from '../protocol/primitives.js';
import { validateRecordSet } from '../protocol/record-batch.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIR = path.join(ROOT, 'test/fixtures/golden');

interface Facts {
  client: string;
  api: 'api-versions' | 'metadata' | 'produce';
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string;
  frameBytes: number;
  topic?: string;
  partition?: number;
  acks?: number;
  recordCount?: number;
  keys?: string[];
  values?: string[];
  headers?: Array<Record<string, string>>;
  topics?: string[] | null;
  allowAutoTopicCreation?: boolean;
  clientSoftwareName?: string;
  clientSoftwareVersion?: string;
}

interface Fixture { name: string; bytes: Buffer; facts: Facts }

const fixtures: Fixture[] = readdirSync(DIR)
  .filter((f) => f.endsWith('.bin'))
  .sort()
  .map((f) => {
    const name = f.slice(0, -4);
    const facts = JSON.parse(readFileSync(path.join(DIR, `${name}.json`), 'utf8')) as Facts;
    return { name, bytes: readFileSync(path.join(DIR, f)), facts };
  });

/** Flexible request versions (request header v2) of the APIs we hold fixtures for. */
const FIRST_FLEXIBLE: Record<number, number> = { 0: 9, 3: 9, 18: 3 };
const isFlexible = (apiKey: number, version: number): boolean => version >= (FIRST_FLEXIBLE[apiKey] ?? Infinity);

// ------------------------------------------------------------------------------------------
// 1. Independent mini-parser: checks the captures against what the clients were told to send.
// ------------------------------------------------------------------------------------------

class Mini {
  pos = 0;
  constructor(readonly b: Buffer) {}
  i8(): number { return this.b.readInt8(this.pos++); }
  i16(): number { const v = this.b.readInt16BE(this.pos); this.pos += 2; return v; }
  i32(): number { const v = this.b.readInt32BE(this.pos); this.pos += 4; return v; }
  uv(): number {
    let v = 0;
    for (let s = 0; ; s += 7) { const x = this.b[this.pos++]!; v += (x & 0x7f) * 2 ** s; if (x < 0x80) return v; }
  }
  sv(): number { const u = this.uv(); return u % 2 === 0 ? u / 2 : -(u + 1) / 2; }
  take(n: number): Buffer { const v = this.b.subarray(this.pos, this.pos + n); this.pos += n; return v; }
  str(flexible: boolean): string | null { const n = flexible ? this.uv() - 1 : this.i16(); return n < 0 ? null : this.take(n).toString(); }
  len(flexible: boolean): number { return flexible ? this.uv() - 1 : this.i32(); }
  tags(): void { for (let n = this.uv(); n > 0; n--) { this.uv(); this.take(this.uv()); } }
}

interface MiniRecord { key: string | null; value: string | null; headers: Record<string, string> }

/** Records of every v2 batch in a record set (uncompressed only, which is what was captured). */
function miniRecords(set: Buffer): MiniRecord[] {
  const out: MiniRecord[] = [];
  for (let pos = 0; pos < set.length;) {
    const size = set.readInt32BE(pos + 8) + 12;
    expect(set.readInt8(pos + 16), 'magic').toBe(2);
    expect(set.readInt16BE(pos + 21) & 0x07, 'compression').toBe(0);
    const m = new Mini(set.subarray(pos + 61, pos + size));
    for (let i = set.readInt32BE(pos + 57); i > 0; i--) {
      const end = m.sv() + m.pos;
      m.i8();
      m.sv(); m.sv(); // timestamp delta (fits: small), offset delta
      const kl = m.sv();
      const key = kl < 0 ? null : m.take(kl).toString();
      const vl = m.sv();
      const value = vl < 0 ? null : m.take(vl).toString();
      const headers: Record<string, string> = {};
      for (let h = m.sv(); h > 0; h--) {
        const hk = m.take(m.sv()).toString();
        headers[hk] = m.take(m.sv()).toString();
      }
      expect(m.pos).toBe(end);
      out.push({ key, value, headers });
    }
    pos += size;
  }
  return out;
}

describe('golden fixtures (independent parse)', () => {
  it('holds captures from both clients for ApiVersions, Metadata and Produce', () => {
    const names = fixtures.map((f) => f.name);
    for (const client of ['kafkajs', 'kcat']) {
      for (const api of ['api-versions', 'metadata', 'produce']) {
        expect(names.some((n) => n.startsWith(`${client}-${api}-v`)), `${client} ${api}`).toBe(true);
      }
    }
    expect(names).toContain('kcat-api-versions-v3');
  });

  it.each(fixtures)('$name: header and body match the capture facts', ({ bytes, facts }) => {
    expect(bytes.length).toBe(facts.frameBytes);
    const m = new Mini(bytes);
    expect([m.i16(), m.i16(), m.i32()]).toEqual([facts.apiKey, facts.apiVersion, facts.correlationId]);
    expect(m.str(false)).toBe(facts.clientId); // ClientId is INT16-prefixed even in header v2
    const flexible = isFlexible(facts.apiKey, facts.apiVersion);
    if (flexible) m.tags();
    if (facts.api === 'api-versions' && facts.apiVersion >= 3) {
      expect([m.str(true), m.str(true)]).toEqual([facts.clientSoftwareName, facts.clientSoftwareVersion]);
      m.tags();
    }
    if (facts.api === 'metadata') {
      const n = m.len(flexible);
      const topics = n < 0 ? null : Array.from({ length: n }, () => m.str(flexible));
      expect(topics).toEqual(facts.topics);
      if (facts.apiVersion >= 4) expect(m.i8() === 1).toBe(facts.allowAutoTopicCreation);
    }
    if (facts.api === 'produce') {
      expect(m.str(flexible)).toBe(null); // transactional id
      expect(m.i16()).toBe(facts.acks);
      m.i32();
      expect(m.len(flexible)).toBe(1);
      expect(m.str(flexible)).toBe(facts.topic);
      expect(m.len(flexible)).toBe(1);
      expect(m.i32()).toBe(facts.partition);
      const records = miniRecords(m.take(m.len(flexible)));
      expect(records.map((r) => r.key)).toEqual(facts.keys);
      expect(records.map((r) => r.value)).toEqual(facts.values);
      expect(records.map((r) => r.headers)).toEqual(facts.headers);
    }
    expect(m.pos, 'every byte accounted for').toBe(bytes.length);
  });
});

// ------------------------------------------------------------------------------------------
// 2. The project's codecs.
// ------------------------------------------------------------------------------------------

function checkBody(api: Facts['api'], msg: unknown, facts: Facts, frame: Buffer): void {
  switch (api) {
    case 'api-versions': {
      const m = msg as ApiVersionsRequest;
      if (facts.apiVersion >= 3) {
        expect([m.clientSoftwareName, m.clientSoftwareVersion]).toEqual([facts.clientSoftwareName, facts.clientSoftwareVersion]);
      }
      break;
    }
    case 'metadata': {
      const m = msg as MetadataRequest;
      expect(m.topics === null ? null : m.topics.map((t) => t.name)).toEqual(facts.topics);
      if (facts.apiVersion >= 4) expect(m.allowAutoTopicCreation).toBe(facts.allowAutoTopicCreation);
      break;
    }
    case 'produce': {
      const m = msg as ProduceRequest;
      expect(m.transactionalId).toBe(null);
      expect(m.acks).toBe(facts.acks);
      expect(m.topicData).toHaveLength(1);
      expect(m.topicData[0]!.name).toBe(facts.topic);
      expect(m.topicData[0]!.partitionData).toHaveLength(1);
      const partition = m.topicData[0]!.partitionData[0]!;
      expect(partition.index).toBe(facts.partition);
      const records = partition.records!;
      const check = validateRecordSet(records);
      expect(check.errorCode, check.errorMessage ?? '').toBe(0);
      expect(check.recordCount).toBe(facts.recordCount);
      expect(check.batches).toHaveLength(1);
      // Zero-copy: the records are a view into the frame, not a copy.
      expect(records.buffer).toBe(frame.buffer);
      break;
    }
  }
}

describe('golden fixtures through the protocol codecs', () => {
  it.each(fixtures)('$name: headers.ts + generated codec decode the known fields and re-encode byte for byte', ({ bytes, facts }) => {
    const codec = apiCodec(facts.apiKey)!;
    expect(codec).toBeDefined();
    const r = new Reader(bytes);
    const header = readRequestHeader(r);
    expect(header).toMatchObject({
      apiKey: facts.apiKey,
      apiVersion: facts.apiVersion,
      correlationId: facts.correlationId,
      clientId: facts.clientId,
      headerVersion: isFlexible(facts.apiKey, facts.apiVersion) ? 2 : 1,
    });
    const headerEnd = r.offset;
    const msg = codec.readRequest(r, facts.apiVersion);
    expect(r.offset, 'the body reader consumed every byte').toBe(bytes.length);
    checkBody(facts.api, msg, facts, bytes);

    const headerSize = sizeRequestHeader(header.headerVersion, header.clientId, header.unknownTaggedFields);
    const bodySize = codec.sizeRequest(facts.apiVersion, msg);
    expect(headerSize).toBe(headerEnd);
    expect(headerSize + bodySize).toBe(bytes.length);
    const w = Writer.alloc(headerSize + bodySize);
    writeRequestHeader(w, header);
    codec.writeRequest(w, facts.apiVersion, msg);
    expect(w.finish().equals(bytes), 're-encoded bytes equal the capture').toBe(true);

    // The frame helpers agree: size prefix + the same bytes, and the same decoded message.
    const frame = encodeRequestFrame(facts.apiKey, facts.apiVersion, facts.correlationId, facts.clientId, msg);
    expect(frame.readInt32BE(0)).toBe(bytes.length);
    expect(frame.subarray(4).equals(bytes)).toBe(true);
    expect(decodeRequest(bytes).message).toEqual(msg);
  });

  it.each(fixtures)('$name: the generated request-header codec agrees with headers.ts', ({ bytes, facts }) => {
    const version = isFlexible(facts.apiKey, facts.apiVersion) ? 2 : 1;
    const r = new Reader(bytes);
    const h = GeneratedHeader.readRequestHeader(r, version);
    expect(h).toMatchObject({ requestApiKey: facts.apiKey, requestApiVersion: facts.apiVersion, correlationId: facts.correlationId, clientId: facts.clientId });
    const end = r.offset;
    const w = Writer.alloc(GeneratedHeader.sizeRequestHeader(version, h));
    GeneratedHeader.writeRequestHeader(w, version, h);
    expect(w.finish().equals(bytes.subarray(0, end))).toBe(true);
    const typed: Record<Facts['api'], (r: Reader, v: number) => unknown> = {
      'api-versions': readApiVersionsRequest,
      metadata: readMetadataRequest,
      produce: readProduceRequest,
    };
    checkBody(facts.api, typed[facts.api](r, facts.apiVersion), facts, bytes);
    expect(r.offset).toBe(bytes.length);
  });
});
