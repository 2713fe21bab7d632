#!/usr/bin/env bash
# Installs the tools the tests validate with, at the versions in scripts/tools.json:
# - Debian packages with apt-get, when one of their commands is missing (needs root);
# - zizmor and checkov from PyPI, each into a virtual environment of its own;
# - actionlint built from the Go module proxy with `go install`.
# The PyPI and Go tools go to ~/.cache/projen-gitops-tools/<tool>-<version>/bin (nothing
# system-wide); a finished install leaves a `.complete` marker there, so reruns take seconds.
# test/tools.ts finds them in the same places; a tool this script could not install is
# skipped by the tests with a warning (and fails them under CI=true).
set -euo pipefail
cd "$(dirname "$0")/.."

CACHE="${PROJEN_GITOPS_TOOLS_CACHE:-$HOME/.cache/projen-gitops-tools}"
# `tools KIND` prints "name value..." lines of one section of scripts/tools.json.
tools() {
  python3 - "$1" <<'EOF'
import json, sys
for name, value in json.load(open("scripts/tools.json"))[sys.argv[1]].items():
    if isinstance(value, str):
        print(name, value)
    else:
        print(name, value["version"], value.get("constraints") or value.get("module") or "")
EOF
}

# Debian: one apt-get run for every package, only when a command is missing.
packages=()
while read -r command package; do
  command -v "$command" >/dev/null || packages+=("$package")
done < <(tools debian)
if [ ${#packages[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${packages[@]}" >/dev/null
  else
    echo "install-tools: not root, so not installing the Debian packages ${packages[*]} (apt-get install them)" >&2
  fi
fi

# `fresh DIR KEY` is true when DIR holds a finished install of KEY; otherwise it empties DIR.
fresh() {
  if [ -f "$1/.complete" ] && [ "$(cat "$1/.complete")" = "$2" ]; then return 0; fi
  rm -rf "$1"
  return 1
}

# Debian's own python3 needs python3-venv for `python3 -m venv`.
if ! python3 -c 'import ensurepip, venv' 2>/dev/null && [ "$(id -u)" = 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
fi

# PyPI: a virtual environment per tool, pinned (and its dependencies, when a constraints file is given).
while read -r name version constraints; do
  dir="$CACHE/$name-$version"
  key="$name==$version${constraints:+ $(sha256sum "$constraints" | cut -c1-16)}"
  fresh "$dir" "$key" && continue
  echo "install-tools: $name $version from PyPI into $dir" >&2
  python3 -m venv "$dir"
  "$dir/bin/pip" install --quiet --disable-pip-version-check "$name==$version" ${constraints:+--constraint "$constraints"}
  echo "$key" >"$dir/.complete"
done < <(tools pypi)

# Go: built from the module proxy at the pinned version.
while read -r name version module; do
  dir="$CACHE/$name-$version"
  key="$module@v$version"
  fresh "$dir" "$key" && continue
  if ! command -v go >/dev/null; then
    echo "install-tools: go is not installed, so $name is not built (the tests skip it)" >&2
    continue
  fi
  echo "install-tools: $name $version built with go install into $dir" >&2
  GOBIN="$dir/bin" GOFLAGS=-mod=mod go install "$key"
  echo "$key" >"$dir/.complete"
done < <(tools go)
