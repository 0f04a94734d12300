#!/usr/bin/env bash
# Runs Tasker's whole test suite and ends with one summary line:
#   tests: N passed, M failed, K skipped
# Exits non-zero when the build fails, any test fails, or no test ran.
set -uo pipefail
cd "$(dirname "$0")/.."

results="$PWD/.test-results"
rm -rf "$results"
mkdir -p "$results"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

summary_and_fail() {
  echo "$1" >&2
  echo "tests: 0 passed, 1 failed"
  exit 1
}

# docker-compose.yml must stay valid; no Docker engine is needed to check it.
if ! command -v docker-compose >/dev/null 2>&1; then
  (apt-get install -y -qq docker-compose >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose; }) >/dev/null 2>&1
fi
command -v docker-compose >/dev/null 2>&1 || summary_and_fail "docker-compose could not be installed"
TASKER_AGENT_TOKEN=check-only-agent-token TASKER_POSTGRES_PASSWORD=check-only TASKER_REDIS_PASSWORD=check-only TASKER_RING_KEY=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= docker-compose -f docker-compose.yml config -q || summary_and_fail "docker-compose.yml is not valid"
echo "docker-compose.yml: valid" >&2

# The page tests (test/Tasker.Browser.Tests) drive Debian's chromium; Playwright's own browsers are never downloaded.
if [ ! -x /usr/bin/chromium ]; then
  (export DEBIAN_FRONTEND=noninteractive; apt-get install -y -qq chromium || { apt-get update -qq && apt-get install -y -qq chromium; }) >/dev/null 2>&1
fi
[ -x /usr/bin/chromium ] || summary_and_fail "chromium could not be installed"
echo "chromium: $(/usr/bin/chromium --version 2>/dev/null)" >&2

# The cluster tests use real Redis and PostgreSQL servers, started here on loopback and stopped at the end.
services_dir=$(mktemp -d "${TMPDIR:-/tmp}/tasker-test-services.XXXXXX")
chmod 755 "$services_dir"
cleanup() {
  ./build/services.sh stop "$services_dir" >/dev/null 2>&1 || true
  rm -rf "$services_dir"
}
trap cleanup EXIT
services_env=$(./build/services.sh start "$services_dir") || summary_and_fail "Redis and PostgreSQL could not be started"
eval "$services_env"
export TASKER_REDIS TASKER_POSTGRES TASKER_SERVICES_DIR="$services_dir"

dotnet build Tasker.sln --configuration Release --nologo -v quiet
build_status=$?

test_status=1
if [ "$build_status" -eq 0 ]; then
  # -m:1: one test assembly at a time, so the cluster tests' silo processes do not fight the others for 2 cores.
  dotnet test Tasker.sln --configuration Release --no-build --nologo -m:1 \
    --logger "trx" --logger "console;verbosity=minimal" --results-directory "$results" \
    -- RunConfiguration.TestSessionTimeout=2400000
  test_status=$?
fi

# Each test assembly writes one .trx; add up their counters.
passed=0 failed=0 skipped=0
shopt -s nullglob
for trx in "$results"/*.trx; do
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  value() { printf '%s' "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*' || echo 0; }
  passed=$((passed + $(value passed)))
  failed=$((failed + $(value failed) + $(value error) + $(value timeout) + $(value aborted)))
  skipped=$((skipped + $(value notExecuted)))
done

# A tiny run of the benchmark (bench/), so that it cannot rot; it counts as one test.
if [ "$build_status" -eq 0 ]; then
  if ./bench/smoke.sh --no-build >"$results/bench-smoke.log" 2>&1; then
    passed=$((passed + 1))
    echo "bench smoke: passed" >&2
  else
    failed=$((failed + 1))
    echo "bench smoke: FAILED; the end of its log:" >&2
    tail -n 30 "$results/bench-smoke.log" >&2
  fi
fi

# The served OpenAPI document passes Redocly's recommended rules (build/openapi-lint.sh); it counts as one test.
if [ "$build_status" -eq 0 ]; then
  if ./build/openapi-lint.sh >"$results/openapi-lint.log" 2>&1; then
    passed=$((passed + 1))
    echo "openapi lint: passed" >&2
  else
    failed=$((failed + 1))
    echo "openapi lint: FAILED; the end of its log:" >&2
    tail -n 40 "$results/openapi-lint.log" >&2
  fi
fi

if [ "$build_status" -ne 0 ]; then
  echo "build failed" >&2
fi

echo "tests: $passed passed, $failed failed, $skipped skipped"
if [ "$build_status" -ne 0 ] || [ "$test_status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then
  exit 1
fi
