#!/bin/bash
# Builds the Helm 3 CLI for the `sluice scan` chart tests (services/scan/helm.int.test.ts) from the
# Go module proxy, the only place this project's machines reach it from (no get.helm.sh):
#   go install helm.sh/helm/v3/cmd/helm@$SLUICE_TEST_HELM_VERSION -> test/support/.cache/helm/<version>/helm
# Go: `go` on PATH when it is 1.22 or newer, else the official toolchain zip of Go
# $SLUICE_TEST_GO_VERSION that the module proxy serves (golang.org/toolchain), unpacked into
# test/support/.cache/go-<version>. Marks the result complete only on success; logs to stdout.
# prepare.sh runs it in the background (it takes 2-4 minutes of CPU); the tests wait for it.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cache="$root/test/support/.cache"
version="${SLUICE_TEST_HELM_VERSION:-v3.16.4}"
go_version="${SLUICE_TEST_GO_VERSION:-1.22.12}"
out="$cache/helm/$version"
proxy="${GOPROXY:-https://proxy.golang.org}"
proxy="${proxy%%,*}"

go_ok() { # $1 = a go binary: true when it is Go 1.22 or newer
  local v
  v=$("$1" env GOVERSION 2>/dev/null | sed -n 's/^go\([0-9]*\)\.\([0-9]*\).*/\1 \2/p')
  [ -n "$v" ] && set -- $v && { [ "$1" -gt 1 ] || [ "$2" -ge 22 ]; }
}

go_bin=""
if command -v go >/dev/null 2>&1 && go_ok "$(command -v go)"; then
  go_bin=$(command -v go)
else
  arch=$(uname -m); case "$arch" in x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; esac
  gdir="$cache/go-$go_version"
  if [ ! -x "$gdir/bin/go" ]; then
    echo "build-helm: fetching the Go $go_version toolchain from $proxy"
    mkdir -p "$cache"
    zip="$cache/go-$go_version.zip"
    curl -fsSL --retry 3 -o "$zip" "$proxy/golang.org/toolchain/@v/v0.0.1-go$go_version.linux-$arch.zip"
    rm -rf "$gdir.tmp" && mkdir -p "$gdir.tmp"
    python3 -m zipfile -e "$zip" "$gdir.tmp"
    # The zip holds golang.org/toolchain@v0.0.1-go<version>.linux-<arch>/ (a full GOROOT).
    rm -rf "$gdir" && mv "$gdir.tmp"/golang.org/toolchain@*/ "$gdir" && rm -rf "$gdir.tmp" "$zip"
    chmod +x "$gdir"/bin/* "$gdir"/pkg/tool/*/* 2>/dev/null || true
  fi
  go_bin="$gdir/bin/go"
fi
t0=$(date +%s)
echo "build-helm: $("$go_bin" version) building helm $version"
mkdir -p "$out"
rm -f "$out/.complete"
GOTOOLCHAIN=local GOBIN="$out" GOFLAGS=-trimpath "$go_bin" install "helm.sh/helm/v3/cmd/helm@$version"
"$out/helm" version --short >/dev/null
touch "$out/.complete"
echo "build-helm: helm $version ready in $(( $(date +%s) - t0 ))s -> test/support/.cache/helm/$version/helm"
