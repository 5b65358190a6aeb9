/**
 * Kafka UUIDs travel as 16 raw bytes and are shown (and typed here) as Java's Uuid.toString():
 * the 22-character unpadded base64url form of those bytes.
 */
import { InvalidValueError } from './errors.js';

/** The all-zero UUID (Kafka's Uuid.ZERO_UUID), the default of every uuid field. */
export const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

/** Display form of 16 bytes at `offset` of `buf`. */
export function uuidFromBytes(buf: Uint8Array, offset = 0): string {
  if (offset < 0 || offset + 16 > buf.length) {
    throw new InvalidValueError(`uuid needs 16 bytes at offset ${offset}, have ${buf.length - offset}`);
  }
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  return b.toString('base64url', offset, offset + 16);
}

/**
 * Writes the 16 bytes of `uuid` into `buf` at `offset` (validating the text form).
 * Returns the offset after the UUID.
 */
export function writeUuidBytes(uuid: string, buf: Buffer, offset: number): number {
  // The 22nd character carries only 2 data bits: A, Q, g or w.
  const last = uuid.charCodeAt(21);
  if (uuid.length !== 22 || (last !== 65 && last !== 81 && last !== 103 && last !== 119)) {
    throw new InvalidValueError(`invalid uuid ${JSON.stringify(uuid)}`);
  }
  const n = buf.write(uuid, offset, 16, 'base64url');
  if (n !== 16) throw new InvalidValueError(`invalid uuid ${JSON.stringify(uuid)}`);
  return offset + 16;
}

/** The 16 bytes of a UUID in display form. */
export function uuidToBytes(uuid: string): Buffer {
  const out = Buffer.alloc(16);
  writeUuidBytes(uuid, out, 0);
  return out;
}
