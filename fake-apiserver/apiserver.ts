/**
 * The in-memory Kubernetes API server (DESIGN.md "The simulation core"; semantics from
 * anchors-apiserver.md §3.4–3.16, 3.19, 3.23 and the Kubernetes API concepts pages). Synchronous
 * and deterministic: every verb runs to completion when called, watch events are handed to the
 * injected `deliver` scheduler, time comes from the injected Clock and uids from `newUid`.
 */
import { createHash } from 'node:crypto';
import { StatusError, alreadyExists, conflict, invalid, isNotFound, notFound, reasonCodes, rfc3339, statusError } from './api/index.ts';
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
import { CallScope, PendingWebhookCall, WebhookClient, runMutating, runValidating, webhookConfigurationCauses } from './admission/index.ts';
import type { AdmissionAttributes, AdmissionEnv, AdmissionOperation, AdmissionRequest, WebhookHandler } from './admission/index.ts';
import { convertObjects } from './conversion/index.ts';
import { crdCauses, crdResourceInfos, crdStatus } from './internal/crd.ts';
import { boundExceeds, cloneJson, cloneJsonMeasured, cloneJsonSharing, deepEqual, deepFreeze, freezeMeasuringBelow, frozenCopy, isPlainObject, jsonBytesUpperBound } from './internal/json.ts';
import { metadataCauses, nameErrors } from './internal/meta-validation.ts';
import type { NameRule } from './internal/meta-validation.ts';
import { JOB_ORPHAN_WARNING, finalizersForDelete, orphansByDefault, validatePropagation } from './internal/delete-propagation.ts';
import { buildMatcher } from './internal/selectors.ts';
import { INITIAL_EVENTS_END, bookmark, parseRevision, readListChunk, tooLargeResourceVersion, validateWatchOptions } from './list.ts';
import { applyJsonPatch, mergePatch } from './patch.ts';
import { applyObject, scopeFor, updateManagedFields } from './ssa/index.ts';
import type { ManagedFieldsEntry } from './ssa/index.ts';
import { strategicMergePatch } from './strategic-merge.ts';
import { Registry, resourceKey } from './registry.ts';
import type { ResourceInfo } from './registry.ts';
import { parseSnapshot, groupOf, SNAPSHOT_API_VERSION } from './snapshot.ts';
import type { ApiServerSnapshot } from './snapshot.ts';
import { VersionedStore } from './store.ts';
import type { StoreEvent } from './store.ts';
import { checkBuiltinFields, defaultBuiltin, prepareCreatedWithUid } from './strategies/index.ts';
import { allocateService, serviceAllocations } from './strategies/service-allocation.ts';
import { validateBuiltin } from './strategies/validation.ts';
import { compileSchema } from './validation.ts';
import { methodNotSupported } from './virtual/provider.ts';
import type { VirtualResourceProvider } from './virtual/provider.ts';

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
  /**
   * Built-in kinds' strategies (`strategies/`): `unknownFields` drops, on every write (status ones
   * too), the fields the upstream type lacks and reports them per `fieldValidation`; `defaulting`
   * applies upstream defaults on create / update / patch / apply (Pod restartPolicy, Deployment
   * strategy, Service type …) and a created Pod's `Pending` phase. Both default true. `validation`
   * runs the kinds' upstream validation on main-resource writes (`strategies/validation.ts`: 422
   * Invalid, immutable fields); default false here, on in `serve` and the World.
   */
  builtinStrategies?: { unknownFields?: boolean; defaulting?: boolean; validation?: boolean };
  /**
   * Field manager of non-apply writes whose options name none (default `in-process`); the HTTP
   * front passes the User-Agent's prefix instead, as kube-apiserver does.
   */
  defaultFieldManager?: string;
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
const ADMISSION_GROUP = 'admissionregistration.k8s.io';
/** Most URL webhook calls one request may make through {@link ApiServer.runWithWebhooks} (a guard against a request whose reruns never settle). */
const MAX_WEBHOOK_CALLS = 64;
const MUTATING_KIND = 'MutatingWebhookConfiguration';
const MUTATING_RK = resourceKey(ADMISSION_GROUP, MUTATING_KIND);
const VALIDATING_RK = resourceKey(ADMISSION_GROUP, 'ValidatingWebhookConfiguration');

type Meta = ObjectMeta & { managedFields?: ManagedFieldsEntry[] };
/** Metadata the server sets on create, whatever the body says. */
const SERVER_SET_ON_CREATE = ['uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation', 'managedFields'] as const;
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
  /** A conversion failed: the ERROR event and the close are queued, nothing more is pushed. */
  private failed = false;
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
      if (now) this.pushViewed(ev.type, ev.object);
      return;
    }
    const before = ev.prev ? this.match(ev.prev) : false;
    if (now) this.pushViewed(before ? 'MODIFIED' : 'ADDED', ev.object);
    else if (before && ev.prev) {
      const last = deepFreeze({ ...ev.prev, metadata: { ...ev.prev.metadata, resourceVersion: String(ev.revision) } });
      this.pushViewed('DELETED', last);
    }
  }

  /** Pushes `obj` as seen at the watch's version; a failed conversion ends the watch with one ERROR event carrying its Status (500). */
  pushViewed(type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: KubeObject): void {
    if (this.failed) return;
    let object: KubeObject;
    try {
      object = this.view(obj);
    } catch (err) {
      this.failed = true;
      const st = err instanceof StatusError ? err : statusError('InternalError', `Internal error occurred: ${err instanceof Error ? err.message : String(err)}`);
      this.push({ type: 'ERROR', object: st.status as unknown as KubeObject });
      this.push(CLOSE);
      return;
    }
    this.push({ type, object });
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
  /** Keep the candidate's managedFields (apply) instead of recording this write as an Update. */
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
  /**
   * Creates so far per identity (store key of the kind → namespace → name): the next create's
   * incarnation. Grows with identities ever created. Nested as the store is, so a create builds no key.
   */
  private readonly incarnations = new Map<string, Map<string, Map<string, number>>>();
  /** Suffixes generated so far per (rk, ns, prefix). */
  private readonly nameOrdinals = new Map<string, number>();

  private readonly limits: ApiServerLimits;
  private readonly validating: ValidatingAdmissionExtension[];
  private readonly strategies: { unknownFields: boolean; defaulting: boolean; validation: boolean };
  /** Webhook Services served in process, and the call path of admission and conversion webhooks. */
  private readonly webhooks = new WebhookClient();
  /** What dynamic admission reads of this server (admission/dispatcher.ts). */
  private readonly admissionEnv: AdmissionEnv = {
    configurations: (kind) => this.store.list(kind === 'mutating' ? MUTATING_RK : VALIDATING_RK),
    namespaceLabels: (ns) => this.store.get(resourceKey('', 'Namespace'), '', ns)?.metadata.labels,
    versionsOf: (info) => this.registry.versionsOf(info),
    convert: (obj, apiVersion) => this.view(obj, apiVersion),
    client: this.webhooks,
    requestUser: () => this.requestUser,
  };
  /**
   * Who the request being run is made as: set by the HTTP front around each run of an authenticated
   * request (fake-apiserver/auth), told to admission webhooks as `userInfo`. Undefined (every
   * in-process call): the cluster administrator, `ADMISSION_USER`.
   */
  requestUser: AdmissionRequest['userInfo'] | undefined = undefined;
  /** Per object and field manager, the last apply that changed nothing (see {@link apply}). */
  private readonly unchangedApplies = new Map<string, { live: KubeObject; info: ResourceInfo; fieldValidation: WriteOptions['fieldValidation']; applied: KubeObject }>();
  private readonly defaultFieldManager: string;
  private readonly resourceKeys = new WeakMap<ResourceInfo, string>();

  constructor(opts: ApiServerOptions) {
    this.clock = opts.clock;
    this.newUid = opts.newUid ?? (() => `00000000-0000-4000-8000-${(++this.uidSeq).toString(16).padStart(12, '0')}`);
    this.nameSuffix = opts.nameSuffix ?? defaultNameSuffix;
    this.deliver = opts.deliver ?? ((fn) => queueMicrotask(fn));
    this.store = new VersionedStore({ historyLimit: opts.historyLimit });
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
    this.validating = [...(opts.validatingAdmission ?? [])];
    this.strategies = { unknownFields: opts.builtinStrategies?.unknownFields ?? true, defaulting: opts.builtinStrategies?.defaulting ?? true, validation: opts.builtinStrategies?.validation ?? false };
    this.defaultFieldManager = opts.defaultFieldManager ?? 'in-process';
    for (const name of BOOTSTRAP_NAMESPACES) this.create({ ...NAMESPACE, metadata: { name } });
  }

  /**
   * Serves a resource answered by `provider` rather than stored (an aggregated API server's, e.g.
   * metrics-server's `metrics.k8s.io/v1beta1` pods and nodes): discovery lists it with verbs get and
   * list; {@link get} and {@link list} ask the provider (lists: label and field selectors applied
   * here, sorted by namespace and name, no resourceVersion, no chunking); {@link watch} and every
   * write are 405 MethodNotAllowed (`watch is not supported on resources of kind "pods.metrics.k8s.io"`).
   * Returns a function that stops serving it.
   */
  serveVirtualResource(provider: VirtualResourceProvider): () => void {
    return this.registry.registerProvided(provider);
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

  /**
   * Serves Service `namespace/name` in process: admission webhooks and CRD conversion webhooks whose
   * `clientConfig.service` names it are answered by `handler` (the POSTed AdmissionReview / ConversionReview
   * JSON and the path in, the response body out), with no network. Returns a function that removes it.
   */
  registerWebhookService(namespace: string, name: string, handler: WebhookHandler): () => void {
    return this.webhooks.register(namespace, name, handler);
  }

  /**
   * Runs `verb` (a call of this server's synchronous verbs) so that webhooks reached by URL can be
   * called: when the verb needs the answer of a URL webhook it has not got, the call is made over the
   * network, its answer kept, and the verb run again from the start (nothing is committed before a verb
   * has every answer it needs; generated names are kept between runs). A verb that meets no URL webhook
   * runs once and its result is returned as it is (no promise, so in-process timing is unchanged); one
   * that does gives a promise. The InProcessClient and the HTTP front call every verb through it.
   * @throws what the verb throws (synchronously on the first run, as a rejection after a URL call).
   */
  runWithWebhooks<T>(verb: () => T): T | Promise<T> {
    const scope = new CallScope();
    const first = this.attemptIn(scope, verb);
    if (!(first instanceof PendingWebhookCall)) return first;
    return this.rerunAfterWebhooks(scope, verb, first);
  }

  /** One run of `verb` in `scope`: its result, or the URL webhook call it is waiting for. */
  private attemptIn<T>(scope: CallScope, verb: () => T): T | PendingWebhookCall {
    const outer = this.webhooks.scope;
    this.webhooks.scope = scope;
    try {
      return verb();
    } catch (err) {
      if (err instanceof PendingWebhookCall) return err;
      throw err;
    } finally {
      this.webhooks.scope = outer;
    }
  }

  /** Makes the pending URL webhook call, keeps its answer and runs `verb` again, until a run needs no further call. */
  private async rerunAfterWebhooks<T>(scope: CallScope, verb: () => T, first: PendingWebhookCall): Promise<T> {
    let pending: T | PendingWebhookCall = first;
    for (let calls = 1; pending instanceof PendingWebhookCall; calls++) {
      // Each rerun must ask only what earlier runs asked plus one more call; a request that keeps asking new ones is not converging.
      if (calls > MAX_WEBHOOK_CALLS) throw statusError('InternalError', `Internal error occurred: more than ${MAX_WEBHOOK_CALLS} webhook calls for one request`);
      scope.answers.set(pending.key, await pending.perform());
      pending = this.attemptIn(scope, verb);
    }
    return pending;
  }

  /**
   * `obj` (a stored object, or one at any served version) as seen at `apiVersion`, converted by the
   * kind's CRD conversion (strategy None or Webhook). For callers that watch at the storage version and
   * convert themselves (the HTTP front, so a URL conversion webhook can be awaited per event).
   * @throws StatusError 500 `conversion webhook for … failed: …`; PendingWebhookCall outside {@link runWithWebhooks}'s care.
   */
  convert(obj: KubeObject, apiVersion: string): KubeObject {
    return this.view(obj, apiVersion);
  }

  /** Whether the object exists (no conversion, no 404). @throws 404 for an unknown kind. */
  has(type: TypeRef, key: ObjectKey): boolean {
    const info = this.registry.lookup(type);
    return !!key.name && !!this.store.get(this.rk(info), info.namespaced ? (key.namespace ?? '') : '', key.name);
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
    if (info.provider) return this.readProvided(info, info.provider, key);
    return this.view(this.read(info, key.namespace, key.name), info.apiVersion);
  }

  /**
   * Lists one kind: namespace filter, label selector (string or object form), field selector
   * (`metadata.name`, `metadata.namespace`, per-kind extras such as Pod `status.phase`, `spec.nodeName`).
   * Items are sorted by namespace then name; `metadata.resourceVersion` is the current revision.
   * `limit` / `continue` chunk the list and `resourceVersion` / `resourceVersionMatch` pick the revision
   * read (list.ts: exact revisions are rebuilt from the event history).
   * @throws 400 BadRequest for a malformed selector or `field label not supported: x`, a bad continue
   *   token, or resourceVersion with continue; 422 for resourceVersionMatch misuse; 410 Expired for a
   *   compacted exact revision or continue token; 504 Timeout for a revision not reached yet.
   */
  list(type: TypeRef, opts: ListOptions = {}): KubeList {
    const info = this.registry.lookup(type);
    const match = buildMatcher(opts, info.group, info.kind, info.namespaced);
    const namespace = info.namespaced && opts.namespace ? opts.namespace : undefined;
    // An aggregated server's list: everything matching, no chunks and no resourceVersion (metrics-server's lister).
    if (info.provider) return { apiVersion: info.apiVersion, kind: info.listKind, metadata: { resourceVersion: '' }, items: info.provider.list(namespace).filter(match).sort(byNamespaceAndName) };
    // Objects at the requested version: one ConversionReview for the whole list when a webhook converts.
    const viewAll = (objs: readonly KubeObject[]): KubeObject[] =>
      info.conversion && objs.length ? convertObjects(this.webhooks, info.conversion, objs, info.apiVersion) : objs.map((o) => this.view(o, info.apiVersion));
    if (!opts.limit && !opts.continue && !opts.resourceVersion && !opts.resourceVersionMatch) {
      const items: KubeObject[] = [];
      for (const o of this.store.list(this.rk(info), namespace)) if (match(o)) items.push(o);
      return { apiVersion: info.apiVersion, kind: info.listKind, metadata: { resourceVersion: String(this.store.revision) }, items: viewAll(items) };
    }
    const chunk = readListChunk(this.store, this.rk(info), namespace, opts, match, Boolean(opts.labelSelector || opts.fieldSelector));
    const metadata: KubeList['metadata'] = { resourceVersion: String(chunk.resourceVersion) };
    if (chunk.continue !== undefined) metadata.continue = chunk.continue;
    if (chunk.remainingItemCount !== undefined) metadata.remainingItemCount = chunk.remainingItemCount;
    return { apiVersion: info.apiVersion, kind: info.listKind, metadata, items: viewAll(chunk.items) };
  }

  /**
   * Deletes every object a list with `listOpts` (namespace, selectors) returns, each as {@link delete}
   * with `opts` would (objects held by finalizers are marked, not removed); objects already gone are
   * skipped (Kubernetes API concepts: deletecollection; generic registry `DeleteCollection`).
   * Returns the list as read before deleting.
   * @throws 400 without namespace for a namespaced kind; 400/422 as {@link list}; the first failure of a delete other than 404 (e.g. 403 for an immortal namespace).
   */
  deleteCollection(type: TypeRef, listOpts: ListOptions = {}, opts: DeleteOptions = {}): KubeList {
    const info = this.registry.lookup(type);
    if (info.namespaced && !listOpts.namespace) throw statusError('BadRequest', `namespace is required for namespaced kind ${info.kind}`);
    const list = this.list(type, listOpts);
    for (const o of list.items) {
      try {
        this.delete(type, { namespace: o.metadata.namespace, name: o.metadata.name }, opts);
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
    return list;
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
    // The body is measured (413) as it is copied: one walk.
    const body = cloneJsonMeasured(objIn);
    this.admitRequestBound(objIn, body.bytes);
    const info = this.writableKind(objIn, 'create');
    this.warnDeprecated(info, opts);
    let obj = body.value as Mutable;
    if (!isPlainObject(obj.metadata)) obj.metadata = {} as Meta;
    if (obj.metadata.resourceVersion) throw statusError('BadRequest', 'resourceVersion should not be set on objects to be created');
    obj.apiVersion = info.apiVersion;
    obj.kind = info.kind;
    // The copy holds no undefined members, so a field is present exactly when it is defined (a delete of an absent key is a runtime call).
    for (const f of SERVER_SET_ON_CREATE) if (obj.metadata[f] !== undefined) delete obj.metadata[f];
    if (managedFields) obj.metadata.managedFields = managedFields;
    obj = this.admitMutating('CREATE', info, obj, undefined, opts);
    obj.apiVersion = info.apiVersion;
    obj.kind = info.kind;
    if (!isPlainObject(obj.metadata)) obj.metadata = {} as Meta;
    const m = obj.metadata;

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
    const now = this.nowText();
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
    else if (!info.custom) causes.push(...this.admitBuiltin(info, obj, opts, 'create'), ...(this.strategies.validation ? validateBuiltin(info, obj as unknown as Record<string, unknown>) : []));

    if (info.group === ADMISSION_GROUP) causes.push(...webhookConfigurationCauses(obj, info.kind === MUTATING_KIND));
    if (ns && m.namespace) this.admitNamespace(info, ns, m.name ?? '');
    if (causes.length) throw invalid(info.kind, info.group, m.name || m.generateName || '', causes);
    this.admitValidating('CREATE', info, obj, undefined, opts.dryRun === true);
    this.admitWebhooks('CREATE', info, obj, undefined, opts);
    if (this.store.get(rk, ns, m.name)) throw alreadyExists(info.plural, info.group, m.name);

    const created = this.createsIn(rk, ns);
    const incarnation = created.get(m.name) ?? 0;
    const id = { group: info.group, kind: info.kind, namespace: ns, name: m.name, incarnation };
    m.uid = this.webhooks.scope ? this.webhooks.scope.keep(`uid\u0000${rk}\u0000${ns}\u0000${m.name}\u0000${incarnation}`, () => this.newUid(id)) : this.newUid(id);
    m.creationTimestamp = now;
    if (info.hasGeneration) m.generation = 1;
    if (!info.custom && !info.schema && this.strategies.defaulting) prepareCreatedWithUid(info, obj as unknown as Record<string, unknown>);
    if (!managedFields) {
      const mf = updateManagedFields({ live: undefined, next: obj, sent: (objIn.metadata as Meta | undefined)?.managedFields, manager: opts.fieldManager ?? this.defaultFieldManager, apiVersion: objIn.apiVersion, time: now, scope: scopeFor(info) });
      if (mf) m.managedFields = mf;
    }
    const stored = this.toStorage(info, obj);
    if (opts.dryRun) return this.view(deepFreeze(stored), objIn.apiVersion);
    if (info.schema && stored === obj) markAdmitted(stored, info.schema);
    return this.commitAndView(stored, objIn.apiVersion, () => {
      created.set(m.name, incarnation + 1);
      return this.put(info, stored);
    });
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
    // The body is measured (413) as it is copied, its managedFields apart (usually the stored ones: frozen, their bound remembered).
    // Kinds without a schema share the parts of the body that are the stored object's own (frozen) subtrees: nothing below
    // writes inside them (pruning and defaulting leave frozen values alone; they were pruned and defaulted when stored).
    const sentMf = (objIn.metadata as Meta | undefined)?.managedFields;
    const sent = sentMf === undefined ? objIn : withoutSentManagedFields(objIn);
    const stored = this.storedFor(objIn);
    const body = stored ? cloneJsonSharing(sent, stored) : cloneJsonMeasured(sent);
    this.admitRequestBound(objIn, sentMf === undefined ? body.bytes : body.bytes + 3 * 'managedFields'.length + 4 + jsonBytesUpperBound(sentMf));
    const info = this.writableKind(objIn, 'update');
    this.warnDeprecated(info, opts);
    const old = this.read(info, objIn.metadata?.namespace, objIn.metadata?.name);
    const cand = body.value as Mutable;
    // managedFields still the stored ones (same reference) are kept as they are (shared, never modified by the write path) and go
    // last; others are copied in their place (as a copy of the whole body would have them).
    if (sentMf !== undefined) {
      if (sentMf === (old.metadata as Meta).managedFields) cand.metadata.managedFields = sentMf;
      else cand.metadata = withMemberInPlace(cand.metadata, objIn.metadata, 'managedFields', cloneJson(sentMf)) as unknown as Meta;
    }
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
    this.warnDeprecated(info, opts);
    const old = this.read(info, objIn.metadata?.namespace, objIn.metadata?.name);
    const cand = cloneJson(this.view(old, info.apiVersion)) as Mutable;
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
   * Patches the main resource: `merge` (RFC 7386), `json` (RFC 6902) or `strategic` (strategic merge
   * patch, built-in kinds only; see strategic-merge.ts). A `metadata.resourceVersion`
   * or `metadata.uid` in the result that differs from the stored one is a precondition (409).
   * The result goes through the same rules as {@link update}.
   * @throws 404 NotFound; 400 malformed patch or name change; 409 Conflict; 422 Invalid (also a failed JSON patch `test`);
   *   415 UnsupportedMediaType for `strategic` on a custom resource; 500 for strategic patch errors upstream reports so (missing merge key).
   */
  patch(type: TypeRef, key: ObjectKey, patchType: PatchType, body: unknown, opts: WriteOptions = {}): KubeObject {
    this.admitRequestSize(body);
    const info = this.writableKind(type, 'patch');
    this.warnDeprecated(info, opts);
    const old = this.read(info, key.namespace, key.name);
    const seen = this.view(old, info.apiVersion);
    const patched = this.applyPatch(info, seen, patchType, body);
    // As in update: a kind without a schema shares what the patch left of the stored object (its frozen subtrees), and so
    // does a custom resource stored under the schema that admits it now (see sharesAdmitted).
    const write = (share: boolean): KubeObject => {
      const cand = cloneKeepingManagedFields(patched, old, share);
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
    };
    if (!info.schema) return write(!info.custom);
    return this.sharingAdmitted(info, old, seen, write);
  }

  /**
   * Patches `.status` only (PATCH /status); everything else in the patch result is ignored.
   * @throws as {@link patch}, plus 404 when the kind has no status subresource.
   */
  patchStatus(type: TypeRef, key: ObjectKey, patchType: PatchType, body: unknown, opts: WriteOptions = {}): KubeObject {
    this.admitRequestSize(body);
    const info = this.statusInfo(type);
    this.warnDeprecated(info, opts);
    const stored = this.read(info, key.namespace, key.name);
    const old = this.view(stored, info.apiVersion);
    const patched = this.applyPatch(info, old, patchType, body);
    // Without a schema nothing below writes inside the stored object's other fields: they are shared (frozen), not copied;
    // with one, they are shared when the stored object was admitted under it (see sharesAdmitted).
    const write = (share: boolean): KubeObject => {
      const cand = (share ? { ...old, metadata: { ...old.metadata } } : cloneJson(old)) as Mutable;
      if (patched.status === undefined) delete cand.status;
      else cand.status = cloneJson(patched.status);
      return this.writeExisting(info, stored, cand, {
        rv: patched.metadata?.resourceVersion,
        uid: patched.metadata?.uid,
        requireRv: false,
        mode: 'status',
        dryRun: opts.dryRun,
        request: opts,
        apiVersion: type.apiVersion,
      });
    };
    if (!info.schema) return write(true);
    return this.sharingAdmitted(info, stored, old, write);
  }

  /**
   * Server-side apply (Kubernetes API concepts: server-side apply; `ssa/`): creates when absent;
   * otherwise merges the applied configuration into the live object by the kind's schema (maps by
   * key, list-maps by their keys, sets by value, atomic values replaced), removes what this
   * fieldManager applied before and omits now unless another manager owns it, and records the
   * manager's `Apply` entry. Changing a field another manager owns is a conflict unless `force`
   * (then the field changes hands); applying the value it already has shares it. An apply that
   * changes nothing (object and ownership) is not persisted.
   * @throws 400 without fieldManager or with managedFields in the body; 409 Conflict
   *   `Apply failed with N conflict(s): …` (causes `FieldManagerConflict`, one per field); otherwise
   *   as {@link create} / {@link update}.
   */
  apply(objIn: KubeObject, opts: ApplyOptions): KubeObject {
    const { info, meta, ns, old } = this.applyTarget(objIn, opts);
    const now = this.nowText();
    if (!old) {
      if (meta.resourceVersion) throw conflict(info.plural, info.group, meta.name);
      const empty = { apiVersion: info.storageApiVersion, kind: info.kind, metadata: { name: meta.name, ...(ns ? { namespace: ns } : {}) } };
      const first = applyObject({ live: empty, config: objIn, manager: opts.fieldManager, force: true, time: now, scope: scopeFor(info) });
      return this.create(objIn, opts, (first.metadata as Meta).managedFields ?? []);
    }
    this.warnDeprecated(info, opts);
    // An apply that changed nothing changes nothing again while the stored object, the kind and the
    // body are the same: answered without the merge (controllers re-apply unchanged objects on every reconcile).
    const memoKey = `${this.rk(info)}\u0000${ns ?? ''}\u0000${meta.name}\u0000${opts.fieldManager}`;
    const memo = opts.dryRun ? undefined : this.unchangedApplies.get(memoKey);
    if (
      memo &&
      memo.info === info &&
      !this.hasWebhookConfigurations() &&
      memo.fieldValidation === opts.fieldValidation &&
      (memo.live === old || this.onlyStatusChanged(info, memo.live, old)) &&
      deepEqual(memo.applied, objIn)
    ) {
      memo.live = old;
      return this.view(old, objIn.apiVersion);
    }
    let warned = false;
    const request: ApplyOptions = opts.onWarning ? { ...opts, onWarning: (w) => ((warned = true), opts.onWarning!(w)) } : opts;
    const revision = this.store.revision;
    const out = this.writeApplied(info, old, objIn, opts, now, 'main', request);
    if (!opts.dryRun && !warned && this.store.revision === revision && !(info.group === CRD_GROUP && info.kind === CRD_KIND)) {
      this.unchangedApplies.set(memoKey, { live: old, info, fieldValidation: opts.fieldValidation, applied: deepFreeze(cloneJson(objIn)) });
    }
    return out;
  }

  /**
   * Server-side apply to the status subresource (PATCH /status with an apply patch): as {@link apply},
   * but only `.status` is merged and owned, under an entry with `subresource: status`.
   * @throws 404 when the kind has no status subresource or the object is absent; otherwise as {@link apply}.
   */
  applyStatus(objIn: KubeObject, opts: ApplyOptions): KubeObject {
    this.statusInfo(objIn);
    const { info, meta, old } = this.applyTarget(objIn, opts);
    if (!old) throw notFound(info.plural, info.group, meta.name);
    return this.writeApplied(info, old, objIn, opts, this.nowText(), 'status', opts);
  }

  /** Checks an apply request and finds its object. */
  private applyTarget(objIn: KubeObject, opts: ApplyOptions): { info: ResourceInfo; meta: Meta; ns: string | undefined; old: KubeObject | undefined } {
    this.admitRequestSize(objIn);
    const info = this.writableKind(objIn, 'patch');
    if (!opts?.fieldManager) throw statusError('BadRequest', 'PATCH, application/apply-patch+yaml requests require the fieldManager parameter');
    const meta = (objIn.metadata ?? {}) as Meta;
    if (meta.managedFields?.length) throw statusError('BadRequest', 'metadata.managedFields must be nil');
    if (!meta.name) throw invalid(info.kind, info.group, '', [{ reason: 'FieldValueRequired', message: 'Required value: name is required', field: 'metadata.name' }]);
    const ns = info.namespaced ? meta.namespace : undefined;
    if (info.namespaced && !ns) throw statusError('BadRequest', `namespace is required for namespaced kind ${info.kind}`);
    return { info, meta, ns, old: this.store.get(this.rk(info), ns ?? '', meta.name) };
  }

  /**
   * Whether `after` differs from `before` (the same object, stored later) only where a main-resource apply
   * neither reads nor writes: `.status` of a kind with a status subresource, `resourceVersion`, and the
   * managedFields entries of status-subresource writers (what a status write changes). An apply that
   * changed nothing on `before` then changes nothing on `after` either (the merge, the pruning and the
   * ownership of the main resource see the same fields), so {@link apply}'s memo still answers it.
   * False, to run the apply in full, where the rest of the pipeline could answer differently now: a
   * schema with transition rules (`oldSelf`, evaluated on the new pair), or a validating extension
   * matching the write (it would see the new status).
   */
  private onlyStatusChanged(info: ResourceInfo, before: KubeObject, after: KubeObject): boolean {
    if (!info.statusSubresource || (info.schema && hasTransitionRules(info.schema))) return false;
    if (!sameExcept(before, after, 'metadata', 'status')) return false;
    const bm = before.metadata as Meta;
    const am = after.metadata as Meta;
    if (!sameExcept(bm, am, 'resourceVersion', 'managedFields') || !sameEntries(mainEntries(bm.managedFields), mainEntries(am.managedFields))) return false;
    if (this.validating.length === 0) return true;
    const request: ValidatingAdmissionRequest = {
      operation: 'UPDATE',
      group: info.group,
      version: info.apiVersion.includes('/') ? info.apiVersion.slice(info.apiVersion.indexOf('/') + 1) : info.apiVersion,
      kind: info.kind,
      resource: info.plural,
      ...(am.namespace ? { namespace: am.namespace } : {}),
      name: am.name,
      object: after,
      oldObject: after,
      dryRun: false,
    };
    return !this.validating.some((ext) => !ext.matches || ext.matches(request));
  }

  /** Merges an apply into the stored object (ssa/field-manager.ts) and writes the result through the update pipeline. */
  private writeApplied(info: ResourceInfo, old: KubeObject, objIn: KubeObject, opts: ApplyOptions, now: string, mode: 'main' | 'status', request: WriteOptions): KubeObject {
    const seen = this.view(old, info.apiVersion);
    const merged = applyObject({ live: seen, config: cloneJson(objIn), manager: opts.fieldManager, force: opts.force === true, time: now, scope: scopeFor(info, mode === 'status' ? 'status' : undefined) });
    // Schema admission prunes and defaults in place: custom resources get a copy of their own (sharing live's frozen subtrees
    // when live was admitted under the same schema: see sharesAdmitted); other kinds share live's frozen subtrees.
    const write = (cand: Mutable): KubeObject =>
      this.writeExisting(info, old, cand, {
        rv: objIn.metadata?.resourceVersion,
        uid: objIn.metadata?.uid,
        requireRv: false,
        mode,
        keepManagedFields: true,
        dryRun: opts.dryRun,
        request,
        apiVersion: objIn.apiVersion,
      });
    if (!info.schema) return write(merged as Mutable);
    return this.sharingAdmitted(info, old, seen, (share) => write(cloneKeepingManagedFields(merged, merged, share)));
  }

  /**
   * Runs `write(share)`: with `share` true when the candidate it builds from `stored` may keep `stored`'s frozen subtrees
   * through schema admission (see {@link sharesAdmitted}). Pruning, defaulting and validation then find those subtrees as
   * they left them and write nothing inside them; should pruning still need to (a default carrying fields its schema does
   * not declare is pruned again on every write), the frozen subtree refuses the delete before anything is reported or
   * committed ({@link FrozenSubtreeWrite}), and the write is made again from a full copy, as it would have been without sharing.
   */
  private sharingAdmitted(info: ResourceInfo, stored: KubeObject, seen: KubeObject, write: (share: boolean) => KubeObject): KubeObject {
    if (!this.sharesAdmitted(info, stored, seen)) return write(false);
    try {
      return write(true);
    } catch (err) {
      if (err instanceof FrozenSubtreeWrite) return write(false);
      throw err;
    }
  }

  /**
   * Whether a write of a custom resource may share the stored object's frozen subtrees: the stored object is the one the
   * request sees (no conversion) and was pruned, defaulted and validated under the schema that admits this write (so doing
   * that again changes nothing in them), and no admission webhook is configured (a retried write would call it twice).
   */
  private sharesAdmitted(info: ResourceInfo, stored: KubeObject, seen: KubeObject): boolean {
    return stored === seen && info.schema !== undefined && admittedUnder(stored) === info.schema && !this.hasWebhookConfigurations();
  }

  /**
   * Deletes (Kubernetes API concepts: finalizers; §3.13). No finalizers: removed now (DELETED event
   * with the last state at a new resourceVersion). Finalizers present (or added by the propagation,
   * internal/delete-propagation.ts: Foreground → `foregroundDeletion`, Orphan → `orphan`, the
   * deprecated `orphanDependents`, per-kind defaults — batch/v1 Job orphans, with upstream's warning):
   * deletionTimestamp set, generation +1 (if > 0), MODIFIED. Deleting an object that is already
   * deleting changes only its GC finalizers, as upstream does (removed now if none remain). A
   * Namespace goes Terminating and waits for `spec.finalizers` to empty. Dependents are the garbage
   * collector's business, not done here. Returns the final (or pending) object.
   * @throws 404 NotFound; 409 Conflict on a failed uid/resourceVersion precondition; 403 for default, kube-system, kube-public;
   * 422 Invalid (DeleteOptions) when both `orphanDependents` and `propagationPolicy` are set.
   */
  delete(type: TypeRef, key: ObjectKey, opts: DeleteOptions = {}): KubeObject {
    const info = this.writableKind(type, 'delete');
    const old = this.read(info, key.namespace, key.name);
    if (this.hasWebhookConfigurations()) {
      const options = { apiVersion: 'meta.k8s.io/v1', kind: 'DeleteOptions', ...(opts.propagationPolicy ? { propagationPolicy: opts.propagationPolicy } : {}), ...(opts.dryRun ? { dryRun: ['All'] } : {}) };
      const a: AdmissionAttributes = { operation: 'DELETE', info, name: old.metadata.name, ...(old.metadata.namespace ? { namespace: old.metadata.namespace } : {}), object: null, oldObject: this.view(old, info.apiVersion), dryRun: opts.dryRun === true, options };
      runMutating(this.admissionEnv, a);
      runValidating(this.admissionEnv, a);
    }
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
    const badOptions = validatePropagation(opts);
    if (badOptions) throw badOptions;
    if (opts.propagationPolicy === undefined && opts.orphanDependents === undefined && info.kind === 'Job' && orphansByDefault(type.apiVersion, info.kind)) opts.onWarning?.(JOB_ORPHAN_WARNING);
    const fins = finalizersForDelete(om.finalizers ?? [], opts, type.apiVersion, info.kind);
    if (om.deletionTimestamp) return this.redelete(info, old, fins, opts, type.apiVersion);

    const cand = cloneJson(old) as Mutable;
    const nsPending = isNs && this.namespaceFinalizers(cand).length > 0;
    if (fins.length === 0 && !nsPending) {
      if (opts.dryRun) return this.view(deepFreeze(cand), type.apiVersion);
      return this.commitAndView(cand, type.apiVersion, () => this.remove(info, cand));
    }
    cand.metadata.deletionTimestamp = this.nowText();
    cand.metadata.deletionGracePeriodSeconds = 0;
    if (fins.length) cand.metadata.finalizers = fins;
    if (info.hasGeneration && (cand.metadata.generation ?? 0) > 0) cand.metadata.generation = (cand.metadata.generation ?? 0) + 1;
    if (isNs) cand.status = { ...(isPlainObject(cand.status) ? cand.status : {}), phase: 'Terminating' };
    if (opts.dryRun) return this.view(deepFreeze(cand), type.apiVersion);
    return this.commitAndView(cand, type.apiVersion, () => this.put(info, cand));
  }

  /** A DELETE of an object already deleting: only its GC finalizers change (upstream `updateForGracefulDeletionAndFinalizers`). */
  private redelete(info: ResourceInfo, old: KubeObject, fins: string[], opts: DeleteOptions, apiVersion: string): KubeObject {
    const before = old.metadata.finalizers ?? [];
    if (fins.length === before.length && fins.every((f, i) => f === before[i])) return this.view(old, apiVersion);
    const cand = cloneJson(old) as Mutable;
    if (fins.length) cand.metadata.finalizers = fins;
    else delete cand.metadata.finalizers;
    if (opts.dryRun) return this.view(deepFreeze(cand), apiVersion);
    if (fins.length === 0 && !(this.isNamespace(info) && this.namespaceFinalizers(cand).length > 0)) return this.view(this.remove(info, cand).object, apiVersion);
    return this.view(this.put(info, cand).object, apiVersion);
  }

  /**
   * Watches one kind (Kubernetes API concepts: watch; §3.7). Without `resourceVersion` (or with
   * "0"): synthetic ADDED for every current matching object, then live events. With
   * `resourceVersion` N: every event after N from history, or one ERROR event carrying a 410
   * Expired Status (`too old resource version: N (M)`) followed by `onClose()`. Selector
   * transitions yield ADDED (starts matching) and DELETED (stops matching). Events are delivered
   * through `deliver`, in global resourceVersion order. `stop()` ends delivery (onClose is not
   * called); {@link disconnectWatches} ends watches from the server side (onClose called), and so
   * does `timeoutSeconds` on the server's clock. `sendInitialEvents: true` (watch-list, with
   * `resourceVersionMatch: 'NotOlderThan'`): synthetic ADDED for the current state, then with
   * `allowWatchBookmarks` one BOOKMARK at its revision annotated `k8s.io/initial-events-end: "true"`;
   * `sendInitialEvents: false` without resourceVersion starts at the newest revision with no synthetic events.
   * @throws 404 for an unknown kind; 400 for malformed selectors or resourceVersion; 422 for
   *   resourceVersionMatch / sendInitialEvents misuse; 504 Timeout for a watch-list from a revision not reached yet.
   */
  watch(type: TypeRef, opts: WatchOptions, onEvent: (event: WatchEvent) => void, onClose?: (err?: unknown) => void): WatchHandle {
    const info = this.registry.lookup(type);
    if (info.provider) throw methodNotSupported(info.provider, 'watch');
    const match = buildMatcher(opts ?? {}, info.group, info.kind, info.namespaced);
    validateWatchOptions(opts ?? {});
    const apiVersion = info.apiVersion;
    // Conversion for a watch runs outside any asynchronous scope: it happens while another request commits.
    const w = new Watcher(this.deliver, onEvent, onClose, match, (o) => this.outsideScope(() => this.view(o, apiVersion)));
    const rk = this.rk(info);
    const rvText = opts?.resourceVersion;
    const fromRevision = rvText !== undefined && rvText !== '' && rvText !== '0';
    const sendState = () => {
      for (const o of this.store.list(rk, info.namespaced && opts?.namespace ? opts.namespace : undefined)) if (match(o)) w.pushViewed('ADDED', o);
    };
    if (opts?.sendInitialEvents === true) {
      // Watch-list: the state at least as new as resourceVersion (this server holds only the newest), then its bookmark.
      const requested = fromRevision ? parseRevision(rvText) : 0;
      if (requested > this.store.revision) throw tooLargeResourceVersion(requested, this.store.revision);
      sendState();
      if (opts.allowWatchBookmarks) w.push({ type: 'BOOKMARK', object: bookmark(apiVersion, info.kind, this.store.revision, { [INITIAL_EVENTS_END]: 'true' }) });
      w.minRevision = this.store.revision;
    } else if (fromRevision) {
      const since = parseRevision(rvText);
      let events: StoreEvent[];
      try {
        events = this.store.eventsSince(since);
      } catch (e) {
        w.push({ type: 'ERROR', object: (e as { status: KubeObject }).status as unknown as KubeObject });
        w.push(CLOSE);
        return { stop: () => void (w.stopped = true) };
      }
      w.minRevision = since;
      for (const ev of events) if (ev.resourceKey === rk) w.offer(ev);
    } else if (opts?.sendInitialEvents === false) {
      w.minRevision = this.store.revision;
    } else {
      sendState();
    }
    let set = this.watchers.get(rk);
    if (!set) this.watchers.set(rk, (set = new Set()));
    set.add(w);
    const timer =
      opts?.timeoutSeconds !== undefined
        ? this.clock.setTimer(opts.timeoutSeconds * 1000, () => {
            if (this.watchers.get(rk)?.delete(w)) w.push(CLOSE);
          })
        : undefined;
    return {
      stop: () => {
        w.stopped = true;
        timer?.cancel();
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
   * The whole store as one document (the etcd backup analogue): every object as stored, and the
   * revision. Objects are the frozen stored values; serialise with JSON.stringify.
   */
  snapshot(): ApiServerSnapshot {
    return { apiVersion: SNAPSHOT_API_VERSION, kind: 'ApiServerSnapshot', revision: this.store.revision, objects: this.objects() };
  }

  /**
   * Replaces the whole store with a snapshot (an etcd restore followed by an API server restart):
   * open watches are closed (clients re-watch from their last resourceVersion, get 410 Expired and
   * relist), CRDs are unregistered and those in the snapshot registered again, objects come back with
   * their saved resourceVersions, uids and managedFields; the revision never goes backwards
   * (`VersionedStore.restore`). No watch events are sent for the change.
   * @throws StatusError 400 BadRequest naming `objects[i].<field>` when the document is not a valid snapshot.
   */
  restore(snapshot: unknown): void {
    const snap = parseSnapshot(snapshot);
    this.disconnectWatches();
    const crdKey = resourceKey(CRD_GROUP, CRD_KIND);
    for (const crd of this.store.list(crdKey)) this.registry.unregisterCrd(crd.metadata.name);
    this.store.restore(snap.objects.map((o) => ({ resourceKey: resourceKey(groupOf(o.apiVersion), o.kind), object: cloneJson(o) as KubeObject })), snap.revision);
    for (const crd of this.store.list(crdKey)) if (this.crdValid(crd)) this.registry.registerCrd(crd.metadata.name, crdResourceInfos(crd));
    this.unchangedApplies.clear();
  }

  /**
   * Starts a fresh server from `template`, the snapshot of another server built with the same clock
   * start and options, as if the template's writes had been made here (a simulator installs one
   * cluster template and starts many clusters from it). Unlike {@link restore}, nothing is bumped:
   * the revision becomes exactly the template's and every object keeps its resourceVersion,
   * timestamps and managedFields. Each object gets the uid this server's `newUid` derives from its
   * identity (first incarnation), and that identity counts as created once. Stored objects are frozen, so they are shared with the template, not copied. The
   * event history starts empty (compacted at the template's revision); no watch events are sent.
   * @throws Error when this server has open watches or a revision not below the template's, or when a
   *   template object has ownerReferences (their uids, also keys of managedFields, would name the template's objects).
   */
  startFrom(template: ApiServerSnapshot): void {
    if ([...this.watchers.values()].some((ws) => ws.size > 0)) throw new Error('startFrom: the server has open watches');
    if (this.store.revision >= template.revision) throw new Error(`startFrom: revision ${this.store.revision} is not below the template's ${template.revision}`);
    const owned = template.objects.find((o) => o.metadata.ownerReferences?.length);
    if (owned) throw new Error(`startFrom: template object ${owned.kind} ${owned.metadata.name} has ownerReferences`);
    const entries = template.objects.map((o) => {
      const group = groupOf(o.apiVersion);
      const rk = resourceKey(group, o.kind);
      const ns = o.metadata.namespace ?? '';
      const created = this.createsIn(rk, ns);
      created.set(o.metadata.name, Math.max(1, created.get(o.metadata.name) ?? 0));
      const uid = this.newUid({ group, kind: o.kind, namespace: ns, name: o.metadata.name, incarnation: 0 });
      return { resourceKey: rk, object: deepFreeze({ ...o, metadata: { ...o.metadata, uid } }) };
    });
    // The store's restore lands one past the revision it is given: template.revision - 1 lands exactly on the template's.
    this.store.restore(entries, template.revision - 1);
    // The template's server admitted its CRDs (an invalid one is never stored), so they are registered without validating them again.
    for (const crd of this.store.list(resourceKey(CRD_GROUP, CRD_KIND))) this.registry.registerCrd(crd.metadata.name, crdResourceInfos(crd));
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

  /** The store key of a kind, one string per ResourceInfo (a key built anew per call is hashed anew by every Map lookup). */
  private rk(info: ResourceInfo): string {
    let rk = this.resourceKeys.get(info);
    if (rk === undefined) this.resourceKeys.set(info, (rk = resourceKey(info.group, info.kind)));
    return rk;
  }

  /**
   * The stored object a write's body names, when its kind has no schema (built-in kinds: their write path
   * never writes inside frozen subtrees), else undefined. Throws nothing: the request's checks come after.
   */
  private storedFor(body: KubeObject): KubeObject | undefined {
    const info = this.registry.tryLookup(body);
    const meta = body.metadata as Meta | undefined;
    if (!info || info.schema || info.custom || !meta?.name || typeof meta.name !== 'string') return undefined;
    const ns = info.namespaced ? meta.namespace : '';
    return typeof ns === 'string' ? this.store.get(this.rk(info), ns, meta.name) : undefined;
  }

  /** Creates so far of each name of kind `rk` in namespace `ns` ('' when cluster-scoped): see {@link incarnations}. */
  private createsIn(rk: string, ns: string): Map<string, number> {
    let byNs = this.incarnations.get(rk);
    if (!byNs) this.incarnations.set(rk, (byNs = new Map()));
    let byName = byNs.get(ns);
    if (!byName) byNs.set(ns, (byName = new Map()));
    return byName;
  }

  private isNamespace(info: ResourceInfo): boolean {
    return info.group === '' && info.kind === 'Namespace';
  }

  private nameRule(info: ResourceInfo): NameRule {
    // RBAC objects are named by ValidateRBACName (a path segment: `system:aggregate-to-view` is valid).
    if (info.group !== '') return info.group === 'rbac.authorization.k8s.io' ? 'path-segment' : 'subdomain';
    if (info.kind === 'Namespace') return 'label';
    if (info.kind === 'Service') return 'dns1035';
    return 'subdomain';
  }

  private namespaceFinalizers(ns: KubeObject): string[] {
    const f = isPlainObject(ns.spec) ? ns.spec.finalizers : undefined;
    return Array.isArray(f) ? (f as string[]) : [];
  }

  /** The kind of a write. @throws 404 for an unknown kind; 405 for a provided resource (get and list only). */
  private writableKind(type: TypeRef, verb: string): ResourceInfo {
    const info = this.registry.lookup(type);
    if (info.provider) throw methodNotSupported(info.provider, verb);
    return info;
  }

  /** A provided resource's object (no conversion: providers answer at their one version). */
  private readProvided(info: ResourceInfo, provider: VirtualResourceProvider, key: ObjectKey): KubeObject {
    if (info.namespaced && !key.namespace) throw statusError('BadRequest', `namespace is required for namespaced kind ${info.kind}`);
    return provider.get(info.namespaced ? key.namespace : undefined, key.name);
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

  /**
   * The object as seen at `apiVersion`: strategy None changes only apiVersion; a CRD with strategy Webhook
   * converts through its conversion webhook (conversion/).
   * @throws StatusError 500 `conversion webhook for … failed: …`; PendingWebhookCall (see {@link runWithWebhooks}).
   */
  private view(obj: KubeObject, apiVersion: string): KubeObject {
    if (obj.apiVersion === apiVersion) return obj;
    const target = this.registry.tryLookup({ apiVersion, kind: obj.kind });
    if (!target) return obj;
    if (target.conversion) return convertObjects(this.webhooks, target.conversion, [obj], apiVersion)[0];
    return Object.freeze({ ...obj, apiVersion });
  }

  /** A candidate at the request version, as the storage version (the conversion webhook's answer for strategy Webhook, then pruned and defaulted by the storage schema). */
  private toStorage(info: ResourceInfo, obj: Mutable): Mutable {
    if (info.apiVersion === info.storageApiVersion) return obj;
    if (!info.conversion) {
      obj.apiVersion = info.storageApiVersion;
      return obj;
    }
    const out = cloneJson(convertObjects(this.webhooks, info.conversion, [obj], info.storageApiVersion)[0]) as Mutable;
    const storage = this.registry.tryLookup({ apiVersion: info.storageApiVersion, kind: info.kind });
    if (storage?.schema) compileSchema(storage.schema as Record<string, unknown>)(out as unknown as Record<string, unknown>, []);
    return out;
  }

  /** Server-owned metadata (and status where it is a subresource) of a candidate come from the stored object (`seen`, at the request version). */
  private restoreServerFields(info: ResourceInfo, seen: KubeObject, cand: Mutable, c: WriteControl): void {
    const om = seen.metadata as Meta;
    if (!isPlainObject(cand.metadata)) cand.metadata = {} as Meta;
    const m = cand.metadata;
    cand.apiVersion = info.apiVersion;
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
      if (om.managedFields) m.managedFields = om.managedFields;
      else delete m.managedFields;
    }
    if (c.mode === 'main' && info.statusSubresource) {
      if (seen.status === undefined) delete cand.status;
      else cand.status = cloneJson(seen.status);
    }
  }

  /**
   * Commits (`commit`) and answers the committed object at `apiVersion`. Where that takes a conversion
   * webhook, the candidate is converted BEFORE the commit (a URL answer may be pending, and a verb must
   * not be rerun after it committed) and given the committed metadata afterwards (a conversion may change
   * only labels and annotations).
   */
  private commitAndView(cand: KubeObject, apiVersion: string, commit: () => StoreEvent): KubeObject {
    const target = cand.apiVersion === apiVersion ? undefined : this.registry.tryLookup({ apiVersion, kind: cand.kind });
    if (!target?.conversion) return this.view(commit().object, apiVersion);
    const pre = this.view(deepFreeze(cloneJson(cand)), apiVersion);
    const committed = commit().object;
    const { labels, annotations } = pre.metadata;
    const metadata = { ...committed.metadata };
    if (labels === undefined) delete metadata.labels;
    else metadata.labels = labels;
    if (annotations === undefined) delete metadata.annotations;
    else metadata.annotations = annotations;
    return Object.freeze({ ...pre, metadata: Object.freeze(metadata) });
  }

  /** The clock's time as RFC 3339; inside a {@link runWithWebhooks} scope, the same for every rerun of the request. */
  private nowText(): string {
    const scope = this.webhooks.scope;
    return scope ? scope.keep('now', () => rfc3339(this.clock.now())) : rfc3339(this.clock.now());
  }

  /** Runs `fn` with no asynchronous scope: URL webhooks fail instead of pending. */
  private outsideScope<T>(fn: () => T): T {
    const scope = this.webhooks.scope;
    if (!scope) return fn();
    this.webhooks.scope = undefined;
    try {
      return fn();
    } finally {
      this.webhooks.scope = scope;
    }
  }

  /** True when any Validating/MutatingWebhookConfiguration is stored (the fast path skips admission otherwise). */
  private hasWebhookConfigurations(): boolean {
    return this.store.count(MUTATING_RK) > 0 || this.store.count(VALIDATING_RK) > 0;
  }

  /** Sends the deprecation Warning of a deprecated CRD version (`versions[].deprecated`) to the request. */
  private warnDeprecated(info: ResourceInfo, opts: WriteOptions | undefined): void {
    if (info.deprecationWarning !== undefined) opts?.onWarning?.(info.deprecationWarning);
  }

  private admissionAttributes(operation: AdmissionOperation, info: ResourceInfo, obj: KubeObject, old: KubeObject | undefined, opts: WriteOptions, subResource?: string): AdmissionAttributes {
    const kind = operation === 'CREATE' ? 'CreateOptions' : 'UpdateOptions';
    return {
      operation,
      info,
      ...(subResource ? { subResource } : {}),
      name: obj.metadata?.name ?? '',
      ...(info.namespaced && obj.metadata?.namespace ? { namespace: obj.metadata.namespace } : {}),
      object: obj,
      oldObject: old ?? null,
      dryRun: opts.dryRun === true,
      options: { apiVersion: 'meta.k8s.io/v1', kind, ...(opts.fieldManager ? { fieldManager: opts.fieldManager } : {}), ...(opts.dryRun ? { dryRun: ['All'] } : {}) },
      onWarning: opts.onWarning,
    };
  }

  /** Mutating admission webhooks (admission/): returns the candidate itself when none matched or none changed it, else a new mutable copy. */
  private admitMutating(operation: AdmissionOperation, info: ResourceInfo, obj: Mutable, old: KubeObject | undefined, opts: WriteOptions, subResource?: string): Mutable {
    if (!this.hasWebhookConfigurations()) return obj;
    const before = deepFreeze(cloneJson(obj));
    const after = runMutating(this.admissionEnv, this.admissionAttributes(operation, info, before, old, opts, subResource));
    return after === before || !after ? obj : (cloneJson(after) as Mutable);
  }

  /** Validating admission webhooks (admission/), after schema validation and the in-process extensions. */
  private admitWebhooks(operation: AdmissionOperation, info: ResourceInfo, obj: Mutable, old: KubeObject | undefined, opts: WriteOptions, subResource?: string): void {
    if (!this.hasWebhookConfigurations()) return;
    runValidating(this.admissionEnv, this.admissionAttributes(operation, info, deepFreeze(cloneJson(obj)), old, opts, subResource));
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
    const kept = this.webhooks.scope?.generatedNames.get(counter);
    if (kept !== undefined) return kept;
    let name = prefix;
    for (let attempt = 0; attempt < 8; attempt++) {
      const ordinal = this.nameOrdinals.get(counter) ?? 0;
      this.nameOrdinals.set(counter, ordinal + 1);
      name = prefix + this.nameSuffix({ group: info.group, kind: info.kind, namespace: ns, prefix, ordinal });
      if (!this.store.get(rk, ns, name)) break;
    }
    this.webhooks.scope?.generatedNames.set(counter, name);
    return name;
  }

  private applyPatch(info: ResourceInfo, old: KubeObject, patchType: PatchType, body: unknown): KubeObject {
    if (patchType === 'strategic') {
      // Custom resources carry no patch merge keys: upstream refuses strategic merge for them.
      if (info.custom)
        throw statusError('UnsupportedMediaType', 'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml');
      return strategicMergePatch(old, body, info.group, info.kind) as KubeObject;
    }
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
  private writeExisting(info: ResourceInfo, old: KubeObject, candIn: Mutable, c: WriteControl): KubeObject {
    let cand = candIn;
    const om = old.metadata as Meta;
    const name = om.name;
    if (c.requireRv && !c.rv)
      throw invalid(info.kind, info.group, name, [{ reason: 'FieldValueInvalid', message: 'Invalid value: 0x0: must be specified for an update', field: 'metadata.resourceVersion' }]);
    if (c.rv && c.rv !== om.resourceVersion) throw conflict(info.plural, info.group, name);
    if (c.uid && c.uid !== om.uid)
      throw statusError('Conflict', `Precondition failed: UID in precondition: ${c.uid}, UID in object meta: ${om.uid}`, { name, group: info.group, kind: info.plural });
    if (!isPlainObject(cand.metadata)) cand.metadata = {} as Meta;
    cand.apiVersion = info.apiVersion;
    cand.kind = info.kind;
    const seen = this.view(old, info.apiVersion);
    // managedFields a non-apply writer sent itself (kept only when they differ from the stored ones).
    const sentManagedFields = c.keepManagedFields || cand.metadata.managedFields === om.managedFields || deepEqual(cand.metadata.managedFields, om.managedFields) ? undefined : cand.metadata.managedFields;
    this.restoreServerFields(info, seen, cand, c);
    if (this.hasWebhookConfigurations()) {
      const mutated = this.admitMutating('UPDATE', info, cand, seen, c.request ?? {}, c.mode === 'status' ? 'status' : undefined);
      if (mutated !== cand) {
        // A status write keeps only the status a webhook returns (the status strategy resets the rest).
        cand = c.mode === 'status' ? ({ ...(cloneJson(seen) as Mutable), status: mutated.status } as Mutable) : mutated;
        if (cand.status === undefined) delete cand.status;
        this.restoreServerFields(info, seen, cand, c);
      }
    }
    const m = cand.metadata;


    const causes: StatusCause[] = [];
    if (this.isNamespace(info)) m.labels = { ...m.labels, 'kubernetes.io/metadata.name': name };
    const isCrd = info.group === CRD_GROUP && info.kind === CRD_KIND;
    if (isCrd) {
      causes.push(...crdCauses(cand));
      cand.status = crdStatus(cand, this.nowText(), isPlainObject(cand.status) ? cand.status : undefined);
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
    if (info.schema) causes.push(...this.admitSchema(info, cand, c.request, old));
    else if (!info.custom) causes.push(...this.admitBuiltin(info, cand, c.request, c.mode === 'main' ? 'update' : 'status', old), ...(c.mode === 'main' && this.strategies.validation ? validateBuiltin(info, cand as unknown as Record<string, unknown>, old as unknown as Record<string, unknown>) : []));
    if (info.group === ADMISSION_GROUP) causes.push(...webhookConfigurationCauses(cand, info.kind === MUTATING_KIND));
    if (causes.length) throw invalid(info.kind, info.group, name, causes);
    if (c.mode === 'main') this.admitValidating('UPDATE', info, cand, old, c.dryRun === true);
    this.admitWebhooks('UPDATE', info, cand, seen, c.request ?? {}, c.mode === 'status' ? 'status' : undefined);
    if (!c.keepManagedFields) {
      const scope = scopeFor(info, c.mode === 'status' ? 'status' : undefined);
      const manager = c.request?.fieldManager ?? this.defaultFieldManager;
      const mf = updateManagedFields({ live: old, next: cand, sent: sentManagedFields, manager, apiVersion: c.apiVersion, time: this.nowText(), scope });
      if (mf) m.managedFields = mf;
      else delete m.managedFields;
    }

    const stored = this.toStorage(info, cand);
    const sm = stored.metadata;
    if (info.hasGeneration && specChanged(old, stored, info.statusSubresource)) sm.generation = (om.generation ?? 0) + 1;
    if (deepEqual(stored, old)) return this.view(old, c.apiVersion);
    if (c.dryRun) return this.view(deepFreeze(stored), c.apiVersion);
    const finished = om.deletionTimestamp && !sm.finalizers?.length && !(this.isNamespace(info) && this.namespaceFinalizers(stored).length);
    if (info.schema && stored === cand) markAdmitted(stored, info.schema);
    return this.commitAndView(stored, c.apiVersion, () => (finished ? this.remove(info, stored) : this.put(info, stored)));
  }

  /**
   * Schema admission of a custom resource: prune, default, validate; unknown fields handled per the
   * request's `fieldValidation` (Kubernetes API concepts: field validation; default `Warn`); then the
   * CEL `x-kubernetes-validations`, with `old` (the stored object on update) for transition rules.
   * @throws 400 BadRequest under `Strict` when the object carries fields the schema does not declare.
   */
  private admitSchema(info: ResourceInfo, obj: Mutable, req: WriteOptions = {}, old?: KubeObject): StatusCause[] {
    const pruned: string[] = [];
    let causes: StatusCause[];
    try {
      causes = compileSchema(info.schema as Record<string, unknown>)(obj as unknown as Record<string, unknown>, pruned, old as unknown as Record<string, unknown> | undefined);
    } catch (err) {
      // Pruning a frozen subtree the candidate shares with the stored object (see sharingAdmitted): nothing reported yet.
      if (err instanceof TypeError && hasFrozenBelow(obj)) throw new FrozenSubtreeWrite(err.message);
      throw err;
    }
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
   * Built-in kinds' strategies (strategies/index.ts): unknown fields dropped and reported per the
   * request's `fieldValidation` (status writes too: only their new parts are unfrozen and walked),
   * then, for main-resource writes, upstream defaults applied (and, on create, the create-time
   * status: a Pod starts `Pending`); each as `builtinStrategies` allows. With defaulting, a Service
   * also gets its cluster IPs and node ports (strategies/service-allocation.ts; `old` = the stored
   * Service on update), checked against every other stored Service. Returns the 422 causes.
   * @throws 400 BadRequest `strict decoding error: unknown field "…"` under `Strict`; 500 when a range is full.
   */
  private admitBuiltin(info: ResourceInfo, obj: Mutable, req: WriteOptions | undefined, op: 'create' | 'update' | 'status', old?: KubeObject): StatusCause[] {
    if (this.strategies.unknownFields) checkBuiltinFields(info, obj as unknown as Record<string, unknown>, req);
    if (!this.strategies.defaulting || op === 'status') return [];
    defaultBuiltin(info, obj as unknown as Record<string, unknown>, op === 'create');
    if (info.group !== '' || info.kind !== 'Service') return [];
    const ns = obj.metadata.namespace ?? '';
    const name = obj.metadata.name ?? '';
    const clusterIPs = new Set<string>();
    const nodePorts = new Set<number>();
    for (const svc of this.store.list(this.rk(info))) {
      if (svc.metadata.namespace === ns && svc.metadata.name === name) continue;
      const held = serviceAllocations(svc as unknown as Record<string, unknown>);
      for (const ip of held.clusterIPs) clusterIPs.add(ip);
      for (const p of held.nodePorts) nodePorts.add(p);
    }
    return allocateService(obj as unknown as Record<string, unknown>, old as unknown as Record<string, unknown> | undefined, `${ns}/${name}`, { clusterIPs, nodePorts });
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
    const request = new LazyAdmissionRequest(operation, info, obj, old, dryRun);
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
    this.admitRequestBound(body, jsonBytesUpperBound(body));
  }

  /** {@link admitRequestSize} given the body's size bound (`jsonBytesUpperBound`, or the same measured while copying). */
  private admitRequestBound(body: unknown, bound: number): void {
    if (boundExceeds(body, bound, this.limits.maxRequestBytes)) throw statusError('RequestEntityTooLarge', `Request entity too large: limit is ${this.limits.maxRequestBytes}`);
  }

  /** Commits a new or changed object, fans the event out and runs post-write hooks. */
  private put(info: ResourceInfo, obj: Mutable): StoreEvent {
    // Measured while its subtrees are frozen (the store freezes the object on commit; only the root and metadata stay open for resourceVersion).
    if (boundExceeds(obj, freezeMeasuringBelow(obj as unknown as Record<string, unknown>, 'metadata'), this.limits.maxObjectBytes)) throw statusError('InternalError', 'etcdserver: request is too large');
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

/**
 * The schema a stored custom resource was last pruned, defaulted and validated under, as a non-enumerable symbol member of
 * the stored object (copies, spreads, JSON and comparisons never see it; a view or copy of the object does not carry it).
 */
const ADMITTED_UNDER = Symbol('admittedUnder');

/** Schema admission tried to write inside a frozen subtree of the candidate (thrown before anything is reported or committed). */
class FrozenSubtreeWrite extends Error {
  constructor(detail: string) {
    super(`schema admission wrote inside a frozen subtree: ${detail}`);
    this.name = 'FrozenSubtreeWrite';
  }
}

/** Whether any object or array below `v` is frozen. */
function hasFrozenBelow(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return false;
  for (const x of Object.values(v)) if (typeof x === 'object' && x !== null && (Object.isFrozen(x) || hasFrozenBelow(x))) return true;
  return false;
}

function markAdmitted(obj: KubeObject, schema: object): void {
  Object.defineProperty(obj, ADMITTED_UNDER, { value: schema });
}

function admittedUnder(obj: KubeObject): object | undefined {
  return (obj as unknown as { [ADMITTED_UNDER]?: object })[ADMITTED_UNDER];
}

/** Whether `a` and `b` have the same members with equal values, members `skip1` and `skip2` apart. */
function sameExcept(a: object, b: object, skip1: string, skip2: string): boolean {
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let n = 0;
  for (const k in x) {
    if (k === skip1 || k === skip2) continue;
    n++;
    if (x[k] !== y[k] && !deepEqual(x[k], y[k])) return false;
  }
  for (const k in y) if (k !== skip1 && k !== skip2) n--;
  return n === 0;
}

/** The managedFields entries of writers to the main resource (those a status write leaves alone). */
function mainEntries(entries: ManagedFieldsEntry[] | undefined): ManagedFieldsEntry[] {
  return (entries ?? []).filter((e) => e.subresource !== 'status');
}

function sameEntries(a: ManagedFieldsEntry[], b: ManagedFieldsEntry[]): boolean {
  return a.length === b.length && a.every((e, i) => e === b[i] || deepEqual(e, b[i]));
}

/** Per CRD schema: whether any of its `x-kubernetes-validations` may reference `oldSelf` (any mention of it counts). */
const transitionRules = new WeakMap<object, boolean>();
function hasTransitionRules(schema: object): boolean {
  let has = transitionRules.get(schema);
  if (has === undefined) transitionRules.set(schema, (has = JSON.stringify(schema).includes('oldSelf')));
  return has;
}

/**
 * A {@link ValidatingAdmissionRequest} whose `object`, a frozen copy of the candidate, is made when first read: an
 * accessor of the class (an object literal with a getter and spread members took ~20 µs to build, on every write).
 * `namespace` and `oldObject` are absent when there is none.
 */
class LazyAdmissionRequest implements ValidatingAdmissionRequest {
  readonly operation: 'CREATE' | 'UPDATE';
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly resource: string;
  declare readonly namespace?: string;
  readonly name: string;
  declare readonly oldObject?: KubeObject;
  readonly dryRun: boolean;
  readonly #candidate: Mutable;
  #snapshot: KubeObject | undefined;

  constructor(operation: 'CREATE' | 'UPDATE', info: ResourceInfo, candidate: Mutable, old: KubeObject | undefined, dryRun: boolean) {
    this.operation = operation;
    this.group = info.group;
    this.version = info.apiVersion.includes('/') ? info.apiVersion.slice(info.apiVersion.indexOf('/') + 1) : info.apiVersion;
    this.kind = info.kind;
    this.resource = info.plural;
    if (candidate.metadata.namespace) this.namespace = candidate.metadata.namespace;
    this.name = candidate.metadata.name ?? '';
    if (old) this.oldObject = old;
    this.dryRun = dryRun;
    this.#candidate = candidate;
  }

  get object(): KubeObject {
    return (this.#snapshot ??= frozenCopy(this.#candidate));
  }
}

/** The body with its metadata's managedFields member undefined (a copy leaves it out), for measuring and copying them apart. */
/** Order of list items: namespace, then name (as the store and metrics-server's lists sort). */
function byNamespaceAndName(a: KubeObject, b: KubeObject): number {
  const an = a.metadata.namespace ?? '';
  const bn = b.metadata.namespace ?? '';
  if (an !== bn) return an < bn ? -1 : 1;
  return a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0;
}

function withoutSentManagedFields(body: KubeObject): KubeObject {
  const metadata: Meta = { ...(body.metadata as Meta), managedFields: undefined };
  return { ...body, metadata };
}

/** `copy` (a copy of `sent` without `key`) with `key` set to `value` where `sent` has it: the members in `sent`'s order. */
function withMemberInPlace(copy: object, sent: object, key: string, value: unknown): Record<string, unknown> {
  const from = copy as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k in sent) {
    if (k === key) out[k] = value;
    else if (from[k] !== undefined) out[k] = from[k];
  }
  return out;
}

/**
 * A deep copy of a write's body, except that managedFields still the stored ones (same reference) are kept as they are (shared,
 * never modified by the write path); with `share`, so are the stored object's other subtrees below the root's members (see {@link cloneJsonSharing}).
 */
function cloneKeepingManagedFields(body: KubeObject, old: KubeObject, share = false): Mutable {
  const mf = (body.metadata as Meta | undefined)?.managedFields;
  if (mf === undefined || mf !== (old.metadata as Meta).managedFields) return copyBody(body, old, share);
  const cand = copyBody(withoutSentManagedFields(body), old, share);
  cand.metadata.managedFields = mf;
  return cand;
}

/** A deep copy of `body`; with `share`, sharing `old`'s frozen subtrees below the root's members (see {@link cloneJsonSharing}). */
function copyBody(body: KubeObject, old: KubeObject, share: boolean): Mutable {
  return (share ? cloneJsonSharing(body, old).value : cloneJson(body)) as Mutable;
}

/** True when anything outside metadata (and status, where it is a subresource) differs. */
function specChanged(old: KubeObject, cand: KubeObject, statusSubresource: boolean): boolean {
  for (const k of Object.keys(cand)) if (!outsideSpec(k, statusSubresource) && !deepEqual(cand[k], old[k])) return true;
  for (const k of Object.keys(old)) if (!outsideSpec(k, statusSubresource) && !(k in cand) && old[k] !== undefined) return true;
  return false;
}

/** Root keys whose changes do not bump generation. */
function outsideSpec(k: string, statusSubresource: boolean): boolean {
  return k === 'metadata' || k === 'apiVersion' || k === 'kind' || (statusSubresource && k === 'status');
}
