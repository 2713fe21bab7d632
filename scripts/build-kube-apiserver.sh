#!/usr/bin/env bash
# Builds kube-apiserver and etcd from their Go modules (the Go module proxy is the only source)
# for the end-to-end tests' control plane (test/e2e/apiserver.ts); kube-controller-manager and
# kube-scheduler in the same wrapper module as the API server, and kwok (a fake node that makes
# pods run) with the stages it is configured with, for the GitOps loop (test/e2e/loop.ts); and
# copies Gateway API's standard CRDs out of its module source. (Argo CD's CRDs come from
# scripts/build-argo-cd.sh, with the Argo CD the loop runs.) Everything is cached under
# ~/.cache/projen-gitops-tools/kube-<version>/ (kube-apiserver, kube-controller-manager,
# kube-scheduler, etcd-<version>, kwok-<version>/{kwok,stages.yaml}, gateway-api-<version>/crds/),
# each piece built only when it is missing; a second run with everything present does nothing.
# No container engine, no download other than Go modules.
#
# Usage: scripts/build-kube-apiserver.sh   (prints the cache folder on its last line)
# Env:   KUBE_VERSION, ETCD_VERSION, KWOK_VERSION, GATEWAY_API_VERSION override the pins
#        below (test/e2e/apiserver.ts reads the same pins from this file); GO_BUILD_PARALLEL
#        limits `go build -p` (default: the number of cores).
set -euo pipefail

# One supported minor; etcd at the 3.6 line that this minor is tested with.
KUBE_VERSION="${KUBE_VERSION:-v1.36.3}"
ETCD_VERSION="${ETCD_VERSION:-v3.6.16}"
# kwok's release that supports this Kubernetes minor.
KWOK_VERSION="${KWOK_VERSION:-v0.8.0}"
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
if ! [[ "$KWOK_VERSION" =~ ^v0\.[0-9]+\.[0-9]+$ ]]; then
  echo "KWOK_VERSION must look like v0.8.0, got '$KWOK_VERSION'" >&2
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

# kube-apiserver, kube-controller-manager and kube-scheduler, each built when missing, in one
# wrapper module (and one `go build`, which shares their packages): k8s.io/kubernetes points
# its staging modules (k8s.io/api, ...) at ./staging/src; as a dependency they must be replaced
# by their published v0.<minor>.<patch>.
staging_version="v0.${KUBE_VERSION#v1.}"
missing=()
for component in kube-apiserver kube-controller-manager kube-scheduler; do
  [[ -x "$out/$component" ]] || missing+=("$component")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  started=$SECONDS
  mkdir -p "$work/kube" "$work/kube-bin"
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
    go build -p "$parallel" -trimpath -ldflags="$ldflags" -o "$work/kube-bin/" "${missing[@]/#/k8s.io/kubernetes/cmd/}"
  )
  for component in "${missing[@]}"; do mv "$work/kube-bin/$component" "$out/$component"; done
  echo "built ${missing[*]} $KUBE_VERSION in $((SECONDS - started)) s" >&2
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

# kwok, alone in a wrapper module (its own dependency versions), and the stages the loop
# configures it with, from its module's kustomize/stage/: nodes become Ready at once and keep a
# heartbeat, pods become Ready at once and are deleted when asked.
kwok_dir="$out/kwok-$KWOK_VERSION"
if [[ ! -x "$kwok_dir/kwok" || ! -f "$kwok_dir/stages.yaml" ]]; then
  started=$SECONDS
  mkdir -p "$work/kwok" "$kwok_dir"
  (
    cd "$work/kwok"
    go mod init projen-gitops-kwok >/dev/null 2>&1
    go mod edit -require="sigs.k8s.io/kwok@$KWOK_VERSION"
    go build -p "$parallel" -trimpath -ldflags="$ldflags" -o "$work/kwok-bin" sigs.k8s.io/kwok/cmd/kwok
  )
  kwok_src="$(module_field "sigs.k8s.io/kwok@$KWOK_VERSION" Dir)"
  for stage in node/fast node/heartbeat pod/fast; do
    for file in "$kwok_src/kustomize/stage/$stage"/*.yaml; do
      [[ "$(basename "$file")" = kustomization.yaml ]] && continue
      printf -- '---\n' >>"$work/stages.yaml"
      cat "$file" >>"$work/stages.yaml"
    done
  done
  if ! grep -q '^kind: Stage$' "$work/stages.yaml"; then
    echo "sigs.k8s.io/kwok@$KWOK_VERSION has no Stage in kustomize/stage/{node/fast,node/heartbeat,pod/fast}" >&2
    exit 4
  fi
  mv "$work/stages.yaml" "$kwok_dir/stages.yaml"
  mv "$work/kwok-bin" "$kwok_dir/kwok"
  echo "built kwok $KWOK_VERSION in $((SECONDS - started)) s" >&2
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
copy_crds sigs.k8s.io/gateway-api "$GATEWAY_API_VERSION" config/crd/standard "$out/gateway-api-$GATEWAY_API_VERSION/crds"
echo "$out"
