#!/usr/bin/env bash
# Builds cosign (signing and verification in test/e2e/signing.test.ts), crane (the base image
# digests, test/e2e/base-images.test.ts) and Sigstore
# policy-controller's `policy-tester` from the Go module proxy, and copies policy-controller's
# CRDs out of its module source (test/e2e/apiserver.test.ts validates the generated
# ClusterImagePolicy resources against them). Versions: scripts/tools.json (`built`); cosign's
# is the one the generated workflows install (the pin table's cosign-installer tool entry, a
# test keeps them equal). Cached under ~/.cache/projen-gitops-tools/<tool>-<version>/ with a
# `.complete` marker; a second run with everything present does nothing.
#
# Usage: scripts/build-sigstore.sh
# Env:   GO_BUILD_PARALLEL limits `go build -p` (default: the number of cores).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v go >/dev/null; then
  echo "build-sigstore: go is not on PATH: cosign and policy-tester are not built (the tests skip them)" >&2
  exit 3
fi
# name version module, for each `built` tool of scripts/tools.json this script builds (scorecard
# has its own, scripts/build-scorecard.sh).
built() {
  node -e 'const t = require("./scripts/tools.json").built; for (const [n, v] of Object.entries(t)) if (v.script === "scripts/build-sigstore.sh") console.log(n, v.version, v.module, v.package)'
}

cache_root="${PROJEN_GITOPS_TOOLS_CACHE:-$HOME/.cache/projen-gitops-tools}"
export GOFLAGS=-mod=mod
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
export CGO_ENABLED=0
parallel="${GO_BUILD_PARALLEL:-$(nproc)}"

# The source of a module at a version, from the Go module proxy (the module cache).
module_dir() { # module version
  local json
  if ! json="$(go mod download -json "$1@$2")"; then
    echo "build-sigstore: go mod download $1@$2 failed" >&2
    exit 5
  fi
  sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p' <<<"$json"
}

while read -r name version module package; do
  if ! [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
    echo "build-sigstore: $name's version in scripts/tools.json must look like 1.2.3, got '$version'" >&2
    exit 2
  fi
  dir="$cache_root/$name-$version"
  key="$module/$package@v$version"
  if [ -f "$dir/.complete" ] && [ "$(cat "$dir/.complete")" = "$key" ]; then continue; fi
  rm -rf "$dir"
  mkdir -p "$dir/bin"
  started=$SECONDS
  # Built inside a copy of the module itself, so its own go.sum and replace lines hold (as
  # upstream's release build); the module cache is read-only.
  src="$(module_dir "$module" "v$version")"
  work="$(mktemp -d)"
  cp -r "$src/." "$work/"
  chmod -R u+w "$work"
  (cd "$work" && go build -p "$parallel" -trimpath -ldflags='-s -w' -o "$dir/bin/$name" "./$package")
  if [ "$name" = policy-tester ]; then
    # The CRDs as policy-controller releases them (nothing of it is committed).
    mkdir -p "$dir/crds"
    cp "$src"/config/300-*.yaml "$dir/crds/"
    chmod u+w "$dir/crds"/*
  fi
  rm -rf "$work"
  echo "$key" >"$dir/.complete"
  echo "build-sigstore: built $name $version in $((SECONDS - started)) s" >&2
done < <(built)
