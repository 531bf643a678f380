#!/usr/bin/env node
// The executable entry: all logic lives in the compiled CLI (`npm run build` first in a checkout).
let cli;
try {
  cli = await import('../dist/src/cli/main.js');
} catch (err) {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist')) {
    process.stderr.write('lockscope: not built yet: run `npm run build` in the lockscope checkout\n');
    process.exit(2);
  }
  throw err;
}
process.exitCode = await cli.main(process.argv.slice(2));
