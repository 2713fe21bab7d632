#!/usr/bin/env bash
# Installs the Renovate CLI that test/renovate.test.ts validates renovate.json with and runs
# (extraction only, no network lookups), cached by version under ~/.cache/projen-gitops-tools/.
# Renovate wants Node.js 24; on Node.js 20 the test loads test/renovate-node20.js first.
set -euo pipefail
RENOVATE_VERSION=44.121.2
dir="${HOME}/.cache/projen-gitops-tools/renovate-${RENOVATE_VERSION}"
if [ ! -x "${dir}/node_modules/.bin/renovate" ]; then
  mkdir -p "${dir}"
  npm install --no-audit --no-fund --ignore-scripts --prefix "${dir}" "renovate@${RENOVATE_VERSION}" >/dev/null
fi
echo "${dir}/node_modules/.bin"
