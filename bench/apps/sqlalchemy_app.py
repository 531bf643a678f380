#!/usr/bin/python3
"""One writer of a plain SQLAlchemy app, for lockscope's fidelity bench (bench/fidelity.ts).

usage: /usr/bin/python3 sqlalchemy_app.py DB SECONDS PATTERN WRITER   (Debian's python3-sqlalchemy 1.4)
  PATTERN: insert           with engine.begin(): INSERT one 100-byte row
           read-then-write  with engine.begin(): SELECT max(id); INSERT one row

The engine is created the way the SQLAlchemy docs show (create_engine("sqlite:///DB"), no connect_args:
pysqlite's 5 s timeout and its own implicit BEGIN before the first write). Prints "ready" once connected,
starts on a "go" line on stdin, runs SECONDS, and prints one JSON line: committed transactions and errors.
"""
import json
import os
import sys
import time

from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

path, seconds, pattern, writer = sys.argv[1], float(sys.argv[2]), sys.argv[3], int(sys.argv[4])
engine = create_engine(f"sqlite:///{path}")
payload = os.urandom(100)
with engine.connect() as c:
    sync = c.execute(text("PRAGMA synchronous")).scalar()
    busy_ms = c.execute(text("PRAGMA busy_timeout")).scalar()
read = text("SELECT max(id) FROM lockscope_stress")
insert = text("INSERT INTO lockscope_stress (writer, n, v) VALUES (:w, 0, :v)")
print("ready", flush=True)
sys.stdin.readline()

committed = busy = other = 0
start = time.monotonic()
deadline = start + seconds
while time.monotonic() < deadline:
    try:
        with engine.begin() as c:
            if pattern == "read-then-write":
                c.execute(read).scalar()
            c.execute(insert, {"w": writer, "v": payload})
        committed += 1
    except OperationalError as e:
        if "locked" in str(e) or "busy" in str(e):
            busy += 1
        else:
            other += 1
elapsed = time.monotonic() - start
engine.dispose()
print(json.dumps({"committed": committed, "busy": busy, "other": other, "elapsed": elapsed, "synchronous": sync, "busyTimeoutMs": busy_ms}), flush=True)
