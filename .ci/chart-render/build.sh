#!/usr/bin/env bash
# Builds chart-render into the file named by $1 (with --test: runs its tests) from Debian's Go packages,
# offline: GOPATH mode (GO111MODULE=off) over /usr/share/gocode, where the golang-*-dev packages install their sources, and no
# module proxy. The sources are copied into a private GOPATH because GOPATH mode resolves the "/v3" import
# paths of sprig and semver only for code that lives in a GOPATH and has a go.mod.
set -euo pipefail
out=${1:?usage: build.sh OUTPUT | build.sh --test}
here=$(cd "$(dirname "$0")" && pwd)
case "$out" in /* | --test) ;; *) out=$PWD/$out ;; esac

command -v go > /dev/null || { echo "go not found: apt-get install -y golang-go golang-github-masterminds-sprig-dev golang-k8s-sigs-yaml-dev golang-github-xeipuuv-gojsonschema-dev" >&2; exit 1; }
gopath=$(mktemp -d)
trap 'rm -rf "$gopath"' EXIT
mkdir -p "$gopath/src/chart-render"
cp "$here"/*.go "$here/go.mod" "$gopath/src/chart-render/"
cd "$gopath/src/chart-render"
# The build cache makes a rebuild take a second; without a usable home directory it lives in /tmp.
GOCACHE=$(go env GOCACHE 2> /dev/null || true)
case "$GOCACHE" in /*) ;; *) GOCACHE=${TMPDIR:-/tmp}/chart-render-gocache ;; esac
export GOCACHE
export GO111MODULE=off GOPATH="$gopath:/usr/share/gocode" GOPROXY=off GOFLAGS= GOTOOLCHAIN=local
if [ "$out" = --test ]; then
  go test ./...
else
  mkdir -p "$(dirname "$out")"
  go build -trimpath -o "$out" .
fi
