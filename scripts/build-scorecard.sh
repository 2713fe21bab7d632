#!/usr/bin/env bash
# Builds OpenSSF Scorecard from the Go module proxy: test/e2e/scorecard.test.ts runs its checks
# that work on a local directory (`scorecard --local=<dir>`) over generated repositories and over
# known-bad fixtures. Version: scripts/tools.json (`built.scorecard`). Built inside a copy of the
# module itself (package `.` is its main), so its own go.sum holds, as upstream's `make build`;
# the version is stamped the way upstream's scripts/version-ldflags does (else `scorecard
# version` says "devel"). Cached under ~/.cache/projen-gitops-tools/scorecard-<version>/ with a
# `.complete` marker; a second run with it present does nothing.
#
# Usage: scripts/build-scorecard.sh
# Env:   GO_BUILD_PARALLEL limits `go build -p` (default: the number of cores).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v go >/dev/null; then
  echo "build-scorecard: go is not on PATH: scorecard is not built (the tests skip it)" >&2
  exit 3
fi
read -r version module package < <(node -e 'const t = require("./scripts/tools.json").built.scorecard; console.log(t.version, t.module, t.package)')
if ! [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  echo "build-scorecard: scorecard's version in scripts/tools.json must look like 1.2.3, got '$version'" >&2
  exit 2
fi

cache_root="${PROJEN_GITOPS_TOOLS_CACHE:-$HOME/.cache/projen-gitops-tools}"
dir="$cache_root/scorecard-$version"
key="$module/$package@v$version"
if [ -f "$dir/.complete" ] && [ "$(cat "$dir/.complete")" = "$key" ]; then exit 0; fi

export GOFLAGS=-mod=mod
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}" # its go.mod asks for go 1.23.0
export CGO_ENABLED=0
parallel="${GO_BUILD_PARALLEL:-$(nproc)}"
started=$SECONDS

if ! json="$(go mod download -json "$module@v$version")"; then
  echo "build-scorecard: go mod download $module@v$version failed" >&2
  exit 5
fi
src="$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p' <<<"$json")"
commit="$(sed -n 's/^[[:space:]]*"Hash": "\(.*\)",$/\1/p' <<<"$json")"

rm -rf "$dir"
mkdir -p "$dir/bin"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -r "$src/." "$work/"
chmod -R u+w "$work"
stamp="-X sigs.k8s.io/release-utils/version.gitVersion=v$version -X sigs.k8s.io/release-utils/version.gitCommit=$commit -X sigs.k8s.io/release-utils/version.gitTreeState=clean"
(cd "$work" && go build -p "$parallel" -trimpath -ldflags="-s -w $stamp" -o "$dir/bin/scorecard" "./$package")
echo "$key" >"$dir/.complete"
echo "build-scorecard: built scorecard $version in $((SECONDS - started)) s" >&2
