import { describe, it, expect } from 'vitest';
import { crc32c } from '@node-rs/crc32';
describe('crc32c', () => {
  it('matches the standard check value', () => {
    expect(crc32c(Buffer.from('123456789')) >>> 0).toBe(0xe3069283);
  });
});
