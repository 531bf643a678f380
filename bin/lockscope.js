#!/usr/bin/env node
// The executable entry: the bundled CLI (dist/lockscope.mjs, `npm run build` in a checkout). It sets the exit code.
try {
  await import('../dist/lockscope.mjs');
} catch (err) {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('lockscope.mjs')) {
    process.stderr.write('lockscope: not built yet: run `npm run build` in the lockscope checkout\n');
    process.exit(2);
  }
  throw err;
}
