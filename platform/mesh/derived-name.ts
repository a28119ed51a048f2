/**
 * The reference platform's naming helper for generated mesh objects (reference §4.10).
 */
import { createHash } from 'node:crypto';

/**
 * `prefix` + the first 4 bytes (8 lowercase hex characters) of SHA-256 over `parts.join('/')`.
 *
 * Inputs: a name prefix (e.g. `cnp-mesh-`, `allow-to-`) and the parts to hash (e.g. `[ns, name]`).
 * Output: the object name, e.g. `derivedName('cnp-mesh-', ['default', 'api'])`. Never throws.
 * Source: reference §4.10 (`derived_name`).
 */
export function derivedName(prefix: string, parts: readonly string[]): string {
  return prefix + createHash('sha256').update(parts.join('/')).digest('hex').slice(0, 8);
}
