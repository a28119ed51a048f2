/**
 * Golden pairs of the job, model and package compilers' tests: our own example objects under
 * `testdata/<folder>/` and what the compiler makes of each under `__golden__/<folder>/`. Test-only
 * (imports vitest); `UPDATE_GOLDEN=1 npx vitest run <test file>` rewrites the goldens (review the diff).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { expect, test } from 'vitest';
import type { KubeObject } from '../../fake-apiserver/api/index.ts';

const UPDATE = process.env.UPDATE_GOLDEN === '1';
const folderOf = (root: string, folder: string): string => fileURLToPath(new URL(`./${root}/${folder}/`, import.meta.url));

/** Example `testdata/<folder>/<name>.yaml`, its `metadata.uid` set to `<uid>` (so owner references print stably). */
export function loadExample<T extends KubeObject>(folder: string, name: string): T {
  const o = parse(readFileSync(join(folderOf('testdata', folder), `${name}.yaml`), 'utf8')) as T;
  return { ...o, metadata: { ...o.metadata, uid: '<uid>' } };
}

/**
 * One vitest test per example of `testdata/<folder>/` (sorted): `compile` of it ({@link loadExample}),
 * printed as YAML (no aliases, no line wrapping), equals `__golden__/<folder>/<name>.yaml`, which must
 * exist. `mustCompile`: the result must also be `ok` (the job examples include failing ones).
 */
export function goldenPairs<T extends KubeObject>(folder: string, compile: (example: T) => { ok: boolean }, mustCompile: boolean): void {
  const golden = folderOf('__golden__', folder);
  for (const file of readdirSync(folderOf('testdata', folder)).filter((f) => f.endsWith('.yaml')).sort()) {
    const name = file.replace(/\.yaml$/, '');
    test(`testdata/${folder}/${file} compiles to __golden__/${folder}/${name}.yaml`, () => {
      const r = compile(loadExample<T>(folder, name));
      if (mustCompile) expect(r.ok).toBe(true);
      const text = stringify(r, { aliasDuplicateObjects: false, lineWidth: 0 });
      const out = join(golden, `${name}.yaml`);
      if (UPDATE) {
        mkdirSync(golden, { recursive: true });
        writeFileSync(out, text);
      }
      expect(existsSync(out), `${out} missing: run with UPDATE_GOLDEN=1`).toBe(true);
      expect(text).toBe(readFileSync(out, 'utf8'));
    });
  }
}
