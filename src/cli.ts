#!/usr/bin/env node
/**
 * Command line: `sluice [options]` runs the broker; `sluice dump-log` prints the WAL.
 */

import { parseArgs } from 'node:util';
import { runBroker } from './broker.js';
import { DataDirLockedError } from './data-dir-lock.js';
import { ConfigError, resolveConfig, SETTINGS } from './config.js';
import { dumpLog } from './log/index.js';
import { createLogger } from './logger.js';

const USAGE = `usage:
  sluice [--host HOST] [--port PORT] [--data-dir DIR] [--config FILE] [--override key=value ...]
  sluice dump-log --data-dir DIR [--verify]

Settings use Kafka's names; precedence: defaults < --config file < SLUICE_* environment
variables (SLUICE_NUM_PARTITIONS=3) < --override < --host/--port/--data-dir.

settings:
${SETTINGS.map((s) => `  ${s.key.padEnd(28)} ${s.doc} (default ${s.default === '' ? 'unset' : s.default})`).join('\n')}
`;

function fail(message: string): never {
  process.stderr.write(`sluice: ${message}\n\n${USAGE}`);
  process.exit(2);
}

function parseOverrides(values: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of values) {
    const eq = item.indexOf('=');
    if (eq <= 0) fail(`--override expects key=value, got "${item}"`);
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

async function dumpLogCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { 'data-dir': { type: 'string' }, verify: { type: 'boolean', default: false } },
    strict: true,
  });
  const dataDir = values['data-dir'];
  if (!dataDir) fail('dump-log needs --data-dir DIR');
  const result = await dumpLog({ dataDir, verify: values.verify ?? false, write: (line) => process.stdout.write(`${line}\n`) });
  return result.ok ? 0 : 1;
}

async function serve(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      'data-dir': { type: 'string' },
      config: { type: 'string' },
      override: { type: 'string', multiple: true, default: [] },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && !Number.isInteger(port)) fail(`--port expects a number, got "${values.port}"`);
  const { config, effective } = resolveConfig({
    configFile: values.config,
    env: process.env,
    overrides: parseOverrides(values.override ?? []),
    host: values.host,
    port,
    dataDir: values['data-dir'],
  });
  const logger = createLogger(config.logLevel);
  if (logger.enabled('info')) {
    const width = Math.max(...effective.map((e) => e.key.length));
    logger.info(`effective configuration:\n${effective.map((e) => `  ${e.key.padEnd(width)} = ${e.value}  (${e.source})`).join('\n')}`);
  }
  const running = await runBroker(config, logger);
  process.stdout.write(`listening on ${running.host}:${running.port}\n`);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal}: finishing in-flight work and closing`);
    running.close().then(
      () => process.exit(0),
      (err: Error) => {
        logger.error(`shutdown failed: ${err.message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

async function main(argv: string[]): Promise<void> {
  if (argv[0] === 'dump-log') {
    process.exitCode = await dumpLogCommand(argv.slice(1));
    return;
  }
  await serve(argv);
}

main(process.argv.slice(2)).catch((err: Error) => {
  if (err instanceof ConfigError || (err as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') fail(err.message);
  // An expected refusal needs no stack trace.
  process.stderr.write(`sluice: ${err instanceof DataDirLockedError ? err.message : (err.stack ?? err.message)}\n`);
  process.exit(1);
});
