/**
 * Embedding API: a real Sluice broker inside a Node process, for test suites and tools.
 *
 *   const kafka = await startBroker();            // ephemeral port, temporary data dir
 *   new Kafka({ brokers: [kafka.bootstrap] });
 *   await kafka.close();                          // removes the temporary data dir
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBroker, type Broker } from './broker.js';
import { resolveConfig } from './config.js';
import { createLogger, isLogLevel, type Logger, type LogLevel } from './logger.js';

export interface StartBrokerOptions {
  /** Listen address; default 127.0.0.1. */
  host?: string;
  /** Port; default 0 (an ephemeral port). */
  port?: number;
  /** Data directory; default a new temporary directory, removed again by close(). */
  dataDir?: string;
  /** Settings by Kafka name, e.g. { 'num.partitions': '3', 'wal.sync.policy': 'never' }. */
  overrides?: Record<string, string>;
  /** A logger, or a level for the default stderr logger; default 'warn'. */
  logger?: Logger | LogLevel;
}

export interface EmbeddedBroker {
  /** host:port, ready for a client's bootstrap servers. */
  readonly bootstrap: string;
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly broker: Broker;
  close(): Promise<void>;
}

export async function startBroker(options: StartBrokerOptions = {}): Promise<EmbeddedBroker> {
  const temporary = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'sluice-')));
  const { config } = resolveConfig({
    overrides: options.overrides,
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    dataDir,
  });
  const logger =
    typeof options.logger === 'object' ? options.logger : createLogger(isLogLevel(options.logger ?? '') ? (options.logger as LogLevel) : 'warn');
  const running = await runBroker(config, logger);
  return {
    bootstrap: `${running.host}:${running.port}`,
    host: running.host,
    port: running.port,
    dataDir,
    broker: running.broker,
    async close() {
      await running.close();
      if (temporary) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export { resolveConfig, SETTINGS } from './config.js';
export type { BrokerConfig } from './config.js';
export { createLogger } from './logger.js';
export type { Logger, LogLevel } from './logger.js';
