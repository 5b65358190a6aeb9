import { crc32c } from '@node-rs/crc32';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32cCombine } from '../protocol/crc32c.js';

const SEED = 321;

describe('crc32cCombine', () => {
  it('equals the CRC of the concatenation, for any split', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.uint8Array({ maxLength: 3000 }), (a, b) => {
        const A = Buffer.from(a);
        const B = Buffer.from(b);
        const whole = crc32c(Buffer.concat([A, B])) >>> 0;
        expect(crc32cCombine(crc32c(A) >>> 0, crc32c(B) >>> 0, B.length)).toBe(whole);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('handles large lengths', () => {
    const big = Buffer.alloc(5_000_000, 7);
    const head = Buffer.from('head');
    expect(crc32cCombine(crc32c(head) >>> 0, crc32c(big) >>> 0, big.length)).toBe(crc32c(Buffer.concat([head, big])) >>> 0);
  });
});
