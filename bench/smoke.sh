#!/usr/bin/env bash
# A tiny run of the benchmark so that it cannot rot: 50 tasks, one run, Tasker embedded and cluster mode with one
# silo, and Hangfire InMemory. Well under 2 minutes; exits non-zero when anything failed. Does not wait for other
# test runs (the test command calls it). Extra arguments go to run.sh (e.g. --no-build after a Release build).
set -euo pipefail
cd "$(dirname "$0")"
exec ./run.sh --n 50 --runs 1 --k 4 --low 20 --warmup 20 --no-wait \
  --scenarios "tasker-embedded tasker-cluster-1 hangfire-inmemory" "$@"
