#!/usr/bin/env bash
# Fetches pinned Apache Kafka Java client and tool jars (plus their runtime dependencies) with
# Maven into compat/java/.cache/<version>/lib, one directory per Kafka version, and writes
# jars.txt (their names, read by compat/java/java.ts) and classpath.txt (for running a tool by
# hand: java -cp "$(cat compat/java/.cache/4.1.2/classpath.txt)" org.apache.kafka.tools.TopicCommand).
# Idempotent: a version whose pom stamp matches and whose jars are all present is not fetched
# again, so once cached it runs offline.
#
#   compat/java/fetch-jars.sh            # every pinned version
#   compat/java/fetch-jars.sh 4.1.2      # one version
#
# The Maven local repository is kept inside the cache too (compat/java/.cache/m2), so nothing
# outside the checkout is needed or written. compat/java/.cache/ is ignored by git.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
. ./maven-jars.sh

# Pinned versions: the latest 3.9 and 4.1 patches on Maven Central when this was written.
VERSIONS=(3.9.2 4.1.2)
[ $# -gt 0 ] && VERSIONS=("$@")

CACHE=$PWD/.cache
M2=$CACHE/m2
mkdir -p "$CACHE"

NO_RELOAD4J='<exclusions><exclusion><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId></exclusion></exclusions>'

pom_for() {
  local version=$1
  # On both 3.9 and 4.1 kafka-tools holds every tool the tests run (ProducerPerformance,
  # consumer.ConsoleConsumer, consumer.group.ConsumerGroupCommand, TopicCommand), so the
  # kafka_2.13 (core) jar is not needed. Both lines use slf4j-api 1.7.36; the tools log
  # through slf4j-simple (level set by the tests), so 3.9's slf4j-reload4j binding is excluded.
  cat <<POM
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>sluice.compat</groupId>
  <artifactId>kafka-java-$version</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-clients</artifactId><version>$version</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>$version</version>$NO_RELOAD4J</dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-simple</artifactId><version>1.7.36</version></dependency>
  </dependencies>
</project>
POM
}

for version in "${VERSIONS[@]}"; do
  pom_for "$version" | maven_runtime_jars "$CACHE/$version" "java: kafka $version" "$M2"
done
