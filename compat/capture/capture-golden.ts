/**
 * Captures golden request bytes from real Kafka clients (kafkajs, kcat/librdkafka).
 *
 * Run once, by hand, to (re)create the committed fixtures under test/fixtures/golden/:
 *
 *   npx vite-node compat/capture/capture-golden.ts            # or: node dist/compat/capture/capture-golden.js
 *
 * A tiny TCP server on 127.0.0.1:<ephemeral> records every request frame a client sends and
 * answers just enough (hand-encoded ApiVersions, Metadata and Produce responses) for the
 * client to go on from ApiVersions to Metadata to Produce. It is deliberately independent of
 * the project's codecs, so the fixtures test those codecs against the clients, not themselves.
 *
 * Each fixture is the request frame with its 4-byte size prefix stripped (request header +
 * body, what a framer hands to the header decoder), plus a JSON file of facts known from how
 * the client was driven (not from decoding the bytes).
 */

import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';

const OUT_DIR = process.env.GOLDEN_OUT ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test/fixtures/golden');
const TOPIC = 'golden';
const NODE_ID = 1;

const API_NAMES: Record<number, string> = { 0: 'produce', 1: 'fetch', 2: 'list-offsets', 3: 'metadata', 18: 'api-versions' };
/** What the capture server advertises; clients pick min(their max, ours). Matches Kafka 3.x. */
/**
 * Fetch and ListOffsets are advertised but never called: librdkafka only enables RecordBatch v2
 * (MsgVersion 2, with headers) when the broker has Produce >= 3 AND Fetch >= 4; without Fetch it
 * falls back to magic 0 MessageSets and silently drops headers.
 */
const ADVERTISED: Array<[apiKey: number, min: number, max: number]> = [
  [0, 0, 11],
  [1, 0, 12],
  [2, 0, 7],
  [3, 0, 12],
  [18, 0, 3],
];

interface Captured {
  /** Which client run sent it: kafkajs, kcat-L (metadata listing) or kcat-P (produce). */
  phase: string;
  client: string;
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
  frame: Buffer;
}

// ----------------------------------------------------------------------------------------
// Minimal big-endian writer/reader, independent of protocol/ on purpose.
// ----------------------------------------------------------------------------------------

class Out {
  private parts: Buffer[] = [];
  constructor(readonly flexible: boolean) {}
  private push(size: number, fill: (b: Buffer) => void): this {
    const b = Buffer.alloc(size);
    fill(b);
    this.parts.push(b);
    return this;
  }
  int8(v: number): this { return this.push(1, (b) => b.writeInt8(v)); }
  int16(v: number): this { return this.push(2, (b) => b.writeInt16BE(v)); }
  int32(v: number): this { return this.push(4, (b) => b.writeInt32BE(v)); }
  int64(v: number): this { return this.push(8, (b) => b.writeBigInt64BE(BigInt(v))); }
  uvarint(v: number): this {
    const bytes: number[] = [];
    while (v > 0x7f) { bytes.push((v & 0x7f) | 0x80); v >>>= 7; }
    bytes.push(v);
    this.parts.push(Buffer.from(bytes));
    return this;
  }
  /** Array length: INT32 or compact (N+1). */
  len(n: number): this { return this.flexible ? this.uvarint(n + 1) : this.int32(n); }
  string(s: string | null): this {
    if (s === null) return this.flexible ? this.uvarint(0) : this.int16(-1);
    const b = Buffer.from(s, 'utf8');
    if (this.flexible) this.uvarint(b.length + 1); else this.int16(b.length);
    this.parts.push(b);
    return this;
  }
  int32s(values: number[]): this { this.len(values.length); for (const v of values) this.int32(v); return this; }
  uuidZero(): this { return this.push(16, () => undefined); }
  /** Empty tagged-field section, only in flexible versions. */
  tags(): this { return this.flexible ? this.uvarint(0) : this; }
  bytes(): Buffer { return Buffer.concat(this.parts); }
}

class In {
  pos = 0;
  constructor(readonly buf: Buffer) {}
  int16(): number { const v = this.buf.readInt16BE(this.pos); this.pos += 2; return v; }
  int32(): number { const v = this.buf.readInt32BE(this.pos); this.pos += 4; return v; }
  uvarint(): number {
    let v = 0;
    for (let shift = 0; ; shift += 7) {
      const b = this.buf[this.pos++]!;
      v |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return v >>> 0;
    }
  }
  string(flexible: boolean): string | null {
    const n = flexible ? this.uvarint() - 1 : this.int16();
    if (n < 0) return null;
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
  skipTags(): void {
    for (let n = this.uvarint(); n > 0; n--) { this.uvarint(); this.pos += this.uvarint(); }
  }
}

// ----------------------------------------------------------------------------------------
// Responses, hand-encoded per version (see ../shared/kafka-protocol/messages/*Response.json).
// ----------------------------------------------------------------------------------------

function apiVersionsResponse(version: number): Buffer {
  const o = new Out(version >= 3);
  o.int16(0).len(ADVERTISED.length);
  for (const [key, min, max] of ADVERTISED) o.int16(key).int16(min).int16(max).tags();
  if (version >= 1) o.int32(0);
  return o.tags().bytes();
}

function metadataResponse(version: number, port: number): Buffer {
  const o = new Out(version >= 9);
  if (version >= 3) o.int32(0);
  o.len(1).int32(NODE_ID).string('127.0.0.1').int32(port);
  if (version >= 1) o.string(null);
  o.tags();
  if (version >= 2) o.string('sluice-golden-capture');
  if (version >= 1) o.int32(NODE_ID);
  o.len(1).int16(0).string(TOPIC);
  if (version >= 10) o.uuidZero();
  if (version >= 1) o.int8(0);
  o.len(1).int16(0).int32(0).int32(NODE_ID);
  if (version >= 7) o.int32(0);
  o.int32s([NODE_ID]).int32s([NODE_ID]);
  if (version >= 5) o.int32s([]);
  o.tags();
  if (version >= 8) o.int32(-2147483648);
  o.tags();
  if (version >= 8 && version <= 10) o.int32(-2147483648);
  return o.tags().bytes();
}

interface ProduceSummary { acks: number; topic: string | null; partition: number }

function readProduce(frameBody: In, version: number): ProduceSummary {
  const flexible = version >= 9;
  if (version >= 3) frameBody.string(flexible);
  const acks = frameBody.int16();
  frameBody.int32();
  const topics = flexible ? frameBody.uvarint() - 1 : frameBody.int32();
  if (topics < 1) return { acks, topic: null, partition: 0 };
  const topic = frameBody.string(flexible);
  const partitions = flexible ? frameBody.uvarint() - 1 : frameBody.int32();
  return { acks, topic, partition: partitions > 0 ? frameBody.int32() : 0 };
}

function produceResponse(version: number, p: ProduceSummary): Buffer {
  const o = new Out(version >= 9);
  o.len(1).string(p.topic ?? TOPIC).len(1).int32(p.partition).int16(0).int64(0);
  if (version >= 2) o.int64(-1);
  if (version >= 5) o.int64(0);
  if (version >= 8) o.len(0).string(null);
  o.tags().tags();
  if (version >= 1) o.int32(0);
  return o.tags().bytes();
}

/** Response header v0 (correlation id) or v1 (plus tagged fields); ApiVersions is always v0. */
function frame(correlationId: number, flexibleHeader: boolean, body: Buffer): Buffer {
  const header = new Out(flexibleHeader).int32(correlationId).tags().bytes();
  const size = Buffer.alloc(4);
  size.writeInt32BE(header.length + body.length);
  return Buffer.concat([size, header, body]);
}

// ----------------------------------------------------------------------------------------
// The capture server.
// ----------------------------------------------------------------------------------------

function startCaptureServer(captured: Captured[], label: () => string): Promise<net.Server> {
  const server = net.createServer((socket) => {
    let pending = Buffer.alloc(0);
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
        const size = pending.readInt32BE(0);
        const body = Buffer.from(pending.subarray(4, 4 + size));
        pending = pending.subarray(4 + size);
        handle(socket, body);
      }
    });
  });

  function handle(socket: net.Socket, body: Buffer): void {
    const r = new In(body);
    const apiKey = r.int16();
    const apiVersion = r.int16();
    const correlationId = r.int32();
    const clientId = r.string(false);
    captured.push({ phase: label(), client: label().split('-')[0]!, apiKey, apiVersion, correlationId, clientId, frame: body });
    const flexible = (apiKey === 0 && apiVersion >= 9) || (apiKey === 3 && apiVersion >= 9) || (apiKey === 18 && apiVersion >= 3);
    if (flexible) r.skipTags();
    const port = (server.address() as net.AddressInfo).port;
    switch (apiKey) {
      case 18:
        socket.write(frame(correlationId, false, apiVersionsResponse(apiVersion > 3 ? 0 : apiVersion)));
        return;
      case 3:
        socket.write(frame(correlationId, flexible, metadataResponse(apiVersion, port)));
        return;
      case 0: {
        const p = readProduce(r, apiVersion);
        if (p.acks !== 0) socket.write(frame(correlationId, flexible, produceResponse(apiVersion, p)));
        return;
      }
      default:
        console.error(`capture: unexpected api key ${apiKey} v${apiVersion} from ${label()}, closing`);
        socket.destroy();
    }
  }

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

// ----------------------------------------------------------------------------------------
// The clients.
// ----------------------------------------------------------------------------------------

/**
 * Which frame becomes the fixture. kcat -L first asks for brokers only (empty topic array),
 * then for all topics (null array): the last one is the interesting one.
 */
const WANTED: Array<{ phase: string; apiKey: number; pick: 'first' | 'last' }> = [
  { phase: 'kafkajs', apiKey: 18, pick: 'first' },
  { phase: 'kafkajs', apiKey: 3, pick: 'first' },
  { phase: 'kafkajs', apiKey: 0, pick: 'first' },
  { phase: 'kcat-L', apiKey: 18, pick: 'first' },
  { phase: 'kcat-L', apiKey: 3, pick: 'last' },
  { phase: 'kcat-P', apiKey: 0, pick: 'first' },
];

const KAFKAJS_CLIENT_ID = 'sluice-golden-kafkajs';
const KCAT_CLIENT_ID = 'sluice-golden-kcat';
const RECORDS = [
  { key: 'key-1', value: 'value-1', headers: { 'trace-id': 'abc' } },
  { key: 'key-2', value: 'value-2', headers: { 'trace-id': 'def' } },
];

async function captureKafkajs(bootstrap: string): Promise<void> {
  const kafka = new Kafka({ clientId: KAFKAJS_CLIENT_ID, brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 } });
  const producer = kafka.producer({ allowAutoTopicCreation: true });
  await producer.connect();
  await producer.send({ topic: TOPIC, acks: -1, messages: RECORDS.map((m) => ({ ...m, partition: 0 })) });
  await producer.disconnect();
}

function runKcat(args: string[], input: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('kcat', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.stdout.resume();
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(); else reject(new Error(`kcat ${args.join(' ')} exited ${code}: ${stderr}`));
    });
    child.stdin.end(input);
  });
}

async function captureKcat(bootstrap: string, setPhase: (p: string) => void): Promise<void> {
  const common = ['-b', bootstrap, '-X', `client.id=${KCAT_CLIENT_ID}`];
  setPhase('kcat-L');
  await runKcat([...common, '-L', '-m', '10'], '');
  setPhase('kcat-P');
  // Both lines share the -H header; librdkafka batches them into one RecordBatch.
  const lines = RECORDS.map((m) => `${m.key}:${m.value}\n`).join('');
  await runKcat([...common, '-P', '-t', TOPIC, '-p', '0', '-K', ':', '-H', 'trace-id=abc', '-X', 'acks=all', '-X', 'linger.ms=50'], lines);
}

function describe(c: Captured, clientVersion: string): Record<string, unknown> {
  const facts: Record<string, unknown> = {
    client: c.client,
    clientVersion,
    api: API_NAMES[c.apiKey],
    apiKey: c.apiKey,
    apiVersion: c.apiVersion,
    correlationId: c.correlationId,
    clientId: c.clientId,
    frameBytes: c.frame.length,
    framing: 'request header + body; the 4-byte size prefix is stripped',
    advertised: Object.fromEntries(ADVERTISED.map(([k, min, max]) => [API_NAMES[k], [min, max]])),
  };
  if (c.apiKey === 0) {
    Object.assign(facts, {
      topic: TOPIC,
      partition: 0,
      acks: -1,
      recordCount: RECORDS.length,
      keys: RECORDS.map((m) => m.key),
      values: RECORDS.map((m) => m.value),
      headers: c.client === 'kcat' ? RECORDS.map(() => ({ 'trace-id': 'abc' })) : RECORDS.map((m) => m.headers),
    });
  }
  if (c.apiKey === 3) {
    // kcat -L asks for every topic (null array); kafkajs asks for the topic it produces to.
    // Both set AllowAutoTopicCreation (librdkafka does so for producer handles, which -L uses).
    Object.assign(facts, c.client === 'kcat' ? { topics: null, allowAutoTopicCreation: true } : { topics: [TOPIC], allowAutoTopicCreation: true });
  }
  if (c.apiKey === 18 && c.apiVersion >= 3) Object.assign(facts, { clientSoftwareName: 'librdkafka', clientSoftwareVersion: '2.0.2' });
  return facts;
}

async function main(): Promise<void> {
  const captured: Captured[] = [];
  let current = 'none';
  const server = await startCaptureServer(captured, () => current);
  const bootstrap = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  try {
    current = 'kafkajs';
    await captureKafkajs(bootstrap);
    await captureKcat(bootstrap, (p) => { current = p; });
  } finally {
    server.close();
  }

  const kafkajsVersion = (createRequire(import.meta.url)('kafkajs/package.json') as { version: string }).version;
  const versions: Record<string, string> = { kafkajs: kafkajsVersion, kcat: process.env.KCAT_VERSION ?? 'kcat 1.7.1 / librdkafka 2.0.2 (Debian 12)' };
  mkdirSync(OUT_DIR, { recursive: true });
  for (const want of WANTED) {
    const matches = captured.filter((c) => c.phase === want.phase && c.apiKey === want.apiKey);
    const c = want.pick === 'first' ? matches[0] : matches[matches.length - 1];
    if (!c) throw new Error(`no ${API_NAMES[want.apiKey]} request captured in phase ${want.phase}`);
    const name = `${c.client}-${API_NAMES[c.apiKey]}-v${c.apiVersion}`;
    writeFileSync(path.join(OUT_DIR, `${name}.bin`), c.frame);
    writeFileSync(path.join(OUT_DIR, `${name}.json`), JSON.stringify(describe(c, versions[c.client] ?? '?'), null, 2) + '\n');
    console.log(`captured ${name} (${c.frame.length} bytes, correlation id ${c.correlationId})`);
  }
  console.log(`all frames: ${captured.map((c) => `${c.phase}:${API_NAMES[c.apiKey] ?? c.apiKey}v${c.apiVersion}`).join(' ')}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
