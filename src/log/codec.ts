/**
 * Small big-endian byte writer and reader for the state entries (offsets, topic admin,
 * retention) and the checkpoint file. These are not hot paths: one writer per entry,
 * growing by doubling, then sealed into a frame in place.
 */

import { readInt64, writeInt64 } from '../../protocol/record-batch.js';
import { ENTRY_HEADER_SIZE, EntryFormatError, sealFrame } from './framing.js';

export class ByteWriter {
  buf: Buffer;
  pos: number;

  /** `reserve` bytes are left at the front (the frame header when encoding an entry). */
  constructor(reserve = 0, capacity = 256) {
    this.buf = Buffer.allocUnsafe(Math.max(capacity, reserve + 16));
    this.pos = reserve;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  u8(v: number): this {
    this.ensure(1);
    this.buf.writeUInt8(v, this.pos);
    this.pos += 1;
    return this;
  }

  u16(v: number): this {
    this.ensure(2);
    this.buf.writeUInt16BE(v, this.pos);
    this.pos += 2;
    return this;
  }

  u32(v: number): this {
    this.ensure(4);
    this.buf.writeUInt32BE(v, this.pos);
    this.pos += 4;
    return this;
  }

  i32(v: number): this {
    this.ensure(4);
    this.buf.writeInt32BE(v, this.pos);
    this.pos += 4;
    return this;
  }

  /** A JS integer with |v| < 2^53 as int64. */
  i64(v: number): this {
    this.ensure(8);
    writeInt64(this.buf, this.pos, v);
    this.pos += 8;
    return this;
  }

  bytes(b: Buffer): this {
    this.ensure(b.length);
    b.copy(this.buf, this.pos);
    this.pos += b.length;
    return this;
  }

  /** [len u16][utf8]; names (topics, groups, config keys) fit in 32 KiB. */
  str16(s: string): this {
    const b = Buffer.from(s, 'utf8');
    if (b.length > 0xffff) throw new RangeError(`string of ${b.length} bytes is too long for this field`);
    return this.u16(b.length).bytes(b);
  }

  /** [len i32][utf8], len -1 for null. */
  nstr32(s: string | null): this {
    if (s === null) return this.i32(-1);
    const b = Buffer.from(s, 'utf8');
    return this.i32(b.length).bytes(b);
  }

  /** [count u32] x ([key str16][value nstr32]) */
  map(m: ReadonlyMap<string, string>): this {
    this.u32(m.size);
    for (const [k, v] of m) this.str16(k).nstr32(v);
    return this;
  }

  strings(list: readonly string[]): this {
    this.u32(list.length);
    for (const s of list) this.str16(s);
    return this;
  }

  /** The written bytes (a view). */
  result(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  /** Seals the bytes as one WAL entry of `type` (the writer must have reserved the header). */
  frame(type: number): { pieces: Buffer[]; size: number } {
    const buf = sealFrame(this.buf.subarray(0, this.pos), type);
    return { pieces: [buf], size: buf.length };
  }
}

export function entryWriter(): ByteWriter {
  return new ByteWriter(ENTRY_HEADER_SIZE);
}

export class ByteReader {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new EntryFormatError(`payload too short: need ${this.pos + n} bytes, have ${this.buf.length}`);
  }

  u8(): number {
    this.need(1);
    return this.buf.readUInt8(this.pos++);
  }

  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  i32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  i64(): number {
    this.need(8);
    const v = readInt64(this.buf, this.pos);
    this.pos += 8;
    return v;
  }

  /** A copy of the next `n` bytes. */
  bytes(n: number): Buffer {
    this.need(n);
    const b = Buffer.from(this.buf.subarray(this.pos, this.pos + n));
    this.pos += n;
    return b;
  }

  str16(): string {
    const n = this.u16();
    this.need(n);
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  nstr32(): string | null {
    const n = this.i32();
    if (n === -1) return null;
    if (n < 0) throw new EntryFormatError(`invalid string length ${n}`);
    this.need(n);
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  map(): Map<string, string> {
    const count = this.u32();
    const m = new Map<string, string>();
    for (let i = 0; i < count; i++) {
      const k = this.str16();
      const v = this.nstr32();
      if (v === null) throw new EntryFormatError(`null value for config ${k}`);
      m.set(k, v);
    }
    return m;
  }

  strings(): string[] {
    const count = this.u32();
    const out: string[] = [];
    for (let i = 0; i < count; i++) out.push(this.str16());
    return out;
  }

  /** Refuses trailing bytes: a payload that parses must be used up exactly. */
  end(): void {
    if (this.pos !== this.buf.length) throw new EntryFormatError(`${this.buf.length - this.pos} trailing bytes`);
  }
}
