import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseProperties, resolveConfig, SETTINGS } from '../src/config.js';

describe('configuration', () => {
  it('has Kafka-like defaults', () => {
    const { config } = resolveConfig();
    expect(config).toMatchObject({ host: '127.0.0.1', port: 9092, dataDir: './data', numPartitions: 1, autoCreateTopics: true });
    expect(config.wal.syncPolicy).toEqual({ kind: 'always' });
  });

  it('applies file < environment < overrides < flags, and says where each value came from', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-config-'));
    try {
      const file = join(dir, 'broker.properties');
      await writeFile(file, '# comment\nnum.partitions=2\nport = 1000\nwal.sync.policy: interval:5\nlog.dirs=/from/file\n');
      const { config, effective } = resolveConfig({
        configFile: file,
        env: { SLUICE_NUM_PARTITIONS: '3', SLUICE_PORT: '2000', UNRELATED: 'x' },
        overrides: { port: '3000' },
        dataDir: '/from/flag',
      });
      expect(config.numPartitions).toBe(3);
      expect(config.port).toBe(3000);
      expect(config.dataDir).toBe('/from/flag');
      expect(config.wal.syncPolicy).toEqual({ kind: 'interval', ms: 5 });
      expect(effective.find((e) => e.key === 'num.partitions')).toMatchObject({ value: '3', source: 'env SLUICE_NUM_PARTITIONS' });
      expect(effective.find((e) => e.key === 'wal.sync.policy')!.source).toBe(file);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects unknown names and bad values with a clear message', () => {
    expect(() => resolveConfig({ overrides: { 'no.such.setting': '1' } })).toThrow(ConfigError);
    expect(() => resolveConfig({ overrides: { 'num.partitions': 'three' } })).toThrow(/expected an integer/);
    expect(() => resolveConfig({ overrides: { 'num.partitions': '0' } })).toThrow(/must be positive/);
    expect(() => resolveConfig({ overrides: { 'wal.enabled': 'yes' } })).toThrow(/true or false/);
    expect(() => resolveConfig({ overrides: { 'wal.sync.policy': 'sometimes' } })).toThrow(ConfigError);
    expect(() => resolveConfig({ overrides: { 'log.dirs': '/a,/b' } })).toThrow(/exactly one/);
  });

  it('parses .properties syntax', () => {
    expect([...parseProperties('a=1\n! bang comment\nb: two words\n  c   3\n')]).toEqual([
      ['a', '1'],
      ['b', 'two words'],
      ['c', '3'],
    ]);
  });

  it('every setting is documented in the README', async () => {
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    for (const s of SETTINGS) expect(readme, s.key).toContain(`| \`${s.key}\` |`);
  });
});

describe('README API table', () => {
  it('lists every served API with the versions it advertises', async () => {
    const { HANDLERS } = await import('../src/handlers/registry.js');
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    const rows = readme.split('\n').filter((line) => /^\| [A-Za-z]+ \(\d+\) \|/.test(line));
    expect(rows).toHaveLength(HANDLERS.length);
    for (const h of HANDLERS) {
      const row = rows.find((line) => line.startsWith(`| ${h.name} (${h.apiKey}) |`));
      expect(row, h.name).toBeDefined();
      expect(row, h.name).toContain(`${h.minVersion}-${h.maxVersion}`);
    }
  });
});
