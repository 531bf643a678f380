/**
 * Every output format, rendered from the same Report. Pure: no file is read or written here, and the exit
 * code (report.exitCode) never depends on the format.
 */
import type { CatalogueEntry } from '../core/catalogue.js';
import type { DatabaseReport, Report, FixFilter } from '../core/model.js';
import { formatGithub } from './github.js';
import { formatHtml } from './html.js';
import { formatJson } from './json.js';
import { formatJunit } from './junit.js';
import { formatMarkdown } from './markdown.js';
import { formatSarif } from './sarif.js';
import { type Style, makeStyle } from './style.js';
import { formatText } from './text.js';

export const FORMATS = ['text', 'json', 'junit', 'sarif', 'github', 'markdown', 'html'] as const;
export type Format = (typeof FORMATS)[number];

export function isFormat(value: string): value is Format {
  return (FORMATS as readonly string[]).includes(value);
}

export interface RenderOptions {
  /** text: colours (default: none). */
  style?: Style;
  /** text, markdown: details of passing checks too. */
  verbose?: boolean;
  /** every format (json and html included): fixes for this stack only. */
  stack?: FixFilter;
  /** junit: a warning is a <failure> (default) or a <property> on a passing testcase. */
  warnAs?: 'failure' | 'property';
  /** sarif: the rules, with docs as help text (pass loadCatalogue(REGISTRY)); without it, rules come only from findings. */
  catalogue?: readonly CatalogueEntry[];
  /** text: the terminal's width (default 80) and whether it shows only ASCII. */
  columns?: number;
  ascii?: boolean;
  /** text: only warnings, failures and errors, without the facts table. */
  quiet?: boolean;
  /** text: extra lines after a database's findings (holders, stress…). */
  extraSections?: (db: DatabaseReport) => string[];
}

export function renderReport(report: Report, format: Format, opts: RenderOptions = {}): string {
  switch (format) {
    case 'json':
      return formatJson(report, { stack: opts.stack });
    case 'junit':
      return formatJunit(report, { warnAs: opts.warnAs, stack: opts.stack });
    case 'sarif':
      return formatSarif(report, { catalogue: opts.catalogue, stack: opts.stack });
    case 'github':
      return formatGithub(report, { stack: opts.stack });
    case 'markdown':
      return formatMarkdown(report, { stack: opts.stack, verbose: opts.verbose });
    case 'html':
      return formatHtml(report, { stack: opts.stack });
    case 'text':
      return formatText(
        report,
        { style: opts.style ?? makeStyle(0), verbose: opts.verbose, stack: opts.stack, columns: opts.columns, ascii: opts.ascii, quiet: opts.quiet },
        opts.extraSections,
      );
    default: {
      const never: never = format;
      throw new Error(`unknown format ${String(never)}`);
    }
  }
}

export { formatGithubSummary } from './github.js';
