#!/usr/bin/env bash
# Builds kube-apiserver and etcd from their Go modules (the Go module proxy is the only source)
# for the end-to-end tests' control plane (test/e2e/apiserver.ts), and copies Argo CD's released
# CRDs and Gateway API's standard CRDs out of their module sources. Everything is cached under
# ~/.cache/projen-gitops-tools/kube-<version>/ (etcd-<version>, argo-cd-<version>/crds/,
# gateway-api-<version>/crds/); a
# second run with everything present does nothing. No container engine, no download other than
# Go modules.
#
# Usage: scripts/build-kube-apiserver.sh   (prints the cache folder on its last line)
# Env:   KUBE_VERSION, ETCD_VERSION, ARGOCD_VERSION, GATEWAY_API_VERSION override the pins
#        below (test/e2e/apiserver.ts reads the same pins from this file); GO_BUILD_PARALLEL
#        limits `go build -p` (default: the number of cores).
set -euo pipefail

# One supported minor; etcd at the 3.6 line that this minor is tested with.
KUBE_VERSION="${KUBE_VERSION:-v1.36.3}"
ETCD_VERSION="${ETCD_VERSION:-v3.6.16}"
# Argo CD 3.6 needs Go 1.27; 3.5 is a supported release whose module builds with Go 1.26.
ARGOCD_VERSION="${ARGOCD_VERSION:-v3.5.7}"
# Gateway API's standard channel (HTTPRoute).
GATEWAY_API_VERSION="${GATEWAY_API_VERSION:-v1.6.3}"

if ! [[ "$KUBE_VERSION" =~ ^v1\.[0-9]+\.[0-9]+$ ]]; then
  echo "KUBE_VERSION must look like v1.36.3, got '$KUBE_VERSION'" >&2
  exit 2
fi
if ! [[ "$ETCD_VERSION" =~ ^v3\.[0-9]+\.[0-9]+$ ]]; then
  echo "ETCD_VERSION must look like v3.6.16, got '$ETCD_VERSION'" >&2
  exit 2
fi
if ! [[ "$ARGOCD_VERSION" =~ ^v3\.[0-9]+\.[0-9]+$ ]]; then
  echo "ARGOCD_VERSION must look like v3.5.7, got '$ARGOCD_VERSION'" >&2
  exit 2
fi
if ! [[ "$GATEWAY_API_VERSION" =~ ^v1\.[0-9]+\.[0-9]+$ ]]; then
  echo "GATEWAY_API_VERSION must look like v1.6.3, got '$GATEWAY_API_VERSION'" >&2
  exit 2
fi
if ! command -v go >/dev/null; then
  echo "go is not on PATH: kube-apiserver cannot be built" >&2
  exit 3
fi

cache_root="${PROJEN_GITOPS_TOOLS_CACHE:-$HOME/.cache/projen-gitops-tools}"
out="$cache_root/kube-$KUBE_VERSION"
etcd_bin="$out/etcd-$ETCD_VERSION"

export GOFLAGS=-mod=mod
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
export CGO_ENABLED=0
parallel="${GO_BUILD_PARALLEL:-$(nproc)}"
ldflags='-s -w'
mkdir -p "$out"
work="$(mktemp -d "$out/build.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# One field (Dir, GoMod) of `go mod download -json module@version`; says the go command's error.
module_field() {
  local json
  if ! json="$(go mod download -json "$1")"; then
    echo "go mod download $1 failed: $(sed -n 's/^[[:space:]]*"Error": "\(.*\)",\{0,1\}$/\1/p' <<<"$json")" >&2
    exit 5
  fi
  sed -n "s/^[[:space:]]*\"$2\": \"\\(.*\\)\",\$/\\1/p" <<<"$json"
}

# kube-apiserver: k8s.io/kubernetes points its staging modules (k8s.io/api, ...) at
# ./staging/src; as a dependency they must be replaced by their published v0.<minor>.<patch>.
staging_version="v0.${KUBE_VERSION#v1.}"
if [[ ! -x "$out/kube-apiserver" ]]; then
  started=$SECONDS
  mkdir -p "$work/kube"
  (
    cd "$work/kube"
    go mod init projen-gitops-kube-apiserver >/dev/null 2>&1
    go mod edit -require="k8s.io/kubernetes@$KUBE_VERSION"
    kube_mod="$(module_field "k8s.io/kubernetes@$KUBE_VERSION" GoMod)"
    staging="$(sed -n 's#^[[:space:]]*\(k8s\.io/[a-z0-9-]*\) => \./staging/src/.*#\1#p' "$kube_mod")"
    if [[ -z "$staging" ]]; then
      echo "no staging replace lines found in $kube_mod" >&2
      exit 4
    fi
    for module in $staging; do
      go mod edit -replace="$module=$module@$staging_version"
    done
    go build -p "$parallel" -trimpath -ldflags="$ldflags" -o "$work/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver
  )
  mv "$work/kube-apiserver" "$out/kube-apiserver"
  echo "built kube-apiserver $KUBE_VERSION in $((SECONDS - started)) s" >&2
fi

# etcd: the server module's own main package (what the etcd release binary runs).
if [[ ! -x "$etcd_bin" ]]; then
  started=$SECONDS
  mkdir -p "$work/etcd"
  (
    cd "$work/etcd"
    go mod init projen-gitops-etcd >/dev/null 2>&1
    go mod edit -require="go.etcd.io/etcd/server/v3@$ETCD_VERSION"
    go build -p "$parallel" -trimpath -ldflags="$ldflags" -o "$work/etcd-bin" go.etcd.io/etcd/server/v3
  )
  mv "$work/etcd-bin" "$etcd_bin"
  echo "built etcd $ETCD_VERSION in $((SECONDS - started)) s" >&2
fi

# CRDs as their projects release them, copied out of the module source; nothing of it is built.
copy_crds() { # module version folder-in-module destination
  local dest="$4" dir
  if compgen -G "$dest/*.yaml" >/dev/null; then return; fi
  dir="$(module_field "$1@$2" Dir)"
  if ! compgen -G "$dir/$3/*.yaml" >/dev/null; then
    echo "$1@$2 has no $3/*.yaml" >&2
    exit 4
  fi
  rm -rf "$work/crds"
  mkdir -p "$work/crds" "$(dirname "$dest")"
  cp "$dir/$3"/*.yaml "$work/crds/"
  rm -f "$work/crds/kustomization.yaml"
  chmod u+w "$work/crds"/*
  mv "$work/crds" "$dest"
}
copy_crds github.com/argoproj/argo-cd/v3 "$ARGOCD_VERSION" manifests/crds "$out/argo-cd-$ARGOCD_VERSION/crds"
copy_crds sigs.k8s.io/gateway-api "$GATEWAY_API_VERSION" config/crd/standard "$out/gateway-api-$GATEWAY_API_VERSION/crds"
echo "$out"
