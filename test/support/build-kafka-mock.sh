#!/bin/bash
# Builds the Kafka-protocol mock cluster launcher (kafka-mock.c) against Debian's librdkafka source with
# librdkafka-mock-limits.patch applied (lifts the 5 MiB/partition retention and controller-id-0 limits).
# Origin: adapted from the project's shared test-services reference build-kafka-mock.sh (2026-11-23):
# writes to OUTFILE, uses a private apt state/cache (no change to the machine's apt config), logs to LOG.
#
# usage: build-kafka-mock.sh OUTFILE [LOG]      exit 0 = OUTFILE built; non-zero = failed (see LOG)
# Needs: network access to the Debian archive, gcc, make, patch, dpkg-source (dpkg-dev). ~30 s on 2 cores.
set -euo pipefail
out=$1
log=${2:-/dev/null}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A private apt state with deb-src entries derived from this machine's own binary entries.
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/etc"
for f in /etc/apt/sources.list.d/*.sources; do
  [ -f "$f" ] && sed 's/^Types: deb$/Types: deb-src/' "$f" > "$work/etc/$(basename "$f")"
done
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
  [ -f "$f" ] && grep '^deb ' "$f" | sed 's/^deb /deb-src /' >> "$work/etc/extra.list" || true
done
opts=(-o Dir::Etc::SourceParts="$work/etc" -o Dir::Etc::SourceList=/dev/null
      -o Dir::State::Lists="$work/lists" -o Dir::Cache="$work/cache" -o Debug::NoLocking=1
      -o APT::Sandbox::User=root)

{
  echo "== apt-get update (private deb-src state)"
  apt-get "${opts[@]}" update -qq
  echo "== apt-get source librdkafka"
  (cd "$work" && apt-get "${opts[@]}" source -qq --download-only librdkafka && dpkg-source -x --no-check ./librdkafka_*.dsc src)
  echo "== patch"
  (cd "$work/src" && patch -p1 < "$here/librdkafka-mock-limits.patch")
  echo "== configure + make librdkafka.a"
  (cd "$work/src" && ./configure --disable-ssl --disable-gssapi --disable-sasl --disable-zstd --disable-curl \
      --disable-zlib --disable-lz4-ext && make -j"$(nproc)" -C src librdkafka.a)
  echo "== link launcher"
  gcc -O2 -I"$work/src/src" -o "$out.tmp" "$here/kafka-mock.c" "$work/src/src/librdkafka.a" -lm -ldl -lpthread -lrt
} >>"$log" 2>&1
mv "$out.tmp" "$out"
