/**
 * Label selectors (Kubernetes API concepts: labels and selectors). Both forms: the string syntax of
 * `?labelSelector=` (`k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k`, `!k`, comma = AND)
 * and the object form `{matchLabels, matchExpressions}` used in specs. Pure functions, no imports
 * beyond the status error; a malformed selector throws a 400 BadRequest StatusError.
 */
import { statusError } from './status-error.ts';

/** One requirement of a selector. `values` is empty for Exists / DoesNotExist. */
export interface Requirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values: string[];
}

/** Object form of a selector (metav1.LabelSelector). An empty selector matches everything. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
}

/** Parses the string syntax into requirements (AND-ed). Throws 400 BadRequest on malformed input. */
export function parseSelector(text: string): Requirement[] {
  const out: Requirement[] = [];
  const src = text.trim();
  if (src === '') return out;
  // Split on commas that are not inside parentheses.
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of src) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  const bad = (p: string) => statusError('BadRequest', `unable to parse requirement: invalid label selector: "${p.trim()}" in "${text}"`);
  for (const raw of parts) {
    const p = raw.trim();
    if (p === '') throw bad(raw);
    let m: RegExpMatchArray | null;
    if ((m = p.match(/^([^\s!=(),]+)\s+(in|notin)\s+\(([^)]*)\)$/))) {
      const values = m[3].split(',').map((v) => v.trim()).filter((v) => v !== '');
      out.push({ key: m[1], operator: m[2] === 'in' ? 'In' : 'NotIn', values });
    } else if ((m = p.match(/^([^\s!=(),]+)\s*(==|=|!=)\s*([^\s!=(),]*)$/))) {
      out.push({ key: m[1], operator: m[2] === '!=' ? 'NotIn' : 'In', values: [m[3]] });
    } else if ((m = p.match(/^!\s*([^\s!=(),]+)$/))) {
      out.push({ key: m[1], operator: 'DoesNotExist', values: [] });
    } else if ((m = p.match(/^([^\s!=(),]+)$/))) {
      out.push({ key: m[1], operator: 'Exists', values: [] });
    } else throw bad(raw);
  }
  return out;
}

/** Converts the object form to requirements. */
export function selectorRequirements(sel: LabelSelector): Requirement[] {
  const out: Requirement[] = Object.entries(sel.matchLabels ?? {}).map(([key, v]) => ({ key, operator: 'In' as const, values: [v] }));
  for (const e of sel.matchExpressions ?? []) out.push({ key: e.key, operator: e.operator, values: e.values ?? [] });
  return out;
}

/** True when `labels` satisfies every requirement. */
export function matchesRequirements(reqs: readonly Requirement[], labels: Readonly<Record<string, string>> | undefined): boolean {
  const l = labels ?? {};
  for (const r of reqs) {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    switch (r.operator) {
      case 'In':
        if (!has || !r.values.includes(l[r.key])) return false;
        break;
      case 'NotIn':
        if (has && r.values.includes(l[r.key])) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
    }
  }
  return true;
}

/** True when `labels` matches the object-form selector (an empty selector matches everything). */
export function matchesSelector(sel: LabelSelector | undefined, labels: Readonly<Record<string, string>> | undefined): boolean {
  return sel ? matchesRequirements(selectorRequirements(sel), labels) : true;
}

/** True when `labels` matches the string-form selector. */
export function matchesSelectorString(text: string, labels: Readonly<Record<string, string>> | undefined): boolean {
  return matchesRequirements(parseSelector(text), labels);
}

/** Renders `{a: "1", b: "2"}` as `a=1,b=2` (sorted keys). */
export function formatLabels(labels: Readonly<Record<string, string>>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',');
}
