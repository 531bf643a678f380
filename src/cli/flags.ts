/** The flag sets several commands share: the app's connection settings, the output flags, the replayable-facts flags. */
import { type Command, Option } from 'commander';
import { FORMATS } from '../output/index.js';
import { MAX_BUSY_TIMEOUT_MS } from '../core/units.js';
import { FAIL_ON, JOURNAL_MODES, STACK_CHOICES, SYNC_MODES, TX_MODES, bytes, collectThreshold, millisecondsOrDuration, nonNegativeInt, oneOf } from './options.js';

/** Adds the flags that declare the app's connection settings (shared with `stress`). */
export function addAppSettingFlags(cmd: Command): Command {
  return cmd
    .option('--busy-timeout <ms>', "the app's busy_timeout in ms, as the PRAGMA takes it, or with a unit (5s) (per connection: lockscope cannot read it)", millisecondsOrDuration('--busy-timeout', MAX_BUSY_TIMEOUT_MS))
    .option('--tx <mode>', "how the app's transactions begin: deferred (a plain BEGIN, before the first read)|immediate|exclusive", oneOf('--tx', TX_MODES))
    .option('--synchronous <mode>', "the app's PRAGMA synchronous: off|normal|full|extra", oneOf('--synchronous', SYNC_MODES))
    .option('--journal-mode <mode>', "the app's PRAGMA journal_mode: delete|truncate|persist|memory|wal|off", oneOf('--journal-mode', JOURNAL_MODES))
    .option('--wal-autocheckpoint <pages>', "the app's PRAGMA wal_autocheckpoint (0 = never)", nonNegativeInt('--wal-autocheckpoint'))
    .option('--journal-size-limit <bytes>', "the app's PRAGMA journal_size_limit in bytes (units accepted: 64MiB; -1 = no limit)", (v: string) =>
      v.trim() === '-1' ? -1 : bytes('--journal-size-limit')(v),
    );
}

/** Adds output flags shared by every reporting command. */
export function addOutputFlags(cmd: Command): Command {
  return cmd
    .option('--config <file>', 'lockscope.config.json to use (default: found from the current directory upwards)')
    .option('--json', 'print one JSON document (schemaVersion 1) on stdout (= --format json)')
    .addOption(new Option('--format <format>', 'output format').choices([...FORMATS]).default('text'))
    .option('--output <file>', 'write the report to a file instead of stdout')
    .addOption(new Option('--junit-warn-as <how>', 'junit: a warning is a failure or a property').choices(['failure', 'property']).default('failure'))
    .option('--fail-on <level>', 'exit 1 when a finding is at or above: fail|warn|never', oneOf('--fail-on', FAIL_ON), 'fail')
    .option('--verbose', 'show details and evidence for passing checks too')
    .option('-q, --quiet', 'show only warnings, failures and errors (every format; the summary still counts every check)')
    .option('--max-warnings <n>', 'exit 1 when there are more than n warnings, whatever --fail-on says', nonNegativeInt('--max-warnings'))
    .option('--color', 'colour the text output even when stdout is not a terminal (wins over NO_COLOR)')
    .option('--no-color', 'no colour in the text output (wins over FORCE_COLOR)')
    .option(
      '--stack <stack>',
      `the app's stack: fixes are shown for it only; its verified defaults (busy timeout, synchronous, when transactions begin) stand in for undeclared settings in audit's verdicts and in stress's workload: ${STACK_CHOICES.join('|')}; all = every stack's fixes (default: detected from the project's manifests, for the fixes only)`,
      oneOf('--stack', [...STACK_CHOICES, 'all'] as const),
    )
    .option('--threshold <check.name=value>', 'override a check threshold (repeatable), e.g. wal-size.warnBytes=128MiB', collectThreshold);
}

/** Adds --save-facts and --from-facts (audit, locks): replayable facts, src/cli/facts-file.ts. */
export function addFactsFlags(cmd: Command): Command {
  return cmd
    .option('--save-facts <file>', 'also write the gathered facts and the settings in force to <file> as JSON, to replay with --from-facts')
    .option('--from-facts <file>', 'check and report the facts saved with --save-facts instead of reading any database (flags override the saved settings)');
}
