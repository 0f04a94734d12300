#!/usr/bin/env python3
"""Flows over HTTP: how soon a fan-in starts after its last parent's end, and many long chains submitted as batches.

    flows.py fanin URL RUNS PARENTS   RUNS times: PARENTS sum2 tasks due at one moment a few seconds ahead (batches of
                                      1,000), then a sum-results task after all of them (POST /tasks, answered
                                      `waiting`); lateness = the child's startedAt minus the latest finishedAt of its
                                      parents. Checks the child's result and that no parent started before it was in.
    flows.py chains URL CHAINS DEPTH  CHAINS chains of DEPTH sum2 tasks, 1,000 items per POST /tasks/batch (each link
                                      after the one before it, as #n), every head due 2 s after its batch is sent;
                                      then every task's view: all succeeded with the right result, each started after
                                      its parent ended, none waiting. Time from the first request to the last end.
    flows.py table FILE               the markdown rows of FILE's lines (NAME<TAB>JSON, as run.sh collects them)

Prints one JSON object; exits 1 when a check failed. BENCH_AUTHORIZATION, when set, is sent as the Authorization header.
"""
import concurrent.futures
import datetime
import http.client
import json
import os
import random
import sys
import threading
import time
import urllib.parse

BATCH = 1000
FINAL = ("succeeded", "failed", "cancelled")
_local = threading.local()


def call(url, method, path, body=None, key=None):
    """One request on this thread's keep-alive connection (100,000 GETs would otherwise exhaust local ports); with an
    Idempotency-Key, a 503 (e.g. a submission that took longer than the silo's 30 s call timeout) is sent again."""
    parts = urllib.parse.urlsplit(url)
    for attempt in range(10 if key else 3):
        connection = getattr(_local, "connection", None)
        if connection is None:
            connection = _local.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
        headers = {"Content-Type": "application/json"}
        if key:
            headers["Idempotency-Key"] = key
        if os.environ.get("BENCH_AUTHORIZATION"):
            headers["Authorization"] = os.environ["BENCH_AUTHORIZATION"]
        try:
            connection.request(method, path, json.dumps(body) if body is not None else None, headers)
            response = connection.getresponse()
            data = response.read()
        except (http.client.HTTPException, OSError):
            connection.close()
            _local.connection = None
            if attempt == 2:
                raise
            continue
        if response.status == 503 and key and attempt < 9:
            time.sleep(1)
            continue
        if response.status >= 400:
            raise RuntimeError(f"{method} {path}: {response.status} {data[:300]!r}")
        return json.loads(data or b"null")


def iso(seconds):
    return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).isoformat(timespec="milliseconds")


def at(text):
    return datetime.datetime.fromisoformat(text).timestamp() if text else None


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else None


def submit_batch(url, items):
    answer = call(url, "POST", "/tasks/batch", items)
    refused = [r for r in answer["results"] if not r.get("task")]
    if refused:
        raise RuntimeError(f"{len(refused)} items refused, e.g. {json.dumps(refused[0])[:300]}")
    return [r["task"] for r in answer["results"]]


def get_all(url, ids, threads=16):
    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        return list(pool.map(lambda i: call(url, "GET", f"/tasks/{i}"), ids))


def wait_final(url, task_id, within_s):
    deadline = time.time() + within_s
    while time.time() < deadline:
        task = call(url, "GET", f"/tasks/{task_id}")
        if task["status"] in FINAL:
            return task
        time.sleep(0.05)
    return task


def fanin(url, runs, parents):
    seed = random.randrange(1, 1_000_000)
    # Parents due this long after they are sent: enough for them and the child to be in first (a child asks each of its
    # parents to keep it, a stored write each), learned from each run.
    lateness, problems, lead = [], [], 2.0 + parents * 0.03
    run = attempt = 0
    while run < runs:
        attempt += 1
        client = f"bench-fanin-{seed}-{attempt}"  # Its own client and child key each try: a retried key returns its first child.
        sent = time.time()
        due = iso(sent + lead + parents / 2000)
        ids, total = [], 0
        for start in range(0, parents, BATCH):
            items = [{"type": "sum2", "params": {"first": attempt * 1_000_000 + i, "second": seed}, "client": client, "run_at": due}
                     for i in range(start, min(parents, start + BATCH))]
            total += sum(item["params"]["first"] + seed for item in items)
            ids += [t["id"] for t in submit_batch(url, items)]
        child = call(url, "POST", "/tasks", {"type": "sum-results", "after": ids, "client": client}, key=f"{client}-child")
        in_at = time.time()
        if child["status"] != "waiting" or in_at > at(due) - 0.2:
            # The parents could start before the child was in: not a fan-in measured; again with more time.
            if lead > 240:
                problems.append(f"run {run}: the child was not in before its parents were due even with {lead:.0f} s")
                break
            lead = max(lead * 2, 1.5 * (in_at - sent) + 2)
            wait_final(url, child["id"], 120)
            continue
        lead = max(2.0, 1.5 * (in_at - sent) + 2)
        done = wait_final(url, child["id"], 120)
        views = get_all(url, ids)
        ends = [at(v["finishedAt"]) for v in views]
        if done["status"] != "succeeded" or any(v["status"] != "succeeded" for v in views):
            problems.append(f"run {run}: child {done['status']}, parents {sorted(set(v['status'] for v in views))}")
        elif done["result"] != total:
            problems.append(f"run {run}: child's result {done['result']}, its parents' results sum to {total}")
        elif at(done["startedAt"]) < max(ends):
            problems.append(f"run {run}: the child started before its last parent ended")
        else:
            lateness.append((at(done["startedAt"]) - max(ends)) * 1000)
            print(f"fan-in {run + 1} of {runs}: the child started {lateness[-1]:.0f} ms after its last parent's end "
                  f"(parents and child in after {in_at - sent:.1f} s)", file=sys.stderr, flush=True)
        run += 1
    return {"runs": runs, "parents": parents, "measured": len(lateness), "p50_ms": percentile(lateness, 0.5),
            "p99_ms": percentile(lateness, 0.99), "max_ms": max(lateness) if lateness else None, "problems": problems[:5]}


def chains(url, count, depth):
    seed = random.randrange(1, 1_000_000)
    per_batch = max(1, BATCH // depth)
    batches = [list(range(b, min(count, b + per_batch))) for b in range(0, count, per_batch)]
    started = time.time()
    links = {}  # chain -> [task ids, head first]

    def send(index):
        chain_ids = batches[index]
        client = f"bench-chains-{seed}-{index}"  # 1,000 tasks a client: each history holds all of its tasks
        due = iso(time.time() + 2)
        items = []
        for c in chain_ids:
            base = len(items)
            for d in range(depth):
                item = {"type": "sum2", "params": {"first": c * 100 + d, "second": seed}, "client": client}
                if d == 0:
                    item["run_at"] = due
                else:
                    item["after"] = [f"#{base + d - 1}"]
                items.append(item)
        tasks = submit_batch(url, items)
        return index, client, [[t["id"] for t in tasks[i * depth:(i + 1) * depth]] for i in range(len(chain_ids))]

    clients = []
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        for index, client, ids in pool.map(send, range(len(batches))):
            clients.append(client)
            for c, chain in zip(batches[index], ids):
                links[c] = chain
    submitted = time.time() - started

    # Until every chain's last link has ended (or 10 minutes), then every task's view.
    pending = [links[c][-1] for c in links]
    deadline = time.time() + 600
    while pending and time.time() < deadline:
        views = get_all(url, pending)
        pending = [v["id"] for v in views if v["status"] not in FINAL]
        if pending:
            time.sleep(0.5)
    every = [i for c in sorted(links) for i in links[c]]
    views = {v["id"]: v for v in get_all(url, every)}
    problems, spans, last_end = [], [], 0.0
    statuses = {}
    for c in sorted(links):
        chain = [views[i] for i in links[c]]
        for d, task in enumerate(chain):
            statuses[task["status"]] = statuses.get(task["status"], 0) + 1
            if task["status"] != "succeeded":
                problems.append(f"chain {c} link {d}: {task['status']} {task.get('errorCode')} {task.get('error')}")
                continue
            if task["result"] != c * 100 + d + seed:
                problems.append(f"chain {c} link {d}: result {task['result']}")
            if d > 0 and (chain[d - 1]["finishedAt"] is None or at(task["startedAt"]) < at(chain[d - 1]["finishedAt"])):
                problems.append(f"chain {c} link {d} started at {task['startedAt']}, before its parent ended ({chain[d - 1]['finishedAt']})")
            last_end = max(last_end, at(task["finishedAt"]))
        if all(t["status"] == "succeeded" for t in chain):
            spans.append((at(chain[-1]["finishedAt"]) - at(chain[0]["finishedAt"])) * 1000)
    waiting = sum(len(call(url, "GET", f"/tasks?client={client}&status=waiting&limit=10")["items"]) for client in clients)
    if waiting:
        problems.append(f"{waiting} tasks listed as waiting")
    return {"chains": count, "depth": depth, "tasks": len(every), "batches": len(batches), "statuses": statuses,
            "submitted_s": submitted, "all_ended_s": last_end - started if last_end else None,
            # From a chain's head's end to its last link's end: depth - 1 hops of "a parent ended, its child ran".
            "chain_p50_ms": percentile(spans, 0.5), "chain_p99_ms": percentile(spans, 0.99), "waiting": waiting,
            "problems": len(problems), "first_problems": problems[:5]}


def table(path):
    for line in open(path, encoding="utf-8"):
        name, figures = line.rstrip("\n").split("\t", 1)
        f = json.loads(figures)
        if "parents" in f:
            print(f"| {name}: a child after {f['parents']:,} parents, {f['measured']} of {f['runs']} runs | "
                  f"p50 {f['p50_ms']:.0f} ms, p99 {f['p99_ms']:.0f} ms, max {f['max_ms']:.0f} ms | {len(f['problems'])} |")
        else:
            ended = f"{f['all_ended_s']:.1f} s" if f["all_ended_s"] is not None else "never"
            print(f"| {name}: {f['chains']:,} chains of {f['depth']} ({f['tasks']:,} tasks, {f['batches']} batches) | "
                  f"submitted in {f['submitted_s']:.1f} s, all ended {ended} after the first request; a chain's "
                  f"{f['depth'] - 1} hops p50 {f['chain_p50_ms']:.0f} ms, p99 {f['chain_p99_ms']:.0f} ms; "
                  f"{', '.join(f'{k} {v:,}' for k, v in f['statuses'].items())}; waiting {f['waiting']} | {f['problems']} |")
    return 0


def main():
    if sys.argv[1] == "table":
        return table(sys.argv[2])
    kind, url, a, b = sys.argv[1], sys.argv[2].rstrip("/"), int(sys.argv[3]), int(sys.argv[4])
    result = fanin(url, a, b) if kind == "fanin" else chains(url, a, b)
    print(json.dumps(result))
    failed = result["problems"] if kind == "fanin" else result["first_problems"]
    return 1 if failed or (kind == "fanin" and result["measured"] < a) else 0


if __name__ == "__main__":
    sys.exit(main())
