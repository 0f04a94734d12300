#!/usr/bin/env bash
# Flat tables under steady load in cluster mode (docs/adr/020): one cluster silo (PostgreSQL + Redis from
# build/services.sh, or TASKER_REDIS/TASKER_POSTGRES) with Tasker__Retention__Succeeded=00:01:00 takes short tasks
# (sum2, operands never used before) and counts (`count` to 3, long tasks with reminders) from wrk for M minutes;
# every 30 s it counts the rows of Tasker's tables. Prints the counts per minute and whether the last half's counts
# stay within 10 % (max/min) for the tables that hold tasks.
#
#   bench/rows-flat.sh [--minutes M] [--connections C] [--delay-ms D] [--dll PATH]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
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
work=$(mktemp -d)
services=""
if [ -z "${TASKER_REDIS:-}" ] || [ -z "${TASKER_POSTGRES:-}" ]; then
  services=$work/services
  eval "$(build/services.sh start "$services")"
fi
psql_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)/psql
pg() { # the value of KEY in the connection string
  tr ';' '\n' <<<"$TASKER_POSTGRES" | awk -F= -v k="$1" 'tolower($1) == tolower(k) { print $2 }'
}
count() {
  PGPASSWORD=$(pg Password) "$psql_bin" -h "$(pg Host)" -p "$(pg Port)" -U "$(pg Username)" -d "$(pg Database)" -tAF ' ' -c \
    "SELECT (SELECT count(*) FROM tasker_grains WHERE service_id = '$service'), (SELECT count(*) FROM tasker_history WHERE service_id = '$service'),
            (SELECT count(*) FROM tasker_ended WHERE service_id = '$service')"
}
port=${PORT:-5394}
service=rows-flat-$$
cat >"$work/post.lua" <<LUA
-- Nine sum2 (operands never used before) for one count, each request a new task.
local n = 0
local base = 0
function setup(thread) thread:set("base", math.random(1, 1000000) * 1000000000) end
function init(args) base = tonumber(wrk.thread:get("base")) or os.time() * 1000000 end
function delay() return $delay end
function request()
  n = n + 1
  local body
  if n % 10 == 0 then
    body = '{"type":"count","params":{"to":3,"delay_ms":10},"client":"c' .. (n % 7) .. '"}'
  else
    body = string.format('{"type":"sum2","params":{"first":%d,"second":1},"client":"c%d"}', base + n, n % 7)
  end
  return wrk.format("POST", "/tasks", {["Content-Type"] = "application/json"}, body)
end
LUA
ConnectionStrings__Redis="$TASKER_REDIS" ConnectionStrings__Postgres="$TASKER_POSTGRES" Tasker__Auth__Enabled=false \
  Orleans__ClusterId=$service Orleans__ServiceId=$service Orleans__AdvertisedIP=127.0.0.1 \
  Tasker__Retention__Succeeded=00:01:00 Tasker__Retention__SweepInterval=00:00:10 \
  Orleans__SiloPort=$((port + 6000)) Orleans__GatewayPort=$((port + 25000)) Logging__LogLevel__Default=Warning \
  dotnet "$dll" --urls "http://127.0.0.1:$port" >"$work/silo.log" 2>&1 &
silo=$!
cleanup() {
  kill "$silo" 2>/dev/null; wait "$silo" 2>/dev/null || true
  kill "${load:-}" 2>/dev/null || true
  [ -z "$services" ] || build/services.sh stop "$services" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 1 240); do curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null && break; sleep 0.5; done
wrk -t1 -c"$connections" -d"$((minutes * 60 + 5))s" -s "$work/post.lua" "http://127.0.0.1:$port" >"$work/wrk.txt" 2>&1 &
load=$!
echo "seconds grains history ended"
for i in $(seq 1 $((minutes * 2))); do
  sleep 30
  echo "$((i * 30)) $(count)" | tee -a "$work/rows.txt"
done
wait $load || true
echo "--- wrk"; cat "$work/wrk.txt"
echo "--- /metrics (retention)"; curl -sf "http://127.0.0.1:$port/metrics" | grep -E '^tasker_retention_expired' || true
echo "--- per minute"
python3 bench/flat.py "$work/rows.txt" "$minutes" "grain state rows" "history rows" "ended rows"
