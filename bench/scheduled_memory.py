#!/usr/bin/env python3
"""What a million delayed tasks cost a silo: its memory while they are submitted, and the rate they are submitted at.

    scheduled_memory.py URL PID N    N sum2 tasks due tomorrow, in batches of 500 (POST /tasks/batch with run_at), into the
                                     silo at URL whose process is PID; first 5,000 plain sum2 (warm-up, not counted), then
                                     20,000 in the same batches (the mode's normal rate, on the same silo in the same
                                     run), then the delayed ones.
    scheduled_memory.py table FILE   the markdown rows of FILE's lines (NAME<TAB>JSON, as run.sh collects them)

Prints one JSON object: n, seconds, rate (tasks/s), first_rate (of the first 20,000, as many as the plain ones), normal_rate, idle_mib, peak_mib, end_mib, growth_mib (peak - idle),
scheduled_seen (of a sample read back, how many are scheduled). RSS is read from /proc, as an operator would see it.
"""
import datetime
import json
import sys
import time
import urllib.request

BATCH = 500
NORMAL_N = 20_000
WARMUP_N = 5_000


def call(method, url, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.loads(response.read() or b"null")


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def submit(url, n, client, run_at, pid=None):
    """Sends n sum2 tasks in batches; answers (seconds, seconds of the first NORMAL_N, peak RSS seen between batches,
    a sample of ids)."""
    started = time.time()
    first_s = None
    peak, sample = 0.0, []
    for first in range(0, n, BATCH):
        items = [{"type": "sum2", "params": {"first": first + i, "second": 1}, "client": client}
                 for i in range(min(BATCH, n - first))]
        if run_at:
            for item in items:
                item["run_at"] = run_at
        answer = call("POST", f"{url}/tasks/batch", items)
        made = [r["task"]["id"] for r in answer["results"] if r.get("task")]
        if len(made) != len(items):
            refused = next(r for r in answer["results"] if not r.get("task"))
            raise RuntimeError(f"{len(items) - len(made)} of a batch refused: {refused}")
        if first % (100 * BATCH) == 0:
            sample.append(made[0])
        if pid:
            peak = max(peak, rss_mib(pid))
        if first_s is None and first + BATCH >= min(n, NORMAL_N):
            first_s = time.time() - started
    return time.time() - started, first_s, peak, sample


def measure(url, pid, n):
    time.sleep(5)
    idle = rss_mib(pid)
    submit(url, min(n, WARMUP_N), "bench-warmup", None)  # Not counted: a fresh silo's JIT would slow whichever went first.
    normal_s, _, _, _ = submit(url, min(n, NORMAL_N), "bench-normal", None)
    tomorrow = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)).isoformat(timespec="milliseconds")
    seconds, first_s, peak, sample = submit(url, n, "bench-scheduled", tomorrow, pid)
    time.sleep(10)
    end = rss_mib(pid)
    seen = sum(1 for task_id in sample if call("GET", f"{url}/tasks/{task_id}")["status"] == "scheduled")
    peak = max(peak, end)
    return {"n": n, "seconds": round(seconds, 1), "rate": round(n / seconds), "first_rate": round(min(n, NORMAL_N) / first_s),
            "normal_rate": round(min(n, NORMAL_N) / normal_s),
            "idle_mib": round(idle), "peak_mib": round(peak), "end_mib": round(end), "growth_mib": round(peak - idle),
            "scheduled_seen": f"{seen} of {len(sample)}"}


def table(path):
    print("| silo | delayed tasks | submitted at (first 20,000) | plain sum2, same run | RSS idle | peak | after | growth |")
    print("|---|---|---|---|---|---|---|---|")
    with open(path) as rows:
        for line in rows:
            name, raw = line.rstrip("\n").split("\t", 1)
            r = json.loads(raw)
            print(f"| {name} | {r['n']:,} ({r['scheduled_seen']} read back scheduled) | {r['rate']:,} ({r['first_rate']:,}) tasks/s | {r['normal_rate']:,} tasks/s "
                  f"| {r['idle_mib']} MiB | {r['peak_mib']} MiB | {r['end_mib']} MiB | {r['growth_mib']} MiB |")


if __name__ == "__main__":
    if sys.argv[1] == "table":
        table(sys.argv[2])
    else:
        print(json.dumps(measure(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))))
