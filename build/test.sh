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
# The benchmark's smoke gets a pair of its own, started now: the cluster tests stop and restart theirs, and a server
# started while one of them is down could take its port.
services_dir=$(mktemp -d "${TMPDIR:-/tmp}/tasker-test-services.XXXXXX")
bench_services_dir=$(mktemp -d "${TMPDIR:-/tmp}/tasker-bench-services.XXXXXX")
chmod 755 "$services_dir" "$bench_services_dir"
cleanup() {
  ./build/services.sh stop "$services_dir" >/dev/null 2>&1 || true
  ./build/services.sh stop "$bench_services_dir" >/dev/null 2>&1 || true
  rm -rf "$services_dir" "$bench_services_dir"
}
trap cleanup EXIT
services_env=$(./build/services.sh start "$services_dir") || summary_and_fail "Redis and PostgreSQL could not be started"
bench_services_env=$(./build/services.sh start "$bench_services_dir") || summary_and_fail "Redis and PostgreSQL could not be started for the benchmark"
bench_redis=$(eval "$bench_services_env"; echo "$TASKER_REDIS")
bench_postgres=$(eval "$bench_services_env"; echo "$TASKER_POSTGRES")
eval "$services_env"
export TASKER_REDIS TASKER_POSTGRES TASKER_SERVICES_DIR="$services_dir"

dotnet build Tasker.sln --configuration Release --nologo -v quiet
build_status=$?

# One test assembly per `dotnet test`, its results in <assembly>.trx; its console output goes to the lane's log.
suite() {
  local name=$1
  echo "== $name" >&2
  dotnet test "test/$name/$name.csproj" --configuration Release --no-build --nologo \
    --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=minimal" --results-directory "$results" \
    -- RunConfiguration.TestSessionTimeout=2400000
}
# A script that counts as one test: passed when it exits 0; else the end of its log is shown.
script_test() {
  local name=$1; shift
  if "$@" >"$results/$name.log" 2>&1; then
    echo "$name: passed" >&2
    echo passed >"$results/$name.status"
  else
    echo "$name: FAILED; the end of its log:" >&2
    tail -n 40 "$results/$name.log" >&2
    echo failed >"$results/$name.status"
  fi
}

# Two lanes at once, because the cluster tests spend most of their time waiting (for a killed silo to be declared
# dead, for an outage to end) while the in-process suites need the cores: lane 1 is the cluster tests, which stop and
# start the shared Redis and PostgreSQL, then the fuzzer (so that the lanes end about together); lane 2 is every other
# suite that needs neither server, then the benchmark's smoke (on its own servers) and the OpenAPI lint. The chaos soak
# runs last, alone, as it asserts bounds on recovery times that two lanes' load would blur.
lane_cluster() {
  local status=0
  suite Tasker.Cluster.Tests || status=1
  suite Tasker.Fuzz.Tests || status=1
  return $status
}
lane_local() {
  local status=0 project name
  for project in test/*/*.Tests.csproj; do
    name=$(basename "$project" .csproj)
    case "$name" in Tasker.Cluster.Tests|Tasker.Fuzz.Tests|Tasker.Chaos.Tests) continue ;; esac
    suite "$name" || status=1
  done
  # A tiny run of the benchmark (bench/), so that it cannot rot.
  script_test bench-smoke env TASKER_REDIS="$bench_redis" TASKER_POSTGRES="$bench_postgres" ./bench/smoke.sh --no-build
  # The served OpenAPI document passes Redocly's recommended rules (build/openapi-lint.sh).
  script_test openapi-lint ./build/openapi-lint.sh
  return $status
}

test_status=1
if [ "$build_status" -eq 0 ]; then
  lane_cluster >"$results/lane-cluster.log" 2>&1 &
  cluster_pid=$!
  lane_local >"$results/lane-local.log" 2>&1
  local_status=$?
  wait "$cluster_pid"
  cluster_status=$?
  cat "$results/lane-local.log" "$results/lane-cluster.log"
  suite Tasker.Chaos.Tests
  chaos_status=$?
  test_status=$((local_status | cluster_status | chaos_status))
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
# The scripts that count as one test each.
for status_file in "$results"/*.status; do
  if [ "$(cat "$status_file")" = passed ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done

if [ "$build_status" -ne 0 ]; then
  echo "build failed" >&2
fi

# The failed tests again, each with the head of its message, just above the summary: a failure's reason is otherwise
# far up in a long output, above everything the other suites printed after it.
failures() {
  awk '
    function unescape(s) { gsub(/&lt;/, "<", s); gsub(/&gt;/, ">", s); gsub(/&quot;/, "\"", s); gsub(/&apos;/, "\047", s); gsub(/&amp;/, "\\&", s); return s }
    /<UnitTestResult / {
      failed = /outcome="Failed"/; message = 0
      if (failed && match($0, /testName="[^"]*"/)) { print "FAILED " unescape(substr($0, RSTART + 10, RLENGTH - 11)); shown = 0 }
    }
    failed && /<Message>/ { message = 1; sub(/.*<Message>/, "") }
    failed && message {
      last = sub(/<\/Message>.*/, "")
      if (shown++ < 8) print "  " unescape($0)
      if (last) { message = 0; failed = 0 }
    }' "$@"
}
trx_files=("$results"/*.trx)
if [ "$failed" -ne 0 ] && [ ${#trx_files[@]} -gt 0 ]; then
  failures "${trx_files[@]}"
fi

echo "tests: $passed passed, $failed failed, $skipped skipped"
if [ "$build_status" -ne 0 ] || [ "$test_status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then
  exit 1
fi
