/**
 * The in-memory Kubernetes API server (DESIGN.md "The simulation core"; semantics from
 * anchors-apiserver.md §3.4–3.16, 3.19, 3.23 and the Kubernetes API concepts pages). Synchronous
 * and deterministic: every verb runs to completion when called, watch events are handed to the
 * injected `deliver` scheduler, time comes from the injected Clock and uids from `newUid`.
 */
import { createHash } from 'node:crypto';
import { alreadyExists, conflict, invalid, notFound, reasonCodes, rfc3339, statusError } from './api/index.ts';
import type {
  ApplyOptions,
  Clock,
  DeleteOptions,
  KubeList,
  KubeObject,
  ListOptions,
  ObjectKey,
  ObjectMeta,
  PatchType,
  StatusCause,
  StatusReason,
  TypeRef,
  WatchEvent,
  WatchHandle,
  WatchOptions,
  WriteOptions,
} from './api/index.ts';
import { crdCauses, crdResourceInfos, crdStatus } from './internal/crd.ts';
import { cloneJson, deepEqual, deepFreeze, isPlainObject, jsonExceeds } from './internal/json.ts';
import { metadataCauses, nameErrors } from './internal/meta-validation.ts';
import type { NameRule } from './internal/meta-validation.ts';
import { buildMatcher } from './internal/selectors.ts';
import { applyJsonPatch, initialApplyEntry, mergePatch, serverSideApply } from './patch.ts';
import type { ManagedFieldsEntry } from './patch.ts';
import { Registry, resourceKey } from './registry.ts';
import type { ResourceInfo } from './registry.ts';
import { VersionedStore } from './store.ts';
import type { StoreEvent } from './store.ts';
import { compileSchema } from './validation.ts';

/** The identity a uid is derived from: version-independent kind, namespace, name, and incarnation. */
export interface ObjectIdentity {
  /** API group ('' for the core group). */
  group: string;
  kind: string;
  /** '' for cluster-scoped objects. */
  namespace: string;
  name: string;
  /** 0 for the first object of this identity, +1 for each later create of it (after a delete). */
  incarnation: number;
}

/** What a `generateName` suffix is derived from: kind, namespace, the prefix, and its ordinal. */
export interface GeneratedNameRequest {
  group: string;
  kind: string;
  namespace: string;
  /** The `generateName` prefix (truncated to 58 characters), e.g. `web-5d8f9c7b6a-`: names the owner. */
  prefix: string;
  /** 0, 1, 2 … per (kind, namespace, prefix), counting every attempt (retries after a collision too). */
  ordinal: number;
}

/** Options of {@link ApiServer}. */
export interface ApiServerOptions {
  /** Source of `creationTimestamp`, `deletionTimestamp` and managedFields times. */
  clock: Clock;
  /**
   * uid generator, given the identity of the object being created (a simulation hashes it, so
   * uids do not shift when other objects come or go); default: a counter rendered UUID-shaped
   * (`00000000-0000-4000-8000-000000000001`, ...).
   */
  newUid?: (id: ObjectIdentity) => string;
  /** 5-character `generateName` suffix generator; default: hash of the request (seedless). */
  nameSuffix?: (req: GeneratedNameRequest) => string;
  /**
   * Schedules watch delivery, once per event, in commit order (so per-watch order holds whenever
   * the scheduler runs callbacks in call order at non-decreasing times); default `queueMicrotask`.
   * A simulation passes its event scheduler.
   */
  deliver?: (fn: () => void) => void;
  /** Events kept for watches resuming from a resourceVersion (default 100 000); older starts get 410 Expired. */
  historyLimit?: number;
  /** Size limits of requests and stored objects (default {@link DEFAULT_LIMITS}). */
  limits?: Partial<ApiServerLimits>;
  /** Validating admission extensions, called in order (see {@link ApiServer.addValidatingAdmission}). */
  validatingAdmission?: readonly ValidatingAdmissionExtension[];
}

/**
 * What a validating admission extension sees of one write (the AdmissionReview `request`, reduced):
 * the operation, the kind and resource, the object as it would be stored (after schema defaulting and
 * validation) and, for UPDATE, the stored one. Status subresource writes are not admitted through it
 * (a webhook rule on `latticeservices` does not cover `latticeservices/status`).
 */
export interface ValidatingAdmissionRequest {
  operation: 'CREATE' | 'UPDATE';
  /** API group ('' for the core group), served version, kind and plural resource of the request. */
  group: string;
  version: string;
  kind: string;
  resource: string;
  namespace?: string;
  name: string;
  object: KubeObject;
  oldObject?: KubeObject;
  dryRun: boolean;
}

/** A validating extension's answer: allowed, or denied with a message (and optionally an HTTP code and causes). */
export type ValidatingAdmissionResponse = { allowed: true } | { allowed: false; message?: string; code?: number; causes?: StatusCause[] };

/**
 * An in-process validating admission extension, standing where a ValidatingWebhookConfiguration's
 * webhook (failurePolicy Fail) or a ValidatingAdmissionPolicy would (anchors-apiserver.md §3.21):
 * called after schema validation, before persistence, for every CREATE and UPDATE it `matches`; a
 * denial fails the request as the API server words a webhook denial. `admit` must not throw (a throw
 * is treated as failurePolicy Fail: the request fails with 500 `failed calling webhook`).
 */
export interface ValidatingAdmissionExtension {
  /** Webhook name, e.g. `validate.lattice.dev` (it appears in every denial). */
  name: string;
  /** Whether the extension covers this request (its rules); default: every request. */
  matches?: (request: ValidatingAdmissionRequest) => boolean;
  admit: (request: ValidatingAdmissionRequest) => ValidatingAdmissionResponse;
}

/** Size limits, in bytes of JSON (UTF-8). */
export interface ApiServerLimits {
  /**
   * Largest request body: kube-apiserver refuses larger ones with 413 RequestEntityTooLarge,
   * `Request entity too large: limit is 3145728` (its default `MaxRequestBodyBytes`, 3 MiB).
   */
  maxRequestBytes: number;
  /**
   * Largest stored object: etcd refuses larger values (`--max-request-bytes`, default 1.5 MiB) and
   * the API server answers 500 InternalError `etcdserver: request is too large`.
   */
  maxObjectBytes: number;
}

/** The upstream defaults: 3 MiB requests, 1.5 MiB stored objects. */
export const DEFAULT_LIMITS: ApiServerLimits = { maxRequestBytes: 3 * 1024 * 1024, maxObjectBytes: 1.5 * 1024 * 1024 };

/** Namespaces present at start (anchors-apiserver.md §3.15). */
export const BOOTSTRAP_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'] as const;
/** Namespaces the NamespaceLifecycle admission refuses to delete. */
const IMMORTAL_NAMESPACES = new Set(['default', 'kube-system', 'kube-public']);
/** Alphabet of generated name suffixes (upstream utilrand: no vowels, no confusable digits). */
const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** Default `generateName` suffix: 5 characters of SUFFIX_ALPHABET hashed from the request. */
function defaultNameSuffix(req: GeneratedNameRequest): string {
  const h = createHash('sha256').update(`${req.group}/${req.kind}\0${req.namespace}\0${req.prefix}\0${req.ordinal}`).digest();
  let s = '';
  for (let i = 0; i < 5; i++) s += SUFFIX_ALPHABET[h[i] % SUFFIX_ALPHABET.length];
  return s;
}

const NAMESPACE: TypeRef = { apiVersion: 'v1', kind: 'Namespace' };
const CRD_KIND = 'CustomResourceDefinition';
const CRD_GROUP = 'apiextensions.k8s.io';

type Meta = ObjectMeta & { managedFields?: ManagedFieldsEntry[] };
type Mutable = KubeObject & { metadata: Meta };

const CLOSE = Symbol('close');

/**
 * One open watch: a FIFO of events, each handed to `deliver` on its own as it is committed (so a
 * simulation can time every event from its commit instant alone); each callback delivers the
 * oldest pending event.
 */
class Watcher {
  private queue: (WatchEvent | typeof CLOSE)[] = [];
  private head = 0;
  stopped = false;
  /** Events at or below this revision are skipped (a watch started from a resourceVersion ahead of the store). */
  minRevision = 0;

  constructor(
    private readonly deliver: (fn: () => void) => void,
    private readonly onEvent: (e: WatchEvent) => void,
    private readonly onClose: ((err?: unknown) => void) | undefined,
    readonly match: (o: KubeObject) => boolean,
    readonly view: (o: KubeObject) => KubeObject,
  ) {}

  /** Translates a store event for this watcher, applying selector transitions (cacher semantics). */
  offer(ev: StoreEvent): void {
    if (ev.revision <= this.minRevision) return;
    const now = this.match(ev.object);
    if (ev.type !== 'MODIFIED') {
      if (now) this.push({ type: ev.type, object: this.view(ev.object) });
      return;
    }
    const before = ev.prev ? this.match(ev.prev) : false;
    if (now) this.push({ type: before ? 'MODIFIED' : 'ADDED', object: this.view(ev.object) });
    else if (before && ev.prev) {
      const last = deepFreeze({ ...ev.prev, metadata: { ...ev.prev.metadata, resourceVersion: String(ev.revision) } });
      this.push({ type: 'DELETED', object: this.view(last) });
    }
  }

  push(item: WatchEvent | typeof CLOSE): void {
    if (this.stopped) return;
    this.queue.push(item);
    this.deliver(this.deliverOne);
  }

  private readonly deliverOne = (): void => {
    if (this.stopped || this.head >= this.queue.length) return;
    const item = this.queue[this.head++];
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    }
    if (item === CLOSE) {
      this.stopped = true;
      this.onClose?.();
      return;
    }
    this.onEvent(item);
  };
}

interface WriteControl {
  /** resourceVersion precondition (409 Conflict when it differs from the stored one). */
  rv?: string;
  /** uid precondition (409 Conflict when it differs). */
  uid?: string;
  /** 422 when `rv` is missing (custom resources: AllowUnconditionalUpdate=false). */
  requireRv: boolean;
  /** `main` ignores status where a status subresource exists; `status` callers build the candidate from the stored object. */
  mode: 'main' | 'status';
  /** Keep the candidate's managedFields (apply) instead of the stored ones. */
  keepManagedFields?: boolean;
  dryRun?: boolean;
  /** The request's write options (field validation, warnings). */
  request?: WriteOptions;
  /** apiVersion of the response. */
  apiVersion: string;
}

/**
 * In-memory API server. Methods mirror {@link KubeClient} but are synchronous and return frozen
 * objects; failures throw {@link StatusError} (404 NotFound, 409 AlreadyExists/Conflict, 403
 * Forbidden, 410 Expired, 422 Invalid, 400 BadRequest). Wrap it in `InProcessClient` to get the
 * asynchronous KubeClient.
 */
export class ApiServer {
  /** Served kinds (built-ins plus CRD-registered). */
  readonly registry = new Registry();
  private readonly store: VersionedStore;
  private readonly clock: Clock;
  private readonly newUid: (id: ObjectIdentity) => string;
  private readonly deliver: (fn: () => void) => void;
  private readonly watchers = new Map<string, Set<Watcher>>();
  private readonly nameSuffix: (req: GeneratedNameRequest) => string;
  private uidSeq = 0;
  /** Creates so far per identity (`rk\0ns\0name`): the next create's incarnation. Grows with identities ever created. */
  private readonly incarnations = new Map<string, number>();
  /** Suffixes generated so far per (rk, ns, prefix). */
  private readonly nameOrdinals = new Map<string, number>();

  private readonly limits: ApiServerLimits;
  private readonly validating: ValidatingAdmissionExtension[];
  /** Per object and field manager, the last apply that changed nothing (see {@link apply}). */
  private readonly unchangedApplies = new Map<string, { live: KubeObject; info: ResourceInfo; fieldValidation: WriteOptions['fieldValidation']; applied: KubeObject }>();

  constructor(opts: ApiServerOptions) {
    this.clock = opts.clock;
    this.newUid = opts.newUid ?? (() => `00000000-0000-4000-8000-${(++this.uidSeq).toString(16).padStart(12, '0')}`);
    this.nameSuffix = opts.nameSuffix ?? defaultNameSuffix;
    this.deliver = opts.deliver ?? ((fn) => queueMicrotask(fn));
    this.store = new VersionedStore({ historyLimit: opts.historyLimit });
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
    this.validating = [...(opts.validatingAdmission ?? [])];
    for (const name of BOOTSTRAP_NAMESPACES) this.create({ ...NAMESPACE, metadata: { name } });
  }

  /**
   * Registers a validating admission extension (after the ones given in the options). Returns a
   * function that unregisters it. Only later requests see it.
   */
  addValidatingAdmission(extension: ValidatingAdmissionExtension): () => void {
    this.validating.push(extension);
    return () => {
      const i = this.validating.indexOf(extension);
      if (i >= 0) this.validating.splice(i, 1);
    };
  }

  /** Current global revision (the resourceVersion of the latest write), as a number. */
  get revision(): number {
    return this.store.revision;
  }

  /** Every stored object (frozen), sorted by group/kind, then namespace, then name. For snapshots. */
  objects(): KubeObject[] {
    const out: KubeObject[] = [];
    for (const rk of this.store.resourceKeys()) out.push(...this.store.list(rk));
    return out;
  }

  /**
   * Reads one object (frozen).
   * @throws 404 NotFound `<resource>.<group> "<name>" not found`; 404 for an unknown kind; 400 when a namespaced kind is read without namespace.
   */
  get(type: TypeRef, key: ObjectKey): KubeObject {
    const info = this.registry.lookup(type);
    return this.view(this.read(info, key.namespace, key.name), info.apiVersion);
  }

  /**
   * Lists one kind: namespace filter, label selector (string or object form), field selector
   * (`metadata.name`, `metadata.namespace`, per-kind extras such as Pod `status.phase`, `spec.nodeName`).
   * Items are sorted by namespace then name; `metadata.resourceVersion` is the current revision.
   * @throws 400 BadRequest for a malformed selector or `field label not supported: x`.
   */
  list(type: TypeRef, opts: ListOptions = {}): KubeList {
    const info = this.registry.lookup(type);
    const match = buildMatcher(opts, info.group, info.kind, info.namespaced);
    const src = this.store.list(this.rk(info), info.namespaced && opts.namespace ? opts.namespace : undefined);
    const items: KubeObject[] = [];
    for (const o of src) if (match(o)) items.push(this.view(o, info.apiVersion));
    return { apiVersion: info.apiVersion, kind: info.listKind, metadata: { resourceVersion: String(this.store.revision) }, items };
  }

  /**
   * Creates an object: sets uid, creationTimestamp, resourceVersion, generation 1 (kinds with
   * generation); `generateName` gets a deterministic 5-character suffix; status is dropped where a
   * status subresource exists; custom resources are pruned, defaulted and validated.
   * Creating a CustomResourceDefinition registers its kinds at once (Established).
   * @throws 400 when resourceVersion is set; 422 Invalid (names, labels, scope, schema) with every
   *   cause; 404 for a missing namespace; 403 Forbidden into a Terminating namespace; 409 AlreadyExists.
   */
  create(objIn: KubeObject, opts: WriteOptions = {}, managedFields?: ManagedFieldsEntry[]): KubeObject {
    this.admitRequestSize(objIn);
    const info = this.registry.lookup(objIn);
    const obj = cloneJson(objIn) as Mutable;
    if (!isPlainObject(obj.metadata)) obj.metadata = {} as Meta;
    const m = obj.metadata;
    if (m.resourceVersion) throw statusError('BadRequest', 'resourceVersion should not be set on objects to be created');
    obj.apiVersion = info.storageApiVersion;
    obj.kind = info.kind;
    for (const f of ['uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation', 'managedFields'] as const) delete m[f];
    if (managedFields) m.managedFields = managedFields;

    const causes: StatusCause[] = [];
    if (info.namespaced) {
      if (!m.namespace) causes.push({ reason: 'FieldValueRequired', message: 'Required value', field: 'metadata.namespace' });
    } else if (m.namespace) {
      causes.push({ reason: 'FieldValueForbidden', message: 'Forbidden: not allowed on this type', field: 'metadata.namespace' });
    }
    const ns = info.namespaced ? (m.namespace ?? '') : '';
    const rk = this.rk(info);
    if (!m.name && m.generateName) m.name = this.generateName(m.generateName, info, rk, ns);
    if (!m.name) causes.push({ reason: 'FieldValueRequired', message: 'Required value: name or generateName is required', field: 'metadata.name' });
    else for (const e of nameErrors(m.name, this.nameRule(info))) causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(m.name)}: ${e}`, field: 'metadata.name' });

    if (info.statusSubresource) delete obj.status;
    const now = rfc3339(this.clock.now());
    if (info.group === '' && info.kind === 'Namespace') {
      obj.spec = { ...(isPlainObject(obj.spec) ? obj.spec : {}), finalizers: ['kubernetes'] };
      obj.status = { phase: 'Active' };
      if (m.name) m.labels = { ...m.labels, 'kubernetes.io/metadata.name': m.name };
    }
    const isCrd = info.group === CRD_GROUP && info.kind === CRD_KIND;
    if (isCrd) {
      causes.push(...crdCauses(obj));
      obj.status = crdStatus(obj, now);
    }
    causes.push(...metadataCauses(m));
    if (info.schema) causes.push(...this.admitSchema(info, obj, opts));

    if (ns && m.namespace) this.admitNamespace(info, ns, m.name ?? '');
    if (causes.length) throw invalid(info.kind, info.group, m.name || m.generateName || '', causes);
    this.admitValidating('CREATE', info, obj, undefined, opts.dryRun === true);
    if (this.store.get(rk, ns, m.name)) throw alreadyExists(info.plural, info.group, m.name);

    const identity = `${rk}\u0000${ns}\u0000${m.name}`;
    const incarnation = this.incarnations.get(identity) ?? 0;
    m.uid = this.newUid({ group: info.group, kind: info.kind, namespace: ns, name: m.name, incarnation });
    m.creationTimestamp = now;
    if (info.hasGeneration) m.generation = 1;
    if (opts.dryRun) return this.view(deepFreeze(obj), objIn.apiVersion);
    this.incarnations.set(identity, incarnation + 1);
    return this.view(this.put(info, obj).object, objIn.apiVersion);
  }

  /**
   * Replaces an object (PUT). Server-owned metadata (uid, creationTimestamp, deletionTimestamp,
   * generation, managedFields) is kept; status changes are ignored where a status subresource
   * exists; generation +1 iff anything outside metadata (and status) changed; an unchanged write
   * is not persisted (same resourceVersion, no event). Removing the last finalizer of a deleting
   * object removes it.
   * @throws 404 NotFound; 409 Conflict (stale resourceVersion, uid mismatch); 422 Invalid
   *   (`metadata.resourceVersion: Invalid value: 0x0: must be specified for an update` for custom
   *   resources, new finalizers on a deleting object, schema causes).
   */
  update(objIn: KubeObject, opts: WriteOptions = {}): KubeObject {
    this.admitRequestSize(objIn);
    const info = this.registry.lookup(objIn);
    const old = this.read(info, objIn.metadata?.namespace, objIn.metadata?.name);
    const cand = cloneJson(objIn) as Mutable;
    return this.writeExisting(info, old, cand, {
      rv: objIn.metadata.resourceVersion,
      uid: objIn.metadata.uid,
      requireRv: info.custom,
      mode: 'main',
      dryRun: opts.dryRun,
      request: opts,
      apiVersion: objIn.apiVersion,
    });
  }

  /**
   * Writes `.status` only (PUT /status): every other change is ignored; generation never changes.
   * @throws 404 when the kind has no status subresource or the object is absent; 409; 422 as {@link update}.
   */
  updateStatus(objIn: KubeObject, opts: WriteOptions = {}): KubeObject {
    this.admitRequestSize(objIn);
    const info = this.statusInfo(objIn);
    const old = this.read(info, objIn.metadata?.namespace, objIn.metadata?.name);
    const cand = cloneJson(old) as Mutable;
    if (objIn.status === undefined) delete cand.status;
    else cand.status = cloneJson(objIn.status);
    return this.writeExisting(info, old, cand, {
      rv: objIn.metadata.resourceVersion,
      uid: objIn.metadata.uid,
      requireRv: info.custom,
      mode: 'status',
      dryRun: opts.dryRun,
      request: opts,
      apiVersion: objIn.apiVersion,
    });
  }

  /**
   * Patches the main resource: `merge` (RFC 7386) or `json` (RFC 6902). A `metadata.resourceVersion`
   * or `metadata.uid` in the result that differs from the stored one is a precondition (409).
   * The result goes through the same rules as {@link update}.
   * @throws 404 NotFound; 400 malformed patch or name change; 409 Conflict; 422 Invalid (also a failed JSON patch `test`).
   */
  patch(type: TypeRef, key: ObjectKey, patchType: PatchType, body: unknown, opts: WriteOptions = {}): KubeObject {
    this.admitRequestSize(body);
    const info = this.registry.lookup(type);
    const old = this.read(info, key.namespace, key.name);
    const patched = this.applyPatch(old, patchType, body);
    const cand = cloneJson(patched) as Mutable;
    if (!isPlainObject(cand.metadata)) cand.metadata = {} as Meta;
    this.checkIdentity(old, cand);
    return this.writeExisting(info, old, cand, {
      rv: cand.metadata.resourceVersion,
      uid: cand.metadata.uid,
      requireRv: false,
      mode: 'main',
      dryRun: opts.dryRun,
      request: opts,
      apiVersion: type.apiVersion,
    });
  }

  /**
   * Patches `.status` only (PATCH /status); everything else in the patch result is ignored.
   * @throws as {@link patch}, plus 404 when the kind has no status subresource.
   */
  patchStatus(type: TypeRef, key: ObjectKey, patchType: PatchType, body: unknown, opts: WriteOptions = {}): KubeObject {
    this.admitRequestSize(body);
    const info = this.statusInfo(type);
    const old = this.read(info, key.namespace, key.name);
    const patched = this.applyPatch(old, patchType, body);
    // Without a schema nothing below writes inside the stored object's other fields: they are shared (frozen), not copied.
    const cand = (info.schema ? cloneJson(old) : { ...old, metadata: { ...old.metadata } }) as Mutable;
    if (patched.status === undefined) delete cand.status;
    else cand.status = cloneJson(patched.status);
    return this.writeExisting(info, old, cand, {
      rv: patched.metadata?.resourceVersion,
      uid: patched.metadata?.uid,
      requireRv: false,
      mode: 'status',
      dryRun: opts.dryRun,
      request: opts,
      apiVersion: type.apiVersion,
    });
  }

  /**
   * Server-side apply, approximated (see patch.ts `serverSideApply` and README "Not modelled"):
   * creates when absent; otherwise non-metadata top-level fields replace the live ones, labels and
   * annotations are merged, and keys this fieldManager applied before but omits now are removed.
   * An unchanged apply is not persisted. `force` is accepted (no ownership conflicts are raised).
   * @throws 400 without fieldManager or with managedFields in the body; otherwise as {@link create} / {@link update}.
   */
  apply(objIn: KubeObject, opts: ApplyOptions): KubeObject {
    this.admitRequestSize(objIn);
    const info = this.registry.lookup(objIn);
    if (!opts?.fieldManager) throw statusError('BadRequest', 'PATCH, application/apply-patch+yaml requests require the fieldManager parameter');
    const meta = (objIn.metadata ?? {}) as Meta;
    if (meta.managedFields?.length) throw statusError('BadRequest', 'metadata.managedFields must be nil');
    if (!meta.name) throw invalid(info.kind, info.group, '', [{ reason: 'FieldValueRequired', message: 'Required value: name is required', field: 'metadata.name' }]);
    const ns = info.namespaced ? meta.namespace : undefined;
    if (info.namespaced && !ns) throw statusError('BadRequest', `namespace is required for namespaced kind ${info.kind}`);
    const old = this.store.get(this.rk(info), ns ?? '', meta.name);
    const now = rfc3339(this.clock.now());
    if (!old) {
      if (meta.resourceVersion) throw conflict(info.plural, info.group, meta.name);
      return this.create(objIn, opts, [initialApplyEntry(objIn, opts.fieldManager, now, info.statusSubresource)]);
    }
    // An apply that changed nothing changes nothing again while the stored object, the kind and the
    // body are the same: answered without the merge (controllers re-apply unchanged objects on every reconcile).
    const memoKey = `${this.rk(info)}\u0000${ns ?? ''}\u0000${meta.name}\u0000${opts.fieldManager}`;
    const memo = opts.dryRun ? undefined : this.unchangedApplies.get(memoKey);
    if (memo && memo.live === old && memo.info === info && memo.fieldValidation === opts.fieldValidation && deepEqual(memo.applied, objIn)) return this.view(old, objIn.apiVersion);
    let warned = false;
    const request: ApplyOptions = opts.onWarning ? { ...opts, onWarning: (w) => ((warned = true), opts.onWarning!(w)) } : opts;
    const revision = this.store.revision;
    const cand = serverSideApply({ live: old, applied: objIn, fieldManager: opts.fieldManager, time: now, statusSubresource: info.statusSubresource, shareUnchanged: !info.schema }) as Mutable;
    const out = this.writeExisting(info, old, cand, {
      rv: meta.resourceVersion,
      uid: meta.uid,
      requireRv: false,
      mode: 'main',
      keepManagedFields: true,
      dryRun: opts.dryRun,
      request,
      apiVersion: objIn.apiVersion,
    });
    if (!opts.dryRun && !warned && this.store.revision === revision && !(info.group === CRD_GROUP && info.kind === CRD_KIND)) {
      this.unchangedApplies.set(memoKey, { live: old, info, fieldValidation: opts.fieldValidation, applied: deepFreeze(cloneJson(objIn)) });
    }
    return out;
  }

  /**
   * Deletes (Kubernetes API concepts: finalizers; §3.13). No finalizers: removed now (DELETED event
   * with the last state at a new resourceVersion). Finalizers present (or added by
   * propagationPolicy Foreground → `foregroundDeletion`, Orphan → `orphan`): deletionTimestamp set,
   * generation +1 (if > 0), MODIFIED. A Namespace goes Terminating and waits for `spec.finalizers`
   * to empty. Garbage collection of dependents is not done here. Returns the final (or pending) object.
   * @throws 404 NotFound; 409 Conflict on a failed uid/resourceVersion precondition; 403 for default, kube-system, kube-public.
   */
  delete(type: TypeRef, key: ObjectKey, opts: DeleteOptions = {}): KubeObject {
    const info = this.registry.lookup(type);
    const old = this.read(info, key.namespace, key.name);
    const om = old.metadata;
    const pre = opts.preconditions;
    if (pre?.uid !== undefined && pre.uid !== om.uid)
      throw statusError('Conflict', `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${om.uid}`, { name: om.name, group: info.group, kind: info.plural });
    if (pre?.resourceVersion !== undefined && pre.resourceVersion !== om.resourceVersion)
      throw statusError('Conflict', `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${om.resourceVersion}`, {
        name: om.name,
        group: info.group,
        kind: info.plural,
      });
    const isNs = this.isNamespace(info);
    if (isNs && IMMORTAL_NAMESPACES.has(om.name))
      throw statusError('Forbidden', `namespaces "${om.name}" is forbidden: this namespace may not be deleted`, { name: om.name, group: '', kind: 'namespaces' });
    if (om.deletionTimestamp) return this.view(old, type.apiVersion);

    const cand = cloneJson(old) as Mutable;
    const fins = [...(cand.metadata.finalizers ?? [])];
    const extra = opts.propagationPolicy === 'Foreground' ? 'foregroundDeletion' : opts.propagationPolicy === 'Orphan' ? 'orphan' : undefined;
    if (extra && !fins.includes(extra)) fins.push(extra);
    const nsPending = isNs && this.namespaceFinalizers(cand).length > 0;
    if (fins.length === 0 && !nsPending) {
      if (opts.dryRun) return this.view(deepFreeze(cand), type.apiVersion);
      return this.view(this.remove(info, cand).object, type.apiVersion);
    }
    cand.metadata.deletionTimestamp = rfc3339(this.clock.now());
    cand.metadata.deletionGracePeriodSeconds = 0;
    if (fins.length) cand.metadata.finalizers = fins;
    if (info.hasGeneration && (cand.metadata.generation ?? 0) > 0) cand.metadata.generation = (cand.metadata.generation ?? 0) + 1;
    if (isNs) cand.status = { ...(isPlainObject(cand.status) ? cand.status : {}), phase: 'Terminating' };
    if (opts.dryRun) return this.view(deepFreeze(cand), type.apiVersion);
    return this.view(this.put(info, cand).object, type.apiVersion);
  }

  /**
   * Watches one kind (Kubernetes API concepts: watch; §3.7). Without `resourceVersion` (or with
   * "0"): synthetic ADDED for every current matching object, then live events. With
   * `resourceVersion` N: every event after N from history, or one ERROR event carrying a 410
   * Expired Status (`too old resource version: N (M)`) followed by `onClose()`. Selector
   * transitions yield ADDED (starts matching) and DELETED (stops matching). Events are delivered
   * through `deliver`, in global resourceVersion order. `stop()` ends delivery (onClose is not
   * called); {@link disconnectWatches} ends watches from the server side (onClose called).
   * @throws 404 for an unknown kind; 400 for malformed selectors or resourceVersion.
   */
  watch(type: TypeRef, opts: WatchOptions, onEvent: (event: WatchEvent) => void, onClose?: (err?: unknown) => void): WatchHandle {
    const info = this.registry.lookup(type);
    const match = buildMatcher(opts ?? {}, info.group, info.kind, info.namespaced);
    const apiVersion = info.apiVersion;
    const w = new Watcher(this.deliver, onEvent, onClose, match, (o) => this.view(o, apiVersion));
    const rk = this.rk(info);
    const rvText = opts?.resourceVersion;
    if (rvText !== undefined && rvText !== '' && rvText !== '0') {
      if (!/^\d+$/.test(rvText)) throw statusError('BadRequest', `invalid resource version: ${JSON.stringify(rvText)}`);
      let events: StoreEvent[];
      try {
        events = this.store.eventsSince(Number(rvText));
      } catch (e) {
        w.push({ type: 'ERROR', object: (e as { status: KubeObject }).status as unknown as KubeObject });
        w.push(CLOSE);
        return { stop: () => void (w.stopped = true) };
      }
      w.minRevision = Number(rvText);
      for (const ev of events) if (ev.resourceKey === rk) w.offer(ev);
    } else {
      for (const o of this.store.list(rk, info.namespaced && opts?.namespace ? opts.namespace : undefined)) if (match(o)) w.push({ type: 'ADDED', object: w.view(o) });
    }
    let set = this.watchers.get(rk);
    if (!set) this.watchers.set(rk, (set = new Set()));
    set.add(w);
    return {
      stop: () => {
        w.stopped = true;
        this.watchers.get(rk)?.delete(w);
      },
    };
  }

  /**
   * Compacts the event history up to the current revision (a fault hook: etcd compaction). Open
   * watches keep running; a watch started from an older resourceVersion gets 410 Expired.
   */
  compact(): void {
    this.store.compact();
  }

  /**
   * Ends open watches from the server side (as an apiserver restart or a watch timeout would):
   * pending events are delivered, then `onClose()` is called. Restricted to `type` when given.
   * Returns how many watches were closed.
   */
  disconnectWatches(type?: TypeRef): number {
    let n = 0;
    const keys = type ? [this.rk(this.registry.lookup(type))] : [...this.watchers.keys()];
    for (const rk of keys) {
      for (const w of this.watchers.get(rk) ?? []) {
        w.push(CLOSE);
        n++;
      }
      this.watchers.delete(rk);
    }
    return n;
  }

  // ---- internals -------------------------------------------------------------------------------

  private rk(info: ResourceInfo): string {
    return resourceKey(info.group, info.kind);
  }

  private isNamespace(info: ResourceInfo): boolean {
    return info.group === '' && info.kind === 'Namespace';
  }

  private nameRule(info: ResourceInfo): NameRule {
    if (info.group !== '') return 'subdomain';
    if (info.kind === 'Namespace') return 'label';
    if (info.kind === 'Service') return 'dns1035';
    return 'subdomain';
  }

  private namespaceFinalizers(ns: KubeObject): string[] {
    const f = isPlainObject(ns.spec) ? ns.spec.finalizers : undefined;
    return Array.isArray(f) ? (f as string[]) : [];
  }

  private statusInfo(type: TypeRef): ResourceInfo {
    const info = this.registry.lookup(type);
    if (!info.statusSubresource)
      throw statusError('NotFound', `the server could not find the requested resource (status subresource of kind ${info.kind} in apiVersion ${info.apiVersion})`, {
        group: info.group,
        kind: info.plural,
      });
    return info;
  }

  /** The stored object or 404. */
  private read(info: ResourceInfo, namespace: string | undefined, name: string | undefined): KubeObject {
    if (info.namespaced && !namespace) throw statusError('BadRequest', `namespace is required for namespaced kind ${info.kind}`);
    const obj = name ? this.store.get(this.rk(info), info.namespaced ? namespace! : '', name) : undefined;
    if (!obj) throw notFound(info.plural, info.group, name ?? '');
    return obj;
  }

  /** The object as seen at `apiVersion` (conversion strategy None: only apiVersion changes). */
  private view(obj: KubeObject, apiVersion: string): KubeObject {
    if (obj.apiVersion === apiVersion || !this.registry.tryLookup({ apiVersion, kind: obj.kind })) return obj;
    return Object.freeze({ ...obj, apiVersion });
  }

  /** NamespaceLifecycle admission: 404 for a missing namespace, 403 for a Terminating one. */
  private admitNamespace(info: ResourceInfo, ns: string, name: string): void {
    const nsObj = this.store.get(resourceKey('', 'Namespace'), '', ns);
    if (!nsObj) throw notFound('namespaces', '', ns);
    if (nsObj.metadata.deletionTimestamp || (isPlainObject(nsObj.status) && nsObj.status.phase === 'Terminating')) {
      const resource = info.group ? `${info.plural}.${info.group}` : info.plural;
      throw statusError('Forbidden', `${resource} "${name}" is forbidden: unable to create new content in namespace ${ns} because it is being terminated`, {
        name,
        group: info.group,
        kind: info.plural,
        causes: [{ reason: 'NamespaceTerminating', message: `namespace ${ns} is being terminated`, field: 'metadata.namespace' }],
      });
    }
  }

  /** `prefix` + a suffix from `nameSuffix`, numbered per (kind, namespace, prefix) so other prefixes never shift it. */
  private generateName(base: string, info: ResourceInfo, rk: string, ns: string): string {
    const prefix = base.length > 58 ? base.slice(0, 58) : base;
    const counter = `${rk}\u0000${ns}\u0000${prefix}`;
    let name = prefix;
    for (let attempt = 0; attempt < 8; attempt++) {
      const ordinal = this.nameOrdinals.get(counter) ?? 0;
      this.nameOrdinals.set(counter, ordinal + 1);
      name = prefix + this.nameSuffix({ group: info.group, kind: info.kind, namespace: ns, prefix, ordinal });
      if (!this.store.get(rk, ns, name)) break;
    }
    return name;
  }

  private applyPatch(old: KubeObject, patchType: PatchType, body: unknown): KubeObject {
    if (patchType === 'merge') {
      if (!isPlainObject(body)) throw statusError('BadRequest', 'merge patch body must be a JSON object');
      return mergePatch(old, body) as KubeObject;
    }
    if (patchType === 'json') {
      const out = applyJsonPatch(old, body);
      if (!isPlainObject(out)) throw statusError('BadRequest', 'json patch result must be an object');
      return out;
    }
    throw statusError('UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml (got patch type ${String(patchType)})`);
  }

  /** A patch may not rename or move the object (400, as a PUT whose body disagrees with the URL). */
  private checkIdentity(old: KubeObject, cand: Mutable): void {
    const m = cand.metadata;
    if (m.name !== old.metadata.name) throw statusError('BadRequest', `the name of the object (${String(m.name)}) does not match the name on the URL (${old.metadata.name})`);
    if ((m.namespace ?? '') !== (old.metadata.namespace ?? ''))
      throw statusError('BadRequest', `the namespace of the object (${String(m.namespace ?? '')}) does not match the namespace on the URL (${old.metadata.namespace ?? ''})`);
  }

  /** The shared update pipeline of update / patch / apply / status writes. */
  private writeExisting(info: ResourceInfo, old: KubeObject, cand: Mutable, c: WriteControl): KubeObject {
    const om = old.metadata as Meta;
    const name = om.name;
    if (c.requireRv && !c.rv)
      throw invalid(info.kind, info.group, name, [{ reason: 'FieldValueInvalid', message: 'Invalid value: 0x0: must be specified for an update', field: 'metadata.resourceVersion' }]);
    if (c.rv && c.rv !== om.resourceVersion) throw conflict(info.plural, info.group, name);
    if (c.uid && c.uid !== om.uid)
      throw statusError('Conflict', `Precondition failed: UID in precondition: ${c.uid}, UID in object meta: ${om.uid}`, { name, group: info.group, kind: info.plural });
    if (!isPlainObject(cand.metadata)) cand.metadata = {} as Meta;
    const m = cand.metadata;
    cand.apiVersion = info.storageApiVersion;
    cand.kind = info.kind;
    m.name = om.name;
    if (om.namespace) m.namespace = om.namespace;
    else delete m.namespace;
    for (const f of ['uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation', 'resourceVersion'] as const) {
      if (om[f] === undefined) delete m[f];
      else (m as unknown as Record<string, unknown>)[f] = om[f];
    }
    delete m.generateName;
    if (om.generateName) m.generateName = om.generateName;
    if (!c.keepManagedFields) {
      if (om.managedFields) m.managedFields = cloneJson(om.managedFields);
      else delete m.managedFields;
    }
    if (c.mode === 'main' && info.statusSubresource) {
      if (old.status === undefined) delete cand.status;
      else cand.status = cloneJson(old.status);
    }

    const causes: StatusCause[] = [];
    if (this.isNamespace(info)) m.labels = { ...m.labels, 'kubernetes.io/metadata.name': name };
    const isCrd = info.group === CRD_GROUP && info.kind === CRD_KIND;
    if (isCrd) {
      causes.push(...crdCauses(cand));
      cand.status = crdStatus(cand, rfc3339(this.clock.now()), isPlainObject(cand.status) ? cand.status : undefined);
    }
    if (om.deletionTimestamp) {
      const had = new Set(om.finalizers ?? []);
      const added = (m.finalizers ?? []).filter((f) => !had.has(f));
      if (added.length)
        causes.push({
          reason: 'FieldValueForbidden',
          message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f) => JSON.stringify(f)).join(', ')}}`,
          field: 'metadata.finalizers',
        });
    }
    if (m.finalizers && m.finalizers.length === 0) delete m.finalizers;
    causes.push(...metadataCauses(m));
    if (info.schema) causes.push(...this.admitSchema(info, cand, c.request));
    if (causes.length) throw invalid(info.kind, info.group, name, causes);
    if (c.mode === 'main') this.admitValidating('UPDATE', info, cand, old, c.dryRun === true);

    if (info.hasGeneration && specChanged(old, cand, info.statusSubresource)) m.generation = (om.generation ?? 0) + 1;
    if (deepEqual(cand, old)) return this.view(old, c.apiVersion);
    if (c.dryRun) return this.view(deepFreeze(cand), c.apiVersion);
    const finished = om.deletionTimestamp && !m.finalizers?.length && !(this.isNamespace(info) && this.namespaceFinalizers(cand).length);
    const ev = finished ? this.remove(info, cand) : this.put(info, cand);
    return this.view(ev.object, c.apiVersion);
  }

  /**
   * Schema admission of a custom resource: prune, default, validate; unknown fields handled per the
   * request's `fieldValidation` (Kubernetes API concepts: field validation; default `Warn`).
   * @throws 400 BadRequest under `Strict` when the object carries fields the schema does not declare.
   */
  private admitSchema(info: ResourceInfo, obj: Mutable, req: WriteOptions = {}): StatusCause[] {
    const pruned: string[] = [];
    const causes = compileSchema(info.schema as Record<string, unknown>)(obj as unknown as Record<string, unknown>, pruned);
    if (pruned.length > 0) {
      const mode = req.fieldValidation ?? 'Warn';
      const unknown = pruned.map((f) => `unknown field ${JSON.stringify(f)}`);
      if (mode === 'Strict') {
        const version = info.apiVersion.split('/').pop();
        throw statusError('BadRequest', `${info.kind} in version ${JSON.stringify(version)} cannot be handled as a ${info.kind}: strict decoding error: ${unknown.join(', ')}`);
      }
      if (mode === 'Warn') for (const w of unknown) req.onWarning?.(w);
    }
    return causes;
  }

  /**
   * Validating admission (anchors-apiserver.md §3.21: after schema validation, before persistence):
   * every matching extension is asked in order; the first denial fails the request the way
   * kube-apiserver reports a webhook denial (`webhook/errors.ToStatusErr`): the extension's code, 403
   * Forbidden when it gives none, message `admission webhook "<name>" denied the request: <message>`
   * (`… denied the request without explanation` when empty), details {group, kind: the resource, name, causes}.
   * @throws that StatusError; 500 InternalError `failed calling webhook "<name>": <error>` when an extension throws (failurePolicy Fail).
   */
  private admitValidating(operation: 'CREATE' | 'UPDATE', info: ResourceInfo, obj: Mutable, old: KubeObject | undefined, dryRun: boolean): void {
    if (this.validating.length === 0) return;
    // The frozen copy of the candidate is taken when first read, and always before an extension admits:
    // a write no extension matches (most kinds) copies nothing.
    let snapshot: KubeObject | undefined;
    const request: ValidatingAdmissionRequest = {
      operation,
      group: info.group,
      version: info.apiVersion.includes('/') ? info.apiVersion.slice(info.apiVersion.indexOf('/') + 1) : info.apiVersion,
      kind: info.kind,
      resource: info.plural,
      ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}),
      name: obj.metadata.name ?? '',
      get object(): KubeObject {
        return (snapshot ??= deepFreeze(cloneJson(obj)));
      },
      ...(old ? { oldObject: old } : {}),
      dryRun,
    };
    const details = { group: info.group, kind: info.plural, name: request.name };
    for (const ext of [...this.validating]) {
      if (ext.matches && !ext.matches(request)) continue;
      void request.object;
      let answer: ValidatingAdmissionResponse;
      try {
        answer = ext.admit(request);
      } catch (err) {
        throw statusError('InternalError', `Internal error occurred: failed calling webhook ${JSON.stringify(ext.name)}: ${err instanceof Error ? err.message : String(err)}`, details);
      }
      if (answer.allowed) continue;
      const deniedBy = `admission webhook ${JSON.stringify(ext.name)} denied the request`;
      const message = answer.message ? `${deniedBy}: ${answer.message}` : `${deniedBy} without explanation`;
      const reason = (Object.keys(reasonCodes) as StatusReason[]).find((r) => reasonCodes[r] === answer.code) ?? 'Forbidden';
      const error = statusError(reason, message, { ...details, ...(answer.causes?.length ? { causes: answer.causes } : {}) });
      if (answer.code && answer.code !== reasonCodes[reason]) (error.status as { code: number }).code = answer.code;
      throw error;
    }
  }

  /** @throws 413 RequestEntityTooLarge when the request body is over `limits.maxRequestBytes`. */
  private admitRequestSize(body: unknown): void {
    if (jsonExceeds(body, this.limits.maxRequestBytes)) throw statusError('RequestEntityTooLarge', `Request entity too large: limit is ${this.limits.maxRequestBytes}`);
  }

  /** Commits a new or changed object, fans the event out and runs post-write hooks. */
  private put(info: ResourceInfo, obj: Mutable): StoreEvent {
    if (jsonExceeds(obj, this.limits.maxObjectBytes)) throw statusError('InternalError', 'etcdserver: request is too large');
    const ev = this.store.put(this.rk(info), obj);
    this.notify(ev);
    if (info.group === CRD_GROUP && info.kind === CRD_KIND && this.crdValid(ev.object)) this.registry.registerCrd(ev.object.metadata.name, crdResourceInfos(ev.object));
    return ev;
  }

  private crdValid(crd: KubeObject): boolean {
    return crdCauses(crd).length === 0;
  }

  /** Removes an object; a removed CRD unregisters its kinds and removes their objects (DELETED events). */
  private remove(info: ResourceInfo, last: Mutable): StoreEvent {
    const ev = this.store.remove(this.rk(info), last);
    if (!ev) throw notFound(info.plural, info.group, last.metadata.name);
    this.notify(ev);
    if (info.group === CRD_GROUP && info.kind === CRD_KIND) {
      const removed = this.registry.unregisterCrd(last.metadata.name);
      const rks = new Set(removed.map((r) => resourceKey(r.group, r.kind)));
      for (const rk of rks) {
        for (const o of [...this.store.list(rk)]) {
          const e = this.store.remove(rk, cloneJson(o) as Mutable);
          if (e) this.notify(e);
        }
        for (const w of this.watchers.get(rk) ?? []) w.push(CLOSE);
        this.watchers.delete(rk);
      }
    }
    return ev;
  }

  private notify(ev: StoreEvent): void {
    const set = this.watchers.get(ev.resourceKey);
    if (set) for (const w of set) w.offer(ev);
  }
}

/** True when anything outside metadata (and status, where it is a subresource) differs. */
function specChanged(old: KubeObject, cand: KubeObject, statusSubresource: boolean): boolean {
  const skip = (k: string) => k === 'metadata' || k === 'apiVersion' || k === 'kind' || (statusSubresource && k === 'status');
  for (const k of Object.keys(cand)) if (!skip(k) && !deepEqual(cand[k], old[k])) return true;
  for (const k of Object.keys(old)) if (!skip(k) && !(k in cand) && old[k] !== undefined) return true;
  return false;
}
