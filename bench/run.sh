#!/usr/bin/env bash
# Tasker beside Hangfire 1.8, driven over HTTP by wrk (a C load generator) in one run, and one table of it.
#
#   bench/run.sh [--duration S] [--warmup S] [--c N] [--auth-rounds R] [--shell-n N] [--rows "..."]
#                [--silo-env K=V] [--no-build] [--no-wait]
#
#   --duration S   seconds of each measured wrk run (default 10)
#   --warmup S     seconds of wrk load before a server's measured runs, not counted (default 5: the JIT settles)
#   --c N          connections of the throughput runs (default 16; the latency runs use 1)
#   --auth-rounds R  rounds of auth off / API key / basic, interleaved (default 5; the median is shown)
#   --shell-n N    shell tasks (`true`) per agent run (default 500)
#   --delayed-n N  delayed tasks per system in the delayed row (default 1000)
#   --rows "..."   a subset of: embedded durable cluster hangfire-inmemory hangfire-sqlite hangfire-redis auth shell delayed
#                  (default: all; durable is embedded mode on its SQLite file, beside Hangfire.Storage.SQLite)
#   --silo-env K=V extra configuration for Tasker's silos (repeatable; for experiments)
#   --no-build     use the Release build that is there
#   --no-wait      do not wait (up to 10 min) for other builds, test runs and silos on this machine to end first
#
# Every wrk run uses bench/wrk/tasks.lua: sum2 submissions with operands never sent before (no cache hit), the same
# bytes to Tasker and to Hangfire's peer host (Tasker.Bench hangfire-http), one wrk thread. A Tasker answer counts
# when it is 202 with "status":"succeeded" and "cached":false (a sum2 runs before the answer); Hangfire's answer is
# 202 "enqueued", and its rate is the jobs its workers ran (the host's counts from the first enqueue to the last
# success), or with one connection 200 once the job succeeded. Redis and PostgreSQL: TASKER_REDIS/TASKER_POSTGRES
# when both are exported, else throwaway servers from build/services.sh, stopped at the end.
# Results: bench/results/<time>/ (rows.tsv, table.md, every wrk output and server log). Exits non-zero when a row
# failed or any task or job did not succeed.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

duration=10 warmup=5 conns=16 auth_rounds=5 shell_n=500 delayed_n=1000 build=yes wait=yes
rows="embedded durable cluster hangfire-inmemory hangfire-sqlite hangfire-redis auth shell delayed"
silo_env=()
while [ "$#" -gt 0 ]; do
  case "$1" in
    --duration) duration=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --c) conns=$2; shift 2 ;;
    --auth-rounds) auth_rounds=$2; shift 2 ;;
    --shell-n) shell_n=$2; shift 2 ;;
    --delayed-n) delayed_n=$2; shift 2 ;;
    --rows) rows=$2; shift 2 ;;
    --silo-env) silo_env+=("$2"); shift 2 ;;
    --no-build) build=no; shift ;;
    --no-wait) wait=no; shift ;;
    *) sed -n '2,19p' "$0" >&2; exit 64 ;;
  esac
done
for number in "$duration" "$warmup" "$conns" "$auth_rounds" "$shell_n" "$delayed_n"; do
  [[ "$number" =~ ^[0-9]+$ ]] || { echo "run.sh: '$number' is not a whole number" >&2; exit 64; }
done
has() { case " $rows " in *" $1 "*) return 0 ;; esac; return 1; }

say() { echo "run.sh: $*" >&2; }
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# wrk is Debian's package: installed here when missing, as root or through sudo.
if ! command -v wrk >/dev/null 2>&1; then
  say "installing wrk (apt-get)"
  sudo=""
  [ "$(id -u)" = 0 ] || { command -v sudo >/dev/null 2>&1 && sudo="sudo -n"; } || { say "wrk is missing: apt-get install wrk as root"; exit 1; }
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get install -y -qq wrk >/dev/null 2>&1 || { $sudo apt-get update -qq && $sudo apt-get install -y -qq wrk >/dev/null; }
  command -v wrk >/dev/null 2>&1 || { say "wrk could not be installed"; exit 1; }
fi

results=$root/bench/results/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$results"
lua=$root/bench/wrk/tasks.lua
silo_dll=$root/Tasker.Silo/bin/Release/net10.0/Tasker.Silo.dll
bench_dll=$root/bench/Tasker.Bench/bin/Release/net10.0/Tasker.Bench.dll
agent_dll=$root/Tasker.Client/bin/Release/net10.0/tasker.dll
services_dir=""
started=()  # pids of every server and agent this script started; stopped by pid, never by name
status=0

stop_pid() {
  local pid=$1
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}
cleanup() {
  local pid
  for pid in ${started[@]+"${started[@]}"}; do stop_pid "$pid"; done
  if [ -n "$services_dir" ]; then
    "$root/build/services.sh" stop "$services_dir" >/dev/null 2>&1 && rm -rf "$services_dir" || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ "$wait" = yes ]; then
  for _ in $(seq 1 60); do
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
for dll in "$silo_dll" "$bench_dll" "$agent_dll"; do [ -f "$dll" ] || { say "$dll is missing: build first"; exit 1; }; done

if has cluster || has hangfire-redis || has delayed; then
  if [ -z "${TASKER_REDIS:-}" ] || [ -z "${TASKER_POSTGRES:-}" ]; then
    services_dir=$results/services
    eval "$("$root/build/services.sh" start "$services_dir")"
  fi
  export TASKER_REDIS TASKER_POSTGRES
fi

# A loopback port below the kernel's ephemeral range (no outgoing connection can hold it) that nothing has bound.
free_port() {
  python3 -c 'import random,socket
while True:
    p=random.randint(20000,32000); s=socket.socket()
    try: s.bind(("127.0.0.1",p)); s.close(); print(p); break
    except OSError: pass'
}
ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
hz=$(getconf CLK_TCK)
cores=$(nproc)
seed=$((RANDOM * 2 + 1000))  # one operand range per wrk run: each run takes the next seed

# wait_http URL PID LOG: until URL answers 2xx, or the process died / 90 s passed.
wait_http() {
  for _ in $(seq 1 360); do
    curl -sf -o /dev/null "$1" && return 0
    kill -0 "$2" 2>/dev/null || break
    sleep 0.25
  done
  say "$1 did not answer; the end of $3:"; tail -n 20 "$3" >&2; return 1
}

# start_silo NAME [K=V ...]: a silo as an operator runs it (the Release build, configured by environment) on free
# loopback ports; sets $url and $pid.
start_silo() {
  local name=$1; shift
  local port; port=$(free_port)
  url=http://127.0.0.1:$port
  mkdir -p "$results/$name-files"
  # From its build folder: the content root is the working directory, and appsettings.json is read from there.
  (cd "$(dirname "$silo_dll")" && exec env ASPNETCORE_URLS="$url" Orleans__SiloPort="$(free_port)" Orleans__GatewayPort="$(free_port)" \
    Orleans__ClusterId="bench-$name-$$" Orleans__ServiceId="bench-$name-$$" Orleans__AdvertisedIP=127.0.0.1 \
    Tasker__Files__Path="$results/$name-files" "$@" ${silo_env[@]+"${silo_env[@]}"} \
    dotnet "$silo_dll" </dev/null >"$results/$name.log" 2>&1) &
  pid=$!
  started+=("$pid")
  wait_http "$url/health/ready" "$pid" "$results/$name.log"
}

# start_hangfire NAME STORAGE [WORKERS]: Hangfire's peer host; sets $url and $pid.
start_hangfire() {
  local port; port=$(free_port)
  url=http://127.0.0.1:$port
  dotnet "$bench_dll" hangfire-http "$2" --port "$port" ${3:+--workers "$3"} --file "$results/$1.db" </dev/null >"$results/$1.log" 2>&1 &
  pid=$!
  started+=("$pid")
  wait_http "$url/health/live" "$pid" "$results/$1.log"
}

# wrk_run OUT SERVER_PID CONNS SECONDS URL KIND STATUS TEXT CLIENT AUTH [LIMIT]: one wrk run; leaves in OUT.json its
# result plus wrk's CPU (user + system over the wall time, from bash's `time`) and the server's (from /proc).
wrk_run() {
  local out=$1 server=$2 c=$3 secs=$4 target=$5; shift 5
  seed=$((seed + 1))
  local before; before=$(ticks "$server")
  if [ "${6:-0}" != 0 ]; then
    # A run limited to N requests: wrk runs for its duration, so it is ended (SIGINT: it still reports) once the script
    # says the limit is reached. Its CPU is not measured then.
    local start; start=$(date +%s.%N)
    wrk -t1 -c"$c" -d"${secs}s" --timeout 10s "$target" -s "$lua" -- "$1" "$seed" "$2" "$3" "$4" "$5" "$6" >"$out.wrk" 2>"$out.err" &
    local wrk_pid=$!
    until grep -q wrk-limit-reached "$out.err" 2>/dev/null || ! kill -0 "$wrk_pid" 2>/dev/null; do sleep 0.01; done
    kill -INT "$wrk_pid" 2>/dev/null || true
    wait "$wrk_pid" || { say "wrk failed: $(tail -n 3 "$out.err")"; status=1; return 1; }
    awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print "0 0", b - a }' >"$out.time"
  else
    local TIMEFORMAT='%U %S %R'
    { time wrk -t1 -c"$c" -d"${secs}s" --timeout 10s "$target" -s "$lua" -- "$1" "$seed" "$2" "$3" "$4" "$5" 0 \
        >"$out.wrk" 2>"$out.err"; } 2>"$out.time" || { say "wrk failed: $(tail -n 3 "$out.err")"; status=1; return 1; }
  fi
  local after; after=$(ticks "$server")
  python3 - "$out" "$before" "$after" "$hz" <<'PY'
import json, sys
out, before, after, hz = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
line = next(l for l in open(out + ".wrk") if l.startswith("wrk-result "))
r = json.loads(line[len("wrk-result "):])
user, system, real = (float(v) for v in open(out + ".time").read().split())
r["wrk_cpu"] = (user + system) / real            # cores
r["server_cpu"] = (after - before) / hz / real   # cores
json.dump(r, open(out + ".json", "w"))
PY
}

# hangfire_done URL OUT: after a wrk run on Hangfire, waits until its workers ran every enqueued job, then adds the
# jobs run per second (first enqueue -> last success) to OUT.json.
hangfire_done() {
  local stats
  for _ in $(seq 1 1200); do
    stats=$(curl -sf "$1/stats")
    python3 "$root/bench/delayed.py" table "$results/delayed.tsv"
  fi
} | tee "$results/table.md"
echo
echo "results: $results"
exit "$status"
