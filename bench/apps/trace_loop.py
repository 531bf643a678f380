#!/usr/bin/env python3
"""The app of `npm run bench -- trace`: python3's sqlite3 committing small write transactions.

usage: trace_loop.py DB SECONDS RATE
Opens DB (WAL, synchronous NORMAL, busy_timeout 5 s), prints "READY <pid>", waits for a line on stdin, then for SECONDS runs
BEGIN IMMEDIATE; INSERT; COMMIT — as fast as it can (RATE 0) or RATE times a second — and prints
"DONE <commits> <p99 latency ms>".
"""
import sqlite3
import sys
import time


def main() -> None:
    db, seconds, rate = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
    conn = sqlite3.connect(db, timeout=5, isolation_level=None)
    # No fsync per commit: the bench measures what tracing adds to the lock calls, not the disk.
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("SELECT count(*) FROM bench").fetchall()
    print(f"READY {__import__('os').getpid()}", flush=True)
    sys.stdin.readline()
    latencies = []
    start = time.monotonic()
    n = 0
    while True:
        now = time.monotonic()
        if now - start >= seconds:
            break
        if rate > 0:
            due = start + n / rate
            if due > now:
                time.sleep(due - now)
        t = time.monotonic()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO bench VALUES (?)", (n,))
        conn.execute("COMMIT")
        latencies.append((time.monotonic() - t) * 1000)
        n += 1
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] if latencies else 0
    print(f"DONE {n} {p99:.3f}", flush=True)


if __name__ == "__main__":
    main()
