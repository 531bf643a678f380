#!/usr/bin/env python3
"""One writer of a plain Python sqlite3 app, for lockscope's fidelity bench (bench/fidelity.ts).

usage: python3 python_app.py DB SECONDS PATTERN WRITER
  PATTERN: insert           INSERT one 100-byte row; commit()
           read-then-write  SELECT max(id); INSERT one row; commit()

The connection is opened the way most apps open it: sqlite3.connect(DB) with every default (timeout
5.0 s, isolation_level "" = the module begins a deferred transaction itself before the INSERT, not
before the SELECT). Prints "ready" once connected, starts on a "go" line on stdin, runs SECONDS, and
prints one JSON line: committed transactions and errors by kind.
"""
import json
import os
import sqlite3
import sys
import time

path, seconds, pattern, writer = sys.argv[1], float(sys.argv[2]), sys.argv[3], int(sys.argv[4])
conn = sqlite3.connect(path)
payload = os.urandom(100)
sync = conn.execute("PRAGMA synchronous").fetchone()[0]
busy_ms = conn.execute("PRAGMA busy_timeout").fetchone()[0]
print("ready", flush=True)
sys.stdin.readline()

committed = busy = other = 0
start = time.monotonic()
deadline = start + seconds
while time.monotonic() < deadline:
    try:
        if pattern == "read-then-write":
            conn.execute("SELECT max(id) FROM lockscope_stress").fetchone()
        conn.execute("INSERT INTO lockscope_stress (writer, n, v) VALUES (?, 0, ?)", (writer, payload))
        conn.commit()
        committed += 1
    except sqlite3.OperationalError as e:
        if "locked" in str(e) or "busy" in str(e):
            busy += 1
        else:
            other += 1
        conn.rollback()
elapsed = time.monotonic() - start
conn.close()
print(json.dumps({"committed": committed, "busy": busy, "other": other, "elapsed": elapsed, "synchronous": sync, "busyTimeoutMs": busy_ms}), flush=True)
