/**
 * Apache Kafka's own Java tools (3.9 and 4.1) against a real Sluice process, with the Java
 * producer's default settings (enable.idempotence=true and acks=all, so InitProducerId first);
 * see suite.ts.
 */
import { KAFKA_VERSIONS } from './java.js';
import { toolsSuite } from './suite.js';

for (const version of KAFKA_VERSIONS) toolsSuite(version, 'default');
