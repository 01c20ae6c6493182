#!/usr/bin/env python3
"""A local HTTP receiver standing in for Sentry, Slack and webhook endpoints in Strata's tests.

    http_receiver.py --dir OUT [--status 200] [--fail-first N]

Listens on 127.0.0.1 (a free port) and writes every request to OUT/<n>.json:
{"method", "path", "headers": {name: value}, "body": "<utf-8 text>"}. Answers --status (after answering 503
to the first N requests when --fail-first is given). Prints `READY <port>`; stops when stdin closes or on SIGTERM.
"""
import argparse, json, os, signal, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--status", type=int, default=200)
    p.add_argument("--fail-first", type=int, default=0)
    a = p.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    lock = threading.Lock()
    state = {"count": 0}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            with lock:
                state["count"] += 1
                n = state["count"]
            record = {"method": "POST", "path": self.path, "headers": {k: v for k, v in self.headers.items()},
                      "body": body.decode("utf-8", "replace")}
            tmp = os.path.join(a.dir, "%03d.json.tmp" % n)
            with open(tmp, "w") as f:
                json.dump(record, f)
            os.rename(tmp, os.path.join(a.dir, "%03d.json" % n))
            status = 503 if n <= a.fail_first else a.status
            reply = b'{"id":"ok"}' if status < 300 else b'{"detail":"try later"}'
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print("READY %d" % server.server_address[1], flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    stop.wait()
    server.shutdown()


if __name__ == "__main__":
    main()
