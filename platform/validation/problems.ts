/**
 * The shape every validator of this folder returns, and the name checks the reference shares between
 * them (`lattice_core::validate_dns_label` / `validate_dns_subdomain`,
 * crates/lattice-core/src/lib.rs:220-278 at evan-hines-js/lattice 08fbacb0).
 */

/**
 * One validation failure: `field` is the JSON path of the offending value in the object
 * (`spec.workload.containers.main.command[0]`, the way the API server names a 422 cause), `message`
 * is the reference's own wording of the error.
 */
export interface ValidationProblem {
  field: string;
  message: string;
}

/** `<field>: <message>`, the form status messages and admission denials print. */
export const formatProblem = (p: ValidationProblem): string => `${p.field}: ${p.message}`;

/**
 * A path segment for a map key: `.key` when the key is a plain identifier-ish word, else `["key"]`
 * (keys of files and hosts carry `/` and `.`).
 */
export const keySegment = (key: string): string => (/^[A-Za-z0-9_-]+$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`);

/**
 * True when `name` is what the reference's sanitizer leaves unchanged (lib.rs:225-263): lowercase
 * letters, digits and `-`, starting with a letter, not ending with `-`, at most 63 characters.
 * Note the first character must be a letter (the sanitizer strips leading digits), stricter than RFC 1123.
 */
export const isReferenceDnsLabel = (name: string): boolean => /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/.test(name);

/**
 * `validate_dns_label(name, what)` (lib.rs:255-263): undefined when valid, else the problem at
 * `field` worded `<what> '<name>' is not a valid DNS label (must be lowercase alphanumeric with hyphens, max 63 chars)`.
 */
export function dnsLabelProblem(name: string, what: string, field: string, prefix = ''): ValidationProblem | undefined {
  if (isReferenceDnsLabel(name)) return undefined;
  return { field, message: `${prefix}${what} '${name}' is not a valid DNS label (must be lowercase alphanumeric with hyphens, max 63 chars)` };
}

/** `validate_dns_subdomain(name, what)` (lib.rs:267-278): 1..=253 characters, every dot-separated label a DNS label. */
export function dnsSubdomainProblem(name: string, what: string, field: string): ValidationProblem | undefined {
  if (name.length === 0 || name.length > 253) return { field, message: `${what} '${name}' must be 1..=253 chars (RFC 1123 DNS subdomain)` };
  for (const label of name.split('.')) {
    const p = dnsLabelProblem(label, what, field);
    if (p) return p;
  }
  return undefined;
}

/** Keys of a map-like value in the reference's iteration order (Rust `BTreeMap`: byte-wise sorted). */
export const sortedKeys = (map: Record<string, unknown> | undefined | null): string[] =>
  Object.keys(map ?? {}).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
