#!/usr/bin/env bash
# Tasker beside Hangfire 1.8, measured in one run: builds Release, runs every scenario R times (interleaved, so that
# the figures of one run share the machine's state), and prints one table with medians, min-max and in-run ratios.
#
#   bench/run.sh [--n N] [--runs R] [--k K] [--low L] [--warmup W] [--scenarios "a b ..."] [--baseline DIR] [--no-build] [--no-wait]
#
#   --n N          tasks under load per scenario (default 10000)
#   --runs R       runs of every scenario (default 3)
#   --k K          concurrent clients (default 16)
#   --low L        tasks measured one at a time (default 200)
#   --warmup W     tasks before measuring (default 5000: the JIT settles; both systems get it)
#   --scenarios    a subset of: tasker-embedded hangfire-inmemory tasker-cluster-1 tasker-cluster-2 hangfire-redis hangfire-postgres
#   --no-build     use the Release build that is there
#   --no-wait      do not wait for other builds and test runs on this machine to end first
#   --silo-env K=V extra configuration for Tasker's silos (repeatable; for experiments, e.g. Tasker__MaxHistoryPerClient=10)
#   --baseline DIR another Tasker checkout, built in Release (e.g. a git worktree of an earlier commit): each run also
#                  measures its cluster-1, shown as baseline-cluster-1 (before/after a change, in one run)
#
# Redis and PostgreSQL: the servers named by TASKER_REDIS and TASKER_POSTGRES when both are exported, else
# throwaway ones from build/services.sh, stopped at the end. Results: bench/results/<time>/run-<r>/<scenario>.json,
# the table in bench/results/<time>/table.md, silo logs in the work folder beside them.
# Exits non-zero when a scenario failed or any task did not succeed.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

n=10000 runs=3 k=16 low=200 warmup=5000 build=yes wait=yes baseline=""
silo_env=()
scenarios="tasker-embedded hangfire-inmemory tasker-cluster-1 tasker-cluster-2 hangfire-redis hangfire-postgres"
while [ "$#" -gt 0 ]; do
  case "$1" in
    --n) n=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --k) k=$2; shift 2 ;;
    --low) low=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --scenarios) scenarios=$2; shift 2 ;;
    --no-build) build=no; shift ;;
    --no-wait) wait=no; shift ;;
    --silo-env) silo_env+=(--silo-env "$2"); shift 2 ;;
    --baseline) baseline=$(cd "$2" && pwd); shift 2 ;;
    *) sed -n '2,23p' "$0" >&2; exit 64 ;;
  esac
done
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: --runs must be a positive number" >&2; exit 64; }

say() { echo "run.sh: $*" >&2; }
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

results=$root/bench/results/$(date -u +%Y%m%dT%H%M%SZ)
work=$results/work
mkdir -p "$work"
services_dir=""

# Every silo the bench program started has a pid file under $work until it stops it; a silo left by a bench
# program that died is stopped here, by its pid, after checking that it is one of ours.
cleanup() {
  local pidfile pid
  shopt -s nullglob
  for pidfile in "$work"/*/silo-*.pid; do
    pid=$(cat "$pidfile")
    if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "Tasker.Silo.dll"; then
      say "stopping silo pid $pid left by a failed scenario"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
  done
  shopt -u nullglob
  if [ -n "$services_dir" ]; then
    "$root/build/services.sh" stop "$services_dir" >/dev/null 2>&1 && rm -rf "$services_dir" || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ "$wait" = yes ]; then
  for _ in $(seq 1 360); do
    busy=$(pgrep -f "dotnet test|Tasker.Silo.dll|dotnet build" || true)
    [ -z "$busy" ] && break
    say "waiting: other builds, tests or silos run on this machine (pids $(echo $busy | tr '\n' ' '))"
    sleep 10
  done
fi

if [ "$build" = yes ]; then
  say "building Tasker.sln (Release)"
  dotnet build "$root/Tasker.sln" --configuration Release --nologo -v quiet >&2
fi
bench=$root/bench/Tasker.Bench/bin/Release/net10.0/Tasker.Bench.dll
[ -f "$bench" ] || { say "$bench is missing: build first"; exit 1; }
if [ -n "$baseline" ]; then
  # The baseline's own bench program starts the baseline's own silo (it finds its repository above itself).
  baseline_bench=$baseline/bench/Tasker.Bench/bin/Release/net10.0/Tasker.Bench.dll
  [ -f "$baseline_bench" ] || { say "$baseline_bench is missing: build the baseline in Release first"; exit 1; }
  scenarios="$scenarios baseline-cluster-1"
fi

case " $scenarios " in
  *" tasker-cluster-"* | *" baseline-cluster-"* | *" hangfire-redis "* | *" hangfire-postgres "*)
    if [ -z "${TASKER_REDIS:-}" ] || [ -z "${TASKER_POSTGRES:-}" ]; then
      services_dir=$work/services
      env_lines=$("$root/build/services.sh" start "$services_dir")
      eval "$env_lines"
    fi
    export TASKER_REDIS TASKER_POSTGRES
    ;;
esac

status=0
for ((r = 1; r <= runs; r++)); do
  mkdir -p "$results/run-$r"
  for scenario in $scenarios; do
    system=${scenario%%-*}
    mode=${scenario#*-}
    say "run $r/$runs: $scenario (N=$n, K=$k)"
    extra=()
    program=$bench
    [ "$system" = hangfire ] || extra=(${silo_env[@]+"${silo_env[@]}"})
    if [ "$system" = baseline ]; then
      program=$baseline_bench system=tasker
    fi
    if ! dotnet "$program" "$system" "$mode" --n "$n" --k "$k" --low "$low" --warmup "$warmup" ${extra[@]+"${extra[@]}"} \
      --out "$results/run-$r/$scenario.json" --work "$work/run-$r-$scenario" >"$work/run-$r-$scenario.out" 2>&1; then
      say "$scenario failed in run $r; the end of its output:"
      tail -n 20 "$work/run-$r-$scenario.out" >&2
      status=1
    fi
    if [ "$scenario" = baseline-cluster-1 ] && [ -f "$results/run-$r/$scenario.json" ]; then
      sed -i 's/"scenario": "tasker-cluster-1"/"scenario": "baseline-cluster-1"/' "$results/run-$r/$scenario.json"
    fi
  done
done

echo
echo "Tasker vs Hangfire 1.8 on $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo); $(date -u '+%Y-%m-%d %H:%M UTC')"
dotnet "$bench" report "$results" | tee "$results/table.md" || status=1
echo
echo "results: $results"
exit "$status"
