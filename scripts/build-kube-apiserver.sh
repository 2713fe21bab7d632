#!/usr/bin/env bash
# Builds kube-apiserver and etcd from their Go modules (the Go module proxy is the only source)
# for the end-to-end tests' control plane (test/e2e/apiserver.ts), and copies Argo CD's released
# CRDs out of its module source. Everything is cached under
# ~/.cache/projen-gitops-tools/kube-<version>/ (etcd-<version>, argo-cd-<version>/crds/); a
# second run with everything present does nothing. No container engine, no download other than
# Go modules.
#
# Usage: scripts/build-kube-apiserver.sh   (prints the cache folder on its last line)
# Env:   KUBE_VERSION, ETCD_VERSION, ARGOCD_VERSION override the pins below (test/e2e/apiserver.ts reads the
#        same pins from this file); GO_BUILD_PARALLEL limits `go build -p` (default: cores).
set -euo pipefail

# One supported minor; etcd at the 3.6 line that this minor is tested with.
KUBE_VERSION="${KUBE_VERSION:-v1.36.3}"
ETCD_VERSION="${ETCD_VERSION:-v3.6.16}"
# Argo CD 3.6 needs Go 1.27; 3.5 is a supported release whose module builds with Go 1.26.
ARGOCD_VERSION="${ARGOCD_VERSION:-v3.5.7}"

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
if ! command -v go >/dev/null; then
  echo "go is not on PATH: kube-apiserver cannot be built" >&2
  exit 3
fi

cache_root="${PROJEN_GITOPS_TOOLS_CACHE:-$HOME/.cache/projen-gitops-tools}"
out="$cache_root/kube-$KUBE_VERSION"
etcd_bin="$out/etcd-$ETCD_VERSION"
argocd_crds="$out/argo-cd-$ARGOCD_VERSION/crds"

export GOFLAGS=-mod=mod
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
export CGO_ENABLED=0
parallel="${GO_BUILD_PARALLEL:-$(nproc)}"
ldflags='-s -w'
mkdir -p "$out"
work="$(mktemp -d "$out/build.XXXXXX")"
trap 'rm -rf "$work"' EXIT

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
    kube_mod="$(go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')"
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

# Argo CD's CRDs as released (manifests/crds/ of its module source); nothing of it is built.
if [[ ! -f "$argocd_crds/application-crd.yaml" ]]; then
  argocd_dir="$(go mod download -json "github.com/argoproj/argo-cd/v3@$ARGOCD_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  if [[ ! -f "$argocd_dir/manifests/crds/application-crd.yaml" ]]; then
    echo "github.com/argoproj/argo-cd/v3@$ARGOCD_VERSION has no manifests/crds/application-crd.yaml" >&2
    exit 4
  fi
  mkdir -p "$work/crds"
  cp "$argocd_dir"/manifests/crds/*-crd.yaml "$work/crds/"
  chmod u+w "$work/crds"/*
  mkdir -p "$(dirname "$argocd_crds")"
  mv "$work/crds" "$argocd_crds"
fi
echo "$out"
