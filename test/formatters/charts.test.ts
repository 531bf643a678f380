/** Terminal charts: what each column shows, the ASCII fallback, the width, and that they appear only with series. */
import { describe, expect, it } from 'vitest';
import type { HoldInterval } from '../../src/core/series.js';
import { holdKind } from '../../src/output/chart-data.js';
import { MAX_LANES, lockTimelineLines, sparkline, stressChartLines } from '../../src/output/charts.js';
import { formatLocksText } from '../../src/output/locks-text.js';
import { stressTextSection } from '../../src/output/stress-text.js';
import { makeStyle } from '../../src/output/style.js';
import { makeFacts } from '../helpers/facts.js';
import { proc, samples } from '../locks/fake-samples.js';
import { makeStress } from '../stress/fixtures.js';
import { report } from './reports.js';
import { lockWindow, stressSeries } from './series-fixtures.js';

const NON_ASCII = /[^\x20-\x7e]/;

/** The chart part of a row: after the label column, up to the note. */
function cells(line: string, from: number, width: number): string {
  return Array.from(line).slice(from, from + width).join('');
}

describe('sparkline', () => {
  it('scales to the largest value; zero and unknown are blank; ASCII has its own ramp', () => {
    expect(sparkline([0, 1, 4, 8, null])).toBe(' ▁▄█ ');
    expect(sparkline([0, 1, 4, 8, null], false)).toBe(' .=@ ');
    expect(sparkline([0, 0])).toBe('  ');
  });
});

describe('stress charts', () => {
  it('none without a series (facts recorded before series existed)', () => {
    expect(stressChartLines(undefined)).toEqual([]);
    expect(stressTextSection(makeStress(), null, makeStyle(0)).join('\n')).not.toContain('over the run');
  });

  it('tx/s dips, BUSY/s and the WAL reset line up at each checkpoint interval, within 80 columns', () => {
    const lines = stressChartLines(stressSeries());
    expect(lines[0]).toBe('over the run (one column = 250 ms)');
    for (const l of lines) expect(Array.from(l).length).toBeLessThanOrEqual(80);
    const [tx, busy, wal] = [lines[1]!, lines[2]!, lines[3]!].map((l) => cells(l, 9, 40));
    expect(lines[1]).toMatch(/^ {2}tx\/s {3}/);
    expect(lines[1]).toMatch(/peak 880\/s$/);
    expect(lines[2]).toMatch(/peak 60\/s$/);
    expect(lines[3]).toMatch(/peak 3\.8 MiB$/);
    const checkpoints = [9, 19, 29, 39];
    for (let c = 0; c < 40; c += 1) {
      const atCheckpoint = checkpoints.includes(c);
      expect(tx[c], `tx column ${c}`).toBe(atCheckpoint ? '▁' : '█');
      expect(busy[c] !== ' ', `busy column ${c}`).toBe(atCheckpoint);
    }
    // The sawtooth: highest just before each reset, lowest just after.
    expect(wal[8]).toBe('█');
    expect(wal[10]).toBe('▁');
    expect(lines[4]).toMatch(/0 s +10\.0 s$/);
  });

  it('ASCII only with unicode: false; narrower columns group whole intervals', () => {
    const ascii = stressChartLines(stressSeries(), { unicode: false });
    for (const l of ascii) expect(l).not.toMatch(NON_ASCII);
    const narrow = stressChartLines(stressSeries(), { columns: 40 });
    for (const l of narrow) expect(Array.from(l).length).toBeLessThanOrEqual(40);
    expect(narrow[0]).toMatch(/one column = (500|750) ms|one column = 1\.00 s/);
  });

  it('no BUSY: the row says none; the stress text section carries the charts', () => {
    const series = stressSeries();
    for (const i of series.intervals) i.busy = {};
    const lines = stressTextSection(makeStress({ series }), null, makeStyle(0));
    const busy = lines.find((l) => l.startsWith('  BUSY/s'))!;
    expect(busy).toMatch(/^ {2}BUSY\/s +none$/);
    expect(lines.some((l) => l.startsWith('  tx/s'))).toBe(true);
  });
});

describe('lock timeline', () => {
  it('one row per process holding the write lock or a read lock; the idle connection has none; the write share and the WAL ramp', () => {
    const lines = lockTimelineLines(lockWindow());
    const text = lines.join('\n');
    expect(lines[0]).toMatch(/^lock timeline \(one column = \d+ ms\)$/);
    for (const l of lines) expect(Array.from(l).length).toBeLessThanOrEqual(80);
    const writer = lines.find((l) => l.startsWith('  4242 '))!;
    const reader = lines.find((l) => l.startsWith('  4243 '))!;
    expect(text).not.toContain('4244');
    expect(writer).toMatch(/write 83%$/);
    expect(writer).not.toContain('▒');
    // The reader read from 2 s to 7 s of 10 s: its marks sit in the middle of the row only.
    const row = reader.slice(reader.indexOf('node report.js') + 'node report.js'.length).trim();
    const first = row.indexOf('▒');
    const last = row.lastIndexOf('▒');
    expect(first / row.length).toBeGreaterThan(0.15);
    expect(first / row.length).toBeLessThan(0.25);
    expect(last / row.length).toBeGreaterThan(0.65);
    expect(last / row.length).toBeLessThan(0.75);
    const wal = lines.find((l) => l.startsWith('  WAL'))!;
    expect(wal).toMatch(/▁.*█ peak 4\.0 MiB$/);
    expect(text).toContain('█ write lock most of the column');
  });

  it('writes of 400 ms every 480 ms: full columns when a column is mostly held, part marks where the gaps fall at 120 columns', () => {
    const wide = lockTimelineLines(lockWindow(), { columns: 120 });
    const writer = wide.find((l) => l.startsWith('  4242 '))!;
    expect(writer).toContain('█');
    expect(writer).toContain('▄');
  });

  it('ASCII fallback; none without a timeline; command lines escaped; at most MAX_LANES rows', () => {
    for (const l of lockTimelineLines(lockWindow(), { unicode: false })) expect(l).not.toMatch(NON_ASCII);
    expect(lockTimelineLines(samples([proc(1)]))).toEqual([]);
    const hostile = lockTimelineLines(lockWindow({ writer: 'evil\u001b[2J\u0007' }));
    for (const l of hostile) expect(l).not.toMatch(/[\u0000-\u001f]/);
    expect(hostile.join('\n')).toContain('evil\\x1b[2J\\x07');
    const holds: HoldInterval[] = Array.from({ length: MAX_LANES + 3 }, (_, i) => ({ pid: 100 + i, lock: 'READ-MARK-1', mode: 'shared', startMs: 0, endMs: 500, open: false }));
    // The last process is the one that held the write lock: it is kept, a reader is left out instead.
    holds.push({ pid: 100 + MAX_LANES + 2, lock: 'WRITER', mode: 'exclusive', startMs: 600, endMs: 900, open: false });
    const many = lockTimelineLines(samples([], { timeline: { holds, wal: [] } }));
    const rows = many.filter((l) => /^ {2}1\d\d /.test(l));
    expect(rows).toHaveLength(MAX_LANES);
    expect(rows.some((l) => l.startsWith(`  ${100 + MAX_LANES + 2} `))).toBe(true);
    expect(many.join('\n')).toContain('… 3 more processes');
  });

  it('locks text shows the timeline under the sampling table', () => {
    const r = report([{ path: 'app.db', facts: makeFacts({ lockSamples: lockWindow() }), findings: [] }], 0);
    const out = formatLocksText(r, { style: makeStyle(0) });
    expect(out.indexOf('lock timeline')).toBeGreaterThan(out.indexOf('Sampled 10.00 s'));
  });
});

describe('holdKind', () => {
  it.each([
    ['WRITER', 'exclusive', 'wal', 'write'],
    ['wal-write', 'exclusive', 'wal', 'write'],
    ['RESERVED', 'exclusive', 'rollback', 'write'],
    ['PENDING', 'exclusive', 'rollback', 'write'],
    ['EXCLUSIVE', 'exclusive', 'rollback', 'write'],
    ['READ-MARK-1', 'shared', 'wal', 'read'],
    ['READ0', 'shared', 'wal', 'read'],
    // The names of src/core/facts.ts's SqliteLockName, as a recorder may keep them.
    ['wal-read-2', 'shared', 'wal', 'read'],
    ['reserved', 'exclusive', 'rollback', 'write'],
    ['wal-dms', 'shared', 'wal', null],
    // A read mark held exclusive is the checkpointer backfilling: it blocks no writer.
    ['READ-MARK-0', 'exclusive', 'wal', null],
    // Every WAL connection holds SHARED on the database file while open; in rollback mode it is a reader.
    ['SHARED', 'shared', 'wal', null],
    ['SHARED', 'shared', 'rollback', 'read'],
    ['DMS', 'shared', 'wal', null],
    ['CKPT', 'exclusive', 'wal', null],
  ] as const)('%s (%s, %s) → %s', (lock, mode, journal, kind) => {
    expect(holdKind({ lock, mode }, journal)).toBe(kind);
  });
});
