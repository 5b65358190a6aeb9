/** Encoded sizes of Kafka primitives (used by the generated size passes). */
import type { TaggedField } from './primitives.js';

/** Bytes of an unsigned varint. */
export function sizeOfUvarint(v: number): number {
  if (v < 0x80) return 1;
  if (v < 0x4000) return 2;
  if (v < 0x200000) return 3;
  if (v < 0x10000000) return 4;
  return 5;
}

/** Bytes of a signed (zigzag) varint. */
export function sizeOfVarint(v: number): number {
  return sizeOfUvarint(((v << 1) ^ (v >> 31)) >>> 0);
}

/** Bytes of an unsigned varlong. */
export function sizeOfUvarlong(v: bigint): number {
  let n = 1;
  while (v >= 0x80n) {
    v >>= 7n;
    n++;
  }
  return n;
}

/** Bytes of a signed (zigzag) varlong. */
export function sizeOfVarlong(v: bigint): number {
  return sizeOfUvarlong(BigInt.asUintN(64, (v << 1n) ^ (v >> 63n)));
}

export function sizeOfString(s: string): number { return 2 + Buffer.byteLength(s); }
export function sizeOfNullableString(s: string | null): number { return s === null ? 2 : 2 + Buffer.byteLength(s); }
export function sizeOfCompactString(s: string): number {
  const n = Buffer.byteLength(s);
  return sizeOfUvarint(n + 1) + n;
}
export function sizeOfCompactNullableString(s: string | null): number {
  if (s === null) return 1;
  const n = Buffer.byteLength(s);
  return sizeOfUvarint(n + 1) + n;
}
export function sizeOfBytes(b: Uint8Array): number { return 4 + b.length; }
export function sizeOfNullableBytes(b: Uint8Array | null): number { return b === null ? 4 : 4 + b.length; }
export function sizeOfCompactBytes(b: Uint8Array): number { return sizeOfUvarint(b.length + 1) + b.length; }
export function sizeOfCompactNullableBytes(b: Uint8Array | null): number {
  return b === null ? 1 : sizeOfUvarint(b.length + 1) + b.length;
}

/** Bytes of the unknown tagged fields themselves (tag, size, data), without the count. */
export function sizeOfRawTaggedFields(fields: readonly TaggedField[]): number {
  let n = 0;
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i];
    n += sizeOfUvarint(f.tag) + sizeOfUvarint(f.data.length) + f.data.length;
  }
  return n;
}

/** Bytes of a tagged-field section holding only `fields`. */
export function sizeOfTaggedFields(fields: readonly TaggedField[]): number {
  return sizeOfUvarint(fields.length) + sizeOfRawTaggedFields(fields);
}
