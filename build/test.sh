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

dotnet build Tasker.sln --configuration Release --nologo -v quiet
build_status=$?

test_status=1
if [ "$build_status" -eq 0 ]; then
  dotnet test Tasker.sln --configuration Release --no-build --nologo \
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

if [ "$build_status" -ne 0 ]; then
  echo "build failed" >&2
fi

echo "tests: $passed passed, $failed failed, $skipped skipped"
if [ "$build_status" -ne 0 ] || [ "$test_status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then
  exit 1
fi
