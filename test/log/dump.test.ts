import { describe, expect, it } from 'vitest';
import { BatchField } from '../../protocol/record-batch.js';
import { silentLogger } from '../../src/logger.js';
import { BrokerLog, dumpLog } from '../../src/log/index.js';
import { MemoryFileSystem } from './memory-fs.js';
import { input, walConfig } from './helpers.js';

const SEG = '/d/wal/00000000000000000000.wal';

async function sampleLog(mem: MemoryFileSystem, tamper?: (i: ReturnType<typeof input>) => void): Promise<void> {
  const log = await BrokerLog.open({ dataDir: '/d', config: walConfig(), logger: silentLogger, fs: mem });
  await log.createTopic('orders', 2, new Map([['cleanup.policy', 'delete']]));
  await log.appendProduce([input('orders', 0, 'a', [2, 3]), input('orders', 1, 'b')], -1).done;
  const c = input('orders', 0, 'c', [1]);
  tamper?.(c);
  await log.appendProduce([c], 1).done;
  await log.close();
}

async function dump(mem: MemoryFileSystem, verify: boolean) {
  const lines: string[] = [];
  const result = await dumpLog({ dataDir: '/d', verify, write: (l) => lines.push(l), fs: mem });
  return { result, lines };
}

describe('dumpLog', () => {
  it('prints segments, entries and batches, and verifies a good WAL', async () => {
    const mem = new MemoryFileSystem();
    await sampleLog(mem);
    const { result, lines } = await dump(mem, true);
    expect(result).toMatchObject({ ok: true, segments: 1, entries: 3, batches: 4, problem: null });
    expect(lines[0]).toMatch(/^segment file=\/d\/wal\/00000000000000000000\.wal firstSeq=0 size=\d+$/);
    expect(lines[1]).toMatch(/^entry seq=0 .* type=TOPIC_CREATED .* topic=orders topicNum=0 topicId=\S{22} partitionCount=2$/);
    expect(lines[2]).toBe('config topic=orders key=cleanup.policy value=delete');
    const batches = lines.filter((l) => l.startsWith('batch '));
    expect(batches[0]).toMatch(/topic=orders partition=0 baseOffset=0 lastOffset=1 count=2 .* compression=none crc=valid/);
    expect(batches[1]).toMatch(/partition=0 baseOffset=2 lastOffset=4 count=3/);
    expect(batches[3]).toMatch(/partition=0 baseOffset=5 lastOffset=5 count=1/);
    expect(lines[lines.length - 1]).toMatch(/^summary .* ok=true$/);
  });

  it('with verify, stops at a batch with a bad CRC naming file and position', async () => {
    const mem = new MemoryFileSystem();
    await sampleLog(mem, (c) => c.records.writeUInt32BE((c.records.readUInt32BE(BatchField.crc) ^ 1) >>> 0, BatchField.crc));
    const plain = await dump(mem, false);
    expect(plain.result.ok).toBe(true);
    expect(plain.lines.some((l) => l.includes('crc=INVALID'))).toBe(true);
    const { result } = await dump(mem, true);
    expect(result.ok).toBe(false);
    expect(result.problem!.file).toBe(SEG);
    expect(result.problem!.reason).toMatch(/batch CRC mismatch in orders-0 at offset 5/);
    const bytes = mem.bytes(SEG);
    expect(bytes.readInt32BE(result.problem!.position + BatchField.lastOffsetDelta)).toBe(0); // points at the batch
  });

  it('reports a corrupt entry with file and position', async () => {
    const mem = new MemoryFileSystem();
    await sampleLog(mem);
    const size = mem.sizeOf(SEG);
    mem.flipByte(SEG, size - 3);
    const { result, lines } = await dump(mem, true);
    expect(result.ok).toBe(false);
    expect(result.problem!.file).toBe(SEG);
    expect(result.problem!.reason).toMatch(/CRC mismatch/);
    expect(lines.some((l) => l.startsWith('error '))).toBe(true);
    expect(result.entries).toBe(2);
  });
});
