#!/usr/bin/env bash
# How long a `sequence` of n takes on one silo: submit, poll until it ends, print the run time (startedAt ->
# finishedAt, from the task) and the wall time (submit -> seen ended). Each run uses another n (n, n-1, ...), so that
# the result cache never answers.
#
#   bench/sequence.sh [--dll PATH] [--n N] [--runs R]     embedded (memory) silo on free-ish loopback ports
#   TASKER_REDIS=... TASKER_POSTGRES=... bench/sequence.sh  the same silo in cluster mode over those servers
set -euo pipefail
cd "$(dirname "$0")/.."
dll=Tasker.Silo/bin/Release/net10.0/Tasker.Silo.dll n=10000 runs=3
while [ $# -gt 0 ]; do
  case "$1" in
    --dll) dll=$2; shift 2 ;;
    --n) n=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    *) echo "usage: $0 [--dll PATH] [--n N] [--runs R]" >&2; exit 64 ;;
  esac
done
port=${PORT:-5391}
env=(Tasker__Embedded__Storage=memory Orleans__SiloPort=$((port + 6000)) Orleans__GatewayPort=$((port + 25000)) Logging__LogLevel__Default=Warning)
if [ -n "${TASKER_REDIS:-}" ]; then
  env+=("ConnectionStrings__Redis=$TASKER_REDIS" "ConnectionStrings__Postgres=$TASKER_POSTGRES"
        "Orleans__ClusterId=seq-$$" "Orleans__ServiceId=seq-$$")
fi
log=$(mktemp)
env "${env[@]}" dotnet "$dll" --urls "http://127.0.0.1:$port" >"$log" 2>&1 &
silo=$!
trap 'kill $silo 2>/dev/null; wait $silo 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 240); do curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null && break; sleep 0.5; done
post() { curl -sf -X POST "http://127.0.0.1:$port/tasks" -H 'Content-Type: application/json' \
  -d "{\"type\":\"sequence\",\"params\":{\"n\":$1},\"client\":\"bench-sequence\"}" | python3 -c 'import sys,json;print(json.load(sys.stdin)["id"])'; }
wait_end() {
  while :; do
    body=$(curl -sf "http://127.0.0.1:$port/tasks/$1")
    case $(echo "$body" | python3 -c 'import sys,json;print(json.load(sys.stdin)["status"])') in
      running | queued) sleep 0.05 ;;
      *) echo "$body"; return ;;
    esac
  done
}
wait_end "$(post 1000)" >/dev/null  # warm-up: JIT, first activations
for r in $(seq 1 "$runs"); do
  m=$((n - r + 1))
  t0=$(date +%s.%N)
  body=$(wait_end "$(post "$m")")
  t1=$(date +%s.%N)
  echo "$body" | python3 -c "
import sys, json, datetime
t = json.load(sys.stdin)
run = (datetime.datetime.fromisoformat(t['finishedAt']) - datetime.datetime.fromisoformat(t['startedAt'])).total_seconds()
ok = t['status'] == 'succeeded' and t['result'] == $m * ($m + 1) // 2
print(f\"n={$m} {t['status']} {'right' if ok else 'WRONG'} result, children {t['progress']['done']}: run {run:.2f} s, wall {$t1 - $t0:.2f} s\")"
done
