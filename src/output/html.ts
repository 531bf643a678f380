/**
 * `--format html`: the report as one self-contained page — the summary, per database its facts table, the
 * charts its time series allow (throughput and BUSY per second, the lock timeline per process, the WAL size),
 * and the findings with their evidence and fixes. Readable on a phone (viewport meta, one column under 40 em).
 *
 * No network at view time: uPlot (https://github.com/leeoniya/uPlot, ~50 KB, no dependencies; canvas charts
 * with cursor readouts) and every style are inlined, and a Content-Security-Policy allows no fetch at all and
 * only the page's own two scripts (by hash), so even markup slipped past the escaping could not run.
 * Every string from the facts (paths, command lines, messages) is HTML-escaped; the chart data travels as
 * JSON in a non-executed <script type="application/json"> with `<`, `>` and `&` written as \u escapes.
 * Pure apart from reading uPlot's files from the installed package (html-assets.ts).
 */
import { createHash } from 'node:crypto';
import { EVIDENCE_MAX_CHARS, cutText, visibleControls } from '../core/escape.js';
import type { DecodedLock, LockSampleFacts } from '../core/facts.js';
import { isGatherError } from '../core/facts.js';
import { type CheckedDatabase, type DatabaseReport, type Finding, type Fix, type FixFilter, type Report, type Status, type StressSection, isFactsOf } from '../core/model.js';
import type { PgFacts } from '../sources/postgres/facts.js';
import { formatBytes, formatCount, formatLatencyMs, formatMs } from '../core/units.js';
import { shortLockName } from '../sources/proc/lock-table.js';
import { sourceOf } from '../sources/index.js';
import { busyByKind, pickLanes, processLanes, stressRates } from './chart-data.js';
import { htmlAssets } from './html-assets.js';
import { evidenceValue } from './plain.js';
import { describeWorkload } from './stress-text.js';
import { makeStyle } from './style.js';
import { appRow, fixesFor, summaryLine } from './text.js';

export interface HtmlOptions {
  /** Fixes for this stack only (plus the stack-independent ones). */
  stack?: FixFilter;
}

/** Text from outside as HTML text or attribute value: control characters made visible, then the five specials. */
export function escapeHtml(text: string): string {
  return visibleControls(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON inside <script type="application/json">: nothing in it can close the element or open markup. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Findings that need action first: fail, error, warn, info, skip, pass (stable within a status). */
const ORDER: Record<Status, number> = { fail: 0, error: 1, warn: 2, info: 3, skip: 4, pass: 5 };
const SYMBOL: Record<Status, string> = { pass: '✔', warn: '⚠', fail: '✖', info: 'ℹ', skip: '–', error: '☠' };

/** The data one chart is drawn from (read by CHART_SCRIPT). */
type ChartSpec =
  | { kind: 'rates'; x: number[]; tx: number[]; busy: (number | null)[]; endS: number }
  | { kind: 'wal'; x: number[]; bytes: (number | null)[] }
  | { kind: 'timeline'; windowS: number; periodS: number; lanes: { label: string; write: [number, number][]; read: [number, number][] }[] };

interface Chart {
  title: string;
  caption: string;
  spec: ChartSpec;
}

const LANE_LABEL_CHARS = 28;
/** The lock timeline's rows at most (the longest writers, then readers, kept); the sampling table lists every process. */
const MAX_HTML_LANES = 40;

function cut(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** The stress run, from the stress section or (audit --stress, a replay) the facts; a section of another shape is left out. */
function stressOf(db: CheckedDatabase): StressSection | undefined {
  const s = db.stress ?? (db.facts && 'stress' in db.facts ? db.facts.stress : undefined);
  return s && !isGatherError(s) && isObject(s.workload) && isObject(s.errors) ? s : undefined;
}

function samplesOf(db: CheckedDatabase): LockSampleFacts | undefined {
  const s = db.sampling ?? (db.facts && 'lockSamples' in db.facts ? db.facts.lockSamples : undefined);
  return s && !isGatherError(s) && Array.isArray(s.processes) ? s : undefined;
}

function stressCharts(stress: StressSection): Chart[] {
  const series = stress.series;
  if (!series) return [];
  const charts: Chart[] = [];
  const rates = stressRates(series);
  if (rates.length > 0) {
    const kinds = busyByKind(series);
    charts.push({
      title: 'Throughput and BUSY per second',
      caption: `Committed transactions per second (line) and failed attempts per second (bars: ${
        kinds.length > 0 ? kinds.map(([k, n]) => `${k} ${formatCount(n)}`).join(', ') : 'none in this run'
      }), per ${formatMs(series.intervalMs)} interval. BUSY bursts that line up with throughput dips are writers waiting out a checkpoint or a long transaction.`,
      spec: {
        kind: 'rates',
        x: rates.map((r) => (r.startMs + r.endMs) / 2000),
        tx: rates.map((r) => Math.round(r.txPerSec * 10) / 10),
        // No bar where nothing failed (a zero-height bar still draws a line).
        busy: rates.map((r) => (r.busy > 0 ? Math.round(r.busyPerSec * 10) / 10 : null)),
        endS: rates[rates.length - 1]!.endMs / 1000,
      },
    });
  }
  const wal = series.wal.filter((p) => p.walBytes !== null);
  if (wal.length > 0) charts.push(walChart(series.wal, 'over the run'));
  return charts;
}

function walChart(points: readonly { tMs: number; walBytes: number | null }[], when: string): Chart {
  return {
    title: 'WAL size',
    caption: `Size of the -wal file ${when}. A sawtooth means checkpoints run and the WAL restarts; a ramp that never drops means a reader pins it (or nothing checkpoints).`,
    spec: { kind: 'wal', x: points.map((p) => p.tMs / 1000), bytes: points.map((p) => p.walBytes) },
  };
}

function lockCharts(samples: LockSampleFacts): Chart[] {
  const timeline = samples.timeline;
  // A window of no length (cut at its start) has no time axis to draw on.
  if (!timeline || !(samples.windowMs > 0)) return [];
  const charts: Chart[] = [];
  const processes = new Map(samples.processes.map((p) => [p.pid, p]));
  const all = processLanes(timeline.holds, samples.mode, samples.processes.map((p) => p.pid));
  const lanes = pickLanes(all, MAX_HTML_LANES);
  if (lanes.length > 0) {
    const more = all.length - lanes.length;
    charts.push({
      title: 'Lock timeline per process',
      caption: `One row per process across the ${formatMs(samples.windowMs)} window (sampled at ${samples.hz} Hz): orange where it held the write lock (no other writer can start), blue where it held a read lock. The sampling table gives each one's share.${
        more > 0 ? ` ${more} more processes that held locks for less time are in the table only.` : ''
      }`,
      spec: {
        kind: 'timeline',
        windowS: samples.windowMs / 1000,
        periodS: samples.hz > 0 ? 1 / samples.hz : 0,
        lanes: lanes.map((l) => {
          const p = processes.get(l.pid);
          return {
            label: cut(`${l.pid} ${p?.lockscope ? '[lockscope] ' : ''}${visibleControls(p?.command ?? '?').replace(/\n/g, ' ')}`, LANE_LABEL_CHARS),
            write: l.write.map(([s, e]): [number, number] => [s / 1000, e / 1000]),
            read: l.read.map(([s, e]): [number, number] => [s / 1000, e / 1000]),
          };
        }),
      },
    });
  }
  if (samples.mode === 'wal' && timeline.wal.some((p) => p.walBytes !== null)) charts.push(walChart(timeline.wal, 'over the sampling window'));
  return charts;
}

/** locks --for on PostgreSQL: per session, when it blocked others as a root blocker and when it waited. */
function pgCharts(facts: PgFacts): Chart[] {
  const w = facts.window;
  if (!w?.timeline || !(w.durationMs > 0) || w.timeline.holds.length === 0) return [];
  const sessions = new Map(w.sessions.map((x) => [x.pid, x]));
  const lanes = new Map<number, { write: [number, number][]; read: [number, number][] }>();
  for (const h of w.timeline.holds) {
    const lane = lanes.get(h.pid) ?? { write: [], read: [] };
    lanes.set(h.pid, lane);
    (h.lock === 'ROOT-BLOCKER' ? lane.write : lane.read).push([h.startMs / 1000, h.endMs / 1000]);
  }
  return [
    {
      title: 'Blocking timeline per session',
      caption: `One row per session across the ${formatMs(w.durationMs)} window (${w.samples} samples): orange where it blocked others as the root of a blocking tree, blue where it waited for a lock.`,
      spec: {
        kind: 'timeline',
        windowS: w.durationMs / 1000,
        periodS: w.samples > 0 ? w.durationMs / w.samples / 1000 : 0,
        lanes: [...lanes].slice(0, MAX_HTML_LANES).map(([pid, lane]) => {
          const x = sessions.get(pid);
          return { label: cut(`${pid} ${visibleControls([x?.user, x?.application].filter(Boolean).join('/') || '?')}`, LANE_LABEL_CHARS), ...lane };
        }),
      },
    },
  ];
}

function table(rows: readonly (readonly [string, string])[], cls: string): string {
  if (rows.length === 0) return '';
  return `<div class="scroll"><table class="${cls}"><tbody>${rows.map(([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('')}</tbody></table></div>`;
}

function gridTable(head: readonly string[], rows: readonly (readonly string[])[]): string {
  if (rows.length === 0) return '';
  const th = head.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('');
  return `<div class="scroll"><table class="grid"><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table></div>`;
}

function stressTable(s: StressSection): string {
  const errors = Object.entries(s.errors).filter(([, n]) => n > 0);
  return table(
    [
      ['workload', describeWorkload(s.workload)],
      ['committed', `${formatCount(s.committed)} transactions in ${formatMs(s.durationMs)}: ${formatCount(Math.round(s.transactionsPerSecond))} tx/s`],
      ['latency', s.latencyMs ? `p50 ${formatLatencyMs(s.latencyMs.p50)} · p99 ${formatLatencyMs(s.latencyMs.p99)} · max ${formatLatencyMs(s.latencyMs.max)}` : 'no transaction committed'],
      ['errors', errors.length > 0 ? errors.map(([k, n]) => `${k} ${formatCount(n)}`).join(' · ') : 'none'],
      ['WAL peak', formatBytes(s.walPeakBytes)],
      ...(s.interrupted ? ([['interrupted', `by ${s.interrupted}: the results cover the run until then`]] as [string, string][]) : []),
    ],
    'facts',
  );
}

function holdersTable(db: CheckedDatabase): string {
  if (!db.holders || db.holders.length === 0 || !db.holders.every((h) => Array.isArray(h.locks))) return '';
  return `<h3>Lock holders</h3>${gridTable(
    ['PID', 'user', 'command', 'locks'],
    db.holders.map((h) => [String(h.pid), h.user ?? '?', `${h.lockscope ? '[lockscope] ' : ''}${h.command ?? '?'}`, h.locks.map((l) => shortLockName(l as DecodedLock)).join(' ') || '–']),
  )}`;
}

function samplingTable(s: LockSampleFacts): string {
  const pct = (share: number) => `${(share * 100).toFixed(share < 0.1 ? 1 : 0)}%`;
  return `<h3>Sampled ${escapeHtml(formatMs(s.windowMs))} at ${s.hz} Hz</h3>${gridTable(
    ['PID', 'command', 'write lock', 'longest write', 'longest read'],
    s.processes.map((p) => [
      String(p.pid),
      `${p.lockscope ? '[lockscope] ' : ''}${p.command ?? '?'}`,
      p.write ? pct(p.write.share) : '–',
      p.write?.longestMs !== undefined && p.write?.longestMs !== null ? formatMs(p.write.longestMs) : '–',
      p.read?.longestMs !== undefined && p.read?.longestMs !== null ? formatMs(p.read.longestMs) : '–',
    ]),
  )}`;
}

function chartFigure(chart: Chart, id: string): string {
  return `<figure class="chart" id="${id}" data-kind="${chart.spec.kind}"><figcaption><strong>${escapeHtml(chart.title)}</strong> ${escapeHtml(chart.caption)}</figcaption><div class="plot"></div></figure>`;
}

function docsLink(url: string): string {
  // Only web links become links: a fix's docs could in principle carry any scheme.
  return /^https?:\/\/[^\s"'<>]+$/.test(url) ? `<a href="${escapeHtml(url)}" rel="noreferrer">${escapeHtml(url)}</a>` : escapeHtml(url);
}

function fixHtml(fix: Fix): string {
  const parts = [`<p>${fix.stack ? `<span class="tag">${escapeHtml(fix.stack)}</span> ` : ''}${escapeHtml(fix.summary)}</p>`];
  for (const snippet of [fix.sql, fix.code, fix.shell]) if (snippet) parts.push(`<pre><code>${escapeHtml(snippet)}</code></pre>`);
  if (fix.caution) parts.push(`<p class="caution">caution: ${escapeHtml(fix.caution)}</p>`);
  if (fix.docs) parts.push(`<p class="docs">${docsLink(fix.docs)}</p>`);
  return `<li>${parts.join('')}</li>`;
}

/** The evidence: shown under a problem (warn, fail, error), folded away under the others, as in the text report. */
function evidenceHtml(f: Finding): string {
  const evidence = Object.entries(f.evidence ?? {}).filter(([, v]) => v !== undefined);
  if (evidence.length === 0) return '';
  const list = `<dl class="evidence">${evidence.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(cutText(evidenceValue(v), EVIDENCE_MAX_CHARS))}</dd>`).join('')}</dl>`;
  const problem = f.status === 'warn' || f.status === 'fail' || f.status === 'error';
  return problem ? list : `<details class="evidence"><summary>evidence</summary>${list}</details>`;
}

function findingHtml(f: Finding, stack: FixFilter | undefined): string {
  const fixes = f.status === 'pass' ? [] : fixesFor(f.fixes ?? [], stack);
  return [
    `<li class="finding ${f.status}">`,
    `<div class="head"><span class="badge">${SYMBOL[f.status]} ${f.status}</span> <strong>${escapeHtml(f.title)}</strong> <code>${escapeHtml(f.id)}</code></div>`,
    `<p>${escapeHtml(f.message)}</p>`,
    evidenceHtml(f),
    fixes.length > 0 ? `<details class="fixes" open><summary>How to fix</summary><ul>${fixes.map(fixHtml).join('')}</ul></details>` : '',
    '</li>',
  ].join('');
}

function findingsHtml(findings: readonly Finding[], stack: FixFilter | undefined): string {
  const sorted = [...findings].sort((a, b) => ORDER[a.status] - ORDER[b.status]);
  const shown = sorted.filter((f) => f.status !== 'pass');
  const passed = sorted.filter((f) => f.status === 'pass');
  const out = [`<h3>Findings</h3>`];
  out.push(shown.length > 0 ? `<ul class="findings">${shown.map((f) => findingHtml(f, stack)).join('')}</ul>` : '<p>Nothing to act on.</p>');
  if (passed.length > 0) out.push(`<details class="passed"><summary>${passed.length} passed</summary><ul class="findings">${passed.map((f) => findingHtml(f, stack)).join('')}</ul></details>`);
  return out.join('');
}

function databaseHtml(db: DatabaseReport, index: number, charts: Map<string, ChartSpec>, opts: HtmlOptions): string {
  const out = [`<section class="db"><h2>${escapeHtml(db.path)}</h2>`];
  if (db.error) {
    out.push(`<p class="finding error">☠ ${escapeHtml(db.error.message)} <code>${escapeHtml(db.error.code)}</code></p></section>`);
    return out.join('');
  }
  // Facts read back from a file may lack parts (the text output then shows no table, as here).
  const rows = db.facts ? [...sourceOf(db.facts).summarise(db.facts)] : [];
  const app = db.app ? appRow(db.app) : null;
  if (app) rows.push(app);
  out.push(table(rows, 'facts'));
  const stress = stressOf(db);
  if (stress) out.push('<h3>Stress run</h3>', stressTable(stress));
  out.push(holdersTable(db));
  const samples = samplesOf(db);
  if (samples && samples.processes.length > 0) out.push(samplingTable(samples));
  const drawn = [...(stress ? stressCharts(stress) : []), ...(samples ? lockCharts(samples) : []), ...(db.facts && isFactsOf(db.facts, 'postgres') ? pgCharts(db.facts) : [])];
  if (drawn.length > 0) {
    out.push('<h3>Over time</h3><div class="charts">');
    drawn.forEach((chart, i) => {
      const id = `chart-${index}-${i}`;
      charts.set(id, chart.spec);
      out.push(chartFigure(chart, id));
    });
    out.push('</div>');
  }
  out.push(findingsHtml(db.findings ?? [], opts.stack), '</section>');
  return out.join('');
}

const PAGE_CSS = `
:root{--fg:#1b1f24;--muted:#57606a;--bg:#fff;--card:#f6f8fa;--line:#d0d7de;--pass:#1a7f37;--warn:#9a6700;--fail:#cf222e;--info:#0969da;--skip:#6e7781}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header,main{max-width:62rem;margin:0 auto;padding:0 1rem}
header{padding-top:1rem;border-bottom:1px solid var(--line)}
h1{font-size:1.4rem;margin:.3rem 0}h2{font-size:1.15rem;margin:1.5rem 0 .5rem;overflow-wrap:anywhere}h3{font-size:1rem;margin:1.2rem 0 .4rem}
.summary{color:var(--muted);margin:.2rem 0 1rem}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{text-align:left;vertical-align:top;padding:.3rem .5rem;border-bottom:1px solid var(--line);overflow-wrap:anywhere}
table.facts th{width:9rem;color:var(--muted);font-weight:600}
table.grid th{color:var(--muted);white-space:nowrap}
.charts{display:grid;grid-template-columns:minmax(0,1fr);gap:1rem}
figure.chart{min-width:0;margin:0;padding:.6rem;border:1px solid var(--line);border-radius:6px;background:var(--bg)}
figcaption{font-size:.85rem;color:var(--muted);margin-bottom:.4rem}figcaption strong{color:var(--fg);display:block;font-size:.95rem}
.plot{width:100%;min-height:120px;overflow:hidden}
ul.findings{list-style:none;padding:0;margin:0}
.finding{border-left:4px solid var(--skip);background:var(--card);padding:.5rem .75rem;margin:.5rem 0;border-radius:0 6px 6px 0}
.finding.pass{border-color:var(--pass)}.finding.warn{border-color:var(--warn)}.finding.fail,.finding.error{border-color:var(--fail)}.finding.info{border-color:var(--info)}
.finding p{margin:.3rem 0;overflow-wrap:anywhere}
.badge{font-size:.75rem;font-weight:700;text-transform:uppercase;padding:.05rem .4rem;border-radius:4px;color:#fff;background:var(--skip);white-space:nowrap}
.pass .badge{background:var(--pass)}.warn .badge{background:var(--warn)}.fail .badge,.error .badge{background:var(--fail)}.info .badge{background:var(--info)}
.head code{color:var(--muted);font-size:.8rem}
dl.evidence{display:grid;grid-template-columns:max-content 1fr;gap:0 .75rem;font-size:.8rem;color:var(--muted);margin:.3rem 0}
dl.evidence dt{font-family:ui-monospace,monospace}dl.evidence dd{margin:0;overflow-wrap:anywhere}
.fixes ul{padding-left:1.1rem;margin:.3rem 0}.fixes summary,.passed summary{cursor:pointer;font-weight:600}details.evidence summary{cursor:pointer;font-size:.8rem;color:var(--muted)}
pre{background:#eaeef2;padding:.5rem;border-radius:4px;overflow-x:auto;font-size:.8rem;margin:.3rem 0}
.tag{font-size:.75rem;background:#ddf4ff;color:#0550ae;padding:0 .35rem;border-radius:4px}
.caution{color:var(--warn);font-size:.85rem}.docs{font-size:.85rem;overflow-wrap:anywhere}
footer{max-width:62rem;margin:2rem auto;padding:0 1rem;color:var(--muted);font-size:.8rem}
@media (max-width:40rem){body{font-size:14px}table.facts th{width:6rem}dl.evidence{grid-template-columns:1fr}dl.evidence dd{margin-bottom:.3rem}}
`;

/**
 * Draws every <figure class="chart"> from the JSON block with uPlot, sized to its figure and redrawn on
 * resize. Each figure gets data-drawn = the number of points (or hold rectangles) painted, for the browser test.
 */
const CHART_SCRIPT = `(function(){
"use strict";
var data=JSON.parse(document.getElementById("lockscope-charts").textContent);
var C={tx:"#1a7f37",busy:"#cf222e",wal:"#0969da",write:"#e07b00",read:"#54aeff"};
function bytes(b){if(b==null)return "";var u=["B","KiB","MiB","GiB","TiB"],i=0;while(b>=1024&&i<u.length-1){b/=1024;i++;}return (i===0?b:b.toFixed(b>=100?0:1))+" "+u[i];}
function secs(u,v){return v.map(function(x){return x+" s";});}
function width(el){return Math.max(240,Math.floor(el.getBoundingClientRect().width));}
function mark(fig,n){fig.setAttribute("data-drawn",String(n));}
function rates(s,fig,el){
  var n=s.x.filter(function(_,i){return s.tx[i]!=null;}).length;
  return new uPlot({width:width(el),height:240,scales:{x:{time:false,range:[0,s.endS]},y:{range:function(u,a,b){return [0,Math.max(1,b)];}},busy:{range:function(u,a,b){return [0,Math.max(1,b)];}}},
    series:[{label:"s",value:function(u,v){return v==null?"":v.toFixed(2)+" s";}},
      {label:"tx/s",stroke:C.tx,width:2,fill:"rgba(26,127,55,.08)",scale:"y"},
      {label:"BUSY/s",stroke:C.busy,fill:"rgba(207,34,46,.45)",scale:"busy",paths:uPlot.paths.bars({size:[0.8,40]}),points:{show:false}}],
    axes:[{values:secs},{scale:"y",label:"tx/s",size:56},{scale:"busy",side:1,label:"BUSY/s",size:50,grid:{show:false}}],
    hooks:{draw:[function(){mark(fig,n);}]}},[s.x,s.tx,s.busy],el);
}
function wal(s,fig,el){
  var n=s.bytes.filter(function(v){return v!=null;}).length;
  return new uPlot({width:width(el),height:200,scales:{x:{time:false},y:{range:function(u,a,b){return [0,Math.max(1,b)];}}},
    series:[{label:"s",value:function(u,v){return v==null?"":v.toFixed(2)+" s";}},{label:"-wal size",stroke:C.wal,width:2,fill:"rgba(9,105,218,.1)",value:function(u,v){return bytes(v);}}],
    axes:[{values:secs},{size:70,values:function(u,v){return v.map(bytes);}}],
    hooks:{draw:[function(){mark(fig,n);}]}},[s.x,s.bytes],el);
}
function timeline(s,fig,el){
  var lanes=s.lanes,n=lanes.length;
  var longest=Math.max.apply(null,lanes.map(function(l){return l.label.length;}));
  // The labels take at most 40 % of the width (a phone), cut with an ellipsis beyond it.
  function labelPx(u){return Math.min(Math.round(u.width*0.4),Math.max(60,12+7*longest));}
  function draw(u){
    var ctx=u.ctx,count=0;ctx.save();
    lanes.forEach(function(l,i){
      var top=u.valToPos(n-i-0.15,"y",true),bottom=u.valToPos(n-i-0.85,"y",true);
      [["read",C.read,0.3],["write",C.write,0]].forEach(function(k){
        ctx.fillStyle=k[1];
        l[k[0]].forEach(function(sp){
          var x0=u.valToPos(sp[0],"x",true),x1=u.valToPos(Math.min(s.windowS,sp[1]+s.periodS),"x",true);
          var inset=(bottom-top)*k[2];
          ctx.fillRect(x0,top+inset,Math.max(1,x1-x0),bottom-top-2*inset);count++;
        });
      });
    });
    ctx.restore();mark(fig,count);
  }
  return new uPlot({width:width(el),height:50+34*n,legend:{show:false},cursor:{y:false,drag:{x:true,y:false}},
    scales:{x:{time:false,range:[0,s.windowS]},y:{range:[0,n]}},
    series:[{},{label:"holds",paths:function(){return null;},points:{show:false}}],
    axes:[{values:secs},{size:function(u){return labelPx(u);},
      splits:function(){return lanes.map(function(_,i){return n-i-0.5;});},
      values:function(u,v){var max=Math.floor((labelPx(u)-12)/7);return v.map(function(x){var l=lanes[n-0.5-x];return !l?"":l.label.length<=max?l.label:l.label.slice(0,Math.max(1,max-1))+"…";});},grid:{show:false},ticks:{show:false}}],
    hooks:{draw:[draw]}},[[0,s.windowS],[null,null]],el);
}
var plots=[];
Object.keys(data).forEach(function(id){
  var fig=document.getElementById(id),el=fig.querySelector(".plot"),s=data[id];
  var u=s.kind==="rates"?rates(s,fig,el):s.kind==="wal"?wal(s,fig,el):timeline(s,fig,el);
  plots.push([u,el]);
});
function fit(p){var w=width(p[1]);if(w!==p[0].width)p[0].setSize({width:w,height:p[0].height});}
if(window.ResizeObserver){var ro=new ResizeObserver(function(){plots.forEach(fit);});plots.forEach(function(p){ro.observe(p[1]);});}
else window.addEventListener("resize",function(){plots.forEach(fit);});
})();`;

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

export function formatHtml(report: Report, opts: HtmlOptions = {}): string {
  const charts = new Map<string, ChartSpec>();
  const sections = report.databases.map((db, i) => databaseHtml(db, i, charts, opts)).join('\n');
  const title = `lockscope ${report.command}`;
  const scripts: string[] = [];
  if (charts.size > 0) {
    const { uplotJs } = htmlAssets();
    scripts.push(uplotJs, CHART_SCRIPT);
  }
  const css = `${charts.size > 0 ? htmlAssets().uplotCss : ''}${PAGE_CSS}`;
  // No fetch of any kind (default-src 'none'), and only these scripts run.
  const csp = `default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src ${scripts.length > 0 ? scripts.map(sha256).join(' ') : "'none'"}`;
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta http-equiv="Content-Security-Policy" content="${csp}">`,
    `<title>${escapeHtml(title)}</title>`,
    `<style>${css}</style>`,
    '</head>',
    '<body>',
    `<header><h1>${escapeHtml(title)}</h1><p class="summary">${escapeHtml(summaryLine(report, makeStyle(0)))}</p></header>`,
    `<main>${sections}</main>`,
    `<footer>${escapeHtml(`${report.tool.name} ${report.tool.version}`)} · report schema ${report.schemaVersion}</footer>`,
    charts.size > 0 ? `<script type="application/json" id="lockscope-charts">${scriptJson(Object.fromEntries(charts))}</script>` : '',
    ...scripts.map((s) => `<script>${s}</script>`),
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
