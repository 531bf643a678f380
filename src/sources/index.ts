/** Every source of facts, in one list: adding a source is a folder under src/sources/ and one line here. */
import type { SourceFacts, SourceId } from '../core/model.js';
import type { Source } from '../core/source.js';
import { sqliteSource } from './sqlite/source.js';

export const SOURCES: readonly Source[] = [sqliteSource];

/** The source that gathered these facts. */
export function sourceOf(facts: SourceFacts): Source {
  const source = SOURCES.find((s) => s.owns(facts));
  if (!source) throw new Error(`lockscope: no registered source for facts of source ${String(facts.source)}`);
  return source;
}

/** The registered source with this id (the commands name the source whose targets they take). */
export function sourceById(id: SourceId): Source {
  const source = SOURCES.find((s) => s.id === id);
  if (!source) throw new Error(`lockscope: no registered source ${id}`);
  return source;
}
