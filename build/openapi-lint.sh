#!/usr/bin/env bash
# Lints the OpenAPI document that Tasker serves with Redocly's recommended rules (npm @redocly/cli, installed into
# .tools/redocly when missing). Starts one embedded silo from the Release build, with authentication on so that the
# document shows the secured API, on free loopback ports; stops it; exits non-zero when the linter reports an error.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
tools=$root/.tools/redocly
redocly=$tools/node_modules/.bin/redocly
dll=$root/Tasker.Silo/bin/Release/net10.0/Tasker.Silo.dll
[ -f "$dll" ] || { echo "openapi-lint: $dll is missing: build in Release first" >&2; exit 1; }

if [ ! -x "$redocly" ]; then
  command -v npm >/dev/null 2>&1 || (apt-get install -y -qq npm >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm; }) >/dev/null 2>&1
  mkdir -p "$tools"
  npm install --prefix "$tools" --no-audit --no-fund --loglevel=error @redocly/cli@2.77.0 >&2
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
http_port=$(free_port)
work=$(mktemp -d "${TMPDIR:-/tmp}/tasker-openapi.XXXXXX")
(
  cd "$(dirname "$dll")"
  exec env Tasker__Auth__Enabled=true Tasker__Auth__AdminPassword="lint-$(date +%s%N)" Tasker__DataSet__Rows=0 \
    Orleans__SiloPort="$(free_port)" Orleans__GatewayPort="$(free_port)" Logging__LogLevel__Default=Warning \
    dotnet "$dll" --urls "http://127.0.0.1:$http_port"
) >"$work/silo.log" 2>&1 &
silo=$!
trap 'kill "$silo" 2>/dev/null || true; wait "$silo" 2>/dev/null || true; rm -rf "$work"' EXIT

for _ in $(seq 1 120); do
  curl -sf -o "$work/openapi.json" "http://127.0.0.1:$http_port/openapi/v1.json" && break
  kill -0 "$silo" 2>/dev/null || { cat "$work/silo.log" >&2; echo "openapi-lint: the silo did not start" >&2; exit 1; }
  sleep 0.5
done
[ -s "$work/openapi.json" ] || { echo "openapi-lint: no OpenAPI document was served" >&2; exit 1; }

"$redocly" lint --config "$root/build/redocly.yaml" "$work/openapi.json"
