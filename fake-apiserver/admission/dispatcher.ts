/**
 * Dynamic admission (Kubernetes docs "Dynamic Admission Control"; kube-apiserver
 * `admission/plugin/webhook/{mutating,validating}/dispatcher.go`): which webhooks of the stored
 * Mutating/ValidatingWebhookConfigurations a request matches (rules, scope, namespaceSelector,
 * objectSelector, matchPolicy), the AdmissionReview v1 each is sent, and what its answer does
 * (patch, warnings, denial, failurePolicy). Pure over an {@link AdmissionEnv}: the ApiServer supplies the
 * configurations, namespace labels, version conversion and the webhook client.
 */
import { StatusError, matchesSelector, reasonCodes, statusError } from '../api/index.ts';
import type { KubeObject, StatusReason } from '../api/index.ts';
import { cloneJson, deepEqual, deepFreeze, isPlainObject } from '../internal/json.ts';
import { applyJsonPatch } from '../patch.ts';
import type { ResourceInfo } from '../registry.ts';
import { DEFAULT_TIMEOUT_SECONDS, requestUid } from './client.ts';
import type { CallOutcome, WebhookClient } from './client.ts';
import type { AdmissionOperation, AdmissionRequest, AdmissionResponse, WebhookRule, WebhookSpec } from './types.ts';

/** What the ApiServer lends the dispatcher. */
export interface AdmissionEnv {
  /** The stored configurations of one kind, sorted by name (upstream calls them in that order). */
  configurations(kind: 'mutating' | 'validating'): readonly KubeObject[];
  /** Labels of a namespace (undefined when it does not exist). */
  namespaceLabels(namespace: string): Readonly<Record<string, string>> | undefined;
  /** Every served version of the request's group and kind, the request's own first (matchPolicy Equivalent). */
  versionsOf(info: ResourceInfo): readonly ResourceInfo[];
  /** `obj` as seen at `apiVersion` (CRD conversion). @throws StatusError when conversion fails. */
  convert(obj: KubeObject, apiVersion: string): KubeObject;
  client: WebhookClient;
  /** Who makes the request now (the HTTP front's authenticated user); undefined: {@link ADMISSION_USER}. */
  requestUser?(): AdmissionRequest['userInfo'] | undefined;
}

/** One request as admission sees it (kube-apiserver `admission.Attributes`). */
export interface AdmissionAttributes {
  operation: AdmissionOperation;
  /** The served kind the request was made at. */
  info: ResourceInfo;
  subResource?: string;
  /** '' for a create with generateName (the name is generated after mutating admission). */
  name: string;
  namespace?: string;
  object: KubeObject | null;
  oldObject: KubeObject | null;
  dryRun: boolean;
  /** CreateOptions / UpdateOptions / DeleteOptions body. */
  options: Record<string, unknown> | null;
  onWarning?: (warning: string) => void;
}

/** The user a request is made as when nobody authenticated it (every in-process call): the cluster administrator. */
export const ADMISSION_USER = { username: 'system:admin', groups: ['system:masters', 'system:authenticated'] };

interface Invocation {
  hook: WebhookSpec;
  /** The served version the webhook is sent (the request's, or an equivalent one under matchPolicy Equivalent). */
  target: ResourceInfo;
}

function ruleMatches(rule: WebhookRule, op: AdmissionOperation, info: ResourceInfo, sub: string | undefined): boolean {
  const has = (list: string[] | undefined, v: string) => (list ?? []).some((x) => x === '*' || x === v);
  if (!has(rule.operations, op) || !has(rule.apiGroups, info.group) || !has(rule.apiVersions, info.version)) return false;
  const scope = rule.scope ?? '*';
  if ((scope === 'Cluster' && info.namespaced) || (scope === 'Namespaced' && !info.namespaced)) return false;
  return (rule.resources ?? []).some((r) => {
    const [res, rsub] = r.split('/', 2) as [string, string | undefined];
    if (res !== '*' && res !== info.plural) return false;
    if (rsub === undefined) return !sub;
    return rsub === '*' || rsub === (sub ?? '');
  });
}

function labelsOf(o: KubeObject | null): Record<string, string> | undefined {
  return o?.metadata?.labels;
}

/** The webhook's invocation for this request, or undefined when it does not apply. */
function match(env: AdmissionEnv, hook: WebhookSpec, a: AdmissionAttributes): Invocation | undefined {
  const rules = hook.rules ?? [];
  let target: ResourceInfo | undefined = rules.some((r) => ruleMatches(r, a.operation, a.info, a.subResource)) ? a.info : undefined;
  if (!target && (hook.matchPolicy ?? 'Equivalent') === 'Equivalent')
    target = env.versionsOf(a.info).find((v) => v !== a.info && rules.some((r) => ruleMatches(r, a.operation, v, a.subResource)));
  if (!target) return undefined;
  // namespaceSelector: the namespace's labels for namespaced objects, the object's own for a Namespace; ignored for other cluster-scoped kinds.
  const isNamespace = a.info.group === '' && a.info.kind === 'Namespace';
  if (hook.namespaceSelector && (a.info.namespaced || isNamespace)) {
    const labels = isNamespace ? (labelsOf(a.object) ?? labelsOf(a.oldObject)) : env.namespaceLabels(a.namespace ?? '');
    if (!matchesSelector(hook.namespaceSelector, labels ?? {})) return undefined;
  }
  if (hook.objectSelector && !matchesSelector(hook.objectSelector, labelsOf(a.object) ?? {}) && !matchesSelector(hook.objectSelector, labelsOf(a.oldObject) ?? {})) return undefined;
  return { hook, target };
}

function invocations(env: AdmissionEnv, kind: 'mutating' | 'validating', a: AdmissionAttributes): Invocation[] {
  const out: Invocation[] = [];
  // Webhook configurations themselves are never sent to webhooks (a broken webhook could not be removed).
  if (a.info.group === 'admissionregistration.k8s.io') return out;
  for (const cfg of env.configurations(kind)) {
    const hooks = Array.isArray(cfg.webhooks) ? (cfg.webhooks as WebhookSpec[]) : [];
    for (const hook of hooks) {
      const inv = match(env, hook, a);
      if (inv) out.push(inv);
    }
  }
  return out;
}

const gvk = (i: ResourceInfo) => ({ group: i.group, version: i.version, kind: i.kind });
const gvr = (i: ResourceInfo) => ({ group: i.group, version: i.version, resource: i.plural });

function review(a: AdmissionAttributes, target: ResourceInfo, object: KubeObject | null, oldObject: KubeObject | null, userInfo: AdmissionRequest['userInfo']): { apiVersion: string; kind: string; request: AdmissionRequest } {
  const request: AdmissionRequest = {
    uid: '',
    kind: gvk(target),
    resource: gvr(target),
    ...(a.subResource ? { subResource: a.subResource } : {}),
    requestKind: gvk(a.info),
    requestResource: gvr(a.info),
    ...(a.subResource ? { requestSubResource: a.subResource } : {}),
    name: a.name,
    ...(a.namespace ? { namespace: a.namespace } : {}),
    operation: a.operation,
    userInfo,
    object,
    oldObject,
    dryRun: a.dryRun,
    options: a.options,
  };
  const body = { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request };
  request.uid = requestUid(body);
  return body;
}

/** The decoded response, or why it is not a valid AdmissionReview v1 answer to `uid`. */
function verify(outcome: CallOutcome, uid: string, mutating: boolean): AdmissionResponse | string {
  if (!outcome.ok) return outcome.error;
  const b = outcome.body as { apiVersion?: unknown; kind?: unknown; response?: AdmissionResponse };
  if (!isPlainObject(b) || b.kind !== 'AdmissionReview' || b.apiVersion !== 'admission.k8s.io/v1') return `expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, got ${String(b?.apiVersion)}, Kind=${String(b?.kind)}`;
  const r = b.response;
  if (!isPlainObject(r)) return 'webhook response was absent';
  if (r.uid !== uid) return `expected response.uid=${JSON.stringify(uid)}, got ${JSON.stringify(r.uid)}`;
  if (!mutating && (r.patch !== undefined || r.patchType !== undefined)) return 'webhook returned response.patch or response.patchType but is not a mutating webhook';
  if (r.patch !== undefined && r.patchType !== 'JSONPatch') return `webhook returned invalid response.patchType of ${JSON.stringify(r.patchType ?? '')}`;
  return r;
}

/** 500 `Internal error occurred: failed calling webhook "<name>": <why>` (failurePolicy Fail; kube-apiserver `ErrCallingWebhook` → `NewInternalError`). */
function callingError(name: string, why: string, a: AdmissionAttributes): StatusError {
  return statusError('InternalError', `Internal error occurred: failed calling webhook ${JSON.stringify(name)}: ${why}`, {
    group: a.info.group,
    kind: a.info.plural,
    name: a.name,
    causes: [{ reason: '', message: `failed calling webhook ${JSON.stringify(name)}: ${why}`, field: '' }],
  });
}

/**
 * A denial as kube-apiserver words it (`webhook/errors.ToStatusErr`, kubernetes@02cf581): the webhook's
 * status with its code (400 when it gives less), reason and details; message `admission webhook "<name>"
 * denied the request: <message>` (its reason when no message, `… without explanation` when neither).
 */
export function denial(name: string, status: AdmissionResponse['status']): StatusError {
  const s = status ?? {};
  const deniedBy = `admission webhook ${JSON.stringify(name)} denied the request`;
  const message = s.message ? `${deniedBy}: ${s.message}` : s.reason ? `${deniedBy}: ${s.reason}` : `${deniedBy} without explanation`;
  const code = typeof s.code === 'number' && s.code >= 400 ? s.code : 400;
  const reason = (s.reason && s.reason in reasonCodes ? s.reason : (Object.keys(reasonCodes) as StatusReason[]).find((r) => reasonCodes[r] === code)) as StatusReason | undefined;
  const err = statusError(reason ?? 'BadRequest', message, isPlainObject(s.details) ? (s.details as StatusError['status']['details']) : undefined);
  (err.status as { code: number }).code = code;
  if (!reason) (err.status as { reason: string }).reason = s.reason ?? '';
  return err;
}

function callOne(env: AdmissionEnv, inv: Invocation, a: AdmissionAttributes, object: KubeObject | null, mutating: boolean): AdmissionResponse | undefined {
  const { hook } = inv;
  if (a.dryRun && hook.sideEffects !== 'None' && hook.sideEffects !== 'NoneOnDryRun') throw statusError('BadRequest', `admission webhook ${JSON.stringify(hook.name)} does not support dry run`);
  const convert = (o: KubeObject | null) => (o && inv.target !== a.info ? env.convert(o, inv.target.apiVersion) : o);
  const body = review(a, inv.target, convert(object), convert(a.oldObject), env.requestUser?.() ?? ADMISSION_USER);
  const answer = verify(env.client.call(hook.clientConfig, body, hook.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS), body.request.uid, mutating);
  if (typeof answer === 'string') {
    if (hook.failurePolicy === 'Ignore') return undefined;
    throw callingError(hook.name, answer, a);
  }
  for (const w of answer.warnings ?? []) a.onWarning?.(w);
  if (!answer.allowed) throw denial(hook.name, answer.status);
  return answer;
}

/**
 * Mutating admission: every matching webhook in order (configurations by name, webhooks in listed order);
 * a JSONPatch answer is applied to the object (at the webhook's version, converted back); webhooks with
 * `reinvocationPolicy: IfNeeded` are called once more when a later webhook changed the object.
 * Returns the (possibly) mutated object; DELETE and CONNECT are sent but their patches are not applied.
 * @throws the denial (see {@link denial}); 500 `failed calling webhook` under failurePolicy Fail;
 *   400 `does not support dry run`; PendingWebhookCall inside an asynchronous scope.
 */
export function runMutating(env: AdmissionEnv, a: AdmissionAttributes): KubeObject | null {
  const invs = invocations(env, 'mutating', a);
  if (invs.length === 0) return a.object;
  let obj = a.object;
  const seenAfter = new Map<Invocation, KubeObject | null>();
  const pass = (list: Invocation[]) => {
    for (const inv of list) {
      const answer = callOne(env, inv, a, obj, true);
      if (answer?.patch && obj && (a.operation === 'CREATE' || a.operation === 'UPDATE')) {
        const versioned = inv.target !== a.info ? env.convert(obj, inv.target.apiVersion) : obj;
        let patched: KubeObject;
        try {
          patched = applyJsonPatch(versioned, JSON.parse(Buffer.from(answer.patch, 'base64').toString('utf8')));
        } catch (err) {
          throw statusError('InternalError', `Internal error occurred: failed calling webhook ${JSON.stringify(inv.hook.name)}: ${err instanceof Error ? err.message : String(err)}`);
        }
        const back = inv.target !== a.info ? env.convert(deepFreeze(patched), a.info.apiVersion) : patched;
        if (!deepEqual(back, obj)) obj = deepFreeze(cloneJson(back));
      }
      if (inv.hook.reinvocationPolicy === 'IfNeeded') seenAfter.set(inv, obj);
    }
  };
  pass(invs);
  const again = invs.filter((inv) => seenAfter.has(inv) && !deepEqual(seenAfter.get(inv), obj));
  if (again.length) pass(again);
  return obj;
}

/**
 * Validating admission: every matching webhook, in order; the first denial or (failurePolicy Fail)
 * failed call fails the request. Warnings of every answer go to `onWarning`.
 * @throws as {@link runMutating}.
 */
export function runValidating(env: AdmissionEnv, a: AdmissionAttributes): void {
  for (const inv of invocations(env, 'validating', a)) callOne(env, inv, a, a.object, false);
}
