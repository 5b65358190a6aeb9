/**
 * Emits the TypeScript for one struct: interface, factory, reader, writer, size function
 * (and an isDefault check when a tagged field needs one). Straight-line code: `flexible` is
 * computed once per call, and every version test that is always true within the struct's
 * (narrowed) version range is left out.
 *
 * Decisions:
 * - int64 is bigint, uuid the 22-char display string, records/bytes are Buffer views on read.
 * - A field absent from the version being written is skipped whatever its value, ignorable or
 *   not (Kafka's Java generator throws for a non-default non-ignorable one): handlers fill one
 *   total message shape for every version. The facts keep `ignorable` should that change.
 * - Null in a version where the field is not nullable throws (nonNullable, ERR_KAFKA_ENCODE).
 * - Tagged fields are written only when they differ from their default, in tag order, with
 *   the unknown tagged fields that were read (kept sorted) merged back in tag order.
 * - A known tagged field must consume exactly its declared size, else ERR_KAFKA_TAGGED_FIELD.
 * - Readers and writers do not check the version against validVersions (callers do); the
 *   checks inside are open-ended, so a later version with an unchanged layout decodes.
 */
import { type FieldModel, type MessageModel, type Mode, type StructModel, modeWithin, sameRange } from './model.js';
import { type Range, intersect, versionCondition } from './spec.js';

const FIXED: Record<string, number> = {
  bool: 1, int8: 1, int16: 2, int32: 4, int64: 8, uint16: 2, uint32: 4, float64: 8, uuid: 16,
};

const indent = (lines: string[], by = '  '): string[] => lines.map((l) => (l === '' ? l : by + l));
const unindent = (lines: string[]): string[] => lines.map((l) => l.replace(/^ {2}/, ''));

/** `if (cond) { body }`, or just the body when cond is 'always', nothing when 'never'. */
function guarded(cond: Mode, body: string[]): string[] {
  if (cond === 'never' || body.length === 0) return [];
  if (cond === 'always') return body;
  if (body.length > 2 && body[0] === '{' && body[body.length - 1] === '}') body = unindent(body.slice(1, -1));
  if (body.length === 1) return [`if (${cond}) ${body[0]}`];
  return [`if (${cond}) {`, ...indent(body), '}'];
}

/** Picks a branch for a mode: both branches when it varies. */
function choose(mode: Mode, yes: () => string[], no: () => string[]): string[] {
  if (mode === 'always') return yes();
  if (mode === 'never') return no();
  const a = yes();
  const b = no();
  if (a.join('\n') === b.join('\n')) return a;
  if (a.length === 1 && b.length === 1 && !a[0].startsWith('if') && !b[0].startsWith('if')) return [`if (${mode}) ${a[0]}`, `else ${b[0]}`];
  return [`if (${mode}) {`, ...indent(a), '} else {', ...indent(b), '}'];
}

function chooseExpr(mode: Mode, yes: () => string, no: () => string): string {
  if (mode === 'always') return yes();
  if (mode === 'never') return no();
  const a = yes();
  const b = no();
  return a === b ? a : `(${mode} ? ${a} : ${b})`;
}

export function elementTs(f: FieldModel): string {
  const e = f.type.element;
  if (f.structTs) return f.structTs;
  if (e === 'bool') return 'boolean';
  if (e === 'int64') return 'bigint';
  if (e === 'string' || e === 'uuid') return 'string';
  if (e === 'bytes' || e === 'records') return 'Buffer';
  return 'number';
}

export function fieldTs(f: FieldModel): string {
  const base = f.type.array ? `${elementTs(f)}[]` : elementTs(f);
  return f.tsNullable || f.type.element === 'records' ? `${base} | null` : base;
}

function tsNull(f: FieldModel): boolean {
  return f.tsNullable || f.type.element === 'records';
}

/** Default value expression (a fresh value for arrays and structs). */
export function defaultExpr(f: FieldModel): string {
  const d = f.spec.default;
  if (f.defaultNull) return 'null';
  if (f.type.array) return '[]';
  if (f.structTs) return `create${f.structTs}()`;
  switch (f.type.element) {
    case 'bool': return d === 'true' ? 'true' : 'false';
    case 'int64': return `${d === undefined || d === '' ? 0n : BigInt(d)}n`;
    case 'string': return JSON.stringify(d ?? '');
    case 'uuid': return d && d !== '' ? JSON.stringify(d) : 'ZERO_UUID';
    case 'bytes': return 'EMPTY_BYTES';
    case 'records': return 'null';
    default: return String(d === undefined || d === '' ? 0 : Number(d));
  }
}

/** Condition under which value `v` of field `f` equals its default. */
function isDefaultCond(f: FieldModel, v: string): string {
  if (f.defaultNull || f.type.element === 'records') return `${v} === null`;
  if (f.type.array || f.type.element === 'bytes') return tsNull(f) ? `(${v} !== null && ${v}.length === 0)` : `${v}.length === 0`;
  if (f.structTs) return tsNull(f) ? `(${v} !== null && isDefault${f.structTs}(${v}))` : `isDefault${f.structTs}(${v})`;
  return `${v} === ${defaultExpr(f)}`;
}

/** Condition under which value `v` of field `f` differs from its default. */
function nonDefault(f: FieldModel, v: string): string {
  if (f.defaultNull || f.type.element === 'records') return `${v} !== null`;
  if (f.type.array || f.type.element === 'bytes') return tsNull(f) ? `(${v} === null || ${v}.length !== 0)` : `${v}.length !== 0`;
  if (f.structTs) return tsNull(f) ? `(${v} === null || !isDefault${f.structTs}(${v}))` : `!isDefault${f.structTs}(${v})`;
  return `${v} !== ${defaultExpr(f)}`;
}

// ---- primitive element codecs ----

function primRead(e: string, flex: boolean, nullable: boolean): string {
  switch (e) {
    case 'string': return flex ? (nullable ? 'r.compactNullableString()' : 'r.compactString()') : (nullable ? 'r.nullableString()' : 'r.string()');
    case 'bytes':
    case 'records': return flex ? (nullable ? 'r.compactNullableBytes()' : 'r.compactBytes()') : (nullable ? 'r.nullableBytes()' : 'r.bytes()');
    default: return `r.${e}()`;
  }
}

function primWrite(e: string, flex: boolean, nullable: boolean, v: string): string {
  switch (e) {
    case 'string': return flex ? (nullable ? `w.compactNullableString(${v});` : `w.compactString(${v});`) : (nullable ? `w.nullableString(${v});` : `w.string(${v});`);
    case 'bytes':
    case 'records': return flex ? (nullable ? `w.compactNullableBytes(${v});` : `w.compactBytes(${v});`) : (nullable ? `w.nullableBytes(${v});` : `w.bytes(${v});`);
    default: return `w.${e}(${v});`;
  }
}

/** Size of a primitive value; a nullable-typed value always uses the null-safe size helper. */
function primSize(e: string, flex: boolean, nullable: boolean, v: string): string {
  if (FIXED[e] !== undefined) return String(FIXED[e]);
  const kind = e === 'string' ? 'String' : 'Bytes';
  return flex ? (nullable ? `sizeOfCompactNullable${kind}(${v})` : `sizeOfCompact${kind}(${v})`) : (nullable ? `sizeOfNullable${kind}(${v})` : `sizeOf${kind}(${v})`);
}

interface Ctx {
  /** Versions of this emission (the field's presence within the struct). */
  eff: Range;
  /** How nullability varies within eff. */
  nullable: Mode;
  /** Flexible mode within the nullable / non-nullable parts of eff (narrowed separately). */
  flexIfNull: Mode;
  flexIfNotNull: Mode;
  /** Flexible mode over the whole of eff (for code that does not depend on nullability). */
  flex: Mode;
  label: string;
}

function ctxFor(msg: MessageModel, f: FieldModel, eff: Range, forceFlex: boolean, label: string): Ctx {
  const useVar = sameRange(f.flexRange, msg.flexible);
  const flexIn = (r: Range | null): Mode => (forceFlex ? 'always' : r === null ? 'never' : modeWithin(f.flexRange, r, useVar));
  const yes = intersect(f.nullableRange, eff);
  // The non-nullable part of eff, as one range when it is one piece (else all of eff, conservatively).
  let no: Range | null = eff;
  if (yes !== null) {
    if (yes.lo === eff.lo && yes.hi === eff.hi) no = null;
    else if (yes.lo === eff.lo) no = { lo: yes.hi + 1, hi: eff.hi };
    else if (yes.hi === eff.hi) no = { lo: eff.lo, hi: yes.lo - 1 };
  }
  return {
    eff,
    nullable: modeWithin(f.nullableRange, eff),
    flexIfNull: flexIn(yes),
    flexIfNotNull: flexIn(no),
    flex: flexIn(eff),
    label,
  };
}

/** Branches on nullability (outer) then flexibility (inner), each narrowed to its versions. */
function byNull(c: Ctx, fn: (flex: boolean, nullable: boolean) => string[]): string[] {
  return choose(c.nullable,
    () => choose(c.flexIfNull, () => fn(true, true), () => fn(false, true)),
    () => choose(c.flexIfNotNull, () => fn(true, false), () => fn(false, false)));
}

function byNullExpr(c: Ctx, fn: (flex: boolean, nullable: boolean) => string): string {
  return chooseExpr(c.nullable,
    () => chooseExpr(c.flexIfNull, () => fn(true, true), () => fn(false, true)),
    () => chooseExpr(c.flexIfNotNull, () => fn(true, false), () => fn(false, false)));
}

/** Statements assigning the field read from `r` to `target`. */
function readStmts(f: FieldModel, c: Ctx, target: string): string[] {
  const e = f.type.element;
  if (f.type.array) {
    const len = byNullExpr(c, (flex, nullable) => (flex
      ? (nullable ? 'r.compactNullableArrayLength()' : 'r.compactArrayLength()')
      : (nullable ? 'r.nullableArrayLength()' : 'r.arrayLength()')));
    const elem = f.structTs ? `read${f.structTs}(r, version)` : chooseExpr(c.flex, () => primRead(e, true, false), () => primRead(e, false, false));
    const fill = [`const a: ${elementTs(f)}[] = [];`, `for (let i = 0; i < n; i++) a.push(${elem});`, `${target} = a;`];
    if (c.nullable === 'never') return ['{', `  const n = ${len};`, ...indent(fill), '}'];
    return ['{', `  const n = ${len};`, `  if (n < 0) ${target} = null;`, '  else {', ...indent(fill, '    '), '  }', '}'];
  }
  if (f.structTs) {
    const one = `read${f.structTs}(r, version)`;
    return [`${target} = ${chooseExpr(c.nullable, () => `r.int8() < 0 ? null : ${one}`, () => one)};`];
  }
  return [`${target} = ${byNullExpr(c, (flex, nullable) => primRead(e, flex, nullable))};`];
}

/** Statements writing value `v` (an identifier) of the field. */
function writeStmts(f: FieldModel, c: Ctx, v: string): string[] {
  const e = f.type.element;
  const nullCheck = tsNull(f) ? [`if (${v} === null) throw nonNullable('${c.label}', version);`] : [];
  if (f.type.array) {
    const elem = (flex: boolean): string => (f.structTs ? `write${f.structTs}(w, version, ${v}[i]);` : primWrite(e, flex, false, `${v}[i]`));
    const items = (flexMode: Mode): string[] => [
      ...choose(flexMode, () => [`w.uvarint(${v}.length + 1);`], () => [`w.int32(${v}.length);`]),
      ...choose(flexMode, () => [`for (let i = 0; i < ${v}.length; i++) ${elem(true)}`], () => [`for (let i = 0; i < ${v}.length; i++) ${elem(false)}`]),
    ];
    const nul = choose(c.flexIfNull, () => ['w.uvarint(0);'], () => ['w.int32(-1);']);
    return choose(c.nullable,
      () => [`if (${v} === null) {`, ...indent(nul), '} else {', ...indent(items(c.flexIfNull)), '}'],
      () => [...nullCheck, ...items(c.flexIfNotNull)]);
  }
  if (f.structTs) {
    const one = `write${f.structTs}(w, version, ${v});`;
    return choose(c.nullable,
      () => [`if (${v} === null) w.int8(-1);`, 'else {', '  w.int8(1);', `  ${one}`, '}'],
      () => [...nullCheck, one]);
  }
  return byNull(c, (flex, nullable) => (nullable || !tsNull(f) ? [primWrite(e, flex, nullable, v)] : [...nullCheck, primWrite(e, flex, false, v)]));
}

/** Size statements adding to `acc`; `fixed` is set when the size is a constant. */
function sizeStmts(f: FieldModel, c: Ctx, v: string, acc: string): { fixed: number | null; stmts: string[] } {
  const e = f.type.element;
  if (f.type.array) {
    const items = (flexMode: Mode): string[] => {
      const len = chooseExpr(flexMode, () => `sizeOfUvarint(${v}.length + 1)`, () => '4');
      let elems: string[];
      if (f.structTs) elems = [`for (let i = 0; i < ${v}.length; i++) ${acc} += size${f.structTs}(version, ${v}[i]);`];
      else if (FIXED[e] !== undefined) elems = [`${acc} += ${v}.length * ${FIXED[e]};`];
      else elems = [`for (let i = 0; i < ${v}.length; i++) ${acc} += ${chooseExpr(flexMode, () => primSize(e, true, false, `${v}[i]`), () => primSize(e, false, false, `${v}[i]`))};`];
      return [`${acc} += ${len};`, ...elems];
    };
    if (!tsNull(f)) return { fixed: null, stmts: items(c.flex) };
    // A null in a version where the field is not nullable is sized like an empty array; the writer throws.
    return { fixed: null, stmts: [`if (${v} === null) ${acc} += ${chooseExpr(c.flex, () => '1', () => '4')};`, 'else {', ...indent(items(c.flex)), '}'] };
  }
  if (f.structTs) {
    const one = `size${f.structTs}(version, ${v})`;
    if (c.nullable === 'never') return { fixed: null, stmts: [`${acc} += ${one};`] };
    return { fixed: null, stmts: [`${acc} += ${v} === null ? 1 : 1 + ${one};`] };
  }
  if (FIXED[e] !== undefined) return { fixed: FIXED[e], stmts: [`${acc} += ${FIXED[e]};`] };
  // Sizes use the null-safe helpers whenever the type admits null (the writer rejects a misplaced null).
  const expr = chooseExpr(c.flex, () => primSize(e, true, tsNull(f), v), () => primSize(e, false, tsNull(f), v));
  return { fixed: null, stmts: [`${acc} += ${expr};`] };
}

function flexMode(msg: MessageModel, s: StructModel): Mode {
  return modeWithin(msg.flexible, s.range, true);
}

function regularEff(f: FieldModel): Range | null {
  return f.regular === 'never' ? null : f.regularRange;
}

function taggedFields(s: StructModel): FieldModel[] {
  return s.fields.filter((f) => f.tagged !== 'never').sort((a, b) => a.spec.tag! - b.spec.tag!);
}

function flexibleDecl(msg: MessageModel, body: string[]): string[] {
  const uses = body.some((l) => /\bflexible\b/.test(l));
  return uses ? [`const flexible = version >= ${msg.flexible!.lo};`] : [];
}

export function emitStruct(msg: MessageModel, s: StructModel): string {
  const T = s.tsName;
  const out: string[] = [];
  const name = (f: FieldModel): string => `${T}.${f.prop}`;
  const structFlex = flexMode(msg, s);
  const tagged = taggedFields(s);
  // Tagged fields are only read and written inside the flexible part of the struct's range.
  const flexEff = intersect(msg.flexible, s.range);
  const tagCond = (f: FieldModel): Mode => (flexEff === null ? 'never' : versionCondition(f.taggedRange, flexEff));
  const rangeText = `${s.range.lo}${s.range.hi === Infinity ? '+' : s.range.hi === s.range.lo ? '' : `-${s.range.hi}`}`;

  // Interface and factory.
  out.push(`/** On the wire in versions ${rangeText}. */`, `export interface ${T} {`);
  for (const f of s.fields) {
    const facts = [`versions ${f.spec.versions}`];
    if (f.spec.nullableVersions) facts.push(`nullable ${f.spec.nullableVersions}`);
    if (f.spec.taggedVersions) facts.push(`tag ${f.spec.tag} in ${f.spec.taggedVersions}`);
    if (f.spec.default !== undefined) facts.push(`default ${JSON.stringify(f.spec.default)}`);
    out.push(`  /** ${facts.join(', ')} */`, `  ${f.prop}: ${fieldTs(f)};`);
  }
  out.push('  unknownTaggedFields: readonly TaggedField[];', '}', '');
  out.push(`export function create${T}(): ${T} {`, '  return {');
  for (const f of s.fields) out.push(`    ${f.prop}: ${defaultExpr(f)},`);
  out.push('    unknownTaggedFields: NO_TAGGED_FIELDS,', '  };', '}', '');

  // Reader.
  const rd: string[] = [];
  for (const f of s.fields) {
    const local = `_${f.prop}`;
    const eff = regularEff(f);
    if (f.regular === 'always' && eff) {
      const stmts = readStmts(f, ctxFor(msg, f, eff, false, name(f)), local);
      if (stmts.length === 1) rd.push(`const ${stmts[0]}`);
      else rd.push(`let ${local}: ${fieldTs(f)};`, ...stmts);
    } else {
      rd.push(`let ${local}: ${fieldTs(f)} = ${defaultExpr(f)};`);
      if (eff) rd.push(...guarded(f.regular, readStmts(f, ctxFor(msg, f, eff, false, name(f)), local)));
    }
  }
  if (structFlex !== 'never') {
    if (tagged.length === 0) {
      rd.push(structFlex === 'always'
        ? 'const _unknownTaggedFields = r.taggedFields();'
        : 'const _unknownTaggedFields = flexible ? r.taggedFields() : NO_TAGGED_FIELDS;');
    } else {
      rd.push('let _unknown: TaggedField[] | null = null;');
      const loop: string[] = ['const tagCount = r.uvarint();', 'for (let t = 0; t < tagCount; t++) {', '  const tag = r.uvarint();'];
      tagged.forEach((f, i) => {
        const tc = tagCond(f);
        const cond = tc === 'always' ? `tag === ${f.spec.tag}` : `tag === ${f.spec.tag} && ${tc}`;
        loop.push(`  ${i === 0 ? 'if' : '} else if'} (${cond}) {`, '    const end = r.taggedFieldEnd(tag);',
          ...indent(readStmts(f, ctxFor(msg, f, f.taggedRange!, true, name(f)), `_${f.prop}`), '    '),
          '    r.expectTaggedFieldEnd(tag, end);');
      });
      loop.push('  } else {', '    _unknown = r.unknownTaggedField(_unknown, tag);', '  }', '}');
      rd.push(...guarded(structFlex, loop));
      rd.push('const _unknownTaggedFields = _unknown ?? NO_TAGGED_FIELDS;');
    }
  } else {
    rd.push('const _unknownTaggedFields = NO_TAGGED_FIELDS;');
  }
  out.push(`export function read${T}(r: Reader, version: number): ${T} {`, ...indent(flexibleDecl(msg, rd)), ...indent(rd), '  return {');
  for (const f of s.fields) out.push(`    ${f.prop}: _${f.prop},`);
  out.push('    unknownTaggedFields: _unknownTaggedFields,', '  };', '}', '');

  // Writer.
  const wr: string[] = [];
  for (const f of s.fields) {
    const eff = regularEff(f);
    if (!eff) continue;
    const c = ctxFor(msg, f, eff, false, name(f));
    const stmts = writeStmts(f, c, 'v');
    const block = stmts.length === 1
      ? [stmts[0].replace(/\bv\b/g, `m.${f.prop}`)]
      : ['{', `  const v = m.${f.prop};`, ...indent(stmts), '}'];
    wr.push(...guarded(f.regular, block));
  }
  if (structFlex !== 'never') {
    if (tagged.length === 0) {
      wr.push(...guarded(structFlex, ['w.taggedFields(m.unknownTaggedFields);']));
    } else {
      const sec: string[] = ['const tags = m.unknownTaggedFields;', 'let tagCount = tags.length;'];
      const present = (f: FieldModel): string => (tagCond(f) === 'always' ? nonDefault(f, `m.${f.prop}`) : `${tagCond(f)} && ${nonDefault(f, `m.${f.prop}`)}`);
      for (const f of tagged) sec.push(`if (${present(f)}) tagCount++;`);
      sec.push('w.uvarint(tagCount);', 'let u = 0;');
      for (const f of tagged) {
        const c = ctxFor(msg, f, f.taggedRange!, true, name(f));
        const size = sizeStmts(f, c, 'v', 's');
        sec.push(`if (${present(f)}) {`, `  const v = m.${f.prop};`, `  u = w.rawTaggedFieldsBefore(tags, u, ${f.spec.tag});`,
          ...(size.fixed !== null ? [`  w.taggedFieldHeader(${f.spec.tag}, ${size.fixed});`]
            : [...sizeDecl(size.stmts), `  w.taggedFieldHeader(${f.spec.tag}, s);`]),
          ...indent(writeStmts(f, c, 'v')), '}');
      }
      sec.push('w.rawTaggedFieldsBefore(tags, u, Infinity);');
      wr.push(...guarded(structFlex, sec));
    }
  }
  out.push(`export function write${T}(w: Writer, version: number, m: ${T}): void {`, ...indent(flexibleDecl(msg, wr)), ...indent(wr), '}', '');

  // Size.
  let fixed = 0;
  const sz: string[] = [];
  for (const f of s.fields) {
    const eff = regularEff(f);
    if (!eff) continue;
    const size = sizeStmts(f, ctxFor(msg, f, eff, false, name(f)), `m.${f.prop}`, 'n');
    if (size.fixed !== null && f.regular === 'always') fixed += size.fixed;
    else sz.push(...guarded(f.regular, size.stmts));
  }
  if (structFlex !== 'never') {
    if (tagged.length === 0) {
      sz.push(...guarded(structFlex, ['n += sizeOfTaggedFields(m.unknownTaggedFields);']));
    } else {
      const sec: string[] = ['const tags = m.unknownTaggedFields;', 'let tagCount = tags.length;', 'n += sizeOfRawTaggedFields(tags);'];
      for (const f of tagged) {
        const c = ctxFor(msg, f, f.taggedRange!, true, name(f));
        const size = sizeStmts(f, c, 'v', 's');
        const cond = tagCond(f) === 'always' ? nonDefault(f, `m.${f.prop}`) : `${tagCond(f)} && ${nonDefault(f, `m.${f.prop}`)}`;
        sec.push(`if (${cond}) {`, '  tagCount++;',
          ...(size.fixed !== null ? [`  const s = ${size.fixed};`] : [`  const v = m.${f.prop};`, ...sizeDecl(size.stmts)]),
          `  n += ${tagSizeConst(f.spec.tag!)} + sizeOfUvarint(s) + s;`, '}');
      }
      sec.push('n += sizeOfUvarint(tagCount);');
      sz.push(...guarded(structFlex, sec));
    }
  }
  out.push(`export function size${T}(version: number, m: ${T}): number {`, ...indent(flexibleDecl(msg, sz)),
    `  let n = ${fixed};`, ...indent(sz), '  return n;', '}', '');

  if (s.needsIsDefault) out.push(...emitIsDefault(s));
  return out.join('\n');
}

/** `const s = <expr>;` for a one-statement size, else `let s = 0;` and the statements (indented for a block). */
function sizeDecl(stmts: string[]): string[] {
  if (stmts.length === 1 && stmts[0].startsWith('s += ')) return [`  const s = ${stmts[0].slice(5)}`];
  return ['  let s = 0;', ...indent(stmts)];
}

function tagSizeConst(tag: number): number {
  return tag < 0x80 ? 1 : tag < 0x4000 ? 2 : tag < 0x200000 ? 3 : tag < 0x10000000 ? 4 : 5;
}

function emitIsDefault(s: StructModel): string[] {
  const conds = s.fields.map((f) => isDefaultCond(f, `m.${f.prop}`));
  conds.push('m.unknownTaggedFields.length === 0');
  return [`export function isDefault${s.tsName}(m: ${s.tsName}): boolean {`, `  return ${conds.join('\n    && ')};`, '}', ''];
}
