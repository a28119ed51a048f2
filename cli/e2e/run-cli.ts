/** Test helper: runs the CLI in-process and captures what it prints. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../main.ts';
import type { ResultsDocument } from '../../reports/index.ts';

/** Exit code, stdout and stderr lines, and the results.json written (when any). */
export interface CliRun {
  code: number;
  out: string;
  err: string;
  results?: ResultsDocument;
}

/** Runs `lattice-sim <args>` with `--out` pointed at a fresh temp directory. */
export async function runCli(args: string[]): Promise<CliRun> {
  const outDir = mkdtempSync(join(tmpdir(), 'lattice-sim-e2e-'));
  const out: string[] = [];
  const err: string[] = [];
  const code = await main([...args, '--out', outDir], { out: (l) => out.push(l), err: (l) => err.push(l) });
  let results: ResultsDocument | undefined;
  try {
    results = JSON.parse(readFileSync(join(outDir, 'results.json'), 'utf8'));
  } catch {
    results = undefined;
  }
  return { code, out: out.join('\n'), err: err.join('\n'), results };
}

/** Absolute path of a folder under ../shared/fixtures/reference, or undefined when absent. */
export function referenceFixture(name: string): string | undefined {
  const dir = new URL(`../../../shared/fixtures/reference/${name}`, import.meta.url).pathname;
  try {
    readFileSync(join(dir, 'namespace.yaml'));
    return dir;
  } catch {
    return undefined;
  }
}

/** Absolute path of a folder of this repository. */
export const repoPath = (rel: string): string => new URL(`../../${rel}`, import.meta.url).pathname;
