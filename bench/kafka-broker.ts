/**
 * A reference Apache Kafka broker for the comparisons of design.md section 6 (bench runs only).
 *
 * Runs the jars that `bench/fetch-kafka.sh` cached under bench/.cache/kafka-<version>/ as one
 * KRaft node in combined mode (process.roles=broker,controller, node.id=1, a static
 * controller.quorum.voters), with free loopback ports, log.dirs in a fresh temp dir, and the
 * single-node settings Kafka's own quickstart uses (replication factors 1, min.insync.replicas=1,
 * group.initial.rebalance.delay.ms=0). The storage is formatted first with StorageTool and a
 * random cluster id. Stop sends SIGTERM (Kafka's controlled shutdown) and removes the temp dir.
 *
 * Kafka's log flush settings stay at their defaults (log.flush.interval.messages and .ms unset):
 * Apache Kafka acknowledges acks=all once the (here: one) in-sync replica has the write in the page
 * cache, and never fsyncs on the produce path.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ROOT, live, peakRssMiB, type BenchBroker } from './broker-process.js';

export const KAFKA_BROKER_VERSION = '4.1.2';

const TAIL_CHARS = 16_000;

/** The cached broker classpath of one Kafka version; fails with a pointer to fetch-kafka.sh. */
export function kafkaBrokerClasspath(version = KAFKA_BROKER_VERSION): string {
  const dir = path.join(ROOT, 'bench/.cache', `kafka-${version}`);
  const file = path.join(dir, 'jars.txt');
  if (!existsSync(file)) throw new Error(`no Apache Kafka ${version} broker jars: run bench/fetch-kafka.sh ${version}`);
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((jar) => path.join(dir, 'lib', jar)).join(path.delimiter);
}

/** A free loopback port (bound, read and released; the usual small race is acceptable for a bench). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

export interface KafkaBrokerOptions {
  version?: string;
  /** JVM heap, -Xms = -Xmx (default 1g). */
  heap?: string;
  /** Extra server.properties entries. */
  properties?: Record<string, string>;
  startTimeoutMs?: number;
}

/** A running Kafka broker: the same handle as a Sluice bench broker, plus its bootstrap address. */
export interface KafkaBroker extends BenchBroker {
  readonly bootstrap: string;
}


const LOGGING = ['-Dorg.slf4j.simpleLogger.defaultLogLevel=warn', '-Dorg.slf4j.simpleLogger.logFile=System.err'];

export async function startKafkaBroker(options: KafkaBrokerOptions = {}): Promise<KafkaBroker> {
  const version = options.version ?? KAFKA_BROKER_VERSION;
  const cp = kafkaBrokerClasspath(version);
  const host = '127.0.0.1';
  const port = await freePort();
  let controllerPort = await freePort();
  while (controllerPort === port) controllerPort = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-kafka-'));
  const logDir = path.join(dir, 'logs');
  mkdirSync(logDir);
  const props: Record<string, string> = {
    'process.roles': 'broker,controller',
    'node.id': '1',
    'controller.quorum.voters': `1@${host}:${controllerPort}`,
    listeners: `PLAINTEXT://${host}:${port},CONTROLLER://${host}:${controllerPort}`,
    'advertised.listeners': `PLAINTEXT://${host}:${port}`,
    'controller.listener.names': 'CONTROLLER',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'inter.broker.listener.name': 'PLAINTEXT',
    'log.dirs': logDir,
    'num.partitions': '1',
    'offsets.topic.replication.factor': '1',
    'transaction.state.log.replication.factor': '1',
    'transaction.state.log.min.isr': '1',
    'min.insync.replicas': '1',
    'group.initial.rebalance.delay.ms': '0',
    ...options.properties,
  };
  const propsFile = path.join(dir, 'server.properties');
  writeFileSync(propsFile, Object.entries(props).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');

  // kafka-storage.sh format: a random cluster id (16 random bytes, base64url, as random-uuid prints;
  // like Kafka's Uuid.randomUuid, never one starting with '-', which the tool would read as a flag).
  let clusterId = randomBytes(16).toString('base64url');
  while (clusterId.startsWith('-')) clusterId = randomBytes(16).toString('base64url');
  const format = await new Promise<{ code: number | null; out: string }>((resolve, reject) => {
    const child = spawn('java', [...LOGGING, '-cp', cp, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', propsFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { out += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', (err) => { clearTimeout(timer); reject(err); });
    child.once('close', (code) => { clearTimeout(timer); resolve({ code, out }); });
  });
  if (format.code !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`kafka StorageTool format failed (code ${format.code}):\n${format.out}`);
  }

  const heap = options.heap ?? '1g';
  const child = spawn('java', [`-Xmx${heap}`, `-Xms${heap}`, ...LOGGING, '-cp', cp, 'kafka.Kafka', propsFile], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let tail = '';
  const keep = (s: string): void => {
    tail += s;
    if (tail.length > TAIL_CHARS * 2) tail = tail.slice(-TAIL_CHARS);
  };
  child.stdout.setEncoding('utf8').on('data', keep);
  child.stderr.setEncoding('utf8').on('data', keep);
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      live.delete(child);
      exitCode = code;
      resolve(code);
    });
  });

  const stop = async (graceMs = 30_000): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const force = setTimeout(() => child.kill('SIGKILL'), graceMs);
    const code = await exited;
    clearTimeout(force);
    rmSync(dir, { recursive: true, force: true });
    return code;
  };

  // Wait for the PLAINTEXT listener (the caller's CreateTopics retries until the broker has
  // registered with its controller).
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  while (!(await canConnect(host, port))) {
    if (exitCode !== undefined || Date.now() > deadline) {
      await stop(1_000);
      throw new Error(`Apache Kafka ${version} did not start listening on ${host}:${port}` +
        `${exitCode !== undefined ? ` (exited with code ${exitCode})` : ''}\n--- broker output ---\n${tail.slice(-TAIL_CHARS)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  let stopping: Promise<number | null> | null = null;
  return {
    host,
    port,
    bootstrap: `${host}:${port}`,
    pid: child.pid!,
    dataDir: logDir,
    output: () => tail.slice(-TAIL_CHARS),
    peakRssMiB: () => peakRssMiB(child.pid!),
    stop(graceMs?: number) {
      stopping ??= stop(graceMs);
      return stopping;
    },
  };
}
