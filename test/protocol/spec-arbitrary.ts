/**
 * fast-check arbitraries derived from the facts-only specs: for a message and a version, a
 * value in which every field present in that version gets a random value (null only where the
 * version allows it) and every absent field keeps its default (from the generated factory).
 */
import fc from 'fast-check';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as gen from '../../protocol/generated/index.js';
import * as reqHeader from '../../protocol/generated/request-header.js';
import * as resHeader from '../../protocol/generated/response-header.js';
import { uuidFromBytes, type TaggedField } from '../../protocol/primitives.js';
import { loadSpecs } from '../../protocol/generator/load.js';
import { structTsName } from '../../protocol/generator/model.js';
import { type FieldSpec, type MessageSpec, parseType, parseVersions } from '../../protocol/generator/spec.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Fn = (...args: any[]) => any;
const modules: Record<string, unknown>[] = [gen, reqHeader, resHeader];

/** A generated function by name, e.g. fnNamed('readProduceRequest'). */
export function fnNamed(name: string): Fn {
  for (const m of modules) if (typeof m[name] === 'function') return m[name] as Fn;
  throw new Error(`no generated function ${name}`);
}

const inRange = (text: string | undefined, v: number): boolean => {
  if (text === undefined) return false;
  const r = parseVersions(text);
  return r !== null && r.lo <= v && v <= r.hi;
};

const STR = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ minLength: 100, maxLength: 200 }) },
);
const BYTES = fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b));
const UUID = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => uuidFromBytes(b));

function primitive(type: string): fc.Arbitrary<unknown> {
  switch (type) {
    case 'bool': return fc.boolean();
    case 'int8': return fc.integer({ min: -128, max: 127 });
    case 'int16': return fc.integer({ min: -32768, max: 32767 });
    case 'int32': return fc.integer({ min: -2147483648, max: 2147483647 });
    case 'uint16': return fc.integer({ min: 0, max: 65535 });
    case 'uint32': return fc.nat({ max: 0xffffffff });
    case 'int64': return fc.bigInt(-(1n << 63n), (1n << 63n) - 1n);
    case 'float64': return fc.double({ noNaN: true }).map((d) => (Object.is(d, -0) ? 0 : d));
    case 'string': return STR;
    case 'uuid': return UUID;
    case 'bytes':
    case 'records': return BYTES;
    default: throw new Error(`unknown primitive ${type}`);
  }
}

/** Unknown tagged fields with tags that are not known (valid) tags of the struct at `version`. */
function unknownTags(fields: FieldSpec[], version: number): fc.Arbitrary<readonly TaggedField[]> {
  const known = new Set(fields.filter((f) => f.tag !== undefined && inRange(f.taggedVersions, version) && inRange(f.versions, version)).map((f) => f.tag!));
  return fc.uniqueArray(fc.nat({ max: 40 }).filter((t) => !known.has(t)), { maxLength: 2 })
    .chain((tags) => fc.tuple(...tags.sort((a, b) => a - b).map((tag) => BYTES.map((data) => ({ tag, data })))))
    .map((list) => list as TaggedField[]);
}

export interface MessageArbitraries {
  /** Arbitrary of the top-level message at a version. */
  message(version: number): fc.Arbitrary<Record<string, unknown>>;
}

export function arbitrariesFor(spec: MessageSpec): MessageArbitraries {
  const flexible = parseVersions(spec.flexibleVersions);
  const common = new Map((spec.commonStructs ?? []).map((s) => [s.name, s.fields]));
  const isFlexible = (v: number): boolean => flexible !== null && v >= flexible.lo && v <= flexible.hi;

  const struct = (tsName: string, fields: FieldSpec[], version: number, depth: number): fc.Arbitrary<Record<string, unknown>> => {
    const create = fnNamed(`create${tsName}`);
    const parts: Record<string, fc.Arbitrary<unknown>> = {};
    for (const f of fields) {
      if (!inRange(f.versions, version)) continue;
      const t = parseType(f.type);
      let elem: fc.Arbitrary<unknown>;
      if (t.struct) {
        const childFields = f.fields ?? common.get(t.element)!;
        elem = struct(structTsName(spec, t.element), childFields, version, depth + 1);
      } else {
        elem = primitive(t.element);
      }
      let arb = t.array ? fc.array(elem, { maxLength: depth > 2 ? 1 : 3 }) : elem;
      if (inRange(f.nullableVersions, version)) arb = fc.option(arb, { nil: null, freq: 4 });
      parts[f.name.charAt(0).toLowerCase() + f.name.slice(1)] = arb;
    }
    const tags = isFlexible(version) ? unknownTags(fields, version) : fc.constant(undefined);
    return fc.record(parts).chain((present) => tags.map((unknownTaggedFields) => {
      const m = create() as Record<string, unknown>;
      Object.assign(m, present);
      if (unknownTaggedFields !== undefined) m.unknownTaggedFields = unknownTaggedFields;
      return m;
    }));
  };

  return { message: (version) => struct(spec.name, spec.fields, version, 0) };
}

export const SPECS = loadSpecs(REPO_ROOT);

/** Every version of a spec's validVersions. */
export function versionsOf(spec: MessageSpec): number[] {
  const r = parseVersions(spec.validVersions)!;
  const out: number[] = [];
  for (let v = r.lo; v <= r.hi; v++) out.push(v);
  return out;
}
