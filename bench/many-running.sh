#!/usr/bin/env bash
# Many long tasks running at once on one silo: N count tasks {to: 1e9, delay_ms: D} submitted through
# POST /tasks/batch (100 a request) to one embedded silo (Release, in memory), then measured over S seconds while they
# all run: the silo's CPU (cores, and µs per running task per second), its RSS (MiB, and KiB per running task over the
# idle silo), and the steps made per task per second against the 1000/D a task would make alone (sampled tasks).
#
#   bench/many-running.sh [--tasks N] [--delay-ms D] [--seconds S] [--dll PATH]
set -euo pipefail
cd "$(dirname "$0")/.."
dll=Tasker.Silo/bin/Release/net10.0/Tasker.Silo.dll tasks=10000 delay=1000 seconds=30
while [ $# -gt 0 ]; do
  case "$1" in
    --tasks) tasks=$2; shift 2 ;;
    --delay-ms) delay=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --dll) dll=$2; shift 2 ;;
    *) echo "usage: $0 [--tasks N] [--delay-ms D] [--seconds S] [--dll PATH]" >&2; exit 64 ;;
  esac
done
port=${PORT:-5394}
url=http://127.0.0.1:$port
work=$(mktemp -d)
Tasker__Embedded__Storage=memory Tasker__Auth__Enabled=false Orleans__SiloPort=$((port + 6000)) Orleans__GatewayPort=$((port + 25000)) \
  Tasker__Files__Path="$work/files" Logging__LogLevel__Default=Warning dotnet "$dll" --urls "$url" >"$work/silo.log" 2>&1 &
silo=$!
trap 'kill $silo 2>/dev/null; wait $silo 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 240); do curl -sf "$url/health/ready" >/dev/null && break; sleep 0.5; done
hz=$(getconf CLK_TCK)
ticks() { awk '{print $14 + $15}' "/proc/$silo/stat"; }
rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$silo/status"; }
sleep 5
idle_rss=$(rss_kib)

batch=$(python3 -c "import json; print(json.dumps([{'type':'count','params':{'to':1000000000,'delay_ms':$delay},'client':'many'} for _ in range(100)]))")
for _ in $(seq 1 $((tasks / 100))); do
  curl -sf -X POST "$url/tasks/batch" -H 'Content-Type: application/json' -d "$batch"
  echo
done | python3 -c "
import json, sys
ids = [item['task']['id'] for line in sys.stdin if line.strip() for item in json.loads(line)['results'] if item.get('task')]
open('$work/ids', 'w').write('\n'.join(ids))
print(f'submitted: {len(ids)} count tasks, delay_ms $delay')"
sleep 15 # every task past its first chunk
sample=$(shuf -n 20 "$work/ids" | tr '\n' ' ')
progress() { for id in $sample; do curl -sf "$url/tasks/$id" | python3 -c "import json,sys; d=json.load(sys.stdin); print(d['status'], (d.get('progress') or {}).get('done', 0))"; done; }
p0=$(progress) t0=$(ticks) s0=$(date +%s.%N)
sleep "$seconds"
p1=$(progress) t1=$(ticks) s1=$(date +%s.%N) rss=$(rss_kib)
python3 - "$tasks" "$delay" "$hz" "$t0" "$t1" "$s0" "$s1" "$idle_rss" "$rss" "$p0" "$p1" <<'PY'
import sys
tasks, delay, hz, t0, t1, s0, s1, idle, rss = (float(v) for v in sys.argv[1:10])
before = [l.split() for l in sys.argv[10].splitlines()]
after = [l.split() for l in sys.argv[11].splitlines()]
running = sum(1 for s, _ in after if s == "running")
secs = s1 - s0
steps = [(int(b[1]) - int(a[1])) / secs for a, b in zip(before, after)]
cores = (t1 - t0) / hz / secs
print(f"| tasks running | silo cores | CPU per running task | RSS (idle silo) | RSS per running task | steps/s per task (alone: {1000 / delay:g}) |")
print("| --- | --- | --- | --- | --- | --- |")
print(f"| {tasks:,.0f} (sampled: {running} of {len(after)} running) | {cores:.2f} | {cores / tasks * 1e6:,.0f} µs/s | {rss / 1024:,.0f} MiB ({idle / 1024:,.0f}) | "
      f"{(rss - idle) / tasks:,.1f} KiB | {min(steps):.2f}–{max(steps):.2f} |")
PY
