#!/usr/bin/env bash
# Fetches the CustomResourceDefinitions of Flux's source-controller (GitRepository, ...) and
# kustomize-controller (Kustomization) from the Go module proxy, for test/e2e/apiserver.test.ts,
# which installs them in a real kube-apiserver and dry-runs every generated Flux object against
# them (deploy/flux/, src/flux/flux-sync.ts).
#
# The CRDs are the module's own config/crd/bases/*.yaml, as the controllers release them. `go mod
# download` cannot fetch these versions with the Go toolchain here (their go.mod asks for a newer
# go), so each module zip is fetched with curl and checked against its go.sum hash (`h1:`, the
# hash sum.golang.org records, pinned below) before anything of it is used.
#
# Cached under ~/.cache/projen-gitops-tools/flux-<version>/crds/ with a `.complete` marker; a
# second run with everything present does nothing (prints the folder and exits).
#
# Usage: scripts/fetch-flux-crds.sh   (prints the CRD folder on its last line)
# Env:   FLUX_CONTROLLERS_VERSION overrides the pin below (test/e2e/apiserver.ts reads the same
#        pin from this file); GOPROXY's first entry is the proxy (default https://proxy.golang.org).
set -euo pipefail

FLUX_CONTROLLERS_VERSION="${FLUX_CONTROLLERS_VERSION:-v1.10.1}"

# module@version -> its go.sum hash, from https://proxy.golang.org/sumdb/sum.golang.org/lookup/<module>@<version>.
declare -A H1=(
  [github.com/fluxcd/source-controller@v1.10.1]='h1:vkYpgpLZu20LQ2UN4lPBdWH7sqTNdQ8FjcZD/HogN2E='
  [github.com/fluxcd/kustomize-controller@v1.10.1]='h1:IjTnrkIy0ULJoTNC2ZKuMb32vkqj7dJ6zt6UqbTFxKA='
)
MODULES=(github.com/fluxcd/source-controller github.com/fluxcd/kustomize-controller)

if ! [[ "$FLUX_CONTROLLERS_VERSION" =~ ^v[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  echo "fetch-flux-crds: FLUX_CONTROLLERS_VERSION must look like v1.10.1, got '$FLUX_CONTROLLERS_VERSION'" >&2
  exit 2
fi
for tool in curl unzip sha256sum openssl; do
  if ! command -v "$tool" >/dev/null; then
    echo "fetch-flux-crds: $tool is not on PATH" >&2
    exit 3
  fi
done

proxy="${GOPROXY:-https://proxy.golang.org}"
proxy="${proxy%%[,|]*}"
case "$proxy" in direct | off | "") proxy=https://proxy.golang.org ;; esac
proxy="${proxy%/}"

cache_root="${PROJEN_GITOPS_TOOLS_CACHE:-$HOME/.cache/projen-gitops-tools}"
out="$cache_root/flux-$FLUX_CONTROLLERS_VERSION"
key=""
for module in "${MODULES[@]}"; do
  id="$module@$FLUX_CONTROLLERS_VERSION"
  if [ -z "${H1[$id]:-}" ]; then
    echo "fetch-flux-crds: no pinned hash for $id; add its h1: from $proxy/sumdb/sum.golang.org/lookup/$id to H1 in $0" >&2
    exit 2
  fi
  key="$key$id ${H1[$id]};"
done
if [ -f "$out/.complete" ] && [ "$(cat "$out/.complete")" = "$key" ]; then
  echo "$out/crds"
  exit 0
fi

mkdir -p "$cache_root"
work="$(mktemp -d "$cache_root/.flux-fetch.XXXXXX")"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/out/crds"

# Go's dirhash Hash1 of the files of a module zip, unpacked in the current folder: the sha256 of
# the lines "<sha256>  <name>\n" of every file, sorted by name, base64 with an "h1:" prefix.
h1() {
  find . -type f -print | sed 's|^\./||' | LC_ALL=C sort | while IFS= read -r file; do
    printf '%s  %s\n' "$(sha256sum <"$file" | cut -d' ' -f1)" "$file"
  done | openssl dgst -sha256 -binary | openssl base64 -A | sed 's/^/h1:/'
}

for module in "${MODULES[@]}"; do
  id="$module@$FLUX_CONTROLLERS_VERSION"
  name="${module##*/}"
  if ! curl -fsSL --retry 3 --max-time 120 -o "$work/$name.zip" "$proxy/$module/@v/$FLUX_CONTROLLERS_VERSION.zip"; then
    echo "fetch-flux-crds: could not fetch $proxy/$module/@v/$FLUX_CONTROLLERS_VERSION.zip (is the Go module proxy reachable?)" >&2
    exit 5
  fi
  mkdir -p "$work/$name"
  unzip -q "$work/$name.zip" -d "$work/$name"
  got="$(cd "$work/$name" && h1)"
  if [ "$got" != "${H1[$id]}" ]; then
    echo "fetch-flux-crds: $id has hash $got, expected ${H1[$id]} (go.sum's): not the released module" >&2
    exit 6
  fi
  crds=("$work/$name/$id"/config/crd/bases/*.yaml)
  if [ ! -f "${crds[0]}" ]; then
    echo "fetch-flux-crds: $id has no config/crd/bases/*.yaml" >&2
    exit 7
  fi
  cp "${crds[@]}" "$work/out/crds/"
done
chmod -R u+w "$work/out"
echo "$key" >"$work/out/.complete"
rm -rf "$out"
mv "$work/out" "$out"
echo "fetch-flux-crds: $(find "$out/crds" -name '*.yaml' | wc -l) CRDs of source-controller and kustomize-controller $FLUX_CONTROLLERS_VERSION in $out/crds" >&2
echo "$out/crds"
