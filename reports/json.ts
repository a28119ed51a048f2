/** results.json writer: the ResultsDocument as indented JSON (deterministic order; only `header` varies between identical runs). */
import type { ResultsDocument } from './model.ts';

/** Serialises a results document. */
export function resultsJson(doc: ResultsDocument): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/**
 * {@link resultsJson} in pieces, one per top-level member and one per element of a top-level array
 * (each run, each failure): joined, the very same text. A run of 10,000 topologies serialises to
 * about a gigabyte, more than a JavaScript string may hold; written piece by piece it never is one string.
 */
export function* resultsJsonChunks(doc: ResultsDocument): Generator<string> {
  const nested = (text: string, pad: string) => text.replace(/\n/g, `\n${pad}`); // JSON text has no raw newline inside strings
  const members = Object.entries(doc).filter(([, v]) => v !== undefined && typeof v !== 'function');
  yield '{';
  for (const [i, [key, value]] of members.entries()) {
    yield `${i > 0 ? ',' : ''}\n  ${JSON.stringify(key)}: `;
    if (!Array.isArray(value) || value.length === 0) {
      yield nested(JSON.stringify(value, null, 2), '  ');
      continue;
    }
    yield '[';
    for (const [j, item] of (value as unknown[]).entries()) yield `${j > 0 ? ',' : ''}\n    ${nested(JSON.stringify(item ?? null, null, 2) ?? 'null', '    ')}`;
    yield '\n  ]';
  }
  yield members.length > 0 ? '\n}\n' : '}\n';
}

/** The document without its header: what two runs of the same seed must agree on byte for byte. */
export function withoutHeader(doc: ResultsDocument): Omit<ResultsDocument, 'header'> {
  const { header: _header, ...rest } = doc;
  return rest;
}
