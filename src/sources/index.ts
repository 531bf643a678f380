/** Every source of facts, in one list: adding a source is a folder under src/sources/ and one line here. */
import type { SourceFacts } from '../core/model.js';
import type { Source } from '../core/source.js';
import { postgresSource } from './postgres/source.js';
import { scanSource } from './scan/source.js';
import { sqliteSource } from './sqlite/source.js';
import { traceSource } from './trace/source.js';

// PostgreSQL claims postgres:// URLs, SQLite every other non-URL entry; the trace and scan sources claim no
// entry (a trace's targets are a database plus processes; a scan's folders are named to `lockscope scan` and
// `--app`), so their place in the list does not matter.
export const SOURCES: readonly Source[] = [postgresSource, sqliteSource, traceSource, scanSource];

/** The source that gathered these facts. */
export function sourceOf(facts: SourceFacts): Source {
  const source = SOURCES.find((s) => s.owns(facts));
  if (!source) throw new Error(`lockscope: no registered source for facts of source ${String(facts.source)}`);
  return source;
}


/** The first registered source that claims this entry or target (a path, a glob, a URL); undefined = none does. */
export function sourceFor(entry: string): Source | undefined {
  return SOURCES.find((s) => s.claims(entry));
}
