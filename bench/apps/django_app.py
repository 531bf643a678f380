#!/usr/bin/python3
"""One writer of a plain Django app, for lockscope's fidelity bench (bench/fidelity.ts).

usage: /usr/bin/python3 django_app.py DB SECONDS PATTERN WRITER   (Debian's python3-django 3.2)
  PATTERN: insert           with transaction.atomic(): INSERT one 100-byte row
           read-then-write  with transaction.atomic(): SELECT max(id); INSERT one row

The database is configured the way a Django project does by default (ENGINE sqlite3, no OPTIONS: the
connection is Python's sqlite3.connect with its 5 s timeout), and each unit of work is atomic(), which
issues a deferred BEGIN before its first statement. Prints "ready" once connected, starts on a "go"
line on stdin, runs SECONDS, and prints one JSON line: committed transactions and errors by kind.
"""
import json
import os
import sys
import time

import django
from django.conf import settings

path, seconds, pattern, writer = sys.argv[1], float(sys.argv[2]), sys.argv[3], int(sys.argv[4])
settings.configure(DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": path}}, USE_TZ=True)
django.setup()
from django.db import OperationalError, connection, transaction  # noqa: E402

payload = os.urandom(100)
with connection.cursor() as c:
    c.execute("PRAGMA synchronous")
    sync = c.fetchone()[0]
    c.execute("PRAGMA busy_timeout")
    busy_ms = c.fetchone()[0]
print("ready", flush=True)
sys.stdin.readline()

committed = busy = other = 0
start = time.monotonic()
deadline = start + seconds
while time.monotonic() < deadline:
    try:
        with transaction.atomic():
            with connection.cursor() as c:
                if pattern == "read-then-write":
                    c.execute("SELECT max(id) FROM lockscope_stress")
                    c.fetchone()
                c.execute("INSERT INTO lockscope_stress (writer, n, v) VALUES (%s, 0, %s)", [writer, payload])
        committed += 1
    except OperationalError as e:
        if "locked" in str(e) or "busy" in str(e):
            busy += 1
        else:
            other += 1
elapsed = time.monotonic() - start
connection.close()
print(json.dumps({"committed": committed, "busy": busy, "other": other, "elapsed": elapsed, "synchronous": sync, "busyTimeoutMs": busy_ms}), flush=True)
