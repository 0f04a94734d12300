#!/usr/bin/env bash
# A tiny run of the benchmark so that it cannot rot: every row of bench/run.sh (Tasker embedded in memory and on its file, cluster-1,
# Hangfire InMemory, SQLite and Redis, authentication, shell agents) for one second each, no warm-up, 10 shell tasks;
# 20 delayed tasks; 2,000 tasks due tomorrow (memory row); 50 schedules due at one moment per mode; 2 fan-ins of 50 parents and 20 chains of depth 10 per mode.
# Exits non-zero when anything failed. Does not wait for other test runs (the test command calls it). Extra
# arguments go to run.sh (e.g. --no-build after a Release build).
set -euo pipefail
cd "$(dirname "$0")"
exec ./run.sh --duration 1 --warmup 0 --c 4 --auth-rounds 1 --shell-n 10 --shell-rounds 1 --shell-agents "1 4" --delayed-n 20 --scheduled-n 2000 --schedules-n 50 --flows-runs 2 --flows-parents 50 --flows-chains 20 --no-wait "$@"
