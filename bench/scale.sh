#!/usr/bin/env bash
# What one short task costs each server in cluster mode, for the scale model in bench/README.md.
# One cluster silo (Release) on a throwaway PostgreSQL and Redis takes sum2 tasks (operands never sent before) from wrk
# at each connection count for S seconds; for each it prints tasks/s and, per task, the CPU of the silo, of PostgreSQL
# (all its processes) and of Redis, and PostgreSQL's commits (pg_stat_database). Then PostgreSQL's own ceiling on this
# machine: pgbench, one single-row insert per transaction, at the same connection counts.
#
#   bench/scale.sh [--seconds S] [--warmup W] [--connections "16 64"] [--dll PATH]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
seconds=10 warmup=20 connections="16 64" dll=Tasker.Silo/bin/Release/net10.0/Tasker.Silo.dll
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --dll) dll=$2; shift 2 ;;
    *) echo "usage: $0 [--seconds S] [--warmup W] [--connections \"16 64\"] [--dll PATH]" >&2; exit 64 ;;
  esac
done
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
work=$(mktemp -d)
eval "$("$root/build/services.sh" start "$work/services")" >/dev/null
silo=""
cleanup() {
  [ -z "$silo" ] || { kill "$silo" 2>/dev/null; wait "$silo" 2>/dev/null || true; }
  "$root/build/services.sh" stop "$work/services" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

pg_data=$(readlink -f "$work/services/postgres")/data
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
pg_port=$(sed -n 's/.*Port=\([0-9]*\).*/\1/p' <<<"$TASKER_POSTGRES")
export PGPASSWORD=tasker
psql_() { "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U tasker -d tasker -Atq "$@"; }
hz=$(getconf CLK_TCK)
ticks() { local sum=0 t; for p in "$@"; do t=$(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0); sum=$((sum + t)); done; echo "$sum"; }
pg_pids() { local main; main=$(head -n 1 "$pg_data/postmaster.pid"); echo "$main" $(pgrep -P "$main" || true); }
redis_pids() { pgrep -f "redis-server 127.0.0.1:${TASKER_REDIS##*:}" || pgrep -x redis-server || true; }
commits() { psql_ -c "select xact_commit from pg_stat_database where datname = 'tasker'"; }

port=$((20000 + RANDOM % 10000))
env ConnectionStrings__Redis="$TASKER_REDIS" ConnectionStrings__Postgres="$TASKER_POSTGRES" Tasker__Auth__Enabled=false \
  Orleans__ClusterId="scale-$$" Orleans__ServiceId="scale-$$" Orleans__AdvertisedIP=127.0.0.1 \
  Orleans__SiloPort=$((port + 1)) Orleans__GatewayPort=$((port + 2)) Tasker__Files__Path="$work/files" \
  Logging__LogLevel__Default=Warning dotnet "$dll" --urls "http://127.0.0.1:$port" >"$work/silo.log" 2>&1 &
silo=$!
for _ in $(seq 1 240); do curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null && break; sleep 0.5; done
lua=$root/bench/wrk/tasks.lua
ok='"status":"succeeded"&"cached":false'
# Warm-up: the JIT's tiers and the pools settle (5 s was too short: the first measured run then cost twice the CPU).
wrk -t1 -c16 -d"${warmup}s" "http://127.0.0.1:$port/tasks" -s "$lua" -- sum2 1 202 "$ok" scale - 0 >/dev/null 2>&1

echo "| load | tasks/s | silo CPU per task | PostgreSQL CPU per task | Redis CPU per task | PostgreSQL commits per task | cores used: silo · PostgreSQL · Redis |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
seed=2
for c in $connections; do
  seed=$((seed + 1))
  s0=$(ticks "$silo") p0=$(ticks $(pg_pids)) r0=$(ticks $(redis_pids)) k0=$(commits)
  out=$(wrk -t1 -c"$c" -d"${seconds}s" --timeout 10s "http://127.0.0.1:$port/tasks" -s "$lua" -- sum2 "$seed" 202 "$ok" scale - 0 2>/dev/null)
  s1=$(ticks "$silo") p1=$(ticks $(pg_pids)) r1=$(ticks $(redis_pids)) k1=$(commits)
  python3 - "$c" "$seconds" "$hz" "$s0" "$s1" "$p0" "$p1" "$r0" "$r1" "$k0" "$k1" "$(grep '^wrk-result ' <<<"$out")" <<'PY'
import json, sys
c, secs, hz = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
s0, s1, p0, p1, r0, r1, k0, k1 = (float(v) for v in sys.argv[4:12])
r = json.loads(sys.argv[12][len("wrk-result "):])
done, dur = r["done"], r["duration_s"]
per = lambda a, b: f"{(b - a) / hz / max(done, 1) * 1e6:,.0f} µs"
cores = lambda a, b: f"{(b - a) / hz / dur:.2f}"
print(f"| sum2, {c} connections, {secs:.0f} s | {done / dur:,.0f} | {per(s0, s1)} | {per(p0, p1)} | {per(r0, r1)} | "
      f"{(k1 - k0) / max(done, 1):.2f} | {cores(s0, s1)} · {cores(p0, p1)} · {cores(r0, r1)} |")
PY
done
kill "$silo" 2>/dev/null; wait "$silo" 2>/dev/null || true; silo=""

psql_ -c "create table if not exists pgbench_insert (id bigserial primary key, body text)"
echo "insert into pgbench_insert (body) values ('a short task''s row');" >"$work/insert.sql"
for c in $connections; do
  tps=$("$pg_bin/pgbench" -h 127.0.0.1 -p "$pg_port" -U tasker -n -c "$c" -j 2 -T "$seconds" -f "$work/insert.sql" tasker 2>/dev/null \
    | sed -n 's/^tps = \([0-9.]*\).*/\1/p')
  echo "| pgbench, one-row insert per transaction, $c connections | ${tps%.*} commits/s | | | | | |"
done
