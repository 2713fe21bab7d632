#!/usr/bin/env bash
# Builds Argo CD (one binary: repo-server, application-controller, notifications, ...) from its
# Go module, for the GitOps loop end-to-end test (test/e2e/loop.test.ts), and copies out of the
# same module source what a cluster gets from that release: its CRDs (manifests/crds/, which
# the API server dry-run tests install too), manifests/core-install.yaml (argocd-cm,
# argocd-cmd-params-cm, argocd-rbac-cm, argocd-secret, ...), the notifications controller's
# ConfigMap and Secret as the full install creates them (manifests/base/notification/
# argocd-notifications-{cm,secret}.yaml: core-install.yaml has no notifications) and the git/gpg
# wrappers the repo-server calls (hack/git-verify-wrapper.sh, hack/gpg-wrapper.sh).
#
# Everything is cached under ~/.cache/projen-gitops-tools/argo-cd-<version>/ (argocd, crds/,
# core-install.yaml, notifications/, hack/); a second run with everything present does nothing. The only
# source is the Go module proxy (the Go toolchain Argo CD needs comes from it too).
#
# Argo CD v3.6 needs Go 1.27 (GOTOOLCHAIN below). v3.5.x and v3.4.x do not build from the proxy:
# their go.mod requires a github.com/argoproj/argo-cd/gitops-engine pseudo-version the proxy
# refuses ("This module version is not available").
#
# Usage: scripts/build-argo-cd.sh [manifests]   (`manifests`: only the copied files, no build;
#        prints the cache folder on its last line)
# Env:   ARGOCD_VERSION, ARGOCD_GO override the pins below (test/e2e/apiserver.ts and
#        test/e2e/loop.ts read the same pins from this file); GO_BUILD_PARALLEL limits
#        `go build -p` (default: the number of cores).
set -euo pipefail

ARGOCD_VERSION="${ARGOCD_VERSION:-v3.6.2}"
# The Go toolchain Argo CD's go.mod asks for (`go 1.27.0`), fetched by `go` itself through GOTOOLCHAIN.
ARGOCD_GO="${ARGOCD_GO:-go1.27.3}"

if ! [[ "$ARGOCD_VERSION" =~ ^v3\.[0-9]+\.[0-9]+$ ]]; then
  echo "ARGOCD_VERSION must look like v3.6.2, got '$ARGOCD_VERSION'" >&2
  exit 2
fi
if ! [[ "$ARGOCD_GO" =~ ^go1\.[0-9]+\.[0-9]+$ ]]; then
  echo "ARGOCD_GO must look like go1.27.3, got '$ARGOCD_GO'" >&2
  exit 2
fi
if ! command -v go >/dev/null; then
  echo "go is not on PATH: Argo CD cannot be built" >&2
  exit 3
fi
only_manifests=false
case "${1:-}" in
  "") ;;
  manifests) only_manifests=true ;;
  *) echo "usage: $0 [manifests]" >&2; exit 2 ;;
esac

cache_root="${PROJEN_GITOPS_TOOLS_CACHE:-$HOME/.cache/projen-gitops-tools}"
out="$cache_root/argo-cd-$ARGOCD_VERSION"

export GOFLAGS=-mod=mod
export GOTOOLCHAIN="$ARGOCD_GO"
export CGO_ENABLED=0
parallel="${GO_BUILD_PARALLEL:-$(nproc)}"
mkdir -p "$out"
work="$(mktemp -d "$out/build.XXXXXX")"
trap 'rm -rf "$work"' EXIT

json="$(cd "$work" && go mod download -json "github.com/argoproj/argo-cd/v3@$ARGOCD_VERSION")" || {
  echo "go mod download github.com/argoproj/argo-cd/v3@$ARGOCD_VERSION failed: $(sed -n 's/^[[:space:]]*"Error": "\(.*\)",\{0,1\}$/\1/p' <<<"$json")" >&2
  exit 5
}
field() { sed -n "s/^[[:space:]]*\"$1\": \"\\(.*\\)\",\\{0,1\\}\$/\\1/p" <<<"$json"; }
src="$(field Dir)"
mod="$(field GoMod)"
# The release's time, from the proxy's .info file, as the build date.
released="$(sed -n 's/.*"Time":"\([^"]*\)".*/\1/p' "$(field Info)")"
if [[ -z "$src" || ! -f "$src/manifests/core-install.yaml" ]]; then
  echo "github.com/argoproj/argo-cd/v3@$ARGOCD_VERSION has no manifests/core-install.yaml (module at '$src')" >&2
  exit 4
fi

# The release's manifests and wrappers, copied as they are (moved in place in one step).
if [[ ! -f "$out/core-install.yaml" || ! -d "$out/crds" || ! -x "$out/hack/git-verify-wrapper.sh" ]]; then
  mkdir -p "$work/files/crds" "$work/files/hack"
  cp "$src/manifests/crds"/*.yaml "$work/files/crds/"
  rm -f "$work/files/crds/kustomization.yaml"
  cp "$src/manifests/core-install.yaml" "$work/files/"
  cp "$src/hack/git-verify-wrapper.sh" "$src/hack/gpg-wrapper.sh" "$work/files/hack/"
  chmod -R u+w "$work/files"
  chmod +x "$work/files/hack"/*.sh
  rm -rf "$out/crds" "$out/hack"
  mv "$work/files/crds" "$work/files/hack" "$out/"
  mv "$work/files/core-install.yaml" "$out/core-install.yaml"
fi
# The notifications controller's ConfigMap and Secret (a folder of their own: added to a cache
# made before they were copied without touching what tests may be reading).
if [[ ! -f "$out/notifications/argocd-notifications-secret.yaml" ]]; then
  mkdir -p "$work/notifications"
  cp "$src/manifests/base/notification/argocd-notifications-cm.yaml" "$src/manifests/base/notification/argocd-notifications-secret.yaml" "$work/notifications/"
  chmod -R u+w "$work/notifications"
  rm -rf "$out/notifications"
  mv "$work/notifications" "$out/notifications"
fi

# The binary: a wrapper module that requires Argo CD and copies its `replace` directives (a
# dependency's replaces do not apply), all but the one to its in-tree ./gitops-engine folder.
if [[ "$only_manifests" = false && ! -x "$out/argocd" ]]; then
  started=$SECONDS
  mkdir -p "$work/wrapper"
  (
    cd "$work/wrapper"
    go mod init projen-gitops-argo-cd >/dev/null 2>&1
    go mod edit -go="${ARGOCD_GO#go}" -require="github.com/argoproj/argo-cd/v3@$ARGOCD_VERSION"
    replaces="$(awk '
      /^replace \($/ { block = 1; next }
      block && /^\)$/ { block = 0; next }
      block && /=>/ { print; next }
      /^replace [^(]/ { sub(/^replace /, ""); print }
    ' "$mod" | sed 's#//.*##' | grep -v '=> \./' || true)"
    if [[ -z "$replaces" ]]; then
      echo "no replace directives found in $mod" >&2
      exit 4
    fi
    while read -r from _arrow to version; do
      [[ -n "$from" ]] || continue
      go mod edit -replace="$from=$to${version:+@$version}"
    done <<<"$replaces"
    pkg=github.com/argoproj/argo-cd/v3/common
    go build -p "$parallel" -trimpath \
      -ldflags="-s -w -X $pkg.version=${ARGOCD_VERSION#v}${released:+ -X $pkg.buildDate=$released}" \
      -o "$work/argocd" github.com/argoproj/argo-cd/v3/cmd
  )
  mv "$work/argocd" "$out/argocd"
  echo "built Argo CD $ARGOCD_VERSION in $((SECONDS - started)) s" >&2
fi
echo "$out"
