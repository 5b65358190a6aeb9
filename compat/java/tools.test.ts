/**
 * Apache Kafka's own Java tools (3.9 and 4.1) against a real Sluice process; see suite.ts.
 *
 * Runs with enable.idempotence=false (every other producer default kept): the Java producer's
 * default idempotence needs InitProducerId. The default-settings run is idempotent.test.ts.pending.
 */
import { KAFKA_VERSIONS } from './java.js';
import { toolsSuite } from './suite.js';

for (const version of KAFKA_VERSIONS) toolsSuite(version, 'false');
