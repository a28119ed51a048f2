/**
 * Shared field validators of the built-in kinds' strategies, worded as upstream's
 * (k8s.io/apimachinery `util/validation` and `util/validation/field`, k8s.io/kubernetes
 * `pkg/apis/core/validation`, `metav1/validation`): causes built as `field.Error`s render
 * (`Required value`, `Invalid value: <value>: <detail>`, `Unsupported value: "x": supported values:
 * "a", "b"`, `Duplicate value: "x"`, `Not found: "x"`, `Forbidden: <detail>`, `Too long: may not be
 * more than N bytes`), values printed as Go's fmt prints them for `field.Invalid` (numbers and
 * booleans plain, strings quoted, maps `map[string]string{"k":"v"}`, label selectors
 * `v1.LabelSelector{…}`), and the common checks (DNS names, ports, IPs, label selectors, percents).
 */
import type { StatusCause } from '../api/index.ts';
import { isPlainObject } from '../internal/json.ts';
import type { JsonObject } from '../internal/json.ts';
import { nameErrors, qualifiedNameErrors, labelValueErrors } from '../internal/meta-validation.ts';

/** Causes collected by one validation, in upstream order. */
export type Causes = StatusCause[];

const goString = (s: string): string => JSON.stringify(s);

/** A `map[string]string` as Go's `%#v` prints it (keys sorted). */
export function goStringMap(m: unknown): string {
  if (!isPlainObject(m)) return 'map[string]string(nil)';
  const keys = Object.keys(m).sort();
  return `map[string]string{${keys.map((k) => `${goString(k)}:${goString(String(m[k]))}`).join(', ')}}`;
}

/** A metav1.LabelSelector (dereferenced) as Go's `%#v` prints it. */
export function goLabelSelector(sel: unknown): string {
  const s = isPlainObject(sel) ? sel : {};
  const exprs = Array.isArray(s.matchExpressions)
    ? `[]v1.LabelSelectorRequirement{${(s.matchExpressions as JsonObject[])
        .map((e) => `v1.LabelSelectorRequirement{Key:${goString(String(e.key ?? ''))}, Operator:${goString(String(e.operator ?? ''))}, Values:${Array.isArray(e.values) ? `[]string{${(e.values as string[]).map((v) => goString(String(v))).join(', ')}}` : '[]string(nil)'}}`)
        .join(', ')}}`
    : '[]v1.LabelSelectorRequirement(nil)';
  return `v1.LabelSelector{MatchLabels:${goStringMap(s.matchLabels)}, MatchExpressions:${exprs}}`;
}

/** A bad value as `field.Error.ErrorBody` prints it: numbers and booleans plain, strings quoted, anything else as given (`goStringMap`, `goLabelSelector`, JSON). */
function shown(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return goString(v);
  return JSON.stringify(v);
}

/** `field.Required`: `Required value` (`: <detail>` when given). */
export const required = (field: string, detail = ''): StatusCause => ({ reason: 'FieldValueRequired', message: detail ? `Required value: ${detail}` : 'Required value', field });
/** `field.Invalid`; `rendered` is the value already printed Go's way (maps, selectors), else `v` is printed by its JSON type. */
export const invalid = (field: string, v: unknown, detail: string, rendered?: string): StatusCause => ({
  reason: 'FieldValueInvalid',
  message: `Invalid value: ${rendered ?? shown(v)}${detail ? `: ${detail}` : ''}`,
  field,
});
/** `field.NotSupported`: `Unsupported value: "x": supported values: "a", "b"` (the list in the order given). */
export const notSupported = (field: string, v: unknown, supported: readonly string[]): StatusCause => ({
  reason: 'FieldValueNotSupported',
  message: `Unsupported value: ${shown(v)}: supported values: ${supported.map(goString).join(', ')}`,
  field,
});
/** `field.Duplicate`: `Duplicate value: "x"`. */
export const duplicate = (field: string, v: unknown): StatusCause => ({ reason: 'FieldValueDuplicate', message: `Duplicate value: ${shown(v)}`, field });
/** `field.NotFound`: `Not found: "x"`. */
export const notFound = (field: string, v: unknown): StatusCause => ({ reason: 'FieldValueNotFound', message: `Not found: ${shown(v)}`, field });
/** `field.Forbidden`: `Forbidden: <detail>`. */
export const forbidden = (field: string, detail: string): StatusCause => ({ reason: 'FieldValueForbidden', message: `Forbidden: ${detail}`, field });
/** `field.TooLong` with a byte limit: `Too long: may not be more than N bytes`. */
export const tooLong = (field: string, max: number): StatusCause => ({ reason: 'FieldValueTooLong', message: `Too long: may not be more than ${max} bytes`, field });

/** apimachinery `FieldImmutableErrorMsg`. */
export const FIELD_IMMUTABLE = 'field is immutable';

/** `ValidateImmutableField`: `Invalid value: <new>: field is immutable` when the value changed. */
export function immutable(out: Causes, field: string, next: unknown, old: unknown, rendered?: (v: unknown) => string): void {
  if (!jsonEqual(next, old)) out.push(invalid(field, next, FIELD_IMMUTABLE, rendered?.(next)));
}

/** Deep equality of JSON values (key order ignored); `undefined` and `null` are the Go zero value alike. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === undefined || a === null) return b === undefined || b === null;
  if (typeof a !== 'object' || typeof b !== 'object' || b === null) return false;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a).filter((k) => (a as JsonObject)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as JsonObject)[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => jsonEqual((a as JsonObject)[k], (b as JsonObject)[k]));
}

/** `ValidateDNS1123Label` (container, port, volume names). */
export function dns1123Label(out: Causes, field: string, v: string): void {
  for (const e of nameErrors(v, 'label')) out.push(invalid(field, v, e));
}

/** `ValidateDNS1123Subdomain`. */
export function dns1123Subdomain(out: Causes, field: string, v: string): void {
  for (const e of nameErrors(v, 'subdomain')) out.push(invalid(field, v, e));
}

/** `validation.IsValidPortNum`. */
export function portNumErrors(p: number): string[] {
  return p >= 1 && p <= 65535 ? [] : ['must be between 1 and 65535, inclusive'];
}

/** `validation.IsValidPortName` (IANA_SVC_NAME). */
export function portNameErrors(name: string): string[] {
  const out: string[] = [];
  if (name.length > 15) out.push('must be no more than 15 characters');
  if (!/^[-a-z0-9]+$/.test(name)) out.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!/[a-z]/.test(name)) out.push('must contain at least one letter (a-z)');
  if (name.includes('--')) out.push('must not contain consecutive hyphens');
  if (name.startsWith('-') || name.endsWith('-')) out.push('must not begin or end with a hyphen');
  return out;
}

/** `ValidatePortNumOrName` (a Service `targetPort`, a probe's port): an int-or-string. */
export function portNumOrName(out: Causes, field: string, v: unknown): void {
  if (typeof v === 'number') {
    for (const e of portNumErrors(v)) out.push(invalid(field, v, e));
  } else if (typeof v === 'string') {
    if (v === '') out.push(required(field));
    else for (const e of portNameErrors(v)) out.push(invalid(field, v, e));
  }
}

/** `ValidateNonnegativeField`. */
export function nonNegative(out: Causes, field: string, v: unknown): void {
  if (typeof v === 'number' && v < 0) out.push(invalid(field, v, 'must be greater than or equal to 0'));
}

/** `ValidatePositiveIntOrPercent` and `IsValidPercent`, plus `IsNotMoreThan100Percent` when `max100`. */
export function intOrPercent(out: Causes, field: string, v: unknown, max100 = false): void {
  if (typeof v === 'string') {
    const m = /^([0-9]+)%$/.exec(v);
    if (!m) out.push(invalid(field, v, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"));
    else if (max100 && Number(m[1]) > 100) out.push(invalid(field, v, 'must not be greater than 100%'));
  } else if (typeof v === 'number') nonNegative(out, field, v);
}

/** `validation.IsValidIP`. */
export function ipErrors(v: string): string[] {
  const v4 = /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
  if (v4.test(v)) return [];
  if (v.includes(':') && /^[0-9a-fA-F:.]+$/.test(v) && (v.match(/::/g) ?? []).length <= 1) return [];
  return ['must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'];
}

/** `ValidateLabels`: keys qualified names, values label values. */
export function labels(out: Causes, field: string, m: unknown): void {
  if (!isPlainObject(m)) return;
  for (const [k, v] of Object.entries(m)) {
    for (const e of qualifiedNameErrors(k)) out.push(invalid(field, k, e));
    if (typeof v === 'string') for (const e of labelValueErrors(v)) out.push(invalid(field, v, e));
  }
}

/** metav1 `ValidateLabelSelector` (strict label values, as workloads' selectors). */
export function labelSelector(out: Causes, field: string, sel: unknown): void {
  if (!isPlainObject(sel)) return;
  const exprs = Array.isArray(sel.matchExpressions) ? (sel.matchExpressions as JsonObject[]) : [];
  exprs.forEach((e, i) => {
    const at = `${field}.matchExpressions[${i}]`;
    const values = Array.isArray(e.values) ? e.values : [];
    switch (e.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) out.push(required(`${at}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) out.push(forbidden(`${at}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
        break;
      default:
        out.push(invalid(`${at}.operator`, e.operator ?? '', 'not a valid selector operator'));
    }
    for (const msg of qualifiedNameErrors(typeof e.key === 'string' ? e.key : '')) out.push(invalid(`${at}.key`, e.key ?? '', msg));
    values.forEach((v, j) => {
      if (typeof v === 'string') for (const msg of labelValueErrors(v)) out.push(invalid(`${at}.values[${j}]`, v, msg));
    });
  });
  labels(out, `${field}.matchLabels`, sel.matchLabels);
}

/** Whether a label selector (matchLabels and matchExpressions) selects `objLabels` (`LabelSelectorAsSelector(s).Matches`). */
export function selectorMatches(sel: JsonObject, objLabels: Record<string, unknown>): boolean {
  if (isPlainObject(sel.matchLabels)) for (const [k, v] of Object.entries(sel.matchLabels)) if (objLabels[k] !== v) return false;
  for (const e of Array.isArray(sel.matchExpressions) ? (sel.matchExpressions as JsonObject[]) : []) {
    const key = String(e.key);
    const has = Object.hasOwn(objLabels, key);
    const values = Array.isArray(e.values) ? (e.values as unknown[]) : [];
    if (e.operator === 'In' && !(has && values.includes(objLabels[key]))) return false;
    if (e.operator === 'NotIn' && has && values.includes(objLabels[key])) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

/** The child object at `key`, or undefined. */
export const obj = (o: unknown, key: string): JsonObject | undefined => (isPlainObject(o) && isPlainObject(o[key]) ? o[key] : undefined);
/** The list at `key` (objects only), or empty. */
export const list = (o: unknown, key: string): JsonObject[] => (isPlainObject(o) && Array.isArray(o[key]) ? (o[key] as unknown[]).filter(isPlainObject) : []);
/** The string at `key`, or undefined. */
export const str = (o: unknown, key: string): string | undefined => (isPlainObject(o) && typeof o[key] === 'string' ? o[key] : undefined);
/** The number at `key`, or undefined. */
export const num = (o: unknown, key: string): number | undefined => (isPlainObject(o) && typeof o[key] === 'number' ? o[key] : undefined);
