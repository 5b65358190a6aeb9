/**
 * The broker: its configuration, its log, and the listener that serves the Kafka wire.
 * `runBroker` is shared by the command line and the embedding API.
 */

import type { BrokerConfig } from './config.js';
import { BrokerLog, formatSyncPolicy, type TopicState } from './log/index.js';
import type { Logger } from './logger.js';
import { lockDataDir, type DataDirLock } from './data-dir-lock.js';
import { loadOrCreateMeta, newClusterId } from './meta.js';
import { createDispatch } from './server/router.js';
import { Listener } from './server/listener.js';
import { HANDLERS } from './handlers/registry.js';
import { GroupCoordinator } from './groups/index.js';

/** Node's timers take at most a signed 32-bit delay. */
const MAX_TIMER_MS = 2_147_483_647;

export class Broker {
  /** Host and port that Metadata responses send clients to; set once listening. */
  advertisedHost: string;
  advertisedPort: number;
  /** Consumer groups and their committed offsets; this broker coordinates every group. */
  readonly groups: GroupCoordinator;
  /** Fetch requests waiting for data: woken together whenever the log makes data visible. */
  private dataWaiters: Array<() => void> = [];

  constructor(
    readonly config: BrokerConfig,
    readonly log: BrokerLog,
    readonly logger: Logger,
    readonly clusterId: string,
  ) {
    this.advertisedHost = config.advertisedHost ?? config.host;
    this.advertisedPort = config.advertisedPort ?? config.port;
    log.onVisible = () => this.wakeDataWaiters();
    this.groups = new GroupCoordinator({ offsets: log, logger, settings: config.groups });
  }

  /** Set once shutdown starts: waiting fetches answer with what they have. */
  closing = false;

  /** Resolves when new data becomes visible, or after `timeoutMs`, whichever comes first. */
  waitForData(timeoutMs: number): Promise<void> {
    if (this.closing) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        const i = this.dataWaiters.indexOf(wake);
        if (i >= 0) this.dataWaiters.splice(i, 1);
        resolve();
      }, Math.min(Math.max(timeoutMs, 0), MAX_TIMER_MS));
      timer.unref();
      const wake = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.dataWaiters.push(wake);
    });
  }

  /** Starts shutdown: every waiting fetch answers now. */
  beginClose(): void {
    this.closing = true;
    this.wakeDataWaiters();
    this.groups.close();
  }

  private wakeDataWaiters(): void {
    if (this.dataWaiters.length === 0) return;
    const waiters = this.dataWaiters;
    this.dataWaiters = [];
    for (const wake of waiters) wake();
  }

  get nodeId(): number {
    return this.config.nodeId;
  }

  /**
   * Creates a topic; resolves once its WAL entry is durable. The topic is visible at once
   * (the log orders any later produce after the creation entry), so a second request for
   * the same name sees it exists.
   */
  createTopic(name: string, partitions: number, configs?: Map<string, string>): Promise<TopicState> {
    const created = this.log.createTopic(name, partitions, configs);
    this.logger.info(`creating topic ${name} with ${partitions} partition(s)`);
    return created;
  }
}

export interface RunningBroker {
  readonly broker: Broker;
  readonly host: string;
  readonly port: number;
  /** Stops accepting, answers what is in flight, flushes and syncs the WAL, closes files. */
  close(): Promise<void>;
}

export async function runBroker(config: BrokerConfig, logger: Logger): Promise<RunningBroker> {
  const lock = config.wal.enabled ? await lockDataDir(config.dataDir, logger) : null;
  try {
    return await startLocked(config, logger, lock);
  } catch (err) {
    await lock?.release();
    throw err;
  }
}

async function startLocked(config: BrokerConfig, logger: Logger, lock: DataDirLock | null): Promise<RunningBroker> {
  const clusterId = config.wal.enabled ? (await loadOrCreateMeta(config.dataDir, config.nodeId)).clusterId : newClusterId();
  if (config.wal.enabled && config.wal.syncPolicy.kind === 'never') {
    logger.warn(
      'wal.sync.policy=never: the WAL is never fdatasynced, so acks=all gives only acks=1 durability ' +
        '(survives a process crash, not a power loss or OS crash)',
    );
  }
  if (!config.wal.enabled) logger.warn('wal.enabled=false: data is kept in memory only and is lost when the broker stops');
  const log = await BrokerLog.open({
    dataDir: config.dataDir,
    config: config.wal,
    logger,
    retention: { retentionMs: config.logRetentionMs, retentionBytes: config.logRetentionBytes },
    producerIdExpirationMs: config.producerIdExpirationMs,
    cacheBytes: config.logCacheBytes,
  });
  log.startRetentionTimer(config.logRetentionCheckIntervalMs);
  const broker = new Broker(config, log, logger, clusterId);
  const listener = new Listener({
    host: config.host,
    port: config.port,
    logger,
    dispatch: createDispatch(broker, HANDLERS),
    limits: {
      maxFrameBytes: config.socketRequestMaxBytes,
      maxPendingRequests: config.queuedMaxRequests,
      maxPendingBytes: config.queuedMaxRequestBytes,
    },
  });
  let bound: { host: string; port: number };
  try {
    bound = await listener.listen();
  } catch (err) {
    await log.close();
    throw err;
  }
  broker.advertisedHost = config.advertisedHost ?? bound.host;
  broker.advertisedPort = config.advertisedPort ?? bound.port;
  logger.info(
    `sluice node ${config.nodeId} of cluster ${clusterId}: data in ${config.wal.enabled ? config.dataDir : '(memory)'}, ` +
      `wal.sync.policy=${formatSyncPolicy(config.wal.syncPolicy)}`,
  );
  let closing: Promise<void> | null = null;
  return {
    broker,
    host: bound.host,
    port: bound.port,
    close() {
      closing ??= (async () => {
        broker.beginClose();
        await listener.close();
        await log.close();
        await lock?.release();
      })();
      return closing;
    },
  };
}
