import { describe, expect, it } from 'vitest';
import check from '../../checks/long-reader.js';
import type { AuditFacts } from '../../src/core/facts.js';
import { runCheck } from '../../src/core/runner.js';
import { makeFacts } from '../helpers/facts.js';
import { hold, proc, readHold, samples } from '../locks/fake-samples.js';

const run = (lockSamples: AuditFacts['lockSamples'], thresholds?: Record<string, number>) =>
  runCheck(check, { ...makeFacts(), lockSamples }, { app: {}, thresholds: thresholds ? { 'long-reader': thresholds } : undefined });

describe('long-reader', () => {
  it('does not appear without sampling', () => {
    expect(runCheck(check, makeFacts(), { app: {} })).toBeNull();
  });

  it('passes when no read transaction was seen', () => {
    const f = run(samples([proc(1)]))!;
    expect(f.status).toBe('pass');
    expect(f.messageId).toBe('no-readers');
  });

  it('passes when readers pinned the WAL only briefly', () => {
    const f = run(samples([proc(2, { read: readHold({ longestMs: 400, longestPinnedMs: 300, pinnedMs: 500, maxFramesBehind: 12, pinsFrame: 88 }) })]))!;
    expect(f.status).toBe('pass');
    expect(f.messageId).toBe('ok');
    expect(f.evidence).toMatchObject({ pid: 2, longestPinnedMs: 300 });
  });

  it('warns when a WAL reader pins an old snapshot, naming the frame and the frames held back', () => {
    const f = run(
      samples([
        proc(977, { read: readHold({ longestMs: 9000, longestPinnedMs: 8000, pinnedMs: 8000, maxFramesBehind: 40_112, pinsFrame: 12, heldAtEnd: true }) }),
        proc(978, { read: readHold({ longestMs: 200 }) }),
      ]),
    )!;
    expect(f.status).toBe('warn');
    expect(f.messageId).toBe('pins-wal');
    expect(f.message).toMatch(/PID 977 .* pinned frame 12 for at least 8\.00 s: up to 40,112 WAL frames could not be checkpointed/);
    expect(f.evidence).toMatchObject({ pid: 977, pinsFrame: 12, maxFramesBehind: 40_112, mode: 'wal' });
    expect(f.fixes.some((x) => x.stack === 'go' && x.code?.includes('rows.Close()'))).toBe(true);
  });

  it('fails above failMs; a read-mark-0 reader is explained as blocking all backfill', () => {
    const f = run(samples([proc(5, { read: readHold({ longestMs: 60_000, longestPinnedMs: 60_000, maxFramesBehind: 300, pinsFrame: null }) })], { windowMs: 60_000 }))!;
    expect(f.status).toBe('fail');
    expect(f.messageId).toBe('pins-wal');
    expect(f.message).toContain('read mark 0');
  });

  it('says when a long WAL read transaction pinned nothing (nothing was committed)', () => {
    const f = run(samples([proc(6, { read: readHold({ longestMs: 5000, longestPinnedMs: 0 }) })]))!;
    expect(f.status).toBe('info');
    expect(f.messageId).toBe('long-read-not-pinning');
    expect(f.evidence).toMatchObject({ pid: 6, longestReadMs: 5000 });
  });

  it('rollback mode: a long SHARED hold blocks writers, with WAL as a fix', () => {
    const f = run(samples([proc(3, { read: readHold({ longestMs: 2500 }) })], { mode: 'rollback', mxFrameStart: null, mxFrameEnd: null }))!;
    expect(f.status).toBe('warn');
    expect(f.messageId).toBe('blocks-writers');
    expect(f.message).toContain('held SHARED');
    expect(f.fixes.map((x) => x.sql)).toContain('PRAGMA journal_mode = WAL;');
    const ok = run(samples([proc(3, { read: readHold({ longestMs: 200 }) })], { mode: 'rollback' }))!;
    expect(ok.status).toBe('pass');
    expect(ok.messageId).toBe('ok');
  });

  it('thresholds can be overridden', () => {
    const s = samples([proc(4, { read: readHold({ longestMs: 3000, longestPinnedMs: 3000, maxFramesBehind: 5, pinsFrame: 1 }) })]);
    expect(run(s, { warnMs: 10_000 })!.status).toBe('pass');
    expect(run(s, { failMs: 2000 })!.status).toBe('fail');
  });

  it('fails when a rollback-mode reader held SHARED the whole window while a committer sat in PENDING the whole window', () => {
    const whole = { heldWholeWindow: true, heldAtStart: true, heldAtEnd: true, longestMs: 4000, share: 1 };
    const reader = proc(31, { read: readHold(whole), locksSeen: ['shared'] });
    const committer = proc(32, { write: hold(whole), writeHoldIsPending: true, pendingWholeWindow: true, locksSeen: ['shared', 'reserved', 'pending'] });
    const f = run(samples([reader, committer], { mode: 'rollback', windowMs: 4000, samples: 400 }))!;
    expect(f).toMatchObject({ status: 'fail', messageId: 'blocks-every-commit' });
    expect(f.message).toMatch(/PID 31 .* held SHARED on the database file for the whole 4\.00 s window .* while PID 32 .* waited in PENDING/);
    expect(f.evidence).toMatchObject({ pid: 31, committerPid: 32, blockingReaderPids: [31] });
    // The same hold with a committer that was not in PENDING all along: the thresholds decide (warn).
    const brief = run(samples([reader, { ...committer, pendingWholeWindow: false }], { mode: 'rollback', windowMs: 4000, samples: 400 }))!;
    expect(brief).toMatchObject({ status: 'warn', messageId: 'blocks-writers' });
    // A window no longer than warnMs cannot tell this from ordinary contention.
    const short = run(samples([reader, committer], { mode: 'rollback', windowMs: 800, samples: 80 }))!;
    expect(short.messageId).not.toBe('blocks-every-commit');
  });
});
