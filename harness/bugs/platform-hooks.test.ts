import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PLATFORM = join(ROOT, 'platform');

/** Every source file under platform/ (tests and test fixtures included: they must not exercise hooks either). */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : sourceFiles(path);
    return /\.(ts|mts|js|mjs)$/.test(e.name) ? [path] : [];
  });
}

/** What a bug hook looks like in code: the option names the old hooks used, or a self-described injection point. */
const HOOKS: { pattern: RegExp; what: string }[] = [
  { pattern: /injectBug/, what: 'an injectBug option' },
  { pattern: /\bbug\??\s*:/, what: 'a `bug` option' },
  { pattern: /\bunilateral\??\s*:/, what: 'a `unilateral` option' },
  { pattern: /opts\.bug\b|\.injectBug\b/, what: 'a read of a bug option' },
  { pattern: /BUG INJECTION|self-test hook/i, what: 'a documented bug-injection point' },
];

describe('platform/ carries no test hooks', () => {
  test('no platform source file declares or reads a bug-injection option', () => {
    const files = sourceFiles(PLATFORM);
    expect(files.length).toBeGreaterThan(20);
    const found: string[] = [];
    for (const file of files) {
      const lines = readFileSync(file, 'utf8').split('\n');
      lines.forEach((line, i) => {
        for (const { pattern, what } of HOOKS) if (pattern.test(line)) found.push(`${relative(ROOT, file)}:${i + 1}: ${what}: ${line.trim()}`);
      });
    }
    expect(found).toEqual([]);
  });
});
