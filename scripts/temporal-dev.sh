#!/usr/bin/env bash
# Builds the Temporal CLI from the Go module proxy (once; the binary is
# cached) and starts its development server, in memory, for
# 'conclave worker', 'conclave swebench --temporal' and the end-to-end
# tests:
#
#   scripts/temporal-dev.sh &            # or: PORT=7233 scripts/temporal-dev.sh
#   TEMPORAL_ADDRESS=localhost:7233 go test ./temporal ./internal/cli
#
# The first build takes 10 to 16 minutes on two cores. Stop the server
# with Ctrl-C (or kill its process); it keeps nothing.
set -euo pipefail

version=v1.5.1
cache="${TEMPORAL_CLI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/conclave/temporal-cli-$version}"
bin="$cache/temporal"
port="${PORT:-7233}"

if [[ ! -x "$bin" ]]; then
	echo "building the Temporal CLI $version into $cache (10-16 minutes the first time)..." >&2
	mkdir -p "$cache"
	GOBIN="$cache" go install "github.com/temporalio/cli/cmd/temporal@$version"
fi
echo "Temporal dev server on localhost:$port; set TEMPORAL_ADDRESS=localhost:$port" >&2
exec "$bin" server start-dev --headless --port "$port" --log-level error
