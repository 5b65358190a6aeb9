/**
 * Every generated message at every version of its validVersions: write then read gives the
 * same value (absent fields compare as their defaults), size() equals the written length,
 * re-encoding the decoded value gives the same bytes, and every truncation of a valid encoding
 * throws a ProtocolError.
 */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Reader, Writer } from '../../protocol/primitives.js';
import { ProtocolError } from '../../protocol/errors.js';
import { API_CODECS, apiCodec } from '../../protocol/generated/index.js';
import { SPECS, arbitrariesFor, fnNamed, versionsOf } from './spec-arbitrary.js';
import { IMPORTED_APIS } from '../../protocol/generator/import-specs.js';

const SEED = 20241025;
const NUM_RUNS = 12;

const cases = SPECS.specs.flatMap((spec) => versionsOf(spec).map((version) => ({ name: spec.name, version, spec })));

function encode(name: string, version: number, m: unknown): Buffer {
  const size = fnNamed(`size${name}`)(version, m) as number;
  const w = Writer.alloc(size);
  fnNamed(`write${name}`)(w, version, m);
  return w.finish(); // throws unless exactly `size` bytes were written
}

describe('generated codecs round trip at every valid version', () => {
  it.each(cases)('$name v$version', ({ name, version, spec }) => {
    const arb = arbitrariesFor(spec).message(version);
    const read = fnNamed(`read${name}`);
    fc.assert(fc.property(arb, (m) => {
      const bytes = encode(name, version, m);
      const r = new Reader(bytes);
      const back = read(r, version);
      expect(r.offset, 'reader consumed every byte').toBe(bytes.length);
      expect(back).toEqual(m);
      expect(encode(name, version, back).equals(bytes), 're-encoding gives the same bytes').toBe(true);
      const cut = bytes.length > 0 ? (bytes.length * 7919) % bytes.length : 0;
      if (bytes.length > 0) {
        expect(() => read(new Reader(bytes.subarray(0, cut)), version), `truncated at ${cut}`).toThrow(ProtocolError);
      }
    }), { seed: SEED, numRuns: NUM_RUNS, endOnFailure: true, examples: [] });
  });

  it(`covers every API in the registry (seed ${SEED})`, () => {
    expect(API_CODECS.length).toBe(IMPORTED_APIS.length);
    const names = new Set(cases.map((c) => c.name));
    for (const c of API_CODECS) {
      expect(names.has(`${c.name}Request`)).toBe(true);
      expect(names.has(`${c.name}Response`)).toBe(true);
      expect(apiCodec(c.apiKey)).toBe(c);
    }
  });
});

describe('hostile bodies', () => {
  const apis = API_CODECS.flatMap((c) => [c.minVersion, c.maxVersion].map((v) => ({ name: c.name, version: v, codec: c })));
  it.each(apis)(`$name v$version: random bytes only ever throw ProtocolError (seed ${SEED})`, ({ version, codec }) => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      for (const read of [codec.readRequest, codec.readResponse]) {
        try {
          read(new Reader(Buffer.from(bytes)), version);
        } catch (e) {
          if (!(e instanceof ProtocolError)) throw e;
        }
      }
    }), { seed: SEED, numRuns: 40 });
  });
});

describe('defaults and types', () => {
  it('factories set spec defaults', () => {
    const fetch = fnNamed('createFetchRequest')();
    expect(fetch.maxBytes).toBe(0x7fffffff);
    expect(fetch.replicaId).toBe(-1);
    expect(fetch.clusterId).toBeNull();
    expect(fetch.rackId).toBe('');
    expect(fetch.replicaState).toEqual({ replicaId: -1, replicaEpoch: -1n, unknownTaggedFields: [] });
    const av = fnNamed('createApiVersionsResponse')();
    expect(av.finalizedFeaturesEpoch).toBe(-1n);
    expect(fnNamed('createMetadataResponseTopic')().topicId).toBe('AAAAAAAAAAAAAAAAAAAAAA');
  });

  it('writing null into a field that is not nullable in that version throws', () => {
    // OffsetFetchRequest.Topics is nullable in versions 2-7 only.
    const m = fnNamed('createOffsetFetchRequest')();
    m.topics = null;
    expect(() => encode('OffsetFetchRequest', 1, m)).toThrow(ProtocolError);
    expect(encode('OffsetFetchRequest', 2, m).length).toBeGreaterThan(0);
  });

  it('a known tagged field whose declared size disagrees with its value is rejected', () => {
    // ApiVersionsResponse v3: error 0, no api keys, throttle 0, one tag (1 = FinalizedFeaturesEpoch) declared 4 bytes.
    const bytes = Buffer.from('0000' + '01' + '00000000' + '01' + '01' + '04' + '00000000' + '00000000', 'hex');
    expect(() => fnNamed('readApiVersionsResponse')(new Reader(bytes), 3)).toThrow(ProtocolError);
  });
});
