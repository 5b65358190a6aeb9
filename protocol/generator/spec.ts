/**
 * The facts-only message spec model (what protocol/specs/*.json hold), version ranges,
 * and naming rules shared by the importer and the generator.
 */

export interface FieldSpec {
  name: string;
  type: string;
  versions: string;
  nullableVersions?: string;
  taggedVersions?: string;
  tag?: number;
  default?: string;
  mapKey?: boolean;
  ignorable?: boolean;
  flexibleVersions?: string;
  fields?: FieldSpec[];
}

export interface StructSpec {
  name: string;
  versions: string;
  fields: FieldSpec[];
}

export interface MessageSpec {
  name: string;
  type: 'request' | 'response' | 'header';
  apiKey?: number;
  validVersions: string;
  flexibleVersions: string;
  fields: FieldSpec[];
  commonStructs?: StructSpec[];
}

export interface ErrorSpec {
  code: number;
  name: string;
  retriable: boolean;
}

/** An inclusive version range; `hi` is Infinity for "N+". */
export interface Range {
  lo: number;
  hi: number;
}

/** Parses "none", "N", "N+", "N-M". Returns null for "none". */
export function parseVersions(text: string): Range | null {
  const t = text.trim();
  if (t === 'none') return null;
  let m = /^(\d+)\+$/.exec(t);
  if (m) return { lo: Number(m[1]), hi: Infinity };
  m = /^(\d+)-(\d+)$/.exec(t);
  if (m) return { lo: Number(m[1]), hi: Number(m[2]) };
  m = /^(\d+)$/.exec(t);
  if (m) return { lo: Number(m[1]), hi: Number(m[1]) };
  throw new Error(`bad version range ${JSON.stringify(text)}`);
}

export function intersect(a: Range | null, b: Range | null): Range | null {
  if (a === null || b === null) return null;
  const lo = Math.max(a.lo, b.lo);
  const hi = Math.min(a.hi, b.hi);
  return lo <= hi ? { lo, hi } : null;
}

export function contains(outer: Range | null, inner: Range): boolean {
  return outer !== null && outer.lo <= inner.lo && inner.hi <= outer.hi;
}

/** The smallest range holding both. */
export function hull(a: Range | null, b: Range | null): Range | null {
  if (a === null) return b;
  if (b === null) return a;
  return { lo: Math.min(a.lo, b.lo), hi: Math.max(a.hi, b.hi) };
}

/**
 * The condition, inside `within`, for a version to be in `r`: 'always', 'never', or a
 * TypeScript expression over `version` (only the bounds that can fail are tested).
 */
export function versionCondition(r: Range | null, within: Range): string {
  const eff = intersect(r, within);
  if (eff === null) return 'never';
  const parts: string[] = [];
  if (eff.lo > within.lo) parts.push(`version >= ${eff.lo}`);
  if (eff.hi < within.hi) parts.push(`version <= ${eff.hi}`);
  return parts.length === 0 ? 'always' : parts.join(' && ');
}

export function camelCase(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

export function kebabCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
    .toLowerCase();
}

/** "ProduceRequest" -> "Produce"; headers keep their name. */
export function apiName(message: MessageSpec): string {
  return message.name.replace(/(Request|Response)$/, '');
}

export const PRIMITIVES = new Set([
  'bool', 'int8', 'int16', 'int32', 'int64', 'uint16', 'uint32', 'float64',
  'string', 'bytes', 'uuid', 'records',
]);

/** Parsed field type: a primitive, a struct, or an array of either. */
export interface FieldType {
  array: boolean;
  /** primitive name or struct name */
  element: string;
  struct: boolean;
}

export function parseType(type: string): FieldType {
  const array = type.startsWith('[]');
  const element = array ? type.slice(2) : type;
  return { array, element, struct: !PRIMITIVES.has(element) };
}
