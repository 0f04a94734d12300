#!/usr/bin/env bash
# Shell tasks on executor agents: pick-to-finish overhead of an empty command (`true`) with 1 and 4 agents, beside
# Hangfire 1.8 (InMemory) running the same Process.Start("true") job with 1 and 4 workers.
#
#   bench/shell.sh [N]     N tasks per run (default 500); builds nothing: build the solution in Release first
#
# Tasker: an embedded silo (memory storage) with shell tasks on; N tasks are queued first, then A agents start and
# drain them; the span is from the first "task picked" to the last "task finished" in the agents' logs. Each task is a
# pick, a /bin/sh -c true, and a finish (a command that ends within 0.5 s needs no heartbeat).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-500}
work=$(mktemp -d /tmp/tasker-shell-bench.XXXXXX)
token=bench-token-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
port=$(free_port)
silo_pid=""
cleanup() {
  [ -z "$silo_pid" ] || kill "$silo_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

Tasker__Embedded__Storage=memory Tasker__Shell__Enabled=true Tasker__Agents__Token=$token Tasker__Shell__MaxQueued=100000 ASPNETCORE_URLS=http://127.0.0.1:$port \
  Orleans__SiloPort=$(free_port) Orleans__GatewayPort=$(free_port) Logging__LogLevel__Default=Warning \
  dotnet Tasker.Silo/bin/Release/net10.0/Tasker.Silo.dll >"$work/silo.log" 2>&1 &
silo_pid=$!
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null && break; sleep 0.5; done
curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null || { cat "$work/silo.log" >&2; exit 1; }

run() {
  local agents=$1 a pids=()
  python3 - "$port" "$n" <<'PY'
import sys, json, urllib.request, concurrent.futures
port, n = sys.argv[1], int(sys.argv[2])
def one(_):
    body = json.dumps({"type": "shell", "params": {"command": "true"}, "client": "bench"}).encode()
    return urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}/tasks", data=body, headers={"Content-Type": "application/json"})).status
with concurrent.futures.ThreadPoolExecutor(8) as pool:
    assert all(s == 202 for s in pool.map(one, range(n)))
PY
  for a in $(seq 1 "$agents"); do
    TASKER_AGENT_TOKEN=$token dotnet Tasker.Client/bin/Release/net10.0/tasker.dll agent --url "http://127.0.0.1:$port" \
      --name "bench-$agents-$a" --poll-interval 1s >"$work/agent-$agents-$a.log" 2>&1 &
    pids+=($!)
  done
  for _ in $(seq 1 1200); do
    [ "$(curl -s "http://127.0.0.1:$port/agents" | python3 -c 'import json,sys;d=json.load(sys.stdin);print(d["queued"]+d["leased"])')" = 0 ] && break
    sleep 0.25
  done
  kill "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
  python3 - "$work" "$agents" <<'PY'
import sys, glob, datetime
work, agents = sys.argv[1], int(sys.argv[2])
picks, finishes = [], []
for name in glob.glob(f"{work}/agent-{agents}-*.log"):
    for line in open(name):
        at = datetime.datetime.fromisoformat(line.split()[0].replace("Z", "+00:00"))
        if "task picked" in line: picks.append(at)
        if "task finished" in line: finishes.append(at)
span = (max(finishes) - min(picks)).total_seconds()
print(f"tasker agents={agents} tasks={len(finishes)} span={span:.2f}s tasks/s={len(finishes) / span:.0f} per-agent={span * agents / len(finishes) * 1000:.1f} ms")
PY
}

run 1
run 4
dotnet bench/Tasker.Bench/bin/Release/net10.0/Tasker.Bench.dll shell-hangfire "$n" 1
dotnet bench/Tasker.Bench/bin/Release/net10.0/Tasker.Bench.dll shell-hangfire "$n" 4
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
