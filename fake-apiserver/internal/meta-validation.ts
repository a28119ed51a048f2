/**
 * ObjectMeta validation with upstream wording (k8s.io/apimachinery validation: names, labels,
 * annotations, owner references). Internal to fake-apiserver.
 */
import type { ObjectMeta, StatusCause } from '../api/index.ts';

const dns1123LabelRe = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dns1035LabelRe = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const dns1123SubdomainRe = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const qualifiedNameRe = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const labelValueRe = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Which name rule a kind uses. */
export type NameRule = 'subdomain' | 'label' | 'dns1035' | 'path-segment';

const invalidValue = (v: unknown, detail: string): string => `Invalid value: ${JSON.stringify(v)}: ${detail}`;

/** Problems with a name under `rule` (empty when valid). */
export function nameErrors(name: string, rule: NameRule): string[] {
  const out: string[] = [];
  if (rule === 'path-segment') {
    // apimachinery path.IsValidPathSegmentName (rbac ValidateRBACName).
    if (name === '.' || name === '..') out.push(`may not be '${name}'`);
    for (const c of ['/', '%']) if (name.includes(c)) out.push(`may not contain '${c}'`);
  } else if (rule === 'subdomain') {
    if (name.length > 253) out.push('must be no more than 253 characters');
    if (!dns1123SubdomainRe.test(name))
      out.push(
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      );
  } else if (rule === 'label') {
    if (name.length > 63) out.push('must be no more than 63 characters');
    if (!dns1123LabelRe.test(name))
      out.push(
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
      );
  } else {
    if (name.length > 63) out.push('must be no more than 63 characters');
    if (!dns1035LabelRe.test(name))
      out.push(
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
      );
  }
  return out;
}

/** `validation.IsQualifiedName` problems of `key` (`[prefix/]name`), empty when valid. */
export function qualifiedNameErrors(key: string): string[] {
  const out: string[] = [];
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined) {
    if (prefix.length === 0) out.push('prefix part must be non-empty');
    else for (const e of nameErrors(prefix, 'subdomain')) out.push(`prefix part ${e}`);
  }
  if (name.length === 0) out.push('name part must be non-empty');
  else {
    if (name.length > 63) out.push('name part must be no more than 63 characters');
    if (!qualifiedNameRe.test(name))
      out.push(
        "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
      );
  }
  return out;
}

/**
 * Strings already found valid (label keys, annotation keys, finalizers as qualified names; label
 * values): the same few recur on every write, so each is checked once. Bounded: cleared when full.
 */
const validQualifiedNames = new Set<string>();
const validLabelValues = new Set<string>();
const VALID_KEPT = 10_000;

function remember(set: Set<string>, s: string): void {
  if (set.size >= VALID_KEPT) set.clear();
  set.add(s);
}

/** `validation.IsValidLabelValue` problems of `v`, empty when valid. */
export function labelValueErrors(v: string): string[] {
  const out: string[] = [];
  if (v.length > 63) out.push('must be no more than 63 characters');
  if (!labelValueRe.test(v))
    out.push(
      "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
    );
  return out;
}

/** Appends a FieldValueInvalid cause per error of qualified name `k` (checked as `checked`), unless known valid. */
function pushQualifiedName(out: StatusCause[], field: string, k: string, checked: string): void {
  if (validQualifiedNames.has(checked)) return;
  const errors = qualifiedNameErrors(checked);
  if (errors.length === 0) remember(validQualifiedNames, checked);
  for (const e of errors) out.push({ reason: 'FieldValueInvalid', message: invalidValue(k, e), field });
}

const OWNER_REFERENCE_FIELDS = ['apiVersion', 'kind', 'name'] as const;

/** Causes for labels, annotation keys and owner references of `meta` (names are checked separately). */
export function metadataCauses(meta: ObjectMeta): StatusCause[] {
  const out: StatusCause[] = [];
  const labels = meta.labels;
  if (labels)
    for (const k in labels) {
      const v: unknown = labels[k];
      pushQualifiedName(out, 'metadata.labels', k, k);
      if (typeof v !== 'string') out.push({ reason: 'FieldValueInvalid', message: invalidValue(v, 'label values must be strings'), field: 'metadata.labels' });
      else if (!validLabelValues.has(v)) {
        const errors = labelValueErrors(v);
        if (errors.length === 0) remember(validLabelValues, v);
        for (const e of errors) out.push({ reason: 'FieldValueInvalid', message: invalidValue(v, e), field: 'metadata.labels' });
      }
    }
  const annotations = meta.annotations;
  if (annotations)
    for (const k in annotations) {
      const v: unknown = annotations[k];
      pushQualifiedName(out, 'metadata.annotations', k, k.toLowerCase());
      if (typeof v !== 'string') out.push({ reason: 'FieldValueInvalid', message: invalidValue(v, 'annotation values must be strings'), field: 'metadata.annotations' });
    }
  const refs = meta.ownerReferences ?? [];
  refs.forEach((r, i) => {
    const at = `metadata.ownerReferences[${i}]`;
    for (const f of OWNER_REFERENCE_FIELDS)
      if (!r[f]) out.push({ reason: 'FieldValueInvalid', message: invalidValue(r[f] ?? '', `${f} must not be empty`), field: `${at}.${f}` });
    if (!r.uid) out.push({ reason: 'FieldValueInvalid', message: invalidValue(r.uid ?? '', 'uid must not be empty'), field: `${at}.uid` });
  });
  if (refs.length > 1) {
    const controllers = refs.filter((r) => r.controller === true);
    if (controllers.length > 1)
      out.push({
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${JSON.stringify(controllers.map((r) => r.name))}: Only one reference can have Controller set to true. Found "true" in references for ${controllers.map((r) => `${r.kind}/${r.name}`).join(' and ')}`,
        field: 'metadata.ownerReferences',
      });
  }
  for (const f of meta.finalizers ?? []) pushQualifiedName(out, 'metadata.finalizers', f, f);
  return out;
}
