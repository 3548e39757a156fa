#!/bin/bash
# Fetches Apache Kafka (broker jars) from Maven Central with Maven, for the local 3-broker test cluster
# (test/support/kafka-local.ts). Idempotent: a complete fetch is reused.
#
# usage: fetch-kafka.sh VERSION DEST      -> DEST/libs/*.jar, DEST/libs/.complete
# Needs: mvn (Debian package `maven`) and a JDK 17+ to run the broker later (`default-jre-headless`).
# What it resolves: org.apache.kafka:kafka_2.13:VERSION with its runtime dependencies (the same jars as
# the binary distribution's libs/ for a broker), plus slf4j-simple so the broker logs to stderr.
# ~45 MB; about a minute on a cold ~/.m2, a few seconds on a warm one.
set -euo pipefail
version=$1
dest=$2
if [ -f "$dest/libs/.complete" ]; then
  exit 0
fi
command -v mvn >/dev/null || { echo "fetch-kafka: mvn not found (apt-get install -y maven)" >&2; exit 1; }
mkdir -p "$dest"
work=$(mktemp -d "$dest/.fetch-XXXXXX")
trap 'rm -rf "$work"' EXIT
cat >"$work/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>sluice.test</groupId>
  <artifactId>kafka-broker-libs</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$version</version></dependency>
    <!-- The distribution logs through slf4j 2; the Maven artifact alone brings slf4j-api 1.7 and no binding. -->
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-api</artifactId><version>2.0.17</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-simple</artifactId><version>2.0.17</version></dependency>
  </dependencies>
</project>
EOF
t0=$(date +%s)
if ! mvn -B -q -f "$work/pom.xml" dependency:copy-dependencies -DincludeScope=runtime \
  -DoutputDirectory="$work/libs" >"$work/mvn.log" 2>&1; then
  tail -30 "$work/mvn.log" >&2
  echo "fetch-kafka: mvn could not resolve org.apache.kafka:kafka_2.13:$version" >&2
  exit 1
fi
ls "$work/libs" >"$work/libs/.complete"
rm -rf "$dest/libs"
mv "$work/libs" "$dest/libs"
echo "fetch-kafka: Apache Kafka $version ($(ls "$dest/libs" | wc -l) jars, $(du -sh "$dest/libs" | cut -f1)) in $(( $(date +%s) - t0 ))s -> $dest/libs"
