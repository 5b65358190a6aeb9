/**
 * Registers kafkajs's optional compression codecs, each from its npm codec package:
 *   snappy: kafkajs-snappy (pure JS, snappyjs)
 *   lz4:    kafkajs-lz4 (the `lz4` native addon, built from source by node-gyp)
 *   zstd:   @sensejs/kafkajs-zstd-support (zstd-napi, built from source by node-gyp)
 * gzip is built into kafkajs. Import this module for its side effect before producing.
 */
import { createRequire } from 'node:module';
import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import SnappyCodec from 'kafkajs-snappy';
import '@sensejs/kafkajs-zstd-support';

// kafkajs-lz4 replaces module.exports with its class, which its typings call the default export.
const LZ4Codec = createRequire(import.meta.url)('kafkajs-lz4') as typeof import('kafkajs-lz4').default;

CompressionCodecs[CompressionTypes.Snappy] = SnappyCodec;
CompressionCodecs[CompressionTypes.LZ4] = new LZ4Codec().codec;

if (!CompressionCodecs[CompressionTypes.ZSTD]) {
  throw new Error('@sensejs/kafkajs-zstd-support did not register a zstd codec with this kafkajs instance');
}

export const CODECS = [
  { name: 'gzip', type: CompressionTypes.GZIP },
  { name: 'snappy', type: CompressionTypes.Snappy },
  { name: 'lz4', type: CompressionTypes.LZ4 },
  { name: 'zstd', type: CompressionTypes.ZSTD },
] as const;
