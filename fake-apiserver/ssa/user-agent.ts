/**
 * The field manager of a non-apply write that names none (k8s.io/apiserver `endpoints/handlers`
 * `managerOrUserAgent` / `prefixFromUserAgent`): the User-Agent up to its first `/`, without
 * non-printable characters, cut to 128 bytes — `kubectl/v1.35.0 (linux/amd64) …` → `kubectl`.
 */

/** Longest field manager name (upstream `FieldManagerMaxLength`). @unit UTF-8 bytes */
export const FIELD_MANAGER_MAX_LENGTH = 128;

/** `fieldManager` when given, otherwise the User-Agent's prefix ('' without either). */
export function defaultFieldManager(fieldManager: string | undefined, userAgent: string | undefined): string {
  if (fieldManager) return fieldManager;
  let out = '';
  let bytes = 0;
  for (const ch of (userAgent ?? '').split('/')[0]) {
    if (/\p{C}/u.test(ch)) continue;
    const n = Buffer.byteLength(ch);
    if (bytes + n > FIELD_MANAGER_MAX_LENGTH) break;
    out += ch;
    bytes += n;
  }
  return out;
}
