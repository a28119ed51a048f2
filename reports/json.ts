/** results.json writer: the ResultsDocument as indented JSON (deterministic order; only `header` varies between identical runs). */
import type { ResultsDocument } from './model.ts';

/** Serialises a results document. */
export function resultsJson(doc: ResultsDocument): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** The document without its header: what two runs of the same seed must agree on byte for byte. */
export function withoutHeader(doc: ResultsDocument): Omit<ResultsDocument, 'header'> {
  const { header: _header, ...rest } = doc;
  return rest;
}
