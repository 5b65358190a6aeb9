/**
 * Connection: answers go out in request order whatever order handlers finish in, a request
 * without an answer keeps its place, and a connection with too much pending work stops
 * being read until the work drains.
 */

import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../src/logger.js';
import { Connection, type Dispatch, type Reply } from '../src/server/connection.js';
import { FrameDecoder } from '../src/server/framing.js';

function frame(id: number, size: number): Buffer {
  const out = Buffer.alloc(4 + size);
  out.writeInt32BE(size, 0);
  out.writeInt32BE(id, 4);
  return out;
}

function reply(id: number): Buffer {
  const out = Buffer.alloc(8);
  out.writeInt32BE(4, 0);
  out.writeInt32BE(id, 4);
  return out;
}

interface Harness {
  server: Server;
  client: Socket;
  received: number[];
  whenReceived(count: number): Promise<void>;
}

let open: Harness | null = null;

async function harness(dispatch: Dispatch, limits = { maxFrameBytes: 1 << 24, maxPendingRequests: 100, maxPendingBytes: 1 << 30 }): Promise<Harness> {
  const server = createServer((socket) => new Connection(1, socket, dispatch, limits, silentLogger, () => undefined));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const client = connect({ port, host: '127.0.0.1' });
  await new Promise<void>((resolve) => client.once('connect', resolve));
  const received: number[] = [];
  const waiters: Array<() => void> = [];
  const decoder = new FrameDecoder(1 << 20, (f) => {
    received.push(f.readInt32BE(0));
    for (const w of waiters.splice(0)) w();
  }, 4);
  client.on('data', (chunk: Buffer) => decoder.push(chunk));
  const whenReceived = async (count: number): Promise<void> => {
    while (received.length < count) await new Promise<void>((resolve) => waiters.push(resolve));
  };
  open = { server, client, received, whenReceived };
  return open;
}

afterEach(async () => {
  if (!open) return;
  open.client.destroy();
  await new Promise<void>((resolve) => open!.server.close(() => resolve()));
  open = null;
});

describe('Connection', () => {
  it('writes answers in request order when handlers finish out of order, skipping unanswered requests', async () => {
    const pending = new Map<number, (r: Reply) => void>();
    const h = await harness((f) => {
      const id = f.readInt32BE(0);
      if (id % 3 === 0) return null; // like acks=0: no answer, but a place in the order
      return new Promise<Reply>((resolve) => pending.set(id, resolve));
    });
    for (let id = 1; id <= 9; id++) h.client.write(frame(id, 16));
    while (pending.size < 6) await new Promise((r) => setImmediate(r));
    for (const id of [8, 7, 5, 4, 2, 1]) pending.get(id)!(reply(id));
    await h.whenReceived(6);
    expect(h.received).toEqual([1, 2, 4, 5, 7, 8]);
  });

  it('stops reading while too many requests are pending, and resumes as they drain', async () => {
    const pending: Array<() => void> = [];
    let dispatched = 0;
    const h = await harness(
      (f) => {
        dispatched++;
        const id = f.readInt32BE(0);
        return new Promise<Reply>((resolve) => pending.push(() => resolve(reply(id))));
      },
      { maxFrameBytes: 1 << 24, maxPendingRequests: 2, maxPendingBytes: 1 << 30 },
    );
    const total = 30;
    // Frames large enough that the socket cannot hand them all over in one read.
    for (let id = 1; id <= total; id++) h.client.write(frame(id, 256 * 1024));
    while (dispatched < 2) await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 50)); // give a connection that ignored backpressure time to read on
    expect(dispatched).toBeLessThan(total);
    while (h.received.length < total) {
      const next = pending.shift();
      if (next) next();
      else await new Promise((r) => setImmediate(r));
      await new Promise((r) => setImmediate(r));
    }
    expect(h.received).toEqual(Array.from({ length: total }, (_, i) => i + 1));
  });

  it('closes only the offending connection on a malformed frame', async () => {
    const h = await harness(() => reply(0));
    const closed = new Promise<void>((resolve) => h.client.once('close', () => resolve()));
    h.client.write(Buffer.from([0xff, 0xff, 0xff, 0xff]));
    await closed;
    expect(h.server.listening).toBe(true);
  });
});
