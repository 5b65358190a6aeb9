import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameDecoder, FrameError } from '../src/server/framing.js';

const SEED = 20261123;

function frame(payload: Buffer): Buffer {
  const out = Buffer.alloc(4 + payload.length);
  out.writeInt32BE(payload.length, 0);
  payload.copy(out, 4);
  return out;
}

describe('FrameDecoder', () => {
  it('yields the same frames however the stream is cut into chunks', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 10, maxLength: 300 }), { minLength: 1, maxLength: 20 }),
        fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 50 }),
        (payloads, cuts) => {
          const stream = Buffer.concat(payloads.map((p) => frame(Buffer.from(p))));
          const seen: Buffer[] = [];
          const decoder = new FrameDecoder(1 << 20, (f) => seen.push(Buffer.from(f)));
          let pos = 0;
          let i = 0;
          while (pos < stream.length) {
            const n = cuts[i++ % cuts.length]!;
            decoder.push(stream.subarray(pos, pos + n));
            pos += n;
          }
          expect(seen.map((b) => b.toString('hex'))).toEqual(payloads.map((p) => Buffer.from(p).toString('hex')));
          expect(decoder.bufferedBytes).toBe(0);
        },
      ),
      { seed: SEED, numRuns: 200, verbose: true },
    );
  });

  it('hands out views of the chunk when a frame arrives whole', () => {
    const chunk = Buffer.concat([frame(Buffer.alloc(12, 1)), frame(Buffer.alloc(20, 2))]);
    const seen: Buffer[] = [];
    new FrameDecoder(1024, (f) => seen.push(f)).push(chunk);
    expect(seen).toHaveLength(2);
    expect(seen[0]!.buffer).toBe(chunk.buffer);
  });

  it('rejects negative, tiny and oversized frame sizes', () => {
    const decoder = () => new FrameDecoder(1000, () => undefined);
    const size = (n: number) => {
      const b = Buffer.alloc(4);
      b.writeInt32BE(n, 0);
      return b;
    };
    expect(() => decoder().push(size(-1))).toThrow(FrameError);
    expect(() => decoder().push(size(3))).toThrow(/below the smallest frame/);
    expect(() => decoder().push(size(1001))).toThrow(/socket.request.max.bytes/);
    const split = decoder();
    split.push(Buffer.from([0x7f]));
    expect(() => split.push(Buffer.from([0xff, 0xff, 0xff]))).toThrow(FrameError);
  });
});
