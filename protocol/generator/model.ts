/**
 * Resolves a message spec into the structs the generator emits, each with the version range
 * in which it can appear on the wire (narrowed from the message's validVersions through every
 * enclosing field), and per-field facts relative to that range.
 */
import {
  type FieldSpec, type FieldType, type MessageSpec, type Range,
  camelCase, contains, hull, intersect, parseType, parseVersions, versionCondition,
} from './spec.js';

/** 'always' / 'never', or a TypeScript condition over `version` (or `flexible`). */
export type Mode = string;

export interface StructModel {
  /** TypeScript interface name, e.g. ProduceRequestTopicProduceData. */
  tsName: string;
  /** Versions in which this struct is read or written. */
  range: Range;
  fields: FieldModel[];
  /** A tagged field somewhere needs an isDefault<Struct>() for it. */
  needsIsDefault: boolean;
}

export interface FieldModel {
  spec: FieldSpec;
  /** camelCase property name. */
  prop: string;
  type: FieldType;
  /** Interface name of the struct element, for struct and struct-array fields. */
  structTs: string | null;
  /** Null in some version: the TypeScript type includes null. */
  tsNullable: boolean;
  /** The field's default is null. */
  defaultNull: boolean;
  /** Condition (within the struct range) for the field to be a regular, in-order field. */
  regular: Mode;
  /** Versions where it is a regular field (within the struct range). */
  regularRange: Range | null;
  /** Versions where it is a tagged field (within the struct range). */
  taggedRange: Range | null;
  /** Condition (within the struct range) for the field to be tagged; 'never' if not tagged. */
  tagged: Mode;
  nullableRange: Range | null;
  /** The versions in which this field uses compact encodings. */
  flexRange: Range | null;
}

export interface MessageModel {
  spec: MessageSpec;
  valid: Range;
  flexible: Range | null;
  /** Top-level struct first, then nested structs in first-use order. */
  structs: StructModel[];
}

export function structTsName(message: MessageSpec, structName: string): string {
  return structName.startsWith(message.name) ? structName : message.name + structName;
}

/** Resolves a whole message. */
export function buildModel(spec: MessageSpec): MessageModel {
  const valid = parseVersions(spec.validVersions);
  if (valid === null) throw new Error(`${spec.name}: no valid versions`);
  const flexible = parseVersions(spec.flexibleVersions);
  const common = new Map((spec.commonStructs ?? []).map((s) => [s.name, s.fields]));
  const byName = new Map<string, StructModel>();
  const structs: StructModel[] = [];
  const pending: { tsName: string; fieldSpecs: FieldSpec[] }[] = [];

  // Pass 1: struct ranges (iterate to a fixpoint so a shared struct gets the hull of its uses).
  const ranges = new Map<string, Range>();
  const fieldsOf = new Map<string, FieldSpec[]>();
  const visit = (fields: FieldSpec[], range: Range): boolean => {
    let changed = false;
    for (const f of fields) {
      const t = parseType(f.type);
      if (!t.struct) continue;
      const childFields = f.fields ?? common.get(t.element);
      if (!childFields) throw new Error(`${spec.name}: no fields for struct ${t.element}`);
      const ts = structTsName(spec, t.element);
      const declared = parseVersions(f.versions);
      // A struct absent from every valid version still gets types; give it its declared range.
      const r = intersect(declared, range) ?? declared ?? range;
      const old = ranges.get(ts);
      const next = old ? hull(old, r)! : r;
      if (!old || next.lo !== old.lo || next.hi !== old.hi) {
        ranges.set(ts, next);
        changed = true;
      }
      if (!fieldsOf.has(ts)) {
        fieldsOf.set(ts, childFields);
        pending.push({ tsName: ts, fieldSpecs: childFields });
      }
      if (visit(childFields, ranges.get(ts)!)) changed = true;
    }
    return changed;
  };
  while (visit(spec.fields, valid)) { /* until no range widens */ }

  const make = (tsName: string, fieldSpecs: FieldSpec[], range: Range): StructModel => {
    const m: StructModel = { tsName, range, fields: fieldSpecs.map((f) => fieldModel(spec, f, range, flexible)), needsIsDefault: false };
    byName.set(tsName, m);
    structs.push(m);
    return m;
  };
  make(spec.name, spec.fields, valid);
  for (const p of pending) make(p.tsName, p.fieldSpecs, ranges.get(p.tsName)!);

  // Structs reachable from a tagged struct field need an isDefault check.
  const mark = (s: StructModel): void => {
    if (s.needsIsDefault) return;
    s.needsIsDefault = true;
    for (const f of s.fields) if (f.structTs && !f.type.array) mark(byName.get(f.structTs)!);
  };
  for (const s of structs) {
    for (const f of s.fields) {
      if (f.structTs && !f.type.array && f.tagged !== 'never' && !f.defaultNull) mark(byName.get(f.structTs)!);
    }
  }
  return { spec, valid, flexible, structs };
}

function fieldModel(message: MessageSpec, f: FieldSpec, within: Range, msgFlex: Range | null): FieldModel {
  const type = parseType(f.type);
  const present = parseVersions(f.versions);
  const taggedDecl = f.taggedVersions !== undefined ? parseVersions(f.taggedVersions) : null;
  let regularDecl = present;
  if (taggedDecl !== null && present !== null) {
    if (taggedDecl.hi !== Infinity && present.hi === Infinity) throw new Error(`${message.name}.${f.name}: tagged range must be a suffix`);
    regularDecl = taggedDecl.lo > present.lo ? { lo: present.lo, hi: taggedDecl.lo - 1 } : null;
    if (f.tag === undefined) throw new Error(`${message.name}.${f.name}: taggedVersions without tag`);
  }
  const nullableDecl = f.nullableVersions !== undefined ? parseVersions(f.nullableVersions) : null;
  const fieldFlex = f.flexibleVersions !== undefined ? intersect(msgFlex, parseVersions(f.flexibleVersions)) : msgFlex;
  const regularRange = intersect(regularDecl, within);
  const taggedRange = intersect(intersect(taggedDecl, present), within);
  const defaultNull = f.default === 'null';
  if (defaultNull && nullableDecl === null) throw new Error(`${message.name}.${f.name}: default null but never nullable`);
  return {
    spec: f,
    prop: camelCase(f.name),
    type,
    structTs: type.struct ? structTsName(message, type.element) : null,
    tsNullable: nullableDecl !== null,
    defaultNull,
    regular: versionCondition(regularDecl, within),
    regularRange,
    taggedRange,
    tagged: versionCondition(taggedRange, within),
    nullableRange: nullableDecl,
    flexRange: fieldFlex,
  };
}

/**
 * How `r` holds within the versions `eff`: 'always', 'never', or a condition. `flexName`
 * lets the message-level flexible range be tested through the precomputed `flexible` const.
 */
export function modeWithin(r: Range | null, eff: Range, useFlexibleVar = false): Mode {
  if (contains(r, eff)) return 'always';
  if (intersect(r, eff) === null) return 'never';
  return useFlexibleVar ? 'flexible' : versionCondition(r, eff);
}

export function sameRange(a: Range | null, b: Range | null): boolean {
  return a === b || (a !== null && b !== null && a.lo === b.lo && a.hi === b.hi);
}
