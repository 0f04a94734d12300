#!/usr/bin/env bash
# Flat memory under steady load (docs/adr/020): one embedded silo (Release, in memory: the mode whose
# memory retention must bound) with
# Tasker__Retention__Succeeded=00:01:00 takes short tasks (sum2, operands never used before, so the cache never
# answers) from wrk for M minutes; its RSS is sampled every 10 s. Prints the per-minute RSS and whether the last
# half's RSS stays within 10 % (max/min), and the sweep's counters from /metrics.
#
#   bench/memory-flat.sh [--minutes M] [--connections C] [--delay-ms D] [--dll PATH]
#
# Each of the C connections waits D ms between its requests (modest load: the machine is shared).
set -euo pipefail
cd "$(dirname "$0")/.."
dll=Tasker.Silo/bin/Release/net10.0/Tasker.Silo.dll minutes=10 connections=2 delay=5
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) minutes=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --delay-ms) delay=$2; shift 2 ;;
    --dll) dll=$2; shift 2 ;;
    *) echo "usage: $0 [--minutes M] [--connections C] [--delay-ms D] [--dll PATH]" >&2; exit 64 ;;
  esac
done
port=${PORT:-5393}
work=$(mktemp -d)
cat >"$work/post.lua" <<LUA
-- Each request a sum2 with an operand never used before (per thread counter, thread-unique base).
local n = 0
local base = 0
function setup(thread) thread:set("base", math.random(1, 1000000) * 1000000000) end
function init(args) base = tonumber(wrk.thread:get("base")) or os.time() * 1000000 end
function delay() return $delay end
function request()
  n = n + 1
  return wrk.format("POST", "/tasks", {["Content-Type"] = "application/json"},
    string.format('{"type":"sum2","params":{"first":%d,"second":1},"client":"c"}', base + n))
end
LUA
Tasker__Embedded__Storage=memory Tasker__Retention__Succeeded=00:01:00 Tasker__Retention__SweepInterval=00:00:10 \
  Orleans__SiloPort=$((port + 6000)) Orleans__GatewayPort=$((port + 25000)) Logging__LogLevel__Default=Warning \
  dotnet "$dll" --urls "http://127.0.0.1:$port" >"$work/silo.log" 2>&1 &
silo=$!
trap 'kill $silo 2>/dev/null; wait $silo 2>/dev/null || true; kill $load 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 240); do curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null && break; sleep 0.5; done
wrk -t1 -c"$connections" -d"$((minutes * 60 + 5))s" -s "$work/post.lua" "http://127.0.0.1:$port" >"$work/wrk.txt" 2>&1 &
load=$!
rss() { awk '/VmRSS/ {print int($2 / 1024)}' "/proc/$silo/status"; }
echo "seconds rss_mib"
for i in $(seq 1 $((minutes * 6))); do
  sleep 10
  echo "$((i * 10)) $(rss)" | tee -a "$work/rss.txt"
done
wait $load || true
echo "--- wrk"; cat "$work/wrk.txt"
echo "--- /metrics (retention)"; curl -sf "http://127.0.0.1:$port/metrics" | grep -E '^tasker_retention' || true
echo "--- per minute"
python3 bench/flat.py "$work/rss.txt" "$minutes" "RSS MiB"
