#!/usr/bin/env bash
# Install the `docker compose` CLI plugin (pinned) when the machine lacks it, so that
# tests/docker can run `docker compose config -q` without a Docker engine.
# It is built from its Go module (github.com/docker/compose/v5) with the Go toolchain:
# the only registry of Docker Compose binaries reachable from CI is the Go module proxy.
set -euo pipefail
COMPOSE_VERSION=v5.4.0
GO_TOOLCHAIN=go1.27.3
plugin_dir="${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins"

if docker compose version >/dev/null 2>&1; then
  exit 0
fi
command -v go >/dev/null 2>&1 || { echo "install-compose: needs the Go toolchain (go)"; exit 1; }
export GOTOOLCHAIN="$GO_TOOLCHAIN"
module_dir="$(go mod download -json "github.com/docker/compose/v5@$COMPOSE_VERSION" \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["Dir"])')"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# Built from a writable copy: the module declares exclude directives, so `go install m@v`
# refuses it; inside its own module they apply as intended.
cp -r "$module_dir/." "$work" && chmod -R u+w "$work"
mkdir -p "$plugin_dir"
(cd "$work" && go build -trimpath \
  -ldflags "-X github.com/docker/compose/v5/internal.Version=$COMPOSE_VERSION" \
  -o "$plugin_dir/docker-compose" ./cmd)
docker compose version
