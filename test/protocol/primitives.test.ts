import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  GatherWriter,
  Reader, Writer, ZERO_UUID, uuidFromBytes, uuidToBytes,
  sizeOfUvarint, sizeOfVarint, sizeOfVarlong, sizeOfUvarlong,
  sizeOfString, sizeOfCompactString, sizeOfCompactNullableString, sizeOfNullableString,
} from '../../protocol/primitives.js';
import { ProtocolError, TruncatedInputError, InvalidLengthError, VarintTooLongError } from '../../protocol/errors.js';

const SEED = 0x51c3;
const NUM_RUNS = 300;
const opts = { seed: SEED, numRuns: NUM_RUNS };
const withSeed = (name: string): string => `${name} (fast-check seed ${SEED})`;

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function encode(size: number, f: (w: Writer) => void): Buffer {
  const w = Writer.alloc(size);
  f(w);
  return w.finish();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function expectProtocolError(f: () => unknown, cls: new (...args: any[]) => ProtocolError = ProtocolError): void {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err, 'expected a ProtocolError').toBeInstanceOf(cls);
}

describe('unsigned varint', () => {
  const vectors: [number, string][] = [
    [0, '00'], [1, '01'], [127, '7f'], [128, '8001'], [300, 'ac02'], [16383, 'ff7f'], [16384, '808001'],
    [2097151, 'ffff7f'], [2097152, '80808001'], [268435455, 'ffffff7f'], [268435456, '8080808001'],
    [0xffffffff, 'ffffffff0f'],
  ];
  it.each(vectors)('%d <-> %s', (v, h) => {
    const bytes = encode(sizeOfUvarint(v), (w) => w.uvarint(v));
    expect(bytes.toString('hex')).toBe(h);
    const r = new Reader(bytes);
    expect(r.uvarint()).toBe(v);
    expect(r.remaining).toBe(0);
  });

  it('rejects a sixth byte and overflowing fifth byte', () => {
    expectProtocolError(() => new Reader(hex('ffffffff10')).uvarint(), VarintTooLongError);
    expectProtocolError(() => new Reader(hex('ffffffff8f01')).uvarint(), VarintTooLongError);
  });

  it('rejects truncation', () => {
    expectProtocolError(() => new Reader(hex('ff')).uvarint(), TruncatedInputError);
    expectProtocolError(() => new Reader(Buffer.alloc(0)).uvarint(), TruncatedInputError);
  });

  it(withSeed('round trips every uint32'), () => {
    fc.assert(fc.property(fc.nat({ max: 0xffffffff }), (v) => {
      const bytes = encode(sizeOfUvarint(v), (w) => w.uvarint(v));
      return new Reader(bytes).uvarint() === v;
    }), opts);
  });
});

describe('signed zigzag varint and varlong', () => {
  const vectors: [number, string][] = [[0, '00'], [-1, '01'], [1, '02'], [-2, '03'], [63, '7e'], [-64, '7f'], [64, '8001'],
    [2147483647, 'feffffff0f'], [-2147483648, 'ffffffff0f']];
  it.each(vectors)('varint %d <-> %s', (v, h) => {
    const bytes = encode(sizeOfVarint(v), (w) => w.varint(v));
    expect(bytes.toString('hex')).toBe(h);
    expect(new Reader(bytes).varint()).toBe(v);
  });

  const longs: [bigint, string][] = [[0n, '00'], [-1n, '01'], [1n, '02'], [9223372036854775807n, 'feffffffffffffffff01'],
    [-9223372036854775808n, 'ffffffffffffffffff01'], [1n << 48n, '8080808080808001']];
  it.each(longs)('varlong %s <-> %s', (v, h) => {
    const bytes = encode(sizeOfVarlong(v), (w) => w.varlong(v));
    expect(bytes.toString('hex')).toBe(h);
    expect(new Reader(bytes).varlong()).toBe(v);
  });

  it('rejects varlongs longer than 10 bytes or overflowing 64 bits', () => {
    expectProtocolError(() => new Reader(hex('ffffffffffffffffff02')).uvarlong(), VarintTooLongError);
    expectProtocolError(() => new Reader(hex('ffffffffffffffffffff01')).uvarlong(), VarintTooLongError);
    expectProtocolError(() => new Reader(hex('ffffffffffffffff')).uvarlong(), TruncatedInputError);
  });

  it(withSeed('round trips int32 and int64'), () => {
    fc.assert(fc.property(fc.integer({ min: -2147483648, max: 2147483647 }), fc.bigInt(-(1n << 63n), (1n << 63n) - 1n), (a, b) => {
      const bytes = encode(sizeOfVarint(a) + sizeOfVarlong(b), (w) => { w.varint(a); w.varlong(b); });
      const r = new Reader(bytes);
      return r.varint() === a && r.varlong() === b && r.remaining === 0;
    }), opts);
    fc.assert(fc.property(fc.bigInt(0n, (1n << 64n) - 1n), (u) => {
      const bytes = encode(sizeOfUvarlong(u), (w) => w.uvarlong(u));
      return new Reader(bytes).uvarlong() === u;
    }), opts);
  });
});

describe('fixed-width integers', () => {
  it('reads and writes big-endian values', () => {
    const bytes = encode(1 + 2 + 4 + 8 + 2 + 4 + 8 + 1, (w) => {
      w.int8(-2); w.int16(-300); w.int32(-70000); w.int64(-5000000000n); w.uint16(65535); w.uint32(0xfffffffe); w.float64(1.5); w.bool(true);
    });
    expect(bytes.toString('hex')).toBe('fe' + 'fed4' + 'fffeee90' + 'fffffffed5fa0e00' + 'ffff' + 'fffffffe' + '3ff8000000000000' + '01');
    const r = new Reader(bytes);
    expect([r.int8(), r.int16(), r.int32(), r.int64(), r.uint16(), r.uint32(), r.float64(), r.bool()])
      .toEqual([-2, -300, -70000, -5000000000n, 65535, 0xfffffffe, 1.5, true]);
  });

  it('throws TruncatedInputError, never RangeError', () => {
    expectProtocolError(() => new Reader(hex('00')).int16(), TruncatedInputError);
    expectProtocolError(() => new Reader(hex('000000')).int32(), TruncatedInputError);
    expectProtocolError(() => new Reader(hex('00000000000000')).int64(), TruncatedInputError);
    expectProtocolError(() => new Reader(Buffer.alloc(15)).uuid(), TruncatedInputError);
    // A reader over a window of a larger buffer stops at its end.
    expectProtocolError(() => new Reader(Buffer.alloc(8), 0, 3).int32(), TruncatedInputError);
  });
});

describe('strings and bytes', () => {
  it('classic vs compact encodings', () => {
    expect(encode(sizeOfString('hi'), (w) => w.string('hi')).toString('hex')).toBe('00026869');
    expect(encode(sizeOfCompactString('hi'), (w) => w.compactString('hi')).toString('hex')).toBe('036869');
    expect(encode(sizeOfNullableString(null), (w) => w.nullableString(null)).toString('hex')).toBe('ffff');
    expect(encode(sizeOfCompactNullableString(null), (w) => w.compactNullableString(null)).toString('hex')).toBe('00');
    expect(encode(4, (w) => w.nullableBytes(null)).toString('hex')).toBe('ffffffff');
    expect(encode(1, (w) => w.compactNullableBytes(null)).toString('hex')).toBe('00');
    expect(encode(6, (w) => w.bytes(Buffer.from([1, 2]))).toString('hex')).toBe('000000020102');
    expect(encode(3, (w) => w.compactBytes(Buffer.from([1, 2]))).toString('hex')).toBe('030102');
  });

  it('reads nulls and views', () => {
    const r = new Reader(hex('ffff 00 ffffffff 00 0000000201020301 02'));
    expect(r.nullableString()).toBeNull();
    expect(r.compactNullableString()).toBeNull();
    expect(r.nullableBytes()).toBeNull();
    expect(r.compactNullableBytes()).toBeNull();
    const b = r.bytes();
    expect([...b]).toEqual([1, 2]);
    expect(b.buffer).toBe(r.buf.buffer); // a view, not a copy
    expect([...r.compactBytes()]).toEqual([1, 2]);
  });

  it('records are a subarray view of the input', () => {
    const frame = hex('00000003 616263 04 646566');
    const r = new Reader(frame);
    const a = r.records(false)!;
    const b = r.records(true)!;
    expect(a.toString()).toBe('abc');
    expect(b.toString()).toBe('def');
    frame[4] = 0x41;
    expect(a.toString()).toBe('Abc');
  });

  it('rejects hostile lengths', () => {
    expectProtocolError(() => new Reader(hex('fffe')).nullableString(), InvalidLengthError);
    expectProtocolError(() => new Reader(hex('ffff')).string(), InvalidLengthError);
    expectProtocolError(() => new Reader(hex('0005 6869')).string(), InvalidLengthError);
    expectProtocolError(() => new Reader(hex('7fffffff')).bytes(), InvalidLengthError);
    expectProtocolError(() => new Reader(hex('fffffffe')).nullableBytes(), InvalidLengthError);
    expectProtocolError(() => new Reader(hex('00')).compactString(), InvalidLengthError);
    expectProtocolError(() => new Reader(hex('ffffffff0f')).compactBytes(), InvalidLengthError);
    expectProtocolError(() => new Reader(hex('7fffffff')).arrayLength(), InvalidLengthError);
    expectProtocolError(() => new Reader(hex('ffffffff')).arrayLength(), InvalidLengthError);
    expectProtocolError(() => new Reader(hex('80808080 08')).compactArrayLength(), InvalidLengthError);
    expect(new Reader(hex('ffffffff')).nullableArrayLength()).toBe(-1);
    expect(new Reader(hex('00')).compactNullableArrayLength()).toBe(-1);
  });

  it('writes strings with multi-byte prefixes and UTF-8', () => {
    for (const s of ['', 'é', '日本語', 'x'.repeat(42), 'é'.repeat(42), 'x'.repeat(127), 'x'.repeat(128), '😀'.repeat(100)]) {
      const bytes = encode(sizeOfCompactString(s) + sizeOfString(s), (w) => { w.compactString(s); w.string(s); });
      const r = new Reader(bytes);
      expect(r.compactString()).toBe(s);
      expect(r.string()).toBe(s);
    }
  });

  it(withSeed('round trips arbitrary strings in every form'), () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 80 }), fc.option(fc.string({ unit: 'grapheme', maxLength: 80 }), { nil: null }), (s, ns) => {
      const size = sizeOfString(s) + sizeOfCompactString(s) + sizeOfNullableString(ns) + sizeOfCompactNullableString(ns);
      const bytes = encode(size, (w) => { w.string(s); w.compactString(s); w.nullableString(ns); w.compactNullableString(ns); });
      const r = new Reader(bytes);
      expect([r.string(), r.compactString(), r.nullableString(), r.compactNullableString()]).toEqual([s, s, ns, ns]);
      expect(r.remaining).toBe(0);
    }), opts);
  });

  it('refuses to encode a string longer than an int16 length allows', () => {
    const s = 'x'.repeat(40000);
    expectProtocolError(() => encode(sizeOfString(s), (w) => w.string(s)));
  });

  it('Writer.finish catches a size mismatch', () => {
    const w = Writer.alloc(4);
    w.int16(1);
    expectProtocolError(() => w.finish());
  });
});

describe('UUID', () => {
  it('uses the Java display form', () => {
    expect(ZERO_UUID).toBe('AAAAAAAAAAAAAAAAAAAAAA');
    expect(uuidFromBytes(Buffer.alloc(16))).toBe(ZERO_UUID);
    const bytes = hex('0123456789abcdeffedcba9876543210');
    // base64url without padding, as org.apache.kafka.common.Uuid#toString
    expect(uuidFromBytes(bytes)).toBe('ASNFZ4mrze_-3LqYdlQyEA');
    expect(uuidToBytes('ASNFZ4mrze_-3LqYdlQyEA').equals(bytes)).toBe(true);
  });

  it('rejects malformed text', () => {
    for (const bad of ['', 'AAAA', 'AAAAAAAAAAAAAAAAAAAAAB', 'AAAAAAAAAAAAAAAAAAAA$A', 'AAAAAAAAAAAAAAAAAAAAAAA', 'AAAAAAAAAAAAAAAAAAAA=A']) {
      expectProtocolError(() => uuidToBytes(bad));
    }
  });

  it(withSeed('round trips 16 random bytes'), () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (b) => {
      const s = uuidFromBytes(b);
      const bytes = encode(16, (w) => w.uuid(s));
      return s.length === 22 && bytes.equals(Buffer.from(b)) && new Reader(bytes).uuid() === s;
    }), opts);
  });
});

describe('tagged fields', () => {
  it('keeps unknown tags verbatim, in order', () => {
    const r = new Reader(hex('02 01 02 aabb 05 00'));
    const tags = r.taggedFields();
    expect(tags.map((t) => [t.tag, t.data.toString('hex')])).toEqual([[1, 'aabb'], [5, '']]);
    const w = Writer.alloc(7);
    w.taggedFields(tags);
    expect(w.finish().toString('hex')).toBe('020102aabb0500');
  });

  it('rejects a tagged field larger than the input', () => {
    expectProtocolError(() => new Reader(hex('01 01 05 aabb')).taggedFields(), InvalidLengthError);
    expectProtocolError(() => new Reader(hex('05 01 00')).taggedFields(), TruncatedInputError);
  });
});

describe('hostile input never escapes as a non-protocol error', () => {
  const ops: ((r: Reader) => unknown)[] = [
    (r) => r.string(), (r) => r.nullableString(), (r) => r.compactString(), (r) => r.compactNullableString(),
    (r) => r.bytes(), (r) => r.nullableBytes(), (r) => r.compactBytes(), (r) => r.compactNullableBytes(),
    (r) => r.arrayLength(), (r) => r.compactArrayLength(), (r) => r.uvarint(), (r) => r.varlong(),
    (r) => r.uuid(), (r) => r.int64(), (r) => r.taggedFields(), (r) => r.records(true),
  ];
  it(withSeed('random bytes'), () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 24 }), fc.array(fc.nat({ max: ops.length - 1 }), { minLength: 1, maxLength: 6 }), (bytes, seq) => {
      const r = new Reader(Buffer.from(bytes));
      try {
        for (const i of seq) ops[i](r);
      } catch (e) {
        if (!(e instanceof ProtocolError)) throw e;
      }
      expect(r.offset).toBeLessThanOrEqual(bytes.length);
    }), opts);
  });
});

describe('GatherWriter', () => {
  it('leaves gathered pieces uncopied, in order between the bytes written around them', () => {
    const big = Buffer.from('gathered-piece');
    const w = new GatherWriter(Buffer.alloc(2 + 4 + 1));
    w.int16(7);
    w.gather(big);
    w.int32(42);
    w.gather(big);
    w.int8(1);
    const segments = w.finishGathered();
    expect(segments.map((s) => s.length)).toEqual([2, big.length, 4, big.length, 1]);
    expect(segments[1]).toBe(big);
    expect(Buffer.concat(segments).equals(Buffer.concat([Buffer.from([0, 7]), big, Buffer.from([0, 0, 0, 42]), big, Buffer.from([1])]))).toBe(true);
  });

  it('starts and ends with a piece without empty segments, and checks the buffer was filled exactly', () => {
    const piece = Buffer.from('x');
    const w = new GatherWriter(Buffer.alloc(1));
    w.gather(piece);
    w.int8(5);
    w.gather(piece);
    expect(w.finishGathered().map((s) => s.toString('hex'))).toEqual(['78', '05', '78']);
    const short = new GatherWriter(Buffer.alloc(2));
    short.int8(1);
    expect(() => short.finishGathered()).toThrow(/wrote 1 byte/);
  });
});

