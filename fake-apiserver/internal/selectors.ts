/**
 * Field selectors and the combined object matcher of list and watch (Kubernetes API concepts:
 * field selectors; labels and selectors). Internal to fake-apiserver.
 */
import { matchesRequirements, parseSelector, selectorRequirements, statusError } from '../api/index.ts';
import type { KubeObject, ListOptions } from '../api/index.ts';

type Getter = (o: KubeObject) => string;

const path =
  (p: string, dflt = ''): Getter =>
  (o) => {
    let cur: unknown = o;
    for (const seg of p.split('.')) cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[seg] : undefined;
    return cur === undefined || cur === null ? dflt : String(cur);
  };

const common: Record<string, Getter> = {
  'metadata.name': path('metadata.name'),
  'metadata.namespace': path('metadata.namespace'),
};

/** Extra selectable fields per kind (core group), as upstream registers them. */
const perKind: Record<string, Record<string, Getter>> = {
  Pod: {
    'spec.nodeName': path('spec.nodeName'),
    'spec.restartPolicy': path('spec.restartPolicy'),
    'spec.schedulerName': path('spec.schedulerName'),
    'spec.serviceAccountName': path('spec.serviceAccountName'),
    'spec.hostNetwork': path('spec.hostNetwork', 'false'),
    'status.phase': path('status.phase'),
    'status.podIP': path('status.podIP'),
    'status.nominatedNodeName': path('status.nominatedNodeName'),
  },
  Event: Object.fromEntries(
    ['involvedObject.kind', 'involvedObject.namespace', 'involvedObject.name', 'involvedObject.uid', 'involvedObject.apiVersion', 'involvedObject.resourceVersion', 'involvedObject.fieldPath', 'reason', 'reportingComponent', 'type']
      .map((f) => [f, path(f)] as const)
      .concat([['source', path('source.component')]]),
  ),
  Secret: { type: path('type') },
  Node: { 'spec.unschedulable': path('spec.unschedulable', 'false') },
  Namespace: { 'status.phase': path('status.phase') },
};

interface FieldRequirement {
  get: Getter;
  value: string;
  negate: boolean;
}

/**
 * Parses `a=b,c!=d` for `kind` (core-group extras apply when `group` is `""`).
 * @throws StatusError 400 BadRequest `field label not supported: x`, or for malformed terms.
 */
export function parseFieldSelector(text: string, group: string, kind: string): FieldRequirement[] {
  const out: FieldRequirement[] = [];
  if (text.trim() === '') return out;
  const fields = { ...common, ...(group === '' ? perKind[kind] : undefined) };
  for (const raw of text.split(',')) {
    const m = raw.trim().match(/^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/);
    if (!m) throw statusError('BadRequest', `invalid selector: '${text}'; can't understand '${raw.trim()}'`);
    const get = fields[m[1]];
    if (!get) throw statusError('BadRequest', `field label not supported: ${m[1]}`);
    out.push({ get, value: m[3].trim(), negate: m[2] === '!=' });
  }
  return out;
}

/**
 * Compiles list/watch options into a predicate: namespace (when `namespaced`), label selector
 * (string or object form), field selector. Throws 400 for malformed selectors.
 */
export function buildMatcher(opts: ListOptions, group: string, kind: string, namespaced: boolean): (o: KubeObject) => boolean {
  const ns = namespaced && opts.namespace ? opts.namespace : undefined;
  const labels = opts.labelSelector === undefined ? [] : typeof opts.labelSelector === 'string' ? parseSelector(opts.labelSelector) : selectorRequirements(opts.labelSelector);
  const fields = opts.fieldSelector ? parseFieldSelector(opts.fieldSelector, group, kind) : [];
  if (!ns && labels.length === 0 && fields.length === 0) return () => true;
  return (o) => {
    if (ns !== undefined && o.metadata.namespace !== ns) return false;
    if (labels.length && !matchesRequirements(labels, o.metadata.labels)) return false;
    for (const f of fields) if ((f.get(o) === f.value) === f.negate) return false;
    return true;
  };
}
