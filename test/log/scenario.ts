/**
 * Runs generated operation sequences against a BrokerLog and remembers, in WAL order,
 * every entry it appended (topic creations and Produce requests with their patched
 * bytes and the state of their promise), for the property tests to check against.
 */

import fc from 'fast-check';
import type { BrokerLog } from '../../src/log/index.js';
import type { Acks } from '../../src/log/index.js';
import { BASE_TIMESTAMP, input, observe, turns } from './helpers.js';

export type Op =
  | { kind: 'create'; topic: number; partitions: number }
  | { kind: 'append'; acks: Acks; parts: Array<{ topic: number; partition: number; batches: number[] }> }
  | { kind: 'turns'; n: number }
  | { kind: 'restart' }
  /** Sets the topic's retention.bytes and starts a retention pass (not awaited). */
  | { kind: 'retain'; topic: number; bytes: number; expireAll: boolean }
  | { kind: 'delete'; topic: number };

export const TOPICS = 3;

/** What the retention passes of all scenarios did, so properties can check they were exercised. */
export const retentionCoverage = { passes: 0, advanced: 0, segmentsDeleted: 0 };

export function opArb(withRestart: boolean, withRetention = false): fc.Arbitrary<Op> {
  const part = fc.record({
    topic: fc.nat(TOPICS - 1),
    partition: fc.nat(3),
    batches: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }),
  });
  const ops: Array<fc.WeightedArbitrary<Op>> = [
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('create' as const), topic: fc.nat(TOPICS - 1), partitions: fc.integer({ min: 1, max: 3 }) }) },
    {
      weight: 6,
      arbitrary: fc.record({ kind: fc.constant('append' as const), acks: fc.constantFrom<Acks>(0, 1, -1), parts: fc.array(part, { minLength: 1, maxLength: 3 }) }),
    },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('turns' as const), n: fc.integer({ min: 1, max: 6 }) }) },
  ];
  if (withRestart) ops.push({ weight: 1, arbitrary: fc.constant({ kind: 'restart' as const }) });
  if (withRetention) {
    ops.push({
      weight: 3,
      arbitrary: fc.record({ kind: fc.constant('retain' as const), topic: fc.nat(TOPICS - 1), bytes: fc.constantFrom(-1, 0, 150, 400), expireAll: fc.boolean() }),
    });
    ops.push({ weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), topic: fc.nat(TOPICS - 1) }) });
  }
  return fc.oneof(...ops);
}

/** Operation lists that always start by creating topic 0. */
export function opsArb(withRestart: boolean, maxLength = 30, withRetention = false): fc.Arbitrary<Op[]> {
  return fc
    .array(opArb(withRestart, withRetention), { minLength: 1, maxLength, ...(withRetention ? { size: 'medium' as const } : {}) })
    .map((ops) => [{ kind: 'create', topic: 0, partitions: 2 } as Op, ...ops]);
}

export interface AppendedPart {
  topic: string;
  partition: number;
  baseOffset: number;
  count: number;
  bytes: Buffer;
}

export interface AppendedEntry {
  kind: 'topic' | 'produce' | 'state';
  name: string;
  parts: AppendedPart[];
  acks: Acks;
  state: ReturnType<typeof observe>;
}

export class Scenario {
  /** Entries in WAL order since the last (re)open. */
  entries: AppendedEntry[] = [];
  /** Offsets handed out per "topic-partition". */
  readonly model = new Map<string, number>();
  /** Retention passes started and not yet checked. */
  passes: Array<ReturnType<typeof observe>> = [];
  private tag = 0;

  constructor(
    public log: BrokerLog,
    private readonly reopen: () => Promise<BrokerLog>,
  ) {}

  async run(op: Op): Promise<void> {
    const log = this.log;
    if (op.kind === 'turns') return turns(op.n);
    if (op.kind === 'restart') {
      await log.close();
      for (const e of this.entries) {
        if (e.state.status === 'rejected') throw new Error(`an append failed without faults: ${String(e.state.error)}`);
      }
      for (const p of this.passes) {
        if (p.status === 'rejected') throw new Error(`a retention pass failed without faults: ${String(p.error)}`);
      }
      this.passes = [];
      this.log = await this.reopen();
      this.entries = [];
      return;
    }
    if (op.kind === 'retain') {
      const topic = log.topic(`t${op.topic}`);
      if (topic) await log.alterTopicConfigs(topic.name, new Map([['retention.bytes', String(op.bytes)]]), []);
      // Batches are stamped around BASE_TIMESTAMP: "expire all" runs the pass 8 days later.
      const pass = log.enforceRetention(op.expireAll ? BASE_TIMESTAMP + 8 * 86_400_000 : BASE_TIMESTAMP);
      this.passes.push(observe(pass));
      pass.then((r) => {
        retentionCoverage.passes++;
        retentionCoverage.advanced += r.partitionsAdvanced;
        retentionCoverage.segmentsDeleted += r.segmentsDeleted;
      }, () => undefined);
      return;
    }
    if (op.kind === 'delete') {
      const name = `t${op.topic}`;
      if (!log.topic(name)) return;
      const done = log.deleteTopic(name);
      this.entries.push({ kind: 'state', name, parts: [], acks: -1, state: observe(done) });
      for (const key of [...this.model.keys()]) if (key.startsWith(`${name}-`)) this.model.delete(key);
      return;
    }
    if (op.kind === 'create') {
      const name = `t${op.topic}`;
      if (log.topic(name)) return;
      const done = log.createTopic(name, op.partitions);
      this.entries.push({ kind: 'topic', name, parts: [], acks: -1, state: observe(done) });
      for (let p = 0; p < op.partitions; p++) this.model.set(`${name}-${p}`, 0);
      return;
    }
    const inputs = [];
    for (const part of op.parts) {
      const topic = log.topic(`t${part.topic}`);
      if (!topic) continue;
      const partition = part.partition % topic.partitions.length;
      inputs.push(input(topic.name, partition, `v${this.tag++}`, part.batches));
    }
    if (inputs.length === 0) return;
    const { baseOffsets, done } = log.appendProduce(inputs, op.acks);
    const parts: AppendedPart[] = inputs.map((inp, i) => {
      const key = `${inp.topic}-${inp.partition}`;
      const expected = this.model.get(key)!;
      if (baseOffsets[i] !== expected) throw new Error(`${key}: base offset ${baseOffsets[i]}, expected ${expected}`);
      this.model.set(key, expected + inp.recordCount);
      return { topic: inp.topic, partition: inp.partition, baseOffset: baseOffsets[i]!, count: inp.recordCount, bytes: Buffer.from(inp.records) };
    });
    this.entries.push({ kind: 'produce', name: '', parts, acks: op.acks, state: observe(done) });
  }
}

/** Checks that every partition of `log` holds offsets logStart..model-1 contiguously, all visible. */
export function checkContiguous(log: BrokerLog, model: Map<string, number>): void {
  for (const topic of log.topics()) {
    for (const p of topic.partitions) {
      const key = `${topic.name}-${p.partition}`;
      const expected = model.get(key) ?? 0;
      if (p.logEndOffset !== expected) throw new Error(`${key}: log end offset ${p.logEndOffset}, expected ${expected}`);
      if (p.highWatermark !== p.logEndOffset) throw new Error(`${key}: high watermark ${p.highWatermark} != log end ${p.logEndOffset}`);
      if (p.logStartOffset > p.highWatermark) throw new Error(`${key}: log start ${p.logStartOffset} above the high watermark`);
      let next = p.logStartOffset;
      for (const loc of p.batchesFrom(0)) {
        if (loc.baseOffset !== next) throw new Error(`${key}: batch at ${loc.baseOffset}, expected ${next}`);
        next = loc.lastOffset + 1;
      }
      if (next !== expected) throw new Error(`${key}: batches end at ${next}, expected ${expected}`);
    }
  }
}
