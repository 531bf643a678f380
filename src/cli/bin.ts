/** The bundle's entry (dist/lockscope.mjs, run by bin/lockscope.js): the CLI with this process's arguments and streams. */
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
