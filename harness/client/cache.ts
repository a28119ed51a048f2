/**
 * The informer cache of one World (controller-runtime `cache.Cache` + client-go
 * `SharedInformerFactory`): one {@link SharedInformer} per kind, started on first use, and a
 * {@link KubeReader} over them, so a controller reads from the cache and writes through the client
 * with no other change.
 *
 * Reads: `get` answers 404 NotFound when the object is not cached; `list` supports `namespace`,
 * label selectors (string or object; `matchLabels` pairs use the label index) and field selectors
 * on `metadata.name` / `metadata.namespace` (`=`, `==`, `!=`). Items are sorted by namespace, then
 * name, like the API server. Both wait for the kind's first list, and reject with the list's error
 * while the lists of the kind fail (a kind the server does not serve answers 404 at once).
 */
import { INDEX_LABEL, INDEX_NAMESPACE, groupOf, keyString, matchesRequirements, notFound, parseSelector, selectorRequirements, statusError } from '../../fake-apiserver/api/index.ts';
import type {
  Clock,
  Informer,
  InformerCache,
  KubeList,
  KubeObject,
  KubeReader,
  KubeWatcher,
  ListOptions,
  ObjectKey,
  Requirement,
  TypeRef,
} from '../../fake-apiserver/api/index.ts';
import type { Logger } from '../../platform/runtime/index.ts';
import type { StreamSource } from '../rng/index.ts';
import { SharedInformer } from './informer.ts';
import type { ReflectorBackoff } from './reflector.ts';
import { labelIndexValue } from './store.ts';

/** Options of an {@link InformerFactory}. */
export interface InformerFactoryOptions {
  /** Lists and watches go through it. */
  client: KubeReader & KubeWatcher;
  clock: Clock;
  /** Relists and re-watches are logged here. */
  log: Logger;
  /** Seeded streams for reflector backoff jitter: the informer of a kind draws from `informer/backoff/<apiVersion>/<kind>`, so one kind's faults never shift another's timings. */
  jitter?: StreamSource;
  backoff?: Partial<ReflectorBackoff>;
  /** Periodic resync of every informer, simulated ms (default none). */
  resyncMs?: number;
}

/** One shared informer per kind, and the cache reader over them. */
export class InformerFactory implements InformerCache {
  private readonly informers = new Map<string, SharedInformer>();
  private stopped = false;

  constructor(private readonly opts: InformerFactoryOptions) {}

  informerFor<T extends KubeObject = KubeObject>(type: TypeRef): SharedInformer<T> {
    const id = `${type.apiVersion}/${type.kind}`;
    let inf = this.informers.get(id);
    if (!inf) {
      const { jitter, ...rest } = this.opts;
      inf = new SharedInformer({ ...rest, type: { apiVersion: type.apiVersion, kind: type.kind }, jitter: jitter?.stream(`informer/backoff/${id}`) });
      this.informers.set(id, inf);
      if (!this.stopped) inf.start();
    }
    return inf as unknown as SharedInformer<T>;
  }

  /** Every informer created so far, by `apiVersion/kind`. */
  all(): ReadonlyMap<string, SharedInformer> {
    return this.informers;
  }

  /** Resolves once every informer created so far has stored its first list. */
  async waitForCacheSync(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.synced()));
  }

  /** Stops every reflector. */
  stop(): void {
    this.stopped = true;
    for (const i of this.informers.values()) i.stop();
  }

  async get<T extends KubeObject = KubeObject>(type: TypeRef, key: ObjectKey): Promise<T> {
    const inf = this.informerFor<T>(type);
    await inf.readable();
    const obj = inf.getByKey(keyString(key));
    if (!obj) throw notFound(`${type.kind.toLowerCase()}s`, groupOf(type.apiVersion), key.name, type.kind);
    return obj;
  }

  async list<T extends KubeObject = KubeObject>(type: TypeRef, opts: ListOptions = {}): Promise<KubeList<T>> {
    const inf = this.informerFor<T>(type);
    await inf.readable();
    return { apiVersion: type.apiVersion, kind: `${type.kind}List`, metadata: { resourceVersion: inf.lastResourceVersion() }, items: listFromInformer(inf, opts) };
  }
}

/** Objects of `inf` matching `opts` (namespace, label and field selectors), sorted by namespace then name. */
export function listFromInformer<T extends KubeObject>(inf: Informer<T>, opts: ListOptions): T[] {
  const reqs: Requirement[] = opts.labelSelector === undefined ? [] : typeof opts.labelSelector === 'string' ? parseSelector(opts.labelSelector) : selectorRequirements(opts.labelSelector);
  const fields = parseFieldSelector(opts.fieldSelector ?? '');
  let ns = opts.namespace;
  for (const f of fields) if (f.field === 'metadata.namespace' && !f.negate) ns = ns === undefined || ns === f.value ? f.value : '\u0000';
  let candidates: T[] | undefined;
  const name = fields.find((f) => f.field === 'metadata.name' && !f.negate);
  if (name && ns !== undefined) {
    const one = inf.getByKey(keyString({ namespace: ns || undefined, name: name.value }));
    candidates = one ? [one] : [];
  }
  if (!candidates) {
    // The smallest posting list among single-valued In requirements, when a namespace is known.
    for (const r of reqs) {
      if (r.operator !== 'In' || r.values.length !== 1 || ns === undefined) continue;
      const hit = inf.byIndex(INDEX_LABEL, labelIndexValue(ns || undefined, r.key, r.values[0]));
      if (!candidates || hit.length < candidates.length) candidates = hit;
    }
  }
  candidates ??= ns !== undefined ? inf.byIndex(INDEX_NAMESPACE, ns) : inf.items();
  return candidates.filter(
    (o) =>
      (ns === undefined || (o.metadata.namespace ?? '') === ns) &&
      matchesRequirements(reqs, o.metadata.labels) &&
      fields.every((f) => ((f.field === 'metadata.name' ? o.metadata.name : (o.metadata.namespace ?? '')) === f.value) !== f.negate),
  );
}

interface FieldRequirement {
  field: 'metadata.name' | 'metadata.namespace';
  value: string;
  negate: boolean;
}

function parseFieldSelector(text: string): FieldRequirement[] {
  const out: FieldRequirement[] = [];
  for (const raw of text.split(',')) {
    const p = raw.trim();
    if (p === '') continue;
    const m = p.match(/^([^=!]+?)\s*(==|=|!=)\s*(.*)$/);
    if (!m) throw statusError('BadRequest', `invalid field selector: ${JSON.stringify(p)}`);
    const field = m[1].trim();
    if (field !== 'metadata.name' && field !== 'metadata.namespace') throw statusError('BadRequest', `field label not supported by the informer cache: ${field}`);
    out.push({ field, value: m[3].trim(), negate: m[2] === '!=' });
  }
  return out;
}
