#!/usr/bin/env python3
"""How late delayed tasks start: N tasks due over a few seconds, a few seconds from now; then each one's lateness.

    delayed.py tasker URL N      Tasker: POST /tasks/batch with run_at per item, then startedAt - runAt of each task
    delayed.py hangfire URL N    Hangfire's peer host: POST /schedule?dueUnixMs= per job, then GET /lateness
    delayed.py table FILE        the markdown rows of FILE's lines (NAME<TAB>JSON, as run.sh collects them)

Prints one JSON object: n, started, p50_ms, p99_ms, max_ms (lateness from the due time to the start).
"""
import datetime
import json
import sys
import time
import urllib.request

SPREAD_S = 5.0  # due times spread over this long, so a shard or a poller meets them at different moments


def call(method, url, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read() or b"null")


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else None


def due_times(n, lead_s):
    first = time.time() + lead_s
    return [int((first + i * SPREAD_S / max(1, n)) * 1000) for i in range(n)]


def tasker(url, n):
    dues = due_times(n, lead_s=3 + n / 400)
    ids = []
    for start in range(0, n, 500):
        items = [{"type": "sum2", "params": {"first": due, "second": i}, "client": "bench-delayed",
                  "run_at": datetime.datetime.fromtimestamp(due / 1000, datetime.timezone.utc).isoformat(timespec="milliseconds")}
                 for i, due in enumerate(dues[start:start + 500], start)]
        answer = call("POST", f"{url}/tasks/batch", items)
        ids += [r["task"]["id"] for r in answer["results"] if r.get("task")]
    time.sleep(max(0.0, dues[-1] / 1000 - time.time()) + 2)
    lateness = []
    deadline = time.time() + 120
    pending = list(ids)
    while pending and time.time() < deadline:
        still = []
        for task_id in pending:
            task = call("GET", f"{url}/tasks/{task_id}")
            if task.get("startedAt"):
                started = datetime.datetime.fromisoformat(task["startedAt"])
                due = datetime.datetime.fromisoformat(task["runAt"])
                lateness.append((started - due).total_seconds() * 1000)
            else:
                still.append(task_id)
        pending = still
        if pending:
            time.sleep(1)
    return lateness


def hangfire(url, n):
    dues = due_times(n, lead_s=3 + n / 200)
    for due in dues:
        call("POST", f"{url}/schedule?dueUnixMs={due}")
    deadline = dues[-1] / 1000 + 60  # The default schedule poller runs every 15 s.
    lateness = []
    while time.time() < deadline:
        lateness = call("GET", f"{url}/lateness")
        if len(lateness) >= n:
            break
        time.sleep(1)
    return lateness


def table(path):
    for line in open(path, encoding="utf-8"):
        name, figures = line.rstrip("\n").split("\t", 1)
        f = json.loads(figures)
        print(f"| {name} | {f['started']} of {f['n']} | {f['p50_ms']:.0f} | {f['p99_ms']:.0f} | {f['max_ms']:.0f} |")
    return 0


def main():
    if sys.argv[1] == "table":
        return table(sys.argv[2])
    system, url, n = sys.argv[1], sys.argv[2].rstrip("/"), int(sys.argv[3])
    lateness = (tasker if system == "tasker" else hangfire)(url, n)
    print(json.dumps({"n": n, "started": len(lateness), "p50_ms": percentile(lateness, 0.50),
                      "p99_ms": percentile(lateness, 0.99), "max_ms": max(lateness) if lateness else None}))
    return 0 if len(lateness) == n else 1


if __name__ == "__main__":
    sys.exit(main())
