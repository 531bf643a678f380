#!/usr/bin/env python3
"""Watch one process's SQLite locks in /proc/locks, from outside (for lockscope's tests).

usage: lock_monitor.py PID SHM_GLOB SAMPLES [--after-wal K] [--max-seconds S]

Polls while PID lives. For the first -shm matching SHM_GLOB and its database file (the path without
-shm), each sample records which -shm inode it saw (null when none matched), whether PID holds a READ
lock on the -shm DMS byte (128) and whether PID holds a lock covering the database's SHARED range
(1073741826..1073742335). "held" means both.

Prints one JSON object per line, in the order things were seen (n = sample number, from 1):
  {"ev": "state", "n", "shm", "dms", "shared"}   whenever (shm, dms, shared) differs from the sample before
  {"ev": "wal", "n"}                             the first sample at which the -wal is not empty, once
                                                 per -shm file (a writer has committed)
  {"ev": "watched", "n"}                         once SAMPLES samples were taken of one -shm file (with
                                                 --after-wal K: counted only once its -wal was seen to
                                                 change K times, in size or mtime: many commits, more
                                                 writes than the stress run's short set-up connection
                                                 makes), whatever the locks were: the test's cue that
                                                 enough has been watched
  {"ev": "mark", "name", "n", "shm", "dms", "shared"}
                                                 for each line read on stdin: a sample taken after the
                                                 line arrived, so everything before it in the output was
                                                 seen before the sender went on
  {"ev": "end", "n", "reason"}                   PID gone ("exited", after one last sample) or the hang
                                                 guard ("timeout")

Waiting between samples is a select() on stdin, so a mark is answered at once. --max-seconds (default
60) is only a hang guard, not a measurement. It only stats files and reads /proc/locks: it opens none
of the database's files.
"""
import glob
import json
import os
import select
import sys
import time

SHARED_FIRST = 1073741826
SHARED_LAST = 1073742335
DMS = 128
POLL_S = 0.005


def emit(**event):
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


def key(path):
    st = os.stat(path)
    return "%02x:%02x:%d" % (os.major(st.st_dev), os.minor(st.st_dev), st.st_ino)


def covers(start, end, first, last):
    return start <= first and (end == "EOF" or int(end) >= last)


def look(pid, pattern):
    """One sample: (shm key or None, dms held, shared held, -wal (size, mtime) or None)."""
    # Resolved on every poll: the set-up connection's short-lived -shm is a different file.
    found = sorted(glob.glob(pattern))
    if not found:
        return None, False, False, None
    base = found[0][: -len("-shm")]
    try:
        shm_key, db_key = key(found[0]), key(base)
    except FileNotFoundError:
        return None, False, False, None
    try:
        st = os.stat(base + "-wal")
        wal = (st.st_size, st.st_mtime_ns)
    except FileNotFoundError:
        wal = None
    dms = shared = False
    with open("/proc/locks") as f:
        for line in f:
            tok = line.split()
            if len(tok) < 8 or tok[1] == "->" or tok[4] != str(pid):
                continue
            kind, dev, start, end = tok[3], tok[5], int(tok[6]), tok[7]
            if dev == shm_key and kind == "READ" and covers(start, end, DMS, DMS):
                dms = True
            if dev == db_key and covers(start, end, SHARED_FIRST, SHARED_LAST):
                shared = True
    return shm_key, dms, shared, wal


def main():
    args = sys.argv[1:]
    wal_changes_needed = 0
    if "--after-wal" in args:
        wal_changes_needed = int(args[args.index("--after-wal") + 1])
    max_s = 60.0
    if "--max-seconds" in args:
        max_s = float(args[args.index("--max-seconds") + 1])
    pid, pattern, watch_needed = int(args[0]), args[1], int(args[2])

    t0 = time.monotonic()
    n = 0
    last = None
    wal_seen = watched_sent = False
    wal_last = None
    wal_changes = 0
    watched = 0  # samples of the current -shm counted towards "watched"
    stdin_open = True
    buffered = b""

    def sample():
        nonlocal n, last, wal_seen, watched_sent, watched, wal_last, wal_changes
        shm, dms, shared, wal = look(pid, pattern)
        n += 1
        state = (shm, dms, shared)
        if state != last:
            if last is None or shm != last[0]:
                # Another -shm (or none): the -wal seen so far belonged to the one before.
                wal_seen = False
                wal_changes = 0
                watched = 0
            emit(ev="state", n=n, shm=shm, dms=dms, shared=shared)
            last = state
        if wal is not None and wal[0] > 0 and not wal_seen:
            wal_seen = True
            emit(ev="wal", n=n)
        if wal_seen and wal != wal_last:
            wal_changes += 1
        wal_last = wal
        if shm is not None and wal_changes >= wal_changes_needed:
            watched += 1
        if not watched_sent and watched >= watch_needed:
            watched_sent = True
            emit(ev="watched", n=n)
        return state

    reason = "exited"
    while os.path.exists(f"/proc/{pid}"):
        if time.monotonic() - t0 > max_s:
            reason = "timeout"
            break
        sample()
        if not stdin_open:
            time.sleep(POLL_S)
            continue
        ready, _, _ = select.select([sys.stdin], [], [], POLL_S)
        if not ready:
            continue
        chunk = os.read(sys.stdin.fileno(), 4096)
        if not chunk:
            stdin_open = False
            continue
        buffered += chunk
        while b"\n" in buffered:
            line, buffered = buffered.split(b"\n", 1)
            shm, dms, shared = sample()
            emit(ev="mark", name=line.decode().strip(), n=n, shm=shm, dms=dms, shared=shared)
    if reason == "exited":
        # One last look once PID is gone, so its release is always in the output, however late this
        # process was scheduled around the exit.
        sample()
    emit(ev="end", n=n, reason=reason)


if __name__ == "__main__":
    main()
