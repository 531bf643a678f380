/** The app's .env (read with dotenv's parser, never loaded into the environment): names, values and lines, for Laravel and Prisma settings. */
import { lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'dotenv';
import type { EnvFile } from './php.js';
import { displayPath } from './scan.js';
import { MAX_FILE_BYTES } from './walk.js';

export function readEnvFile(root: string, display: string): EnvFile | null {
  const path = join(root, '.env');
  try {
    const st = lstatSync(path);
    if (!st.isFile() || st.size > MAX_FILE_BYTES) return null;
    const text = readFileSync(path, 'utf8');
    const parsed = parse(text);
    const lines = text.split('\n');
    const values = new Map<string, { value: string; line: number }>();
    for (const [name, value] of Object.entries(parsed)) {
      const i = lines.findIndex((l) => {
        const t = l.trimStart().replace(/^export\s+/, '');
        return t.startsWith(`${name}=`) || t.startsWith(`${name} =`);
      });
      values.set(name, { value, line: i + 1 });
    }
    return { file: displayPath(display, '.env'), values };
  } catch {
    return null;
  }
}
