"""Prints bench/run.sh's table (markdown) from its rows.tsv: name, kind, result file (one wrk run each).

usage: table.py ROWS_TSV CONNECTIONS DURATION_S CORES
Exits 1 when any measured run had a failed request, a task or job that did not succeed, or a socket error.
"""
import json
import statistics
import sys

rows_file, conns, duration, cores = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
runs = {}
for line in open(rows_file):
    name, kind, path = line.rstrip("\n").split("\t")
    runs.setdefault((name, kind), []).append(json.load(open(path)))


def rate(r):
    """Tasks completed per second: a Tasker answer is the finished task (a batch's, 100 of them); a Hangfire job counts once its worker ran it."""
    return r["ran_per_s"] if "ran_per_s" in r else r["done"] * r.get("items", 1) / r["duration_s"]


def failed(r):
    """Requests or tasks that did not succeed; a run that completed nothing counts as one failure."""
    nothing = 1 if r["done"] == 0 or r.get("ran", 1) == 0 else 0
    return r["bad"] + r["socket_errors"] + r["timeouts"] + r.get("failed_jobs", 0) + nothing


def median(name, kind, pick):
    values = [pick(r) for r in runs.get((name, kind), [])]
    return statistics.median(values) if values else None


def cpu(value):
    return "–" if value is None else f"{value:.2f} core ({100 * value / cores:.0f} %)"


def n(value, digits=0):
    return "–" if value is None else f"{value:,.{digits}f}"


bad = sum(failed(r) for rs in runs.values() for r in rs)

print(f"sum2 submissions and `GET /health/live` by wrk (1 thread) for {duration} s each; throughput with {conns} "
      "connections, latency with 1. Tasker's answer is the finished task; Hangfire's jobs count when its workers ran "
      "them. CPU: cores used over the run (share of the machine's).")
print()
print(f"| system | HTTP floor, {conns} conn.: req/s (wrk CPU) | floor, 1 conn.: p50 / p99 ms | sum2, 1 conn.: p50 / p99 ms | sum2, {conns} conn.: completed/s "
      f"| sum2, {conns} conn.: p99 ms | wrk CPU (sum2, {conns} conn.) | server CPU (same) | failed |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
systems = [("embedded", "Tasker embedded (memory)"), ("durable", "Tasker embedded (SQLite file, the default)"),
           ("cluster-1", "Tasker cluster, 1 silo (PostgreSQL + Redis)"), ("hangfire-inmemory", "Hangfire InMemory"),
           ("hangfire-sqlite", "Hangfire + SQLite (Hangfire.Storage.SQLite)"), ("hangfire-redis", "Hangfire + Redis")]
for name, label in systems:
    if not any(key[0] == name for key in runs):
        continue
    floor = median(name, "floor-cN", lambda r: r["done"] / r["duration_s"])
    floor_cpu = median(name, "floor-cN", lambda r: r["wrk_cpu"])
    floor_p50 = median(name, "floor-c1", lambda r: r["p50_ms"])
    floor_p99 = median(name, "floor-c1", lambda r: r["p99_ms"])
    p50 = median(name, "sum2-c1", lambda r: r["p50_ms"])
    p99 = median(name, "sum2-c1", lambda r: r["p99_ms"])
    through = median(name, "sum2-cN", rate)
    load_p99 = median(name, "sum2-cN", lambda r: r["p99_ms"])
    wrk_cpu = median(name, "sum2-cN", lambda r: r["wrk_cpu"])
    server_cpu = median(name, "sum2-cN", lambda r: r["server_cpu"])
    fails = sum(failed(r) for key, rs in runs.items() if key[0] == name for r in rs)
    floor_cell = f"{n(floor)} ({floor_cpu:.2f} core)" if floor_cpu is not None else n(floor)
    print(f"| {label} | {floor_cell} | {n(floor_p50, 2)} / {n(floor_p99, 2)} | {n(p50, 2)} / {n(p99, 2)} | {n(through)} | {n(load_p99, 1)} | {cpu(wrk_cpu)} "
          f"| {cpu(server_cpu)} | {fails} |")

ratios = []
for tasker, peer in [("embedded", "hangfire-inmemory"), ("durable", "hangfire-sqlite"), ("cluster-1", "hangfire-redis")]:
    t, p = median(tasker, "sum2-cN", rate), median(peer, "sum2-cN", rate)
    tl, pl = median(tasker, "sum2-c1", lambda r: r["p99_ms"]), median(peer, "sum2-c1", lambda r: r["p99_ms"])
    if t and p:
        ratios.append(f"| {tasker} / {peer} | {t / p:.2f}× completed/s | {pl / tl:.2f}× (peer's p99 / Tasker's) |")
for name in ["embedded", "durable", "cluster-1"]:
    floor, through = median(name, "floor-cN", lambda r: r["done"] / r["duration_s"]), median(name, "sum2-cN", rate)
    if floor and through:
        ratios.append(f"| {name}: sum2 / its own HTTP floor | {through / floor:.2f}× (a short task costs "
                      f"{floor / through:.1f} empty requests) | |")
if ratios:
    print()
    print("| ratio, same run | throughput | one connection p99 |")
    print("| --- | --- | --- |")
    print("\n".join(ratios))

if any(key[1] == "batch-cN" for key in runs):
    print()
    print(f"| POST /tasks/batch, 100 sum2 each, {conns} conn. | tasks/s | vs one per request | p99 ms per batch | server CPU | failed |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, label in systems:
        rs = runs.get((name, "batch-cN"), [])
        if not rs:
            continue
        single = median(name, "sum2-cN", rate)
        through = statistics.median(rate(r) for r in rs)
        versus = f"{through / single:.1f}×" if single else "–"
        print(f"| {label} | {n(through)} | {versus} | {n(median(name, 'batch-cN', lambda r: r['p99_ms']), 1)} "
              f"| {cpu(median(name, 'batch-cN', lambda r: r['server_cpu']))} | {sum(failed(r) for r in rs)} |")

if any(key[0].startswith("auth-") for key in runs):
    off = median("auth-off", "sum2-cN", rate)
    print()
    print(f"| embedded, sum2, {conns} conn. | completed/s per round | median | vs auth off | wrk CPU | server CPU | failed |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name, label in [("auth-off", "authentication off"), ("auth-key", "on, API key (Bearer)"), ("auth-basic", "on, Basic")]:
        rs = runs.get((name, "sum2-cN"), [])
        if not rs:
            continue
        m = statistics.median(rate(r) for r in rs)
        versus = f"{m / off:.2f}× (cost {100 * (1 - m / off):.0f} %)" if off else "–"
        print(f"| {label} | {' · '.join(n(rate(r)) for r in rs)} | {n(m)} | {versus} "
              f"| {cpu(statistics.median(r['wrk_cpu'] for r in rs))} | {cpu(statistics.median(r['server_cpu'] for r in rs))} "
              f"| {sum(failed(r) for r in rs)} |")

if any(key[1] == "shell" for key in runs):
    print()
    print("| shell `true`, N submitted over 1 conn. → all finished | tasks/s per round | median | per task per agent/worker "
          "| submit → finish p50 / p99 ms | CPU ms per task: server / agents / commands | failed |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    counts = sorted({int(name.rsplit("-", 1)[1]) for name, kind in runs if kind == "shell"})
    for agents in counts:
        for name, label in [(f"tasker-shell-{agents}", f"Tasker, {agents} agent{'s' if agents > 1 else ''}"),
                            (f"hangfire-shell-{agents}", f"Hangfire InMemory, {agents} worker{'s' if agents > 1 else ''}")]:
            rs = runs.get((name, "shell"), [])
            if not rs:
                continue
            m = statistics.median(r["ran_per_s"] for r in rs)
            per = 1000 * agents / m if m else None
            p50 = statistics.median(r.get("finish_p50_ms", 0) for r in rs)
            p99 = statistics.median(r.get("finish_p99_ms", 0) for r in rs)
            spent = " / ".join(n(statistics.median(r.get("cpu_ms", {}).get(part, 0) for r in rs), 2) for part in ("server", "agents", "commands"))
            print(f"| {label} (N = {rs[0]['ran']}) | {' · '.join(n(r['ran_per_s']) for r in rs)} | {n(m)} | {n(per, 1)} ms "
                  f"| {n(p50)} / {n(p99)} | {spent} | {sum(failed(r) for r in rs)} |")
    for agents in counts:
        t, h = runs.get((f"tasker-shell-{agents}", "shell")), runs.get((f"hangfire-shell-{agents}", "shell"))
        if t and h:
            tm, hm = statistics.median(r["ran_per_s"] for r in t), statistics.median(r["ran_per_s"] for r in h)
            rounds = " · ".join(f"{a['ran_per_s'] / b['ran_per_s']:.2f}×" for a, b in zip(t, h) if b["ran_per_s"])
            if hm:
                print(f"| ratio Tasker / Hangfire, {agents} | {rounds} | {tm / hm:.2f}× | | | | |")

sys.exit(1 if bad else 0)
