/**
 * The compat harness checked on its own, with a stub "broker" script (a plain TCP listener
 * that prints the CLI's `listening on HOST:PORT` line), and the dump-log output parser on
 * sample outputs. Needs no real broker.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDumpLog, partsByPartition } from './dump-log.js';
import { pollUntil, run, runKcat, startBroker } from './harness.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-harness-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Listens, records its argv and start count in the data dir, prints the line. */
const STUB = `
const net = require('node:net');
const fs = require('node:fs');
const path = require('node:path');
const argv = process.argv.slice(2);
const get = (flag) => argv[argv.indexOf(flag) + 1];
const dataDir = get('--data-dir');
const starts = path.join(dataDir, 'starts');
const n = fs.existsSync(starts) ? Number(fs.readFileSync(starts, 'utf8')) + 1 : 1;
fs.writeFileSync(starts, String(n));
fs.writeFileSync(path.join(dataDir, 'argv.json'), JSON.stringify(argv));
if (argv.includes('--fail')) { process.stderr.write('config error: bad value\\n'); process.exit(3); }
process.stderr.write('stub broker starting\\n');
const server = net.createServer((s) => s.end());
server.listen(Number(get('--port')), get('--host'), () => {
  process.stdout.write('effective config printed first\\n');
  process.stdout.write('listening on ' + get('--host') + ':' + server.address().port + '\\n');
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;
const stub = path.join(dir, 'stub-broker.cjs');
writeFileSync(stub, STUB);

function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

describe('compat harness', () => {
  it('starts on an ephemeral port, passes overrides, restarts on the same data dir, cleans up', async () => {
    const broker = await startBroker({ cli: stub, overrides: { 'num.partitions': '3', 'wal.sync.policy': 'always' } });
    expect(broker.host).toBe('127.0.0.1');
    expect(broker.port).toBeGreaterThan(0);
    expect(broker.bootstrap).toBe(`127.0.0.1:${broker.port}`);
    expect(await connects(broker.port)).toBe(true);
    const argv = JSON.parse(readFileSync(path.join(broker.dataDir, 'argv.json'), 'utf8')) as string[];
    expect(argv).toEqual([
      '--host', '127.0.0.1', '--port', '0', '--data-dir', broker.dataDir,
      '--override', 'num.partitions=3', '--override', 'wal.sync.policy=always',
    ]);
    expect(broker.logs()).toContain('stub broker starting');

    const firstPid = broker.process.pid;
    await broker.kill('SIGKILL');
    expect(broker.process.signalCode).toBe('SIGKILL');
    await broker.restart();
    expect(broker.process.pid).not.toBe(firstPid);
    expect(readFileSync(path.join(broker.dataDir, 'starts'), 'utf8')).toBe('2');
    expect(await connects(broker.port)).toBe(true);

    const oldPort = broker.port;
    await broker.restart({ samePort: true });
    expect(broker.port).toBe(oldPort);

    const dataDir = broker.dataDir;
    await broker.stop();
    expect(broker.process.exitCode).toBe(0);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('keeps a given data dir', async () => {
    const dataDir = mkdtempSync(path.join(dir, 'data-'));
    const broker = await startBroker({ cli: stub, dataDir });
    await broker.stop();
    expect(existsSync(path.join(dataDir, 'starts'))).toBe(true);
  });

  it('reports an early exit with the broker stderr', async () => {
    await expect(startBroker({ cli: stub, args: ['--fail'] })).rejects.toThrow(/exited early \(code 3[\s\S]*config error: bad value/);
  });

  it('reports a missing CLI build clearly', async () => {
    await expect(startBroker({ cli: path.join(dir, 'nope.js') })).rejects.toThrow(/not found: build first/);
  });

  it('runs commands with a bound, and a missing tool is an error, not a skip', async () => {
    const slow = await run(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { timeoutMs: 200 });
    expect(slow.timedOut).toBe(true);
    expect(slow.code).toBe(null);
    const echo = await run(process.execPath, ['-e', 'process.stdin.pipe(process.stdout)'], { input: 'a\nb\n' });
    expect(echo).toMatchObject({ stdout: 'a\nb\n', code: 0, timedOut: false });
    await expect(run('definitely-not-a-kafka-tool', [])).rejects.toThrow(/not installed/);
  });

  it('finds kcat installed (CI installs it)', async () => {
    const v = await runKcat(['-V']);
    expect(v.code).toBe(0);
    expect(v.stdout + v.stderr).toMatch(/librdkafka \d+\.\d+/);
  });

  it('pollUntil returns the first defined value and gives up after its bound', async () => {
    let n = 0;
    expect(await pollUntil(async () => (++n >= 3 ? n : undefined), 'three', 5_000, 1)).toBe(3);
    await expect(pollUntil(async () => undefined, 'never', 30, 5)).rejects.toThrow(/timed out .* waiting for never/);
  });
});

describe('dump-log output parser', () => {
  it('reads the format src/log/dump.ts prints (batch lines)', () => {
    const out = [
      'segment file=/tmp/d/wal/00000000000000000000.wal firstSeq=0 size=4096',
      'entry seq=0 file=00000000000000000000.wal position=0 type=TOPIC_CREATED length=60 topic="crash acks" topicNum=0 topicId=AAAAAAAAAAAAAAAAAAAAAA partitionCount=3',
      'config topic="crash acks" key=cleanup.policy value=delete',
      'entry seq=1 file=00000000000000000000.wal position=60 type=PRODUCE length=400 parts=2 recordTotal=10',
      'batch topic="crash acks" partition=0 baseOffset=0 lastOffset=4 count=5 position=109 size=120 maxTimestamp=1 producerId=-1 producerEpoch=-1 baseSequence=-1 leaderEpoch=0 compression=none crc=valid',
      'batch topic="crash acks" partition=2 baseOffset=0 lastOffset=4 count=5 position=229 size=120 maxTimestamp=1 producerId=-1 producerEpoch=-1 baseSequence=-1 leaderEpoch=0 compression=none crc=valid',
      'summary segments=1 entries=2 batches=2 bytes=460 ok=true',
    ].join('\n');
    expect(parseDumpLog(out)).toEqual([
      { topic: 'crash acks', partition: 0, baseOffset: 0, count: 5 },
      { topic: 'crash acks', partition: 2, baseOffset: 0, count: 5 },
    ]);
  });

  it('reads key=value lines, one part per line, topic by name', () => {
    const out = [
      'segment 00000000000000000000.wal',
      '  seq=0 pos=0 TOPIC_CREATED topicNum=0 name=orders partitions=3',
      '  seq=1 pos=57 PRODUCE topic=orders partition=0 baseOffset=0 records=5',
      '  seq=1 pos=57 PRODUCE topic=orders partition=1 baseOffset=0 records=5',
      '  seq=2 pos=400 PRODUCE topic=orders partition=0 baseOffset=5 records=5',
      'ok: 3 entries',
    ].join('\n');
    const parts = partsByPartition(parseDumpLog(out), 'orders');
    expect(parts.get(0)).toEqual([
      { topic: 'orders', partition: 0, baseOffset: 0, count: 5 },
      { topic: 'orders', partition: 0, baseOffset: 5, count: 5 },
    ]);
    expect(parts.get(1)).toHaveLength(1);
  });

  it('reads several parts on one line, topic numbers, and lastOffset', () => {
    const out = [
      '#0 TOPIC_CREATED topicNum=4 name="crash acks" partitionCount=3',
      '#1 PRODUCE topicNum: 4 partition: 0 baseOffset: 0 lastOffset: 4 partition: 2 baseOffset: 0 lastOffset: 9',
    ].join('\n');
    expect(parseDumpLog(out)).toEqual([
      { topic: 'crash acks', partition: 0, baseOffset: 0, count: 5 },
      { topic: 'crash acks', partition: 2, baseOffset: 0, count: 10 },
    ]);
  });

  it('reads JSON lines with nested parts', () => {
    const out = [
      '{"seq":1,"type":"PRODUCE","parts":[{"topic":"t","partition":0,"baseOffset":0,"recordCount":2},{"topic":"t","partition":1,"baseOffset":0,"recordCount":3}]}',
      '{"seq":2,"type":"PRODUCE","topic":"t","partition":0,"baseOffset":2,"recordCount":1}',
    ].join('\n');
    expect(parseDumpLog(out)).toEqual([
      { topic: 't', partition: 0, baseOffset: 0, count: 2 },
      { topic: 't', partition: 1, baseOffset: 0, count: 3 },
      { topic: 't', partition: 0, baseOffset: 2, count: 1 },
    ]);
  });
});
