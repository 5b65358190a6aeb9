/**
 * CRC-32C helpers beyond the native checksum: combining the CRCs of adjacent byte ranges
 * without reading the bytes again (zlib's crc32_combine method, for the Castagnoli
 * polynomial). The WAL uses it to frame a produce entry whose record batches were already
 * checksummed by their own CRC-32C when they were validated.
 */

import { crc32c } from '@node-rs/crc32';

/** The Castagnoli polynomial, reflected. */
const POLY = 0x82f63b78;

/** (a * b) modulo the polynomial, both in reflected bit order. */
function multModP(a: number, b: number): number {
  let m = 0x8000_0000;
  let p = 0;
  for (;;) {
    if ((a & m) !== 0) {
      p ^= b;
      if ((a & (m - 1)) === 0) break;
    }
    m >>>= 1;
    b = (b & 1) !== 0 ? (b >>> 1) ^ POLY : b >>> 1;
  }
  return p >>> 0;
}

/** X2N[k] = x^(2^k) modulo the polynomial. */
const X2N: Uint32Array = (() => {
  const table = new Uint32Array(32);
  let p = 0x4000_0000; // x^1
  table[0] = p;
  for (let k = 1; k < 32; k++) table[k] = p = multModP(p, p);
  return table;
})();

/** x^(n * 2^k) modulo the polynomial. */
function x2nModP(n: number, k: number): number {
  let p = 0x8000_0000; // x^0
  while (n > 0) {
    if ((n & 1) !== 0) p = multModP(X2N[k & 31]!, p);
    n = Math.floor(n / 2);
    k++;
  }
  return p;
}

/** CRC-32C of A followed by B, from crc(A), crc(B) and B's length in bytes. */
export function crc32cCombine(crcA: number, crcB: number, lengthB: number): number {
  return (multModP(x2nModP(lengthB, 3), crcA >>> 0) ^ (crcB >>> 0)) >>> 0;
}

/** CRC-32C of `bytes`, continuing from `crc` (0 to start). */
export function crc32cUpdate(crc: number, bytes: Uint8Array): number {
  return crc32c(bytes as Buffer, crc) >>> 0;
}
