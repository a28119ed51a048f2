/**
 * Report writers (STYLE.md rule 20): a registry of format name → writer over the stable results model.
 * Runs write to `reports/out/<run>/` (never committed).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResultsDocument } from './model.ts';
import { resultsJson } from './json.ts';
import { junitXml } from './junit.ts';

export * from './model.ts';
export { resultsJson, withoutHeader } from './json.ts';
export { junitXml } from './junit.ts';

/** Writers by file name. */
export const reporters: Record<string, (doc: ResultsDocument) => string> = {
  'results.json': resultsJson,
  'junit.xml': junitXml,
};

/** Writes every report into `dir` (created if needed); returns the paths written. */
export function writeReports(doc: ResultsDocument, dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  return Object.entries(reporters).map(([file, write]) => {
    const path = join(dir, file);
    writeFileSync(path, write(doc));
    return path;
  });
}
