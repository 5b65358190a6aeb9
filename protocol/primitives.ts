/**
 * Kafka wire primitives: a bounds-checked Reader and an exact-size Writer over one Buffer.
 *
 * Reader: every read checks the remaining bytes first and throws a ProtocolError subclass
 * (never a RangeError, never an allocation sized by an unchecked length). Byte-like values
 * (bytes, records, unknown tagged fields) are `subarray` views of the input, never copies.
 *
 * Writer: writes into a Buffer the caller sized exactly (generated `sizeXxx` functions), so
 * encoding a message is one allocation. Integers go through one DataView.
 *
 * Conventions: int64 is bigint; uuid is the 22-char base64url display string.
 */
import { InvalidLengthError, InvalidValueError, TruncatedInputError, VarintTooLongError } from './errors.js';
import { writeUuidBytes } from './uuid.js';

export { ZERO_UUID, uuidFromBytes, uuidToBytes } from './uuid.js';
export * from './sizes.js';

/** A tagged field the codec does not know, kept verbatim and re-emitted on write. */
export interface TaggedField {
  tag: number;
  data: Buffer;
}

/** Shared empty list used when a struct has no unknown tagged fields (frozen: replace, don't push). */
/** Shared empty Buffer, the default of non-nullable bytes fields. */
export const EMPTY_BYTES: Buffer = Buffer.alloc(0);

export const NO_TAGGED_FIELDS: readonly TaggedField[] = Object.freeze([]) as readonly TaggedField[];

// One DataView per ArrayBuffer, not per message: socket chunks and Buffer.allocUnsafe's pool
// hand out many Buffers over the same ArrayBuffer, so consecutive frames reuse the view.
let cachedBuffer: ArrayBufferLike | null = null;
let cachedView: DataView = new DataView(new ArrayBuffer(0));

function viewOf(buf: Buffer): DataView {
  const ab = buf.buffer;
  if (ab !== cachedBuffer) {
    cachedView = new DataView(ab);
    cachedBuffer = ab;
  }
  return cachedView;
}

export class Reader {
  buf: Buffer;
  /** A DataView over the whole ArrayBuffer behind `buf`; `base` is buf's offset in it. */
  view: DataView;
  base: number;
  /** Read position, relative to `buf`. */
  offset: number;
  /** End of the readable window, relative to `buf`. */
  end: number;

  constructor(buf: Buffer, offset = 0, end = buf.length) {
    this.buf = buf;
    this.view = viewOf(buf);
    this.base = buf.byteOffset;
    this.offset = offset;
    this.end = end;
  }

  /** Re-point this reader at another buffer (for reuse on a connection). */
  reset(buf: Buffer, offset = 0, end = buf.length): void {
    this.buf = buf;
    this.view = viewOf(buf);
    this.base = buf.byteOffset;
    this.offset = offset;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  /** Claims `n` bytes and returns their offset relative to `buf`. */
  private need(n: number): number {
    const o = this.offset;
    if (o + n > this.end) throw new TruncatedInputError(n, o, this.end);
    this.offset = o + n;
    return o;
  }

  int8(): number { return this.view.getInt8(this.base + this.need(1)); }
  int16(): number { return this.view.getInt16(this.base + this.need(2)); }
  int32(): number { return this.view.getInt32(this.base + this.need(4)); }
  int64(): bigint { return this.view.getBigInt64(this.base + this.need(8)); }
  uint16(): number { return this.view.getUint16(this.base + this.need(2)); }
  uint32(): number { return this.view.getUint32(this.base + this.need(4)); }
  float64(): number { return this.view.getFloat64(this.base + this.need(8)); }
  bool(): boolean { return this.buf[this.need(1)] !== 0; }

  /** Unsigned varint, at most 5 bytes, result in [0, 2^32). */
  uvarint(): number {
    const buf = this.buf;
    const end = this.end;
    let o = this.offset;
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (o >= end) throw new TruncatedInputError(1, o, end);
      const b = buf[o++];
      if (shift === 28) {
        if (b > 0x0f) throw new VarintTooLongError('varint', this.offset);
        this.offset = o;
        return (result | (b << 28)) >>> 0;
      }
      result |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.offset = o;
        return result >>> 0;
      }
    }
    /* c8 ignore next */
    throw new VarintTooLongError('varint', this.offset);
  }

  /** Signed (zigzag) varint, 32-bit. */
  varint(): number {
    const u = this.uvarint();
    return (u >>> 1) ^ -(u & 1);
  }

  /** Unsigned varlong, at most 10 bytes, as bigint in [0, 2^64). */
  uvarlong(): bigint {
    const buf = this.buf;
    const end = this.end;
    const start = this.offset;
    let o = start;
    // Fast path: the first 7 bytes (49 bits) accumulate exactly in a double.
    let low = 0;
    let mul = 1;
    for (let i = 0; i < 7; i++) {
      if (o >= end) throw new TruncatedInputError(1, o, end);
      const b = buf[o++];
      low += (b & 0x7f) * mul;
      if (b < 0x80) {
        this.offset = o;
        return BigInt(low);
      }
      mul *= 128;
    }
    let result = BigInt(low);
    for (let shift = 49n; shift < 70n; shift += 7n) {
      if (o >= end) throw new TruncatedInputError(1, o, end);
      const b = buf[o++];
      if (shift === 63n && b > 1) throw new VarintTooLongError('varlong', start);
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) {
        this.offset = o;
        return result;
      }
    }
    throw new VarintTooLongError('varlong', start);
  }

  /** Signed (zigzag) varlong as bigint. */
  varlong(): bigint {
    const u = this.uvarlong();
    return (u >> 1n) ^ -(u & 1n);
  }

  uuid(): string {
    const o = this.need(16);
    return this.buf.toString('base64url', o, o + 16);
  }

  /** A view of the next `n` bytes (no copy). */
  raw(n: number): Buffer {
    const o = this.need(n);
    return this.buf.subarray(o, o + n);
  }

  private utf8(n: number): string {
    const o = this.need(n);
    return this.buf.toString('utf8', o, o + n);
  }

  private checkLength(what: string, n: number, at: number): void {
    if (n < 0 || n > this.end - this.offset) throw new InvalidLengthError(what, n, at, this.end - this.offset);
  }

  // -- classic (non-flexible) forms: int16 length for strings, int32 for bytes and arrays --

  string(): string {
    const at = this.offset;
    const n = this.int16();
    this.checkLength('string', n, at);
    return this.utf8(n);
  }

  nullableString(): string | null {
    const at = this.offset;
    const n = this.int16();
    if (n === -1) return null;
    this.checkLength('string', n, at);
    return this.utf8(n);
  }

  bytes(): Buffer {
    const at = this.offset;
    const n = this.int32();
    this.checkLength('bytes', n, at);
    return this.raw(n);
  }

  nullableBytes(): Buffer | null {
    const at = this.offset;
    const n = this.int32();
    if (n === -1) return null;
    this.checkLength('bytes', n, at);
    return this.raw(n);
  }

  /** Classic array length; throws on negative and on a count larger than the remaining bytes. */
  arrayLength(): number {
    const at = this.offset;
    const n = this.int32();
    this.checkLength('array', n, at);
    return n;
  }

  /** Classic nullable array length: -1 for null. */
  nullableArrayLength(): number {
    const at = this.offset;
    const n = this.int32();
    if (n === -1) return -1;
    this.checkLength('array', n, at);
    return n;
  }

  // -- compact (flexible) forms: unsigned varint of length + 1, 0 for null --

  compactString(): string {
    const at = this.offset;
    const n = this.uvarint() - 1;
    this.checkLength('compact string', n, at);
    return this.utf8(n);
  }

  compactNullableString(): string | null {
    const at = this.offset;
    const n = this.uvarint() - 1;
    if (n === -1) return null;
    this.checkLength('compact string', n, at);
    return this.utf8(n);
  }

  compactBytes(): Buffer {
    const at = this.offset;
    const n = this.uvarint() - 1;
    this.checkLength('compact bytes', n, at);
    return this.raw(n);
  }

  compactNullableBytes(): Buffer | null {
    const at = this.offset;
    const n = this.uvarint() - 1;
    if (n === -1) return null;
    this.checkLength('compact bytes', n, at);
    return this.raw(n);
  }

  compactArrayLength(): number {
    const at = this.offset;
    const n = this.uvarint() - 1;
    this.checkLength('compact array', n, at);
    return n;
  }

  compactNullableArrayLength(): number {
    const at = this.offset;
    const n = this.uvarint() - 1;
    if (n === -1) return -1;
    this.checkLength('compact array', n, at);
    return n;
  }

  /** Kafka "records" (nullable bytes in the current encoding): a view, never a copy. */
  records(flexible: boolean): Buffer | null {
    return flexible ? this.compactNullableBytes() : this.nullableBytes();
  }

  // -- tagged fields --

  /** Reads a tagged field header's size and returns the offset where its value must end. */
  taggedFieldEnd(tag: number): number {
    const at = this.offset;
    const size = this.uvarint();
    if (size > this.end - this.offset) throw new InvalidLengthError(`tagged field ${tag}`, size, at, this.end - this.offset);
    return this.offset + size;
  }

  /** Checks that a known tagged field consumed exactly its declared size. */
  expectTaggedFieldEnd(tag: number, end: number): void {
    if (this.offset !== end) {
      throw new InvalidValueError(`tagged field ${tag} ends at ${this.offset}, declared end ${end}`, 'ERR_KAFKA_TAGGED_FIELD');
    }
  }

  /** Reads a whole tagged-field section where no tag is known to the caller. */
  taggedFields(): readonly TaggedField[] {
    const count = this.uvarint();
    if (count === 0) return NO_TAGGED_FIELDS;
    let out: TaggedField[] | null = null;
    for (let i = 0; i < count; i++) {
      const tag = this.uvarint();
      out = this.unknownTaggedField(out, tag);
    }
    return out ?? NO_TAGGED_FIELDS;
  }

  /** Reads the size and data of an unknown tagged field and appends it to `list`. */
  unknownTaggedField(list: TaggedField[] | null, tag: number): TaggedField[] {
    const end = this.taggedFieldEnd(tag);
    const data = this.buf.subarray(this.offset, end);
    this.offset = end;
    if (list === null) list = [];
    list.push({ tag, data });
    return list;
  }
}

export class Writer {
  buf: Buffer;
  /** A DataView over the whole ArrayBuffer behind `buf`; `base` is buf's offset in it. */
  view: DataView;
  base: number;
  /** Write position, relative to `buf`. */
  offset: number;

  constructor(buf: Buffer, offset = 0) {
    this.buf = buf;
    this.view = viewOf(buf);
    this.base = buf.byteOffset;
    this.offset = offset;
  }

  /** A Writer over a fresh `Buffer.allocUnsafe(size)`. */
  static alloc(size: number): Writer {
    return new Writer(Buffer.allocUnsafe(size));
  }

  /** Throws unless exactly the whole buffer was written (catches size/write disagreement). */
  finish(): Buffer {
    if (this.offset !== this.buf.length) {
      throw new InvalidValueError(`encoder wrote ${this.offset} byte(s) into a ${this.buf.length}-byte buffer`, 'ERR_KAFKA_ENCODE');
    }
    return this.buf;
  }

  int8(v: number): void { this.view.setInt8(this.base + this.offset, v); this.offset += 1; }
  int16(v: number): void { this.view.setInt16(this.base + this.offset, v); this.offset += 2; }
  int32(v: number): void { this.view.setInt32(this.base + this.offset, v); this.offset += 4; }
  int64(v: bigint): void { this.view.setBigInt64(this.base + this.offset, v); this.offset += 8; }
  uint16(v: number): void { this.view.setUint16(this.base + this.offset, v); this.offset += 2; }
  uint32(v: number): void { this.view.setUint32(this.base + this.offset, v); this.offset += 4; }
  float64(v: number): void { this.view.setFloat64(this.base + this.offset, v); this.offset += 8; }
  bool(v: boolean): void { this.buf[this.offset++] = v ? 1 : 0; }

  uvarint(v: number): void {
    const buf = this.buf;
    let o = this.offset;
    v >>>= 0;
    while (v >= 0x80) {
      buf[o++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[o++] = v;
    this.offset = o;
  }

  varint(v: number): void {
    this.uvarint(((v << 1) ^ (v >> 31)) >>> 0);
  }

  uvarlong(v: bigint): void {
    const buf = this.buf;
    let o = this.offset;
    v = BigInt.asUintN(64, v);
    while (v >= 0x80n) {
      buf[o++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    buf[o++] = Number(v);
    this.offset = o;
  }

  varlong(v: bigint): void {
    this.uvarlong(BigInt.asUintN(64, (v << 1n) ^ (v >> 63n)));
  }

  uuid(v: string): void {
    this.offset = writeUuidBytes(v, this.buf, this.offset);
  }

  /** Raw bytes, no length prefix. */
  raw(b: Uint8Array): void {
    this.buf.set(b, this.offset);
    this.offset += b.length;
  }

  private utf8(s: string, n: number): void {
    this.offset += this.buf.write(s, this.offset, n, 'utf8');
  }

  string(s: string): void {
    // The int16 prefix has a fixed width: write the text first, then its length.
    const at = this.offset;
    const n = this.buf.write(s, at + 2, 'utf8');
    if (n > 0x7fff) throw new InvalidValueError(`string of ${n} bytes does not fit an int16 length`, 'ERR_KAFKA_ENCODE');
    this.view.setInt16(this.base + at, n);
    this.offset = at + 2 + n;
  }

  nullableString(s: string | null): void {
    if (s === null) this.int16(-1);
    else this.string(s);
  }

  compactString(s: string): void {
    // Up to 42 UTF-16 units encode to at most 126 bytes, so the prefix is one byte.
    if (s.length <= 42) {
      const at = this.offset;
      const n = this.buf.write(s, at + 1, 'utf8');
      this.buf[at] = n + 1;
      this.offset = at + 1 + n;
      return;
    }
    const n = Buffer.byteLength(s);
    this.uvarint(n + 1);
    this.utf8(s, n);
  }

  compactNullableString(s: string | null): void {
    if (s === null) this.buf[this.offset++] = 0;
    else this.compactString(s);
  }

  bytes(b: Uint8Array): void {
    this.int32(b.length);
    this.raw(b);
  }

  nullableBytes(b: Uint8Array | null): void {
    if (b === null) this.int32(-1);
    else this.bytes(b);
  }

  compactBytes(b: Uint8Array): void {
    this.uvarint(b.length + 1);
    this.raw(b);
  }

  compactNullableBytes(b: Uint8Array | null): void {
    if (b === null) this.buf[this.offset++] = 0;
    else this.compactBytes(b);
  }

  records(b: Uint8Array | null, flexible: boolean): void {
    if (flexible) this.compactNullableBytes(b);
    else this.nullableBytes(b);
  }

  /** Writes one tagged field's tag and size prefix. */
  taggedFieldHeader(tag: number, size: number): void {
    this.uvarint(tag);
    this.uvarint(size);
  }

  /**
   * Writes the unknown tagged fields `fields[from..]` whose tag is below `beforeTag`
   * (they are kept sorted), returning the index of the first one not written.
   */
  rawTaggedFieldsBefore(fields: readonly TaggedField[], from: number, beforeTag: number): number {
    let i = from;
    while (i < fields.length && fields[i].tag < beforeTag) {
      const f = fields[i++];
      this.uvarint(f.tag);
      this.uvarint(f.data.length);
      this.raw(f.data);
    }
    return i;
  }

  /** A whole tagged-field section holding only `fields`. */
  taggedFields(fields: readonly TaggedField[]): void {
    this.uvarint(fields.length);
    this.rawTaggedFieldsBefore(fields, 0, Infinity);
  }
}

/**
 * A Writer that can leave large byte runs where they are: gather(piece) ends the current
 * segment of its own buffer and puts `piece` after it uncopied, so its buffer holds only the
 * bytes written around the pieces. finishGathered() returns the segments in wire order, for
 * one writev; like finish(), it throws unless exactly the whole buffer was written.
 */
export class GatherWriter extends Writer {
  private readonly segments: Buffer[] = [];
  private segmentStart = 0;

  gather(piece: Buffer): void {
    if (this.offset > this.segmentStart) this.segments.push(this.buf.subarray(this.segmentStart, this.offset));
    this.segments.push(piece);
    this.segmentStart = this.offset;
  }

  finishGathered(): Buffer[] {
    this.finish();
    if (this.offset > this.segmentStart) this.segments.push(this.buf.subarray(this.segmentStart, this.offset));
    this.segmentStart = this.offset;
    return this.segments;
  }
}
