#!/usr/bin/env bash
# Fetches a pinned Apache Kafka broker (the kafka_2.13 server jar and its runtime dependencies)
# with Maven into bench/.cache/kafka-<version>/lib, for the Apache Kafka comparison of
# bench/perf-test.ts (design.md section 6). Bench runs only: nothing in npm test or .ci/run uses it.
# Writes jars.txt (the jar names, read by bench/kafka-broker.ts) and classpath.txt (to run by hand).
# Idempotent: a version whose pom stamp matches and whose jars are all present is not fetched
# again, so once cached it runs offline.
#
#   bench/fetch-kafka.sh            # 4.1.2
#   bench/fetch-kafka.sh 3.9.2      # another version
#
# The Maven local repository is shared with compat/java/fetch-jars.sh (compat/java/.cache/m2), so
# kafka-clients and friends are downloaded once. bench/.cache/ is ignored by git (.cache/).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
. ../compat/java/maven-jars.sh

VERSIONS=(4.1.2)
[ $# -gt 0 ] && VERSIONS=("$@")

CACHE=$PWD/.cache
M2=$PWD/../compat/java/.cache/m2
mkdir -p "$CACHE" "$M2"

pom_for() {
  local version=$1
  # kafka_2.13 is the broker (kafka.Kafka, kafka.tools.StorageTool); its runtime scope brings the
  # server, raft, metadata, storage and clients jars, and slf4j-api 1.7.36 without a binding.
  # slf4j-simple 1.7.36 is that binding (the distribution ships log4j2's); bench/kafka-broker.ts
  # runs the broker with its log level at WARN on stderr.
  cat <<POM
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>sluice.bench</groupId>
  <artifactId>kafka-broker-$version</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$version</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-simple</artifactId><version>1.7.36</version></dependency>
  </dependencies>
</project>
POM
}

for version in "${VERSIONS[@]}"; do
  pom_for "$version" | maven_runtime_jars "$CACHE/kafka-$version" "kafka broker $version" "$M2"
done
