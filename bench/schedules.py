#!/usr/bin/env python3
"""How soon schedules make their tasks when many fall due in the same minute, and that each makes one.

    schedules.py URL N      N schedules (PUT /schedules/{id}, 16 at a time, 500 per client), each with the cron "S M H * * *" (UTC, 6
                            fields) of one moment T, a whole second after all of them could be made (the hardest case
                            of "due in the same minute": the same second); after T, each schedule's runs: exactly one
                            task made for T, and its createdAt - T
    schedules.py table FILE the markdown rows of FILE's lines (NAME<TAB>JSON, as run.sh collects them)

Prints one JSON object: n, made (schedules with exactly one task for T), twice (with more than one), p50_ms, p99_ms,
max_ms (the task's createdAt after T), setup_s (how long making the N schedules took).
"""
import concurrent.futures
import datetime
import json
import sys
import time
import urllib.request

CLIENT = "bench-schedules"
PER_CLIENT = 500  # a tier caps a client's schedules (1,000 by default): the N are spread over clients


def client(i):
    return f"{CLIENT}-{i // PER_CLIENT}"


def call(method, url, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.loads(response.read() or b"null")


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else None


def measure(url, n):
    # Making them takes a while: aim T past that (estimated generously at 100 a second).
    now = datetime.datetime.now(datetime.timezone.utc)
    due = (now + datetime.timedelta(seconds=10 + n / 100)).replace(microsecond=0)
    cron = f"{due.second} {due.minute} {due.hour} * * *"
    started = time.time()

    def put(i):
        call("PUT", f"{url}/schedules/s{i}?client={client(i)}",
             {"client": client(i), "task": {"type": "sum2", "params": {"first": i, "second": 1}}, "cron": cron, "timezone": "UTC"})

    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        list(pool.map(put, range(n)))
    setup_s = time.time() - started
    if datetime.datetime.now(datetime.timezone.utc) > due - datetime.timedelta(seconds=5):
        raise RuntimeError(f"making {n} schedules took {setup_s:.0f} s, past the due time aimed at")

    time.sleep(max(0.0, (due - datetime.datetime.now(datetime.timezone.utc)).total_seconds()) + 15)

    def made(i):
        deadline = time.time() + 120
        while True:
            runs = call("GET", f"{url}/schedules/s{i}/runs?client={client(i)}")["items"]
            tasks = [r["taskId"] for r in runs if r["outcome"] == "created" and datetime.datetime.fromisoformat(r["dueAt"]) == due]
            if tasks or time.time() > deadline:
                break
            time.sleep(1)
        lateness = None
        if tasks:
            created = datetime.datetime.fromisoformat(call("GET", f"{url}/tasks/{tasks[0]}")["createdAt"])
            lateness = (created - due).total_seconds() * 1000
        return len(tasks), lateness

    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        results = list(pool.map(made, range(n)))
    lateness = [late for count, late in results if count == 1]
    return {"n": n, "made": len(lateness), "twice": sum(1 for count, _ in results if count > 1),
            "p50_ms": round(percentile(lateness, 0.5) or 0), "p99_ms": round(percentile(lateness, 0.99) or 0),
            "max_ms": round(max(lateness, default=0)), "setup_s": round(setup_s, 1)}


def table(path):
    print("| silo | schedules due in one minute | one task each | more than one | p50 ms | p99 ms | max ms |")
    print("|---|---|---|---|---|---|---|")
    with open(path) as rows:
        for line in rows:
            name, raw = line.rstrip("\n").split("\t", 1)
            r = json.loads(raw)
            print(f"| {name} | {r['n']:,} | {r['made']:,} | {r['twice']} | {r['p50_ms']:,} | {r['p99_ms']:,} | {r['max_ms']:,} |")


if __name__ == "__main__":
    if sys.argv[1] == "table":
        table(sys.argv[2])
    else:
        result = measure(sys.argv[1], int(sys.argv[2]))
        print(json.dumps(result))
        sys.exit(0 if result["made"] == result["n"] and result["twice"] == 0 else 1)
