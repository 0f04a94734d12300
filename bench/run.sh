#!/usr/bin/env bash
# Tasker beside Hangfire 1.8, driven over HTTP by wrk (a C load generator) in one run, and one table of it.
#
#   bench/run.sh [--duration S] [--warmup S] [--c N] [--auth-rounds R] [--shell-n N] [--shell-agents "..."]
#                [--shell-rounds R] [--shell-warmup N] [--delayed-n N] [--rows "..."]
#                [--flows-runs R] [--flows-parents N] [--flows-chains N] [--silo-env K=V] [--agent-env K=V] [--no-build] [--no-wait]
#
#   --duration S   seconds of each measured wrk run (default 10)
#   --warmup S     seconds of wrk load before a server's measured runs, not counted (default 5: the JIT settles)
#   --c N          connections of the throughput runs (default 16; the latency runs use 1)
#   --auth-rounds R  rounds of auth off / API key / basic, interleaved (default 5; the median is shown)
#   --shell-n N    shell tasks (`true`) per measured round (default 500)
#   --shell-agents "..."  agents (Tasker) and workers (Hangfire) per shell row (default "1 4 16")
#   --shell-rounds R      alternate rounds Tasker / Hangfire per shell row (default 3; the median is shown)
#   --shell-warmup N      warm-up tasks of a shell row, per 2 agents (default 50, at most --shell-n; both systems alike)
#   --delayed-n N  delayed tasks per system in the delayed row (default 1000)
#   --scheduled-n N  delayed tasks (due tomorrow) in the scheduled-memory row, on the SQLite file (default 1000000)
#   --schedules-n N  schedules due at the same moment in the schedules row, per mode (default 10000)
#   --flows-runs R     fan-ins measured per mode in the flows row (default 20)
#   --flows-parents N  parents of each fan-in (default 1000)
#   --flows-chains N   chains of depth 10 per mode in the flows row (default 10000, 100 per batch)
#   --rows "..."   a subset of: embedded durable cluster hangfire-inmemory hangfire-sqlite hangfire-redis auth shell delayed
#                  scheduled-memory schedules flows (default: all; durable is embedded mode on its SQLite file, beside Hangfire.Storage.SQLite)
#   --silo-env K=V extra configuration for Tasker's silos (repeatable; for experiments)
#   --agent-env K=V extra environment for the shell row's `tasker agent` processes (repeatable; for experiments,
#                  e.g. DOTNET_TieredPGO=0)
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

duration=10 warmup=5 conns=16 auth_rounds=5 shell_n=500 shell_agents="1 4 16" shell_rounds=3 shell_warmup=50 delayed_n=1000 build=yes wait=yes
scheduled_n=1000000 schedules_n=10000 flows_runs=20 flows_parents=1000 flows_chains=10000
rows="embedded durable cluster hangfire-inmemory hangfire-sqlite hangfire-redis auth shell delayed scheduled-memory schedules flows"
silo_env=()
agent_env=()
while [ "$#" -gt 0 ]; do
  case "$1" in
    --duration) duration=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --c) conns=$2; shift 2 ;;
    --auth-rounds) auth_rounds=$2; shift 2 ;;
    --shell-n) shell_n=$2; shift 2 ;;
    --shell-agents) shell_agents=$2; shift 2 ;;
    --shell-rounds) shell_rounds=$2; shift 2 ;;
    --shell-warmup) shell_warmup=$2; shift 2 ;;
    --delayed-n) delayed_n=$2; shift 2 ;;
    --scheduled-n) scheduled_n=$2; shift 2 ;;
    --schedules-n) schedules_n=$2; shift 2 ;;
    --flows-runs) flows_runs=$2; shift 2 ;;
    --flows-parents) flows_parents=$2; shift 2 ;;
    --flows-chains) flows_chains=$2; shift 2 ;;
    --rows) rows=$2; shift 2 ;;
    --silo-env) silo_env+=("$2"); shift 2 ;;
    --agent-env) agent_env+=("$2"); shift 2 ;;
    --no-build) build=no; shift ;;
    --no-wait) wait=no; shift ;;
    *) sed -n '2,28p' "$0" >&2; exit 64 ;;
  esac
done
for number in "$duration" "$warmup" "$conns" "$auth_rounds" "$shell_n" "$shell_rounds" "$shell_warmup" "$delayed_n" "$scheduled_n" "$schedules_n" "$flows_runs" "$flows_parents" "$flows_chains" $shell_agents; do
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

if has cluster || has hangfire-redis || has delayed || has schedules || has flows; then
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
# cpu_ticks PID...: "own children" clock ticks summed over the processes (children: the ended and reaped ones, i.e. commands run).
cpu_ticks() {
  local own=0 children=0 pid a b
  for pid in "$@"; do
    read -r a b <<<"$(awk '{print $14 + $15, $16 + $17}' "/proc/$pid/stat" 2>/dev/null || echo "0 0")"
    own=$((own + a)) children=$((children + b))
  done
  echo "$own $children"
}
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
    python3 -c 'import json,sys; s=json.loads(sys.argv[1]); sys.exit(0 if s["succeeded"] + s["failed"] >= s["enqueued"] else 1)' "$stats" && break
    sleep 0.1
  done
  python3 - "$2" "$stats" <<'PY'
import json, sys
r = json.load(open(sys.argv[1] + ".json")); s = json.loads(sys.argv[2])
r["enqueued"], r["ran"], r["failed_jobs"] = s["enqueued"], s["succeeded"], s["failed"] + s["enqueued"] - s["succeeded"]
r["ran_per_s"] = s["succeeded"] / s["seconds"] if s["seconds"] > 0 else 0
if "p50_ms" in s:  # creation -> success of each job
    r["finish_p50_ms"], r["finish_p99_ms"] = s["p50_ms"], s["p99_ms"]
json.dump(r, open(sys.argv[1] + ".json", "w"))
PY
}

# row NAME KIND OUT: appends a measured run to rows.tsv (name, kind, result file).
row() { printf '%s\t%s\t%s\n' "$1" "$2" "$3.json" >>"$results/rows.tsv"; }

sum2_ok='"status":"succeeded"&"cached":false'

# tasker_rows NAME: floor and sum2, one connection and $conns, and batches of 100 sum2, on the silo at $url ($pid).
tasker_rows() {
  local name=$1 out=$results/$1
  say "$name: warm-up ${warmup}s"
  [ "$warmup" = 0 ] || wrk_run "$out-warmup" "$pid" "$conns" "$warmup" "$url/tasks" sum2 202 "$sum2_ok" bench - || true
  wrk_run "$out-floor-c1" "$pid" 1 "$duration" "$url/health/live" get 200 - - - && row "$name" floor-c1 "$out-floor-c1"
  wrk_run "$out-floor-c$conns" "$pid" "$conns" "$duration" "$url/health/live" get 200 - - - && row "$name" floor-cN "$out-floor-c$conns"
  wrk_run "$out-sum2-c1" "$pid" 1 "$duration" "$url/tasks" sum2 202 "$sum2_ok" bench - && row "$name" sum2-c1 "$out-sum2-c1"
  wrk_run "$out-sum2-c$conns" "$pid" "$conns" "$duration" "$url/tasks" sum2 202 "$sum2_ok" bench - && row "$name" sum2-cN "$out-sum2-c$conns"
  # 100 sum2 per POST /tasks/batch: an answer counts when no item was refused (100 tasks each).
  wrk_run "$out-batch-c$conns" "$pid" "$conns" "$duration" "$url/tasks/batch" batch 200 '"refused":0' bench - && row "$name" batch-cN "$out-batch-c$conns"
}

# hangfire_rows NAME STORAGE: the same on Hangfire's peer host.
hangfire_rows() {
  local name=$1 out=$results/$1
  start_hangfire "$name" "$2" || { status=1; return; }
  say "$name: warm-up ${warmup}s"
  if [ "$warmup" != 0 ]; then
    wrk_run "$out-warmup" "$pid" "$conns" "$warmup" "$url/tasks" sum2 202 '"enqueued"' bench - && hangfire_done "$url" "$out-warmup" || true
  fi
  wrk_run "$out-floor-c1" "$pid" 1 "$duration" "$url/health/live" get 200 - - - && row "$name" floor-c1 "$out-floor-c1"
  wrk_run "$out-floor-c$conns" "$pid" "$conns" "$duration" "$url/health/live" get 200 - - - && row "$name" floor-cN "$out-floor-c$conns"
  curl -sf -X POST "$url/reset?wait=true"
  wrk_run "$out-sum2-c1" "$pid" 1 "$duration" "$url/tasks?wait=true" sum2 200 '"succeeded"' bench - \
    && hangfire_done "$url" "$out-sum2-c1" && row "$name" sum2-c1 "$out-sum2-c1"
  curl -sf -X POST "$url/reset"
  wrk_run "$out-sum2-c$conns" "$pid" "$conns" "$duration" "$url/tasks" sum2 202 '"enqueued"' bench - \
    && hangfire_done "$url" "$out-sum2-c$conns" && row "$name" sum2-cN "$out-sum2-c$conns"
  stop_pid "$pid"
}

: >"$results/rows.tsv"
embedded_url="" embedded_pid=""
if has embedded; then
  # The in-memory storage, named explicitly: embedded mode's default storage may change.
  start_silo embedded Tasker__Embedded__Storage=memory Tasker__Auth__Enabled=false || exit 1
  embedded_url=$url embedded_pid=$pid
  tasker_rows embedded
  stop_pid "$embedded_pid"
fi
if has durable; then
  # The default embedded storage: one SQLite file (docs/adr/019), here in the results folder.
  if start_silo durable Tasker__Embedded__Storage=sqlite Tasker__Embedded__DataPath="$results/durable-data" Tasker__Auth__Enabled=false; then
    tasker_rows durable
    stop_pid "$pid"
  else
    status=1
  fi
fi
if has cluster; then
  if start_silo cluster-1 ConnectionStrings__Redis="$TASKER_REDIS" ConnectionStrings__Postgres="$TASKER_POSTGRES" Tasker__Auth__Enabled=false; then
    tasker_rows cluster-1
    stop_pid "$pid"
  else
    status=1
  fi
fi
has hangfire-inmemory && hangfire_rows hangfire-inmemory inmemory
has hangfire-sqlite && hangfire_rows hangfire-sqlite sqlite
has hangfire-redis && hangfire_rows hangfire-redis redis

if has auth; then
  key=bench-key-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
  password=bench-pw-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')
  # Two fresh silos alike but for authentication, warmed alike, then measured in interleaved rounds: a silo that had
  # served the rows above would be warmer (tiered JIT) than one just started, and that was part of the "cost".
  if start_silo embedded-auth-off Tasker__Embedded__Storage=memory Tasker__Auth__Enabled=false \
    && { off_url=$url off_pid=$pid; start_silo embedded-auth Tasker__Embedded__Storage=memory Tasker__Auth__Enabled=true \
    Tasker__Auth__AdminApiKey="$key" Tasker__Auth__AdminPassword="$password"; }; then
    auth_url=$url auth_pid=$pid
    basic="Basic $(printf 'admin:%s' "$password" | base64 -w0)"
    say "auth: warm-up ${warmup}s per silo and credential"
    if [ "$warmup" != 0 ]; then
      # A signed-in user's client is its name: the requests name none.
      wrk_run "$results/auth-warmup-off" "$off_pid" "$conns" "$warmup" "$off_url/tasks" sum2 202 "$sum2_ok" bench - || true
      wrk_run "$results/auth-warmup-key" "$auth_pid" "$conns" "$warmup" "$auth_url/tasks" sum2 202 "$sum2_ok" - "Bearer $key" || true
      wrk_run "$results/auth-warmup-basic" "$auth_pid" "$conns" "$warmup" "$auth_url/tasks" sum2 202 "$sum2_ok" - "$basic" || true
    fi
    for ((r = 1; r <= auth_rounds; r++)); do
      out=$results/auth-$r
      wrk_run "$out-off" "$off_pid" "$conns" "$duration" "$off_url/tasks" sum2 202 "$sum2_ok" bench - && row auth-off "sum2-cN" "$out-off"
      wrk_run "$out-key" "$auth_pid" "$conns" "$duration" "$auth_url/tasks" sum2 202 "$sum2_ok" - "Bearer $key" && row auth-key "sum2-cN" "$out-key"
      wrk_run "$out-basic" "$auth_pid" "$conns" "$duration" "$auth_url/tasks" sum2 202 "$sum2_ok" - "$basic" && row auth-basic "sum2-cN" "$out-basic"
    done
    stop_pid "$auth_pid"
    stop_pid "$off_pid"
  else
    status=1
  fi
fi

if has shell; then
  token=bench-token-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')
  warm_per=$(( shell_n < shell_warmup ? shell_n : shell_warmup ))
  # tasker_shell_batch OUT AGENTS N CLIENT: submits N shell tasks `true` of CLIENT over one connection and waits until
  # the agents finished them all; the rate runs from the first submit to the last "task finished" in the agents' logs,
  # the latencies from each task's createdAt to its finishedAt (both the silo's clock), read back from GET /tasks.
  tasker_shell_batch() {
    local out=$1 agents=$2 n=$3 client=$4 t0 finished silo_before agents_before
    silo_before=$(cpu_ticks "$pid") agents_before=$(cpu_ticks "${agent_pids[@]}")
    t0=$(date -u +%s.%N)
    wrk_run "$out" "$pid" 1 600 "$url/tasks" shell 202 '"type":"shell"' "$client" - "$n" || return 1
    for _ in $(seq 1 2400); do
      finished=$(cat "$results"/shell-agent-"$agents"-*.log | grep -c "task finished" || true)
      [ "$finished" -ge "$((done_before + n))" ] && break
      sleep 0.1
    done
    done_before=$((done_before + n))
    python3 - "$out" "$t0" "$agents" "$results" "$url" "$client" "$hz" "$silo_before" "$(cpu_ticks "$pid")" "$agents_before" "$(cpu_ticks "${agent_pids[@]}")" <<'PY'
import datetime, glob, json, sys, urllib.request
out, t0, agents, results, url, client = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6]
hz = float(sys.argv[7])
(silo0, _), (silo1, _), (agents0, commands0), (agents1, commands1) = ([float(v) for v in a.split()] for a in sys.argv[8:12])
ends = []
for name in glob.glob(f"{results}/shell-agent-{agents}-*.log"):
    for line in open(name):
        if "task finished" in line:
            at = datetime.datetime.fromisoformat(line.split()[0].replace("Z", "+00:00")).timestamp()
            if at >= t0:
                ends.append(at)
latencies, cursor = [], ""
while True:
    page = json.load(urllib.request.urlopen(f"{url}/tasks?client={client}&limit=500{cursor}"))
    for task in page["items"]:
        if task["status"] == "succeeded" and task.get("finishedAt"):
            took = datetime.datetime.fromisoformat(task["finishedAt"]) - datetime.datetime.fromisoformat(task["createdAt"])
            latencies.append(took.total_seconds() * 1000)
    if not page.get("next"):
        break
    cursor = "&cursor=" + page["next"]
latencies.sort()
r = json.load(open(out + ".json"))
r["ran"] = len(ends)
r["failed_jobs"] = r["done"] - len(latencies)
r["ran_per_s"] = len(ends) / (max(ends) - t0) if ends else 0
if latencies:
    r["finish_p50_ms"] = latencies[len(latencies) // 2]
    r["finish_p99_ms"] = latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))]
if ends:  # CPU per task, in ms: the silo, the agents themselves, the commands they ran (reaped children)
    r["cpu_ms"] = {"server": (silo1 - silo0) / hz * 1000 / len(ends), "agents": (agents1 - agents0) / hz * 1000 / len(ends),
                   "commands": (commands1 - commands0) / hz * 1000 / len(ends)}
json.dump(r, open(out + ".json", "w"))
PY
  }
  # hangfire_shell_batch OUT N: the same on Hangfire's peer host: N jobs that start `true`, first enqueue -> last success.
  hangfire_shell_batch() {
    local before
    curl -sf -X POST "$url/reset"
    before=$(cpu_ticks "$pid")
    wrk_run "$1" "$pid" 1 600 "$url/tasks" shell 202 '"enqueued"' bench - "$2" && hangfire_done "$url" "$1" || return 1
    python3 - "$1" "$hz" "$before" "$(cpu_ticks "$pid")" <<'PY'
import json, sys
out, hz = sys.argv[1], float(sys.argv[2])
(own0, children0), (own1, children1) = ([float(v) for v in a.split()] for a in sys.argv[3:5])
r = json.load(open(out + ".json"))
if r.get("ran"):
    r["cpu_ms"] = {"server": (own1 - own0) / hz * 1000 / r["ran"], "agents": 0, "commands": (children1 - children0) / hz * 1000 / r["ran"]}
json.dump(r, open(out + ".json", "w"))
PY
  }
  if start_silo shell Tasker__Embedded__Storage=memory Tasker__Auth__Enabled=false Tasker__Shell__Enabled=true \
    Tasker__Agents__Token="$token" Tasker__Shell__MaxQueued=100000; then
    shell_pid=$pid shell_url=$url
    # Per number of agents: Tasker's agents and a Hangfire host with as many workers, both up at once, measured in
    # alternate rounds (Tasker, Hangfire, Tasker, ...): the machine's load drifts, and each round meets the same drift.
    for agents in $shell_agents; do
      agent_pids=()
      for a in $(seq 1 "$agents"); do
        env TASKER_AGENT_TOKEN="$token" ${agent_env[@]+"${agent_env[@]}"} dotnet "$agent_dll" agent --url "$shell_url" --name "bench-$agents-$a" --poll-interval 5s \
          </dev/null >"$results/shell-agent-$agents-$a.log" 2>&1 &
        agent_pids+=($!) started+=($!)
      done
      hangfire=hangfire-shell-$agents
      start_hangfire "$hangfire" inmemory "$agents" || { status=1; for a in "${agent_pids[@]}"; do stop_pid "$a"; done; continue; }
      hangfire_pid=$pid hangfire_url=$url
      # Every agent is a process of its own whose JIT settles too (16 fresh agents spent ~1 s of CPU each in the first
      # hundreds of tasks): the warm-up gives each a few dozen tasks.
      warm=$(( warm_per * (agents < 2 ? 1 : agents / 2) ))
      [ "$warmup" != 0 ] || warm=0
      say "shell, $agents agent(s) / worker(s): warm-up of $warm tasks, then $shell_rounds alternate rounds of $shell_n"
      done_before=0
      if [ "$warm" != 0 ]; then
        pid=$shell_pid url=$shell_url tasker_shell_batch "$results/shell-tasker-$agents-warmup" "$agents" "$warm" "shell-$agents-warmup" || status=1
        pid=$hangfire_pid url=$hangfire_url hangfire_shell_batch "$results/$hangfire-warmup" "$warm" || status=1
      fi
      for ((r = 1; r <= shell_rounds; r++)); do
        out=$results/shell-tasker-$agents-$r
        pid=$shell_pid url=$shell_url tasker_shell_batch "$out" "$agents" "$shell_n" "shell-$agents-$r" && row "tasker-shell-$agents" shell "$out" || status=1
        out=$results/$hangfire-$r
        pid=$hangfire_pid url=$hangfire_url hangfire_shell_batch "$out" "$shell_n" && row "$hangfire" shell "$out" || status=1
      done
      for a in "${agent_pids[@]}"; do stop_pid "$a"; done
      stop_pid "$hangfire_pid"
    done
    stop_pid "$shell_pid"
  else
    status=1
  fi
fi

if has delayed; then
  # delayed_row NAME SYSTEM: N tasks due over 5 s, a few seconds after they are sent; how late each one started.
  delayed_row() {
    say "$1: $delayed_n delayed tasks"
    if python3 "$root/bench/delayed.py" "$2" "$url" "$delayed_n" >"$results/$1.json" 2>"$results/$1.err"; then
      printf '%s\t%s\n' "$1" "$(cat "$results/$1.json")" >>"$results/delayed.tsv"
    else
      say "$1 failed: $(cat "$results/$1.json" "$results/$1.err" | tail -n 5)"; status=1
    fi
    stop_pid "$pid"
  }
  : >"$results/delayed.tsv"
  start_silo delayed-durable Tasker__Embedded__Storage=sqlite Tasker__Embedded__DataPath="$results/delayed-data" Tasker__Auth__Enabled=false \
    && delayed_row delayed-durable tasker || status=1
  start_silo delayed-cluster ConnectionStrings__Redis="$TASKER_REDIS" ConnectionStrings__Postgres="$TASKER_POSTGRES" Tasker__Auth__Enabled=false \
    && delayed_row delayed-cluster tasker || status=1
  start_hangfire delayed-hangfire inmemory && delayed_row delayed-hangfire hangfire || status=1
fi

if has scheduled-memory; then
  say "scheduled-memory: $scheduled_n delayed tasks into the SQLite file"
  if start_silo scheduled-memory Tasker__Embedded__Storage=sqlite Tasker__Embedded__DataPath="$results/scheduled-memory-data" Tasker__Auth__Enabled=false; then
    if python3 "$root/bench/scheduled_memory.py" "$url" "$pid" "$scheduled_n" >"$results/scheduled-memory.json" 2>"$results/scheduled-memory.err"; then
      printf '%s\t%s\n' "embedded, SQLite file" "$(cat "$results/scheduled-memory.json")" >"$results/scheduled-memory.tsv"
    else
      say "scheduled-memory failed: $(cat "$results/scheduled-memory.json" "$results/scheduled-memory.err" | tail -n 5)"; status=1
    fi
    stop_pid "$pid"
  else
    status=1
  fi
fi

if has schedules; then
  # schedules_row NAME: $schedules_n schedules due at one moment on the silo at $url; how soon each made its one task.
  schedules_row() {
    say "$1: $schedules_n schedules due at one moment"
    if python3 "$root/bench/schedules.py" "$url" "$schedules_n" >"$results/$1.json" 2>"$results/$1.err"; then
      printf '%s\t%s\n' "$1" "$(cat "$results/$1.json")" >>"$results/schedules.tsv"
    else
      say "$1 failed: $(cat "$results/$1.json" "$results/$1.err" | tail -n 5)"; status=1
    fi
    stop_pid "$pid"
  }
  : >"$results/schedules.tsv"
  start_silo schedules-durable Tasker__Embedded__Storage=sqlite Tasker__Embedded__DataPath="$results/schedules-data" Tasker__Auth__Enabled=false \
    && schedules_row schedules-durable || status=1
  start_silo schedules-cluster ConnectionStrings__Redis="$TASKER_REDIS" ConnectionStrings__Postgres="$TASKER_POSTGRES" Tasker__Auth__Enabled=false \
    && schedules_row schedules-cluster || status=1
fi

if has flows; then
  # flows_rows NAME: on the silo at $url, fan-ins after $flows_parents parents (how soon the child starts after its last
  # parent's end) and $flows_chains chains of depth 10 sent as batches of 1,000 items; each checks what it measured.
  flows_rows() {
    local kind
    for kind in fanin chains; do
      say "$1: $kind"
      local args=("$flows_runs" "$flows_parents")
      [ "$kind" = fanin ] || args=("$flows_chains" 10)
      if python3 "$root/bench/flows.py" "$kind" "$url" "${args[@]}" >"$results/$1-$kind.json" 2>"$results/$1-$kind.err"; then
        printf '%s\t%s\n' "$1" "$(cat "$results/$1-$kind.json")" >>"$results/flows.tsv"
      else
        say "$1 $kind failed: $(cat "$results/$1-$kind.json" "$results/$1-$kind.err" | tail -n 5)"; status=1
      fi
    done
    stop_pid "$pid"
  }
  : >"$results/flows.tsv"
  start_silo flows-durable Tasker__Embedded__Storage=sqlite Tasker__Embedded__DataPath="$results/flows-data" Tasker__Auth__Enabled=false \
    && flows_rows flows-durable || status=1
  start_silo flows-cluster ConnectionStrings__Redis="$TASKER_REDIS" ConnectionStrings__Postgres="$TASKER_POSTGRES" Tasker__Auth__Enabled=false \
    && flows_rows flows-cluster || status=1
fi

load=$(cut -d' ' -f1-3 /proc/loadavg)
{
  echo "Tasker vs Hangfire 1.8 over HTTP, driven by wrk; $cores cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo);" \
    "$(date -u '+%Y-%m-%d %H:%M UTC'); load average at the end: $load"
  echo
  if [ -s "$results/rows.tsv" ]; then
    python3 "$root/bench/table.py" "$results/rows.tsv" "$conns" "$duration" "$cores" || status=1
  fi
  if [ -s "$results/delayed.tsv" ]; then
    echo
    echo "Delayed tasks: $delayed_n per system, due over 5 s; lateness from the due time to the start (ms)"
    echo
    echo "| system | started | p50 | p99 | max |"
    echo "|---|---|---|---|---|"
    python3 "$root/bench/delayed.py" table "$results/delayed.tsv"
  fi
  if [ -s "$results/scheduled-memory.tsv" ]; then
    echo
    echo "A million tasks due tomorrow: the silo's memory (RSS) while they are submitted, and their rate beside plain sum2's"
    echo
    python3 "$root/bench/scheduled_memory.py" table "$results/scheduled-memory.tsv"
  fi
  if [ -s "$results/schedules.tsv" ]; then
    echo
    echo "Schedules due at the same moment: each one's task, created after its due time (ms)"
    echo
    python3 "$root/bench/schedules.py" table "$results/schedules.tsv"
  fi
  if [ -s "$results/flows.tsv" ]; then
    echo
    echo "Flows: a fan-in's start after its last parent's end; chains of depth 10 sent as batches of 1,000 items"
    echo
    echo "| run | figures | problems |"
    echo "|---|---|---|"
    python3 "$root/bench/flows.py" table "$results/flows.tsv"
  fi
} | tee "$results/table.md"
echo
echo "results: $results"
exit "$status"
