/**
 * Report writers (STYLE.md rule 20): a registry of format name → writer over the stable results model.
 * Runs write to `reports/out/<run>/` (never committed).
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { ResultsDocument } from './model.ts';
import { resultsJsonChunks } from './json.ts';
import { junitXml } from './junit.ts';

export * from './model.ts';
export { resultsJson, resultsJsonChunks, withoutHeader } from './json.ts';
export { junitXml } from './junit.ts';

/** Writers by file name: the text, whole or in pieces (results.json of a long run is too large for one string). */
export const reporters: Record<string, (doc: ResultsDocument) => string | Iterable<string>> = {
  'results.json': resultsJsonChunks,
  'junit.xml': junitXml,
};

/**
 * Writes `text` (a string, or pieces written one after the other) to `path` atomically: into a temporary file beside it, flushed, then renamed over
 * `path`, so a reader sees the old file or the whole new one, never a torn one. On failure the
 * temporary file is removed and the error (ENOSPC, EFBIG, EACCES …) is thrown; `path` is untouched.
 */
export function writeFileAtomic(path: string, text: string | Iterable<string>): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    const fd = openSync(tmp, 'w');
    try {
      // writeSync may write less than asked (a file size limit is one way); the next call reports why.
      for (const piece of typeof text === 'string' ? [text] : text) {
        const bytes = Buffer.from(piece, 'utf8');
        for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done);
      }
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * Writes every report into `dir` (which must exist), each atomically; returns the paths written.
 * @throws the file system's error when a report cannot be written (the others already written stay).
 */
export function writeReports(doc: ResultsDocument, dir: string): string[] {
  return Object.entries(reporters).map(([file, write]) => {
    const path = join(dir, file);
    writeFileAtomic(path, write(doc));
    return path;
  });
}

/** Removes every report file from `dir` (missing ones are fine), so nothing stale is left looking current. */
export function removeReports(dir: string): void {
  for (const file of Object.keys(reporters)) rmSync(join(dir, file), { force: true });
}
