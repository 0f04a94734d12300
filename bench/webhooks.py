#!/usr/bin/env python3
"""How soon a task's completion webhook arrives: N tasks with a callback to a receiver here, then for each one the time
from the task's end (finishedAt in the body) to the first attempt's arrival.

    webhooks.py URL N [RATE]    URL: a silo started with Tasker__Webhooks__AllowPrivate=true (the receiver is on
                                127.0.0.1); RATE tasks a second, sent 50 at a time (default: all at once, 500 a batch)

Prints one JSON object: n, delivered, p50_ms, p99_ms, max_ms. The silo and this script share the machine's clock.
"""
import datetime
import http.server
import json
import sys
import threading
import time
import urllib.request

CLIENT = "bench-webhooks"
first_arrival = {}  # webhook-id -> (arrival, finishedAt)
lock = threading.Lock()


class Receiver(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # Keep-alive: the silo reuses its connections, as it would with a real receiver.
    def do_POST(self):
        arrived = time.time()
        body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))))
        finished = datetime.datetime.fromisoformat(body["data"]["finishedAt"]).timestamp()
        with lock:
            first_arrival.setdefault(self.headers["webhook-id"], (arrived, finished))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def call(method, url, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read() or b"null")


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else None


def main(url, n, rate):
    http.server.ThreadingHTTPServer.request_queue_size = 1024  # Python's default backlog of 5 drops a burst's connections.
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    hook = f"http://127.0.0.1:{server.server_address[1]}/hook"
    call("POST", f"{url}/users/{CLIENT}/webhook-secret")
    batch = 50 if rate else 500
    began = time.time()
    for start in range(0, n, batch):
        if rate:
            time.sleep(max(0.0, began + start / rate - time.time()))
        items = [{"type": "count", "params": {"to": 1, "delay_ms": 1}, "client": CLIENT, "callback": {"url": hook}}
                 for _ in range(start, min(n, start + batch))]
        call("POST", f"{url}/tasks/batch", items)
    deadline = time.time() + 120
    while time.time() < deadline:
        with lock:
            if len(first_arrival) >= n:
                break
        time.sleep(0.2)
    server.shutdown()
    latencies = [(arrived - finished) * 1000 for arrived, finished in first_arrival.values()]
    print(json.dumps({"n": n, "rate": rate or "burst", "delivered": len(latencies), "p50_ms": round(percentile(latencies, 0.5), 1),
                      "p99_ms": round(percentile(latencies, 0.99), 1), "max_ms": round(max(latencies), 1)}))


if __name__ == "__main__":
    main(sys.argv[1].rstrip("/"), int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 0)
