import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { BrokerLog, StorageError, UnknownTopicError, dumpLog, type CommittedOffset, type WalConfig } from '../../src/log/index.js';
import { MemoryFileSystem } from './memory-fs.js';
import { SEED, input, observe, turns, walConfig } from './helpers.js';

const DATA = '/d';

function openMem(mem: MemoryFileSystem, overrides: Partial<WalConfig> = {}): Promise<BrokerLog> {
  return BrokerLog.open({ dataDir: DATA, config: walConfig(overrides), logger: silentLogger, fs: mem });
}

function off(topic: string, partition: number, offset: number, metadata: string | null = null): CommittedOffset {
  return { topic, partition, offset, leaderEpoch: 3, metadata, commitTimestamp: 1_700_000_000_123 };
}

/** A plain, comparable picture of everything that must survive a restart. */
function snapshot(log: BrokerLog): string {
  const groups = [...log.offsetGroups()].sort().map((g) => {
    const byTopic = log.committedOffsets(g)!;
    const rows = [...byTopic].flatMap(([t, ps]) => [...ps].map(([p, o]) => `${t}/${p}=${o.offset}:${o.leaderEpoch}:${o.metadata}:${o.commitTimestamp}`));
    return `${g}{${rows.sort().join(',')}}`;
  });
  const topics = [...log.topics()]
    .map((t) => `${t.name}#${t.topicId.toString('hex')}[${t.partitions.map((p) => `${p.logStartOffset}-${p.logEndOffset}`).join(',')}]{${[...t.configs].sort().join(';')}}`)
    .sort();
  const broker = [...log.brokerConfigs()].sort().join(';');
  return `${topics.join(' ')} | ${groups.join(' ')} | ${broker}`;
}

describe('committed offsets', () => {
  it('are visible at once, durable when the promise resolves, and restored after restart', async () => {
    const mem = new MemoryFileSystem();
    const log = await openMem(mem);
    expect(log.committedOffsets('g')).toBeUndefined();
    const done = log.commitOffsets('g', [off('a', 0, 5, 'meta'), off('a', 1, 7), off('b', 0, 1, '')]);
    expect(log.committedOffsets('g')!.get('a')!.get(0)!.offset).toBe(5);
    expect([...log.offsetGroups()]).toEqual(['g']);
    await done;
    await log.commitOffsets('g', [off('a', 0, 9, 'later')]);
    await log.commitOffsets('h', [off('a', 0, 1)]);
    const before = snapshot(log);
    mem.crash('synced'); // resolved means fdatasynced: nothing else is needed
    await log.close();
    const again = await openMem(mem);
    expect(snapshot(again)).toBe(before);
    const g = again.committedOffsets('g')!;
    expect(g.get('a')!.get(0)).toEqual(off('a', 0, 9, 'later'));
    expect(g.get('b')!.get(0)!.metadata).toBe('');
    expect(g.get('a')!.get(1)!.metadata).toBeNull();
    await again.deleteGroupOffsets('g');
    expect(again.committedOffsets('g')).toBeUndefined();
    await again.close();
    const third = await openMem(mem);
    expect([...third.offsetGroups()]).toEqual(['h']);
    await third.close();
  });

  it('one WAL entry per call, shown by dump-log', async () => {
    const mem = new MemoryFileSystem();
    const log = await openMem(mem);
    await log.commitOffsets('grp 1', [off('a', 0, 5, 'm d'), off('a', 1, 6)]);
    await log.deleteGroupOffsets('grp 1');
    await log.close();
    const lines: string[] = [];
    const r = await dumpLog({ dataDir: DATA, verify: true, write: (l) => lines.push(l), fs: mem });
    expect(r.ok).toBe(true);
    expect(r.entries).toBe(2);
    expect(lines).toContain('offset group="grp 1" topic=a partition=0 offset=5 leaderEpoch=3 metadata="m d" commitTimestamp=1700000000123');
    expect(lines.some((l) => /type=GROUP_OFFSETS_DELETED .*group="grp 1"/.test(l))).toBe(true);
  });

  it('reject with StorageError when fenced, and with the WAL off complete at once', async () => {
    const mem = new MemoryFileSystem();
    const log = await openMem(mem);
    mem.failNext('writev', 'EIO');
    await expect(log.commitOffsets('g', [off('a', 0, 1)])).rejects.toBeInstanceOf(StorageError);
    await expect(log.commitOffsets('g', [off('a', 0, 2)])).rejects.toBeInstanceOf(StorageError);
    await expect(log.deleteTopic('x')).rejects.toBeInstanceOf(StorageError);
    await log.close();
    const memOff = new MemoryFileSystem();
    const off1 = await openMem(memOff, { enabled: false });
    await off1.commitOffsets('g', [off('a', 0, 1)]);
    expect(off1.committedOffsets('g')!.get('a')!.get(0)!.offset).toBe(1);
    await off1.close();
  });
});

describe('topic admin', () => {
  it('deleteTopic, createPartitions, alterTopicConfigs and broker configs survive restart', async () => {
    const mem = new MemoryFileSystem();
    const log = await openMem(mem);
    const t = await log.createTopic('t', 1, new Map([['retention.ms', '100']]));
    await log.createTopic('gone', 2);
    await log.appendProduce([input('t', 0, 'a', [2]), input('gone', 1, 'b', [3])], -1).done;
    await log.commitOffsets('g', [off('t', 0, 2), off('gone', 1, 3)]);
    const grow = log.createPartitions('t', 3);
    expect(log.topic('t')!.partitions.length).toBe(3);
    await grow;
    const alter = log.alterTopicConfigs('t', new Map([['retention.bytes', '1000']]), ['retention.ms']);
    expect([...log.topic('t')!.configs]).toEqual([['retention.bytes', '1000']]);
    await alter;
    await log.setBrokerConfigs(new Map([['log.retention.ms', '5000']]), []);
    const del = log.deleteTopic('gone');
    expect(log.topic('gone')).toBeUndefined();
    expect([...log.committedOffsets('g')!.keys()]).toEqual(['t']);
    await del;
    await log.appendProduce([input('t', 2, 'c', [1])], -1).done;
    const before = snapshot(log);
    mem.crash('synced');
    await log.close();
    const again = await openMem(mem);
    expect(snapshot(again)).toBe(before);
    expect(again.topic('t')!.topicId.equals(t.topicId)).toBe(true);
    expect(again.brokerConfigs().get('log.retention.ms')).toBe('5000');
    expect(again.partition('t', 2)!.logEndOffset).toBe(1);
    await again.setBrokerConfigs(new Map(), ['log.retention.ms']);
    await again.close();
    const third = await openMem(mem);
    expect(third.brokerConfigs().size).toBe(0);
    await third.close();
  });

  it('a deleted then re-created topic starts at 0 with a new id and no committed offsets', async () => {
    const mem = new MemoryFileSystem();
    const log = await openMem(mem);
    const first = await log.createTopic('t', 2);
    await log.appendProduce([input('t', 0, 'a', [4])], -1).done;
    await log.commitOffsets('g', [off('t', 0, 4)]);
    await log.deleteTopic('t');
    expect(log.committedOffsets('g')).toBeUndefined();
    const second = await log.createTopic('t', 1);
    expect(second.topicId.equals(first.topicId)).toBe(false);
    expect(second.topicNum).not.toBe(first.topicNum);
    const r = log.appendProduce([input('t', 0, 'b', [2])], -1);
    expect(r.baseOffsets).toEqual([0]);
    await r.done;
    await log.close();
    const again = await openMem(mem);
    const t = again.topic('t')!;
    expect(t.topicId.equals(second.topicId)).toBe(true);
    expect(t.partitions.map((p) => p.logEndOffset)).toEqual([2]);
    expect(again.committedOffsets('g')).toBeUndefined();
    expect(t.partitions[0]!.batchesFrom(0).map((l) => l.baseOffset)).toEqual([0]);
    await again.close();
  });

  it('unknown topics reject with UnknownTopicError; shrinking is refused', async () => {
    const log = await openMem(new MemoryFileSystem());
    await expect(log.deleteTopic('nope')).rejects.toBeInstanceOf(UnknownTopicError);
    await expect(log.createPartitions('nope', 2)).rejects.toBeInstanceOf(UnknownTopicError);
    await expect(log.alterTopicConfigs('nope', new Map(), [])).rejects.toBeInstanceOf(UnknownTopicError);
    await log.createTopic('t', 2);
    await expect(log.createPartitions('t', 1)).rejects.toThrow(/grow only/);
    await log.close();
  });
});

type StateOp =
  | { kind: 'commit'; group: number; topic: number; partition: number; offset: number; meta: string | null }
  | { kind: 'deleteGroup'; group: number }
  | { kind: 'deleteOffsets'; group: number; pick: number }
  | { kind: 'deleteRecords'; pick: number }
  | { kind: 'create'; topic: number; partitions: number }
  | { kind: 'delete'; topic: number }
  | { kind: 'grow'; topic: number; by: number }
  | { kind: 'alter'; topic: number; value: number }
  | { kind: 'broker'; value: number }
  | { kind: 'produce'; topic: number; acks: 0 | 1 | -1 }
  | { kind: 'turns'; n: number };

const stateOpArb: fc.Arbitrary<StateOp> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('commit' as const), group: fc.nat(2), topic: fc.nat(2), partition: fc.nat(2), offset: fc.nat(1000), meta: fc.option(fc.string({ maxLength: 8 })) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('deleteGroup' as const), group: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('deleteOffsets' as const), group: fc.nat(2), pick: fc.nat(8) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('deleteRecords' as const), pick: fc.nat(8) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('create' as const), topic: fc.nat(2), partitions: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), topic: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('grow' as const), topic: fc.nat(2), by: fc.integer({ min: 1, max: 2 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('alter' as const), topic: fc.nat(2), value: fc.nat(9) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('broker' as const), value: fc.nat(9) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('produce' as const), topic: fc.nat(2), acks: fc.constantFrom<0 | 1 | -1>(0, 1, -1) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('turns' as const), n: fc.integer({ min: 1, max: 5 }) }) },
);

type CrashKind = 'synced' | 'kill' | 'prefix';

describe(`state crash property (fast-check seed ${SEED})`, () => {
  it('after a crash, state equals the state after some prefix of operations, holding every acknowledged one', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(stateOpArb, { minLength: 1, maxLength: 30 }),
        fc.constantFrom<CrashKind>('synced', 'kill', 'prefix'),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.constantFrom<WalConfig['syncPolicy']>({ kind: 'always' }, { kind: 'interval', ms: 3 }, { kind: 'never' }),
        fc.constantFrom(300, 1 << 30),
        async (ops, crash, keep, syncPolicy, segmentBytes) => {
          const mem = new MemoryFileSystem();
          const log = await openMem(mem, { syncPolicy, segmentBytes });
          // snapshots[i] is the state after the first i state-changing operations.
          const snapshots = [snapshot(log)];
          const states: Array<ReturnType<typeof observe>> = [];
          let tag = 0;
          for (const op of ops) {
            if (op.kind === 'turns') {
              await turns(op.n);
              continue;
            }
            // undefined: the operation changed nothing; null: it changed state but promises no durability.
            let p: Promise<unknown> | null | undefined;
            const topic = 'topic' in op ? `t${op.topic}` : '';
            const exists = topic !== '' && log.topic(topic) !== undefined;
            if (op.kind === 'commit') p = log.commitOffsets(`g${op.group}`, [off(topic, op.partition, op.offset, op.meta)]);
            else if (op.kind === 'deleteGroup') p = log.committedOffsets(`g${op.group}`) ? log.deleteGroupOffsets(`g${op.group}`) : undefined;
            else if (op.kind === 'deleteOffsets') {
              // One of the group's committed offsets, and one it does not have.
              const held = [...(log.committedOffsets(`g${op.group}`) ?? [])].flatMap(([t, ps]) => [...ps.keys()].map((partition) => ({ topic: t, partition })));
              const one = held[op.pick % Math.max(1, held.length)];
              p = one === undefined ? undefined : log.deleteOffsets(`g${op.group}`, [one, { topic: 'none', partition: 0 }]);
            } else if (op.kind === 'deleteRecords') {
              // A partition with records above its start, to the high watermark (-1): only a
              // call that moves the log start changes state.
              const movable = [...log.topics()].flatMap((t) => t.partitions).filter((q) => q.highWatermark > q.logStartOffset);
              const q = movable[op.pick % Math.max(1, movable.length)];
              p = q === undefined ? undefined : log.deleteRecords([{ topic: q.topic, partition: q.partition, offset: -1 }]);
            }
            else if (op.kind === 'create') p = exists ? undefined : log.createTopic(topic, op.partitions);
            else if (op.kind === 'delete') p = exists ? log.deleteTopic(topic) : undefined;
            else if (op.kind === 'grow') p = exists ? log.createPartitions(topic, log.topic(topic)!.partitions.length + op.by) : undefined;
            else if (op.kind === 'alter') p = exists ? log.alterTopicConfigs(topic, new Map([['retention.ms', String(op.value)]]), op.value % 2 ? ['x'] : []) : undefined;
            else if (op.kind === 'broker') p = log.setBrokerConfigs(new Map([['log.retention.ms', String(op.value)]]), []);
            else if (exists) {
              const t = log.topic(topic)!;
              const r = log.appendProduce(t.partitions.map((q) => input(topic, q.partition, `v${tag++}`, [1])), op.acks);
              p = op.acks === -1 ? r.done : null;
              r.done.catch(() => undefined); // rejected after the crash
            }
            if (p === undefined) continue;
            p?.catch(() => undefined);
            snapshots.push(snapshot(log));
            states.push(p !== null && syncPolicy.kind !== 'never' ? observe(p) : { status: 'pending' });
          }
          await turns(3);
          let mustHave = 0;
          states.forEach((s, i) => {
            if (s.status === 'resolved') mustHave = i + 1;
          });
          if (crash === 'synced') mem.crash('synced');
          else if (crash === 'kill') mem.crash('all');
          else mem.crash((_f, unsynced) => Math.floor(unsynced * keep));
          await log.close();
          const again = await openMem(mem, { syncPolicy, segmentBytes });
          const got = snapshot(again);
          const at = snapshots.lastIndexOf(got);
          if (at < 0) throw new Error(`recovered state matches no prefix:\n${got}\n${snapshots.join('\n')}`);
          if (at < mustHave) throw new Error(`recovered prefix ${at} lost acknowledged operation ${mustHave}`);
          await again.close();
        },
      ),
      { seed: SEED, numRuns: 120 },
    );
  });
});
