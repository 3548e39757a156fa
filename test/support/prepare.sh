#!/bin/bash
# Prepares what `npm test` needs to start its own Kafka + ClickHouse (see test/support/services.ts).
# Idempotent and fast when already done. Steps:
#   1. KAFKA_BROKERS and CLICKHOUSE_URL both set -> external services, nothing to do.
#   2. Unless a Docker engine answers (then testcontainers provides the services): ensure the apt packages
#      (ClickHouse, the mock's build tools, and a JDK 17+ and Maven for Apache Kafka).
#   3. Fetch Apache Kafka ($SLUICE_TEST_KAFKA_VERSION, default in kafka-local.ts) with Maven into
#      test/support/.cache/kafka-<version>/libs (fetch-kafka.sh; skipped with SLUICE_TEST_KAFKA=mock).
#      Without root and without a JDK/Maven this step is skipped and the tests fall back to the mock.
#   4. Build the librdkafka mock-cluster launcher into .sluice/test-bin/kafka-mock (patched build first,
#      stock librdkafka-dev build as fallback): the fallback cluster, and kafka-mock.int.test.ts. It is
#      built in Docker mode too, if gcc and librdkafka-dev happen to be installed.
# Origin: the mock build follows the project's shared test-services reference scripts (2026-11-23).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
support="$root/test/support"
bin_dir="$root/.sluice/test-bin"
packages=(librdkafka-dev clickhouse-server gcc make patch dpkg-dev curl)

# --- 0. moto: the local AWS API server (PyPI moto, server mode) for the AWS-facing tests (moto.ts) ------
# MOTO_URL set -> that server. Else a venv in test/support/.cache/moto-venv (reused), or a moto_server
# already on PATH. As root, python3-venv is apt-installed when Python cannot make a venv. A failure only
# warns here: the tests that need moto then fail and say how to install it.
# The default installs the server (flask, flask-cors) and the extras of the services the tests use:
# 142 MB in ~45 s, where 'moto[server]' (every service's extras: cfn-lint, sympy, docker ...) is 319 MB
# in 100-300 s on a loaded 2-core machine. SLUICE_TEST_MOTO_SPEC='moto[server]' installs that instead.
moto_venv="$support/.cache/moto-venv"
read -r -a moto_spec <<<"${SLUICE_TEST_MOTO_SPEC:-moto[s3,ec2,iam,sqs,sns,kinesis,sts]>=5.1,<6 flask flask-cors}"
prepare_moto() {
  if [ -n "${MOTO_URL:-}" ]; then echo "prepare: MOTO_URL is set; the AWS-facing tests use that server"; return 0; fi
  if [ -e "$moto_venv/.complete" ]; then echo "prepare: moto ready -> test/support/.cache/moto-venv"; return 0; fi
  if command -v moto_server >/dev/null 2>&1 && moto_server --help >/dev/null 2>&1; then
    echo "prepare: using moto_server on PATH ($(command -v moto_server))"
    return 0
  fi
  if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
      echo "prepare: installing python3 python3-venv (for moto)"
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3 python3-venv >/dev/null
    else
      echo "prepare: no python3 with venv; install python3-venv, or set MOTO_URL (AWS-facing tests need moto)" >&2
      return 1
    fi
  fi
  local t0
  t0=$(date +%s)
  # Built in place (a venv's scripts name their own path) and marked complete only when pip succeeded.
  rm -rf "$moto_venv"
  mkdir -p "$(dirname "$moto_venv")"
  if python3 -m venv "$moto_venv" && "$moto_venv/bin/pip" install -q --disable-pip-version-check "${moto_spec[@]}"; then
    touch "$moto_venv/.complete"
  else
    rm -rf "$moto_venv"
    echo "prepare: pip install ${moto_spec[*]} failed; the AWS-facing tests will fail (or set MOTO_URL)" >&2
    return 1
  fi
  echo "prepare: installed $("$moto_venv/bin/pip" show moto 2>/dev/null | sed -n 's/^Version: /moto /p') in $(( $(date +%s) - t0 ))s -> test/support/.cache/moto-venv"
}
prepare_moto || true

# --- 0b. Helm 3 CLI for the `sluice scan` chart tests (build-helm.sh), in the background -------------
# helm on PATH or SLUICE_HELM -> that one. Else built once from the Go module proxy into
# test/support/.cache/helm/<version> while the other steps and the unit tests run; the chart tests wait
# for it (test/support/helm.ts reads .building / .complete). A failure shows in .cache/helm/build.log.
prepare_helm() {
  local version="${SLUICE_TEST_HELM_VERSION:-v3.16.4}" dir="$support/.cache/helm"
  if [ -n "${SLUICE_HELM:-}" ] || command -v helm >/dev/null 2>&1; then echo "prepare: using helm ${SLUICE_HELM:-$(command -v helm)}"; return 0; fi
  if [ -e "$dir/$version/.complete" ]; then echo "prepare: helm ready -> test/support/.cache/helm/$version"; return 0; fi
  if [ -e "$dir/.building" ] && kill -0 "$(cat "$dir/.building")" 2>/dev/null; then echo "prepare: helm build already running"; return 0; fi
  mkdir -p "$dir"
  nohup bash -c "bash '$support/build-helm.sh'; rm -f '$dir/.building'" >"$dir/build.log" 2>&1 &
  echo $! >"$dir/.building"
  echo "prepare: building helm $version in the background (log: test/support/.cache/helm/build.log)"
}
prepare_helm || true

if [ -n "${KAFKA_BROKERS:-}" ] && [ -n "${CLICKHOUSE_URL:-}" ]; then
  echo "prepare: KAFKA_BROKERS and CLICKHOUSE_URL are set; using external services"
  exit 0
fi
docker=0
if command -v docker >/dev/null 2>&1 && timeout 10 docker info >/dev/null 2>&1; then
  docker=1
  echo "prepare: a Docker engine answers; tests will use testcontainers (apt step skipped)"
fi

# --- 1. apt packages -------------------------------------------------------------------------------
missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = 'install ok installed' ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ] && [ $docker = 1 ]; then
  if [ ! -e /usr/include/librdkafka/rdkafka_mock.h ] || ! command -v gcc >/dev/null; then
    echo "prepare: kafka mock launcher not built (needs ${packages[*]}); mock-based tests will fail"
    exit 0
  fi
elif [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "prepare: installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "prepare: missing packages: ${missing[*]}" >&2
    echo "prepare: the tests start a local Kafka mock and ClickHouse, which need them. Install with:" >&2
    echo "  sudo apt-get install -y --no-install-recommends ${packages[*]}" >&2
    echo "prepare: (or set KAFKA_BROKERS and CLICKHOUSE_URL to use running services, or start a Docker engine)" >&2
    exit 1
  fi
fi

# --- 2. Apache Kafka (JDK + Maven, jars from Maven Central) ---------------------------------------------
java_major() {
  command -v java >/dev/null 2>&1 || { echo 0; return; }
  java -version 2>&1 | sed -n 's/.*version "\([0-9]*\)\(\.\([0-9]*\)\)\{0,1\}.*/\1 \3/p' | head -1 \
    | awk '{ print ($1 == 1 ? $2 : $1) + 0 }'
}
kafka_version=${SLUICE_TEST_KAFKA_VERSION:-$(sed -n "s/^export const KAFKA_VERSION = .*|| '\([^']*\)'.*/\1/p" "$support/kafka-local.ts")}
if [ "${SLUICE_TEST_KAFKA:-}" = mock ] || [ $docker = 1 ]; then
  :
else
  need=()
  [ "$(java_major)" -ge 17 ] || need+=(default-jre-headless)
  command -v mvn >/dev/null 2>&1 || need+=(maven)
  if [ ${#need[@]} -gt 0 ] && [ "$(id -u)" = 0 ]; then
    echo "prepare: installing ${need[*]} (Apache Kafka brokers for the tests)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
  if [ "$(java_major)" -ge 17 ] && command -v mvn >/dev/null 2>&1; then
    if bash "$support/fetch-kafka.sh" "$kafka_version" "$support/.cache/kafka-$kafka_version"; then
      echo "prepare: Apache Kafka $kafka_version ready (JDK $(java_major)) -> test/support/.cache/kafka-$kafka_version/libs"
    else
      echo "prepare: fetching Apache Kafka $kafka_version failed; the tests will use the librdkafka mock" >&2
      if [ "${SLUICE_TEST_KAFKA:-}" = kafka ]; then exit 1; fi
    fi
  else
    echo "prepare: no JDK 17+ or no Maven (as root this step installs ${need[*]:-them}); the tests will use the librdkafka mock" >&2
    if [ "${SLUICE_TEST_KAFKA:-}" = kafka ]; then exit 1; fi
  fi
fi

# --- 3. Kafka mock launcher --------------------------------------------------------------------------
mkdir -p "$bin_dir"
exec 9>"$bin_dir/.lock"
flock 9
stamp=$(cat "$support/kafka-mock.c" "$support/librdkafka-mock-limits.patch" "$support/build-kafka-mock.sh" \
  | sha256sum | cut -c1-16)
if [ -x "$bin_dir/kafka-mock" ] && [ "$(cat "$bin_dir/kafka-mock.stamp" 2>/dev/null)" = "$stamp" ]; then
  kind=PATCHED; [ -e "$bin_dir/kafka-mock.stock" ] && kind=STOCK
  echo "prepare: kafka mock already built ($kind) -> .sluice/test-bin/kafka-mock"
  exit 0
fi
rm -f "$bin_dir/kafka-mock" "$bin_dir/kafka-mock.stock" "$bin_dir/kafka-mock.stamp"
log="$bin_dir/build.log"
: >"$log"
t0=$(date +%s)
if bash "$support/build-kafka-mock.sh" "$bin_dir/kafka-mock" "$log"; then
  echo "prepare: built PATCHED kafka mock (limits lifted) in $(( $(date +%s) - t0 ))s -> .sluice/test-bin/kafka-mock"
else
  echo "prepare: patched build failed (log: .sluice/test-bin/build.log); building against stock librdkafka-dev" >&2
  gcc -O2 -o "$bin_dir/kafka-mock" "$support/kafka-mock.c" -lrdkafka >>"$log" 2>&1 || {
    echo "prepare: stock build failed too; see .sluice/test-bin/build.log" >&2
    exit $((1 - docker)) # with Docker, only mock-based fault tests need it
  }
  cat >"$bin_dir/kafka-mock.stock" <<'EOF'
stock librdkafka-dev mock: ~5 MiB retained per partition (older batches dropped), controller id 0
(kafkajs idempotent producer and admin.createTopics do not work), 4 partitions for auto-created topics.
Delete .sluice/test-bin and rerun test/support/prepare.sh to retry the patched build.
EOF
  echo "prepare: built STOCK kafka mock (5 MiB/partition, no idempotent producer) -> .sluice/test-bin/kafka-mock"
fi
echo "$stamp" >"$bin_dir/kafka-mock.stamp"
