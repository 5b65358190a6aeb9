/**
 * The Java client (3.9 and 4.1) producing with gzip, snappy, lz4 and zstd and consuming back
 * exactly (CompressionRoundTrip.java); see suite.ts.
 *
 * Runs with enable.idempotence=false (every other producer default kept): the Java producer's
 * default idempotence needs InitProducerId. The default-settings run is idempotent.test.ts.pending.
 */
import { KAFKA_VERSIONS } from './java.js';
import { compressionSuite } from './suite.js';

for (const version of KAFKA_VERSIONS) compressionSuite(version, 'false');
