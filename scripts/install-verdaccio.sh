#!/usr/bin/env bash
# Installs verdaccio, the real npm registry test/e2e/template.test.ts publishes a company
# template to (on 127.0.0.1, htpasswd auth), cached by version under ~/.cache/projen-gitops-tools/.
# About 40 s cold with a warm npm cache; prints the folder of its binary.
set -euo pipefail
VERDACCIO_VERSION=6.1.6
dir="${PROJEN_GITOPS_TOOLS_CACHE:-${HOME}/.cache/projen-gitops-tools}/verdaccio-${VERDACCIO_VERSION}"
if [ ! -x "${dir}/node_modules/.bin/verdaccio" ]; then
  mkdir -p "${dir}"
  npm install --no-audit --no-fund --ignore-scripts --prefix "${dir}" "verdaccio@${VERDACCIO_VERSION}" >/dev/null
fi
echo "${dir}/node_modules/.bin"
