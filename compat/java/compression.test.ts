/**
 * The Java client (3.9 and 4.1) producing with gzip, snappy, lz4 and zstd and consuming back
 * exactly (CompressionRoundTrip.java), once with the producer's default settings (idempotent)
 * and once with enable.idempotence=false (every other default kept); see suite.ts.
 */
import { KAFKA_VERSIONS } from './java.js';
import { compressionSuite } from './suite.js';

for (const version of KAFKA_VERSIONS) {
  compressionSuite(version, 'default');
  compressionSuite(version, 'false');
}
