/**
 * Reads `sluice dump-log` output back into produce parts (topic, partition, baseOffset, count)
 * so crash tests can show every acknowledged batch is in the WAL at its acknowledged offset.
 *
 * src/log/dump.ts prints one `batch topic=<name> partition=<n> baseOffset=<n> lastOffset=<n>
 * count=<n> ...` line per RecordBatch. The parser is deliberately tolerant of the line format. It accepts, per line, either a JSON
 * object or `key=value` / `key: value` tokens; a key seen twice on one line starts a new part
 * (so several parts may share a line). Recognised names:
 *   topic name:   topic | topicName          (or topicNum/topic_num resolved through a
 *                                              TOPIC_CREATED line carrying topicNum and name)
 *   partition:    partition | partitionIndex
 *   base offset:  baseOffset | base_offset | base
 *   record count: recordCount | record_count | records | count   (or lastOffset/last_offset)
 */

export interface DumpedPart {
  topic: string;
  partition: number;
  baseOffset: number;
  count: number;
}

type Fields = Record<string, string>;

const PAIR = /([A-Za-z_][\w.]*)\s*(?:=|:)\s*("(?:[^"\\]|\\.)*"|[^\s,;{}()\[\]]+)/g;

function unquote(v: string): string {
  return v.startsWith('"') ? (JSON.parse(v) as string) : v;
}

function groupsOf(line: string): Fields[] {
  const trimmed = line.trim();
  if (trimmed.startsWith('{')) {
    try {
      const obj = JSON.parse(trimmed) as Record<string, unknown>;
      const base: Fields = {};
      const nested: Fields[] = [];
      for (const [k, v] of Object.entries(obj)) {
        if (Array.isArray(v)) {
          for (const item of v) if (item && typeof item === 'object') nested.push(stringify(item as Record<string, unknown>));
        } else if (v !== null && typeof v !== 'object') base[k] = String(v);
      }
      return nested.length > 0 ? nested.map((n) => ({ ...base, ...n })) : [base];
    } catch {
      // not JSON after all: fall through to tokens
    }
  }
  const groups: Fields[] = [];
  let current: Fields = {};
  for (const m of trimmed.matchAll(PAIR)) {
    const key = m[1]!;
    if (key in current) {
      groups.push(current);
      current = {};
    }
    current[key] = unquote(m[2]!);
  }
  groups.push(current);
  // Fields before the first repeat (an entry's own seq, topic, ...) apply to every part.
  if (groups.length > 1) {
    const shared = groups[0]!;
    return groups.map((g, i) => (i === 0 ? g : { ...pickShared(shared), ...g }));
  }
  return groups;
}

function stringify(obj: Record<string, unknown>): Fields {
  const out: Fields = {};
  for (const [k, v] of Object.entries(obj)) if (v !== null && typeof v !== 'object') out[k] = String(v);
  return out;
}

function pickShared(f: Fields): Fields {
  const out: Fields = {};
  for (const k of ['topic', 'topicName', 'topicNum', 'topic_num']) if (k in f) out[k] = f[k]!;
  return out;
}

function first(f: Fields, names: string[]): string | undefined {
  for (const n of names) if (f[n] !== undefined) return f[n];
  return undefined;
}

function int(v: string | undefined): number | undefined {
  if (v === undefined || !/^-?\d+$/.test(v)) return undefined;
  return Number(v);
}

export function parseDumpLog(stdout: string): DumpedPart[] {
  const groups = stdout.split('\n').flatMap(groupsOf);
  const topicNames = new Map<string, string>();
  for (const g of groups) {
    const num = first(g, ['topicNum', 'topic_num']);
    const name = first(g, ['name', 'topicName', 'topic']);
    if (num !== undefined && name !== undefined && first(g, ['baseOffset', 'base_offset', 'base']) === undefined) topicNames.set(num, name);
  }
  const parts: DumpedPart[] = [];
  for (const g of groups) {
    const partition = int(first(g, ['partition', 'partitionIndex']));
    const baseOffset = int(first(g, ['baseOffset', 'base_offset', 'base']));
    if (partition === undefined || baseOffset === undefined) continue;
    let count = int(first(g, ['recordCount', 'record_count', 'records', 'count']));
    const last = int(first(g, ['lastOffset', 'last_offset']));
    if (count === undefined && last !== undefined) count = last - baseOffset + 1;
    const num = first(g, ['topicNum', 'topic_num']);
    const topic = first(g, ['topic', 'topicName']) ?? (num !== undefined ? topicNames.get(num) : undefined);
    if (count === undefined || topic === undefined) continue;
    parts.push({ topic, partition, baseOffset, count });
  }
  return parts;
}

/** Parts of one topic grouped by partition, sorted by base offset. */
export function partsByPartition(parts: DumpedPart[], topic: string): Map<number, DumpedPart[]> {
  const out = new Map<number, DumpedPart[]>();
  for (const p of parts) {
    if (p.topic !== topic) continue;
    const list = out.get(p.partition) ?? [];
    list.push(p);
    out.set(p.partition, list);
  }
  for (const list of out.values()) list.sort((a, b) => a.baseOffset - b.baseOffset);
  return out;
}
