declare module 'kafkajs-snappy' {
  import type { CompressionCodecs, CompressionTypes } from 'kafkajs';
  const codec: (typeof CompressionCodecs)[CompressionTypes.Snappy];
  export default codec;
}
