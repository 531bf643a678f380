/** detectStack: the ORM wins over the driver it runs on, since the ORM decides when transactions begin. */
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { detectStack } from '../../src/cli/commands/init.js';
import { scratchPerTest } from '../helpers/scratch.js';

const scratch = scratchPerTest();

describe('init: detectStack', () => {
  it.each([
    ['package.json', '{"dependencies":{"better-sqlite3":"12","drizzle-orm":"0.45"}}', 'drizzle'],
    ['package.json', '{"dependencies":{"sqlite3":"6","sequelize":"6"}}', 'sequelize'],
    ['package.json', '{"dependencies":{"better-sqlite3":"12","knex":"3"}}', 'knex'],
    ['package.json', '{"dependencies":{"better-sqlite3":"12"}}', 'better-sqlite3'],
    ['requirements.txt', 'peewee==3.17\n', 'peewee'],
    ['composer.json', '{"require":{"laravel/framework":"^12.0"}}', 'laravel'],
  ])('%s %s → %s', (file, content, stack) => {
    const dir = scratch.tempDir();
    writeFileSync(`${dir}/${file}`, content);
    expect(detectStack(dir)).toBe(stack);
  });
});
