/**
 * Fixes shared by the lock checks (lock-holders, long-write-lock, long-reader, lock-stall): how to find
 * the transaction in the app, and how to keep transactions short in each main stack.
 */
import { basename } from 'node:path';
import type { ProcessRunState } from '../../core/facts.js';
import { shellArg } from '../sqlite/fixes.js';
import { shortCommand } from './holder-words.js';
import type { Fix } from '../../core/model.js';

/** What runs in a process (from its executable and argv[0], src/sources/proc/processes.ts); undefined = not known. */
export type Runtime = 'python' | 'node' | 'other' | undefined;

/**
 * How to see where in its code a process is, with the tool that fits it: py-spy for Python, the Node
 * inspector for node (py-spy cannot read a node process), gdb or eu-stack for anything else. Unknown
 * (facts saved by an older version): each, labelled with its stack.
 */
export function stackDumpFixes(pid: number, runtime: Runtime): Fix[] {
  const python: Fix = { summary: "Python: dump every thread's stack to find the open transaction (py-spy attaches without a restart)", shell: `py-spy dump --pid ${pid}` };
  const node: Fix = {
    summary: 'Node: SIGUSR1 opens its inspector on 127.0.0.1:9229 (no restart); attach, pause, and read the JavaScript stack',
    shell: `kill -USR1 ${pid}\nnode inspect -p ${pid}`,
    docs: 'https://nodejs.org/api/debugger.html',
    caution: 'Only for node: SIGUSR1 ends most other programs.',
  };
  const native: Fix = { summary: "Every thread's native stack (gdb briefly stops the process; eu-stack is the lighter alternative)", shell: `gdb -p ${pid} -batch -ex 'thread apply all bt'\neu-stack -p ${pid}` };
  switch (runtime) {
    case 'python':
      return [python];
    case 'node':
      return [node];
    case 'other':
      return [native];
    default:
      return [
        { ...python, stack: 'python' },
        { ...node, summary: `${node.summary} (node processes only)` },
        native,
      ];
  }
}

/** Find the process and where in its code the transaction is open. */
export function findHolderFixes(dbPath: string, pid: number, runtime?: Runtime): Fix[] {
  return [
    {
      summary: 'Measure how long it holds the lock, and who else takes it (samples the lock table at 100 Hz; takes no lock)',
      shell: `lockscope locks ${shellArg(dbPath)} --for 10s`,
    },
    { summary: 'See what the process is and how long it has been running', shell: `ps -o pid,user,etime,args -p ${pid}` },
    ...stackDumpFixes(pid, runtime),
  ];
}

/** Where a stuck (not stopped) process waits: kernel wait channel, system call, stacks. */
export function stuckProcessFixes(pid: number, runtime?: Runtime): Fix[] {
  return [
    { summary: 'See what it is blocked on (the kernel wait channel and its current system call)', shell: `cat /proc/${pid}/wchan; echo; cat /proc/${pid}/syscall` },
    ...stackDumpFixes(pid, runtime),
    {
      summary: 'Last resort: end it; its transaction is rolled back and the lock released',
      shell: `kill ${pid}`,
      caution: 'The uncommitted work of that transaction is lost. In rollback-journal mode the next connection rolls back the hot journal.',
    },
  ];
}

const SHELLS = /^-?(?:ba|z|da|k|c|tc|fi|mk)?sh$/;

/**
 * A stopped process (state T or t) holds its locks until it runs again: resume it, or end it with SIGKILL.
 * Plain `kill` (SIGTERM) does nothing while it is stopped: the signal stays pending (measured here: a
 * stopped process sent SIGTERM is still in state T and still holds its lock), so it is never offered.
 */
export function stoppedProcessFixes(pid: number, run: ProcessRunState): Fix[] {
  const fixes: Fix[] = [];
  if (run.state === 't' || run.tracerPid !== null) {
    const tracer = run.tracerPid !== null ? `PID ${run.tracerPid}${run.tracerCommand ? ` (${shortCommand(run.tracerCommand)})` : ''}` : 'its tracer';
    fixes.push({
      summary: `Resume it from its tracer, ${tracer}: continue or detach there (gdb: \`continue\` or \`detach\`; strace: Ctrl-C). SIGCONT does not resume a process its tracer stopped`,
      shell: run.tracerPid !== null ? `ps -o pid,user,etime,args -p ${run.tracerPid}` : `grep TracerPid /proc/${pid}/status`,
    });
  } else {
    fixes.push({
      summary: 'Resume it: SIGCONT lets it run again, finish its transaction and release the lock',
      shell: `kill -CONT ${pid}`,
    });
    const parentName = run.parentCommand ? basename(run.parentCommand.split(' ')[0] ?? '') : '';
    if (run.ppid !== null && SHELLS.test(parentName)) {
      fixes.push({
        summary: `It is a job of the shell PID ${run.ppid} (${shortCommand(run.parentCommand)}), stopped with Ctrl-Z or SIGSTOP: \`fg\` (or \`bg\`) in that terminal resumes it too`,
        shell: `ps -o pid,tty,args -p ${run.ppid}`,
      });
    }
  }
  fixes.push({
    summary: 'If it must go: SIGKILL ends it even while stopped (plain `kill` does not: SIGTERM waits, pending, until it is resumed); its transaction is rolled back and the lock released',
    shell: `kill -9 ${pid}`,
    caution: 'The uncommitted work of that transaction is lost, and the process gets no chance to clean up. In rollback-journal mode the next connection rolls back the hot journal.',
  });
  return fixes;
}

/** "stopped (state T, by a signal: SIGSTOP or Ctrl-Z)" / "stopped by its tracer PID 7 (gdb …)". */
export function stoppedWords(run: ProcessRunState): string {
  if (run.state === 't' || run.tracerPid !== null) {
    return `is stopped by its tracer${run.tracerPid !== null ? ` PID ${run.tracerPid}${run.tracerCommand ? ` (${shortCommand(run.tracerCommand)})` : ''}` : ''} (state ${run.state}): it runs no code until the tracer lets it go`;
  }
  return 'is stopped (state T: SIGSTOP, or Ctrl-Z in its terminal): it runs no code until it gets SIGCONT';
}

/** Keep write transactions short, per stack. */
export function shortWriteTransactionFixes(): Fix[] {
  return [
    {
      summary: 'Hold the write lock only for the statements that must be atomic: do network calls, file I/O and heavy computing before BEGIN, then commit at once',
      sql: 'BEGIN IMMEDIATE;\n-- only the writes that must be atomic\nCOMMIT;',
      docs: 'https://www.sqlite.org/lang_transaction.html',
    },
    {
      summary: 'Python sqlite3: keep the `with conn:` block (the transaction) around the writes only; commit batches of a few thousand rows',
      stack: 'python',
      code: 'rows = [compute(x) for x in items]        # slow work first, no transaction open\nwith conn:                                 # BEGIN … COMMIT\n    conn.executemany("INSERT INTO t VALUES (?, ?)", rows)',
    },
    {
      summary: 'Django: keep transaction.atomic() blocks small; no HTTP calls or task queue round trips inside them',
      stack: 'django',
      code: 'data = fetch_remote()          # outside the transaction\nwith transaction.atomic():\n    Item.objects.bulk_create(data)',
    },
    {
      summary: 'SQLAlchemy: short sessions; commit before slow work, not after',
      stack: 'sqlalchemy',
      code: 'with Session(engine) as session, session.begin():\n    session.add_all(objects)   # committed when the block ends',
    },
    {
      summary: 'better-sqlite3: db.transaction() runs synchronously; never await inside a BEGIN … COMMIT you manage yourself',
      stack: 'better-sqlite3',
      code: 'const insertMany = db.transaction((rows) => { for (const r of rows) insert.run(r); });\ninsertMany.immediate(rows); // BEGIN IMMEDIATE … COMMIT, no await in between',
    },
    {
      summary: 'node-sqlite3: serialize the writes and COMMIT in the same callback chain; no awaits on other I/O in between',
      stack: 'node-sqlite3',
      code: "db.serialize(() => {\n  db.run('BEGIN IMMEDIATE');\n  for (const r of rows) db.run('INSERT INTO t VALUES (?, ?)', r);\n  db.run('COMMIT');\n});",
    },
    {
      summary: 'Go database/sql: keep tx short and always end it (defer tx.Rollback() after BeginTx)',
      stack: 'go',
      code: 'tx, err := db.BeginTx(ctx, nil)\nif err != nil { return err }\ndefer tx.Rollback()\n// writes only\nreturn tx.Commit()',
    },
    {
      summary: 'Rails: keep transaction blocks small; enqueue jobs and call APIs after the commit (after_commit)',
      stack: 'rails',
      code: 'ActiveRecord::Base.transaction do\n  records.each(&:save!)\nend\nNotifyJob.perform_later(ids)   # after the commit',
    },
  ];
}

/** End read transactions promptly: finish or close cursors, do not leave BEGIN open. */
export function shortReadTransactionFixes(): Fix[] {
  return [
    {
      summary: 'End read transactions: finish or close every cursor, and COMMIT/ROLLBACK an explicit BEGIN once the reads are done',
      sql: 'COMMIT;  -- or ROLLBACK: either ends the read transaction and releases the snapshot',
    },
    {
      summary: 'Python sqlite3: fetch all rows (or close the cursor); with autocommit=False (3.12+) every connection is always in a transaction until commit()',
      stack: 'python',
      code: 'rows = conn.execute("SELECT …").fetchall()   # the statement finishes here\nconn.commit()                                # ends an implicit transaction',
    },
    {
      summary: 'Django: .iterator() over a huge queryset keeps one statement (and snapshot) open: process in chunks',
      stack: 'django',
      code: 'for pk_chunk in chunked(Item.objects.values_list("pk", flat=True), 1000):\n    for item in Item.objects.filter(pk__in=pk_chunk):\n        handle(item)',
    },
    {
      summary: 'SQLAlchemy: close sessions (a session holds its transaction, and its snapshot, until commit/close)',
      stack: 'sqlalchemy',
      code: 'with Session(engine) as session:\n    items = session.scalars(select(Item)).all()\n# closed here: the read transaction ends',
    },
    {
      summary: 'better-sqlite3: an iterate() left unfinished keeps its statement and snapshot: finish it or call return()',
      stack: 'better-sqlite3',
      code: 'const it = stmt.iterate();\ntry { for (const row of it) { if (done(row)) break; } } finally { it.return(); }',
    },
    {
      summary: 'node-sqlite3: call finalize() on prepared statements you stop reading early',
      stack: 'node-sqlite3',
      code: 'stmt.finalize();',
    },
    {
      summary: 'Go database/sql: always rows.Close() (defer it), or the connection keeps its read transaction',
      stack: 'go',
      code: 'rows, err := db.QueryContext(ctx, q)\nif err != nil { return err }\ndefer rows.Close()',
    },
    {
      summary: 'Rails: find_each processes in batches instead of one long read',
      stack: 'rails',
      code: 'Item.find_each(batch_size: 1000) { |item| handle(item) }',
    },
  ];
}
