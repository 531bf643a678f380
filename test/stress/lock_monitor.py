#!/usr/bin/env python3
"""Watch one process's SQLite locks in /proc/locks, from outside (for lockscope's tests).

usage: lock_monitor.py PID SHM_GLOB MAX_SECONDS
Polls every 10 ms while PID lives (at most MAX_SECONDS). For the first -shm matching SHM_GLOB and its
database file (the path without -shm), records per sample whether PID holds a READ lock on the -shm DMS
byte (128) and a READ lock covering the database's SHARED range (1073741826..1073742335).
Prints one JSON object: {"samples": [[t, dms, shared], ...]} (t in seconds since start).
It only stats files and reads /proc/locks: it opens none of the database's files.
"""
import glob
import json
import os
import sys
import time

SHARED_FIRST = 1073741826
SHARED_LAST = 1073742335
DMS = 128


def key(path):
    st = os.stat(path)
    return "%02x:%02x:%d" % (os.major(st.st_dev), os.minor(st.st_dev), st.st_ino)


def covers(start, end, first, last):
    return start <= first and (end == "EOF" or int(end) >= last)


def main():
    pid, pattern, max_s = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
    t0 = time.monotonic()
    samples = []
    while os.path.exists(f"/proc/{pid}") and time.monotonic() - t0 < max_s:
        # Resolved on every poll: the set-up connection's short-lived -shm is a different inode.
        shm_key = db_key = None
        found = sorted(glob.glob(pattern))
        if found:
            try:
                shm_key, db_key = key(found[0]), key(found[0][: -len("-shm")])
            except FileNotFoundError:
                shm_key = db_key = None
        if shm_key is not None:
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
            samples.append([round(time.monotonic() - t0, 4), dms, shared])
        time.sleep(0.01)
    print(json.dumps({"samples": samples}))


if __name__ == "__main__":
    main()
