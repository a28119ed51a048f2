/**
 * The admission judge (issue 7): compares what the platform did with each service against the admission
 * oracle (topologies/admission.ts, declarations and drawn Cedar permissions only), reading only through
 * the Cluster reader, after the case settled:
 *
 * - the phase (`Ready` / `Failed`) of the LatticeService, or of the LatticeMeshMember of an escape hatch;
 * - for a Failed one, the gate the platform names (reference §3.4: the `PolicyAuthorized` condition reason
 *   `<Gate>Denied` whose message reads `<Gate> denied: Service … is not permitted to … (…, <resource uid>):
 *   <reason>. <remedy>` per denial; for AllowWildcard the mesh member's `Cedar policy denied … on Mesh::"<id>"` message) and every
 *   denied resource with its cause (`access explicitly forbidden by policy` / `no permit policy …`);
 * - that a service failed by a compile gate left NO output (reference §2.8 step 7: compile before any
 *   apply, all-or-nothing): no object it owns (ownerReference to the LatticeService, label
 *   `lattice.dev/service`), no Deployment / Service / ServiceAccount / LatticeMeshMember of its name, no
 *   pod, no CiliumNetworkPolicy or AuthorizationPolicy selecting it and no AuthorizationPolicy naming its
 *   principal; a service failed by AllowWildcard (its workload compiled, reference §3.4) has no mesh
 *   policy selecting it; a service revoked after admission (a CedarPolicy applied late) keeps its outputs
 *   but its ExternalSecrets (reference §2.8 step 7);
 * - for one with an invalid spec: refused by the platform's validating webhook (403 `admission webhook
 *   "validate.lattice.dev" denied the request: <field>: …`), so it does not exist; on a cluster without
 *   the webhook, the `Ready/False/ValidationFailed` condition and a status message naming the invalid
 *   field, no Cedar gate, and no output at all (validation precedes compile);
 * - for one its LatticeQuota refuses: the whole status message (`quota exceeded: …`), the
 *   `Compiled/False/QuotaExceeded` condition, no Cedar gate, and no output (the check precedes the gates);
 * - for a Ready one, every secret route (reference §2.3): the pod template references the Secret and
 *   key the declaration implies, the Secret the ESO stub synced holds that key, and templated content
 *   (mixed variable, file) equals the text around the base Secret's value.
 * - a LatticeJob: its phase, observedGeneration, compile failure message and leftovers (job-judge.ts);
 * - for a Ready LatticeService, what its main container declares (reference §2.3, §1.1 `variables` and
 *   `files`), as the container would see it: the environment and filesystem the kubelet builds from its
 *   Deployment's pod template and the ConfigMaps and Secrets in the reader (the kubelet stub's own
 *   resolution, container-env.ts / container-fs.ts). Every declared variable is set, a literal one
 *   (no `${`) to its declared value; every declared file is a regular file, a literal one (no `$`) with
 *   its declared content. A plain value written to a ConfigMap the container never reads, or a file
 *   mounted as a directory, is a problem.
 * - for a Ready one the oracle gives a `BilateralAgreement` expectation (topologies/oracle-bilateral.ts),
 *   its LatticeMeshMember's condition: the status, and when False every one-sided declaration named.
 */
import type { KubeObject, TypeRef } from '../../fake-apiserver/api/index.ts';
import type { LatticeMeshMember, LatticeService } from '../../platform/index.ts';
import { BILATERAL_AGREEMENT, LABEL_SERVICE_OWNER, LatticeMeshMemberType, LatticeServiceType } from '../../platform/index.ts';
import type { AdmissionRecord } from '../../reports/model.ts';
import type { ApplyFailure, ClusterReader } from '../cluster.ts';
import { CoreTypes, StubTypes } from '../stubs/third-party-crds.ts';
import { containerEnvironment } from '../stubs/kubelet/container-env.ts';
import { ContainerFs, normalizePath } from '../stubs/kubelet/container-fs.ts';
import type { ExpectedAdmission, ExpectedBilateralAgreement, ExpectedSecretUse } from './expected-admission.ts';
import { judgeJob } from './job-judge.ts';

/**
 * How soon a service revoked by a CedarPolicy change must turn Failed, in simulated ms after the last
 * CedarPolicy write: the service controller watches CedarPolicies and re-queues every service on a
 * change (reference §2.8), so the revocation lands within a watch delivery and a reconcile, well inside
 * the 60 s periodic Ready requeue that would otherwise hide a lost watch.
 */
export const REVOCATION_BOUND_MS = 20_000;

/**
 * Simulated ms from the newest CedarPolicy's creation (a revocation is a CedarPolicy applied late) to
 * the Ready=False transition of `obj`; undefined when either is unknown.
 * Timestamps are RFC 3339 at second precision, so the answer is a whole number of seconds.
 */
function revocationLatencyMs(reader: ClusterReader, obj: KubeObject): number | undefined {
  const failedAt = ((obj.status as { conditions?: { type: string; status: string; lastTransitionTime?: string }[] } | undefined)?.conditions ?? []).find(
    (c) => c.type === 'Ready' && c.status === 'False',
  )?.lastTransitionTime;
  const writes = reader
    .list({ apiVersion: 'lattice.dev/v1alpha1', kind: 'CedarPolicy' })
    .map((p) => p.metadata.creationTimestamp)
    .filter((t): t is string => typeof t === 'string')
    .map((t) => Date.parse(t));
  if (!failedAt || writes.length === 0) return undefined;
  return Date.parse(failedAt) - Math.max(...writes);
}

/** The reference's reason words (§3.3) for each denial cause. */
const CAUSE_TEXT = { forbidden: 'access explicitly forbidden by policy', 'no-permit': 'no permit policy for this service and resource' } as const;

/** Kinds a compiled LatticeService produces (reference §2.7) and the ESO / mesh objects it owns. */
const OWNED_KINDS = [
  CoreTypes.Deployment,
  CoreTypes.Service,
  CoreTypes.ServiceAccount,
  CoreTypes.ConfigMap,
  CoreTypes.Secret,
  CoreTypes.PersistentVolumeClaim,
  CoreTypes.PodDisruptionBudget,
  CoreTypes.Pod,
  StubTypes.ExternalSecret,
  StubTypes.ScaledObject,
  LatticeMeshMemberType,
];

type Json = Record<string, unknown>;

/** One denial as the platform wrote it (gate, resource uid, reason). */
interface ObservedDenial {
  gate: string;
  resource: string;
  reason: string;
}

const split = (key: string): { namespace: string; name: string } => ({ namespace: key.slice(0, key.indexOf('/')), name: key.slice(key.indexOf('/') + 1) });

/**
 * The denials a Failed object names: the `PolicyAuthorized` condition's items (platform
 * service-status.ts `denialConditionMessage`: `<Gate> denied: Service <ns>/<n> is not permitted to …
 * (…, <Lattice uid>): <reason>. <remedy>` per denial), or the mesh member's wildcard message items.
 */
function observedDenials(obj: LatticeService | LatticeMeshMember): { gate?: string; denials: ObservedDenial[] } {
  const status = obj.status ?? {};
  const authorized = (status.conditions ?? []).find((c) => c.type === 'PolicyAuthorized' && c.status === 'False');
  if (authorized?.reason?.endsWith('Denied')) {
    const denials = [...(authorized.message ?? '').matchAll(/^(\w+) denied: Service \S+ is not permitted .*? (Lattice::\w+::"[^"]*")\): (.*?)\. (?:No Cedar policy grants|It is forbidden by|A policy failed to evaluate|The volume's owner must consent first)/gm)].map((m) => ({
      gate: m[1],
      resource: m[2],
      reason: m[3].trim(),
    }));
    return { gate: authorized.reason.slice(0, -'Denied'.length), denials };
  }
  const message = status.message ?? '';
  const wildcard = [...message.matchAll(/Cedar policy denied .*? on (Mesh::"[^"]*")/g)].map((m) => ({ gate: 'AllowWildcard', resource: `Lattice::${m[1]}`, reason: '' }));
  return wildcard.length > 0 ? { gate: 'AllowWildcard', denials: wildcard } : { denials: [] };
}

const matchLabels = (selector: unknown): Record<string, string> => ((selector as { matchLabels?: Record<string, string> } | undefined)?.matchLabels ?? {});
/** True when a label map selects workload `name` by its name label or the escape hatch's `app` label (Cilium keys carry `k8s:`). */
const selectsName = (labels: Record<string, string>, name: string): boolean =>
  Object.entries(labels).some(([k, v]) => v === name && ['app.kubernetes.io/name', 'app'].includes(k.replace(/^k8s:/, '')));

/** Mesh policies in `namespace` selecting workload `name`: its CiliumNetworkPolicies and AuthorizationPolicies. */
function policiesSelecting(reader: ClusterReader, namespace: string, name: string): string[] {
  const out: string[] = [];
  for (const cnp of reader.list(StubTypes.CiliumNetworkPolicy, { namespace })) if (selectsName(matchLabels((cnp.spec as Json | undefined)?.endpointSelector), name)) out.push(`CiliumNetworkPolicy ${namespace}/${cnp.metadata.name}`);
  for (const ap of reader.list(StubTypes.AuthorizationPolicy, { namespace })) if (selectsName(matchLabels((ap.spec as Json | undefined)?.selector), name)) out.push(`AuthorizationPolicy ${namespace}/${ap.metadata.name}`);
  return out;
}

/** AuthorizationPolicies anywhere whose rules name principal `…/ns/<namespace>/sa/<account>` (reference §4.5a). */
function policiesNaming(reader: ClusterReader, namespace: string, account: string): string[] {
  const suffix = `/ns/${namespace}/sa/${account}`;
  return reader
    .list(StubTypes.AuthorizationPolicy)
    .filter((ap) => JSON.stringify((ap.spec as Json | undefined)?.rules ?? []).includes(`${suffix}"`))
    .map((ap) => `AuthorizationPolicy ${ap.metadata.namespace}/${ap.metadata.name} names ${suffix.slice(1)}`);
}

/** Every object a compile-denied LatticeService must not have (see the module comment), as `Kind ns/name`. */
export function leftoversOf(reader: ClusterReader, ls: Pick<LatticeService, 'metadata'>): string[] {
  const namespace = ls.metadata.namespace!;
  const name = ls.metadata.name;
  const out = new Set<string>();
  for (const type of OWNED_KINDS) {
    for (const o of reader.list(type, { namespace })) {
      const owned = (o.metadata.ownerReferences ?? []).some((r) => r.kind === 'LatticeService' && r.name === name);
      const labelled = o.metadata.labels?.[LABEL_SERVICE_OWNER] === name || (type === CoreTypes.Pod && o.metadata.labels?.['app.kubernetes.io/name'] === name);
      const named = o.metadata.name === name && type !== CoreTypes.ConfigMap && type !== CoreTypes.Secret && type !== CoreTypes.Pod;
      if (owned || labelled || named) out.add(`${o.kind} ${namespace}/${o.metadata.name}`);
    }
  }
  for (const p of [...policiesSelecting(reader, namespace, name), ...policiesNaming(reader, namespace, name)]) out.add(p);
  return [...out].sort();
}

const decode = (secret: KubeObject | undefined, key: string): string | undefined => {
  const data = (secret as { data?: Record<string, string> } | undefined)?.data?.[key];
  return data === undefined ? undefined : Buffer.from(data, 'base64').toString('utf8');
};

/**
 * Problems of one Ready service's secret wiring (reference §2.3 routes, see the module comment).
 * Input: the reader, the service key, its expected secret uses. Output: one sentence per problem.
 */
export function secretProblems(reader: ClusterReader, service: string, uses: readonly ExpectedSecretUse[]): string[] {
  if (uses.length === 0) return [];
  const { namespace, name } = split(service);
  const problems: string[] = [];
  const deployment = reader.list(CoreTypes.Deployment, { namespace }).find((d) => d.metadata.name === name);
  const pod = ((deployment?.spec as Json | undefined)?.template as Json | undefined)?.spec as { containers?: Json[]; volumes?: Json[] } | undefined;
  const main = pod?.containers?.find((c) => c.name === 'main') as { env?: Json[]; envFrom?: Json[]; volumeMounts?: Json[] } | undefined;
  if (!main) return [`secrets: Deployment ${service} has no main container to wire ${uses.length} secret(s) into`];
  const secrets = new Map(reader.list(CoreTypes.Secret, { namespace }).map((s) => [s.metadata.name, s]));
  const envFromSecrets = (main.envFrom ?? []).map((e) => (e.secretRef as { name?: string } | undefined)?.name).filter((n): n is string => n !== undefined);
  for (const use of uses) {
    const baseName = `${name}-${use.resource}`;
    const base = secrets.get(baseName);
    const where = `secret '${use.resource}' (route ${use.route})`;
    if (!base) {
      problems.push(`${where}: Secret ${namespace}/${baseName} was never synced`);
      continue;
    }
    if (((base as { type?: string }).type ?? 'Opaque') !== (use.secretType ?? 'Opaque')) problems.push(`${where}: Secret ${baseName} has type ${(base as { type?: string }).type}, declared ${use.secretType ?? 'Opaque'}`);
    const baseKeys = Object.keys((base as { data?: Json }).data ?? {});
    const missing = use.keys.filter((k) => !baseKeys.includes(k));
    if (missing.length > 0) problems.push(`${where}: Secret ${baseName} lacks declared key(s) ${missing.join(', ')}`);
    if (use.keys.length === 0 && baseKeys.length === 0) problems.push(`${where}: bulk Secret ${baseName} holds no key`);
    const expectedText = use.key !== undefined ? `${use.prefix ?? ''}${decode(base, use.key) ?? ''}${use.suffix ?? ''}` : '';
    switch (use.route) {
      case 'env': {
        const ref = (main.env ?? []).find((e) => e.name === use.target)?.valueFrom as { secretKeyRef?: { name?: string; key?: string } } | undefined;
        if (ref?.secretKeyRef?.name !== baseName || ref.secretKeyRef.key !== use.key) {
          problems.push(`${where}: variable ${use.target} should read secretKeyRef ${baseName}/${use.key}, found ${ref?.secretKeyRef ? `${ref.secretKeyRef.name}/${ref.secretKeyRef.key}` : 'none'}`);
        }
        break;
      }
      case 'env-mixed': {
        const holder = envFromSecrets.map((n) => secrets.get(n)).find((s) => decode(s, use.target) !== undefined);
        if (!holder) problems.push(`${where}: no envFrom Secret of the main container holds variable ${use.target}`);
        else if (decode(holder, use.target) !== expectedText) problems.push(`${where}: variable ${use.target} in Secret ${holder.metadata.name} does not hold the templated value of ${baseName}/${use.key}`);
        break;
      }
      case 'file': {
        const mount = (main.volumeMounts ?? []).find((m) => m.mountPath === use.target);
        const volume = pod?.volumes?.find((v) => v.name === mount?.name) as { secret?: { secretName?: string } } | undefined;
        const holder = volume?.secret?.secretName ? secrets.get(volume.secret.secretName) : undefined;
        const content = holder ? decode(holder, String(mount?.subPath ?? '')) : undefined;
        if (!mount || !volume?.secret) problems.push(`${where}: no secret volume is mounted at ${use.target}`);
        else if (content !== expectedText) problems.push(`${where}: file ${use.target} (Secret ${volume.secret.secretName}, key ${String(mount.subPath)}) does not hold the templated value of ${baseName}/${use.key}`);
        break;
      }
      case 'envFrom':
        if (!envFromSecrets.includes(baseName)) problems.push(`${where}: the main container has no envFrom secretRef ${baseName}`);
        break;
    }
  }
  return problems;
}

/** The declared part of a main container this judge reads (LatticeService v1beta1 `workload.containers.main`). */
interface DeclaredContainer {
  variables?: Record<string, unknown>;
  files?: Record<string, { content?: string; binaryContent?: string } | undefined>;
}

/**
 * Problems of what a Ready LatticeService's main container declares, as the container sees it (see
 * the module comment): every declared variable set (a literal one to its value), every declared file a
 * regular file (a literal one with its content). Resolved with the kubelet stub's environment and
 * filesystem over the Deployment's pod template and the reader's ConfigMaps and Secrets.
 * Input: the reader and the stored LatticeService. Output: one sentence per problem; none when the
 * container declares nothing. Never throws.
 */
export function declaredConfigProblems(reader: ClusterReader, ls: Pick<LatticeService, 'metadata' | 'spec'>): string[] {
  const declared = (ls.spec?.workload?.containers as Record<string, DeclaredContainer> | undefined)?.main;
  const variables = Object.keys(declared?.variables ?? {}).sort();
  const files = Object.keys(declared?.files ?? {}).sort();
  if (variables.length + files.length === 0) return [];
  const namespace = ls.metadata.namespace!;
  const name = ls.metadata.name;
  const template = (reader.list(CoreTypes.Deployment, { namespace }).find((d) => d.metadata.name === name)?.spec as Json | undefined)?.template as { spec?: { containers?: Json[] } } | undefined;
  const main = template?.spec?.containers?.find((c) => c.name === 'main');
  if (!main) return [`config: Deployment ${namespace}/${name} has no main container for its ${variables.length} variable(s) and ${files.length} file(s)`];
  const byName = (type: TypeRef) => new Map(reader.list(type, { namespace }).map((o) => [o.metadata.name, o]));
  const configMaps = byName(CoreTypes.ConfigMap);
  const secrets = byName(CoreTypes.Secret);
  const lookup = (kind: string, n: string): KubeObject | undefined => (kind === 'ConfigMap' ? configMaps.get(n) : kind === 'Secret' ? secrets.get(n) : undefined);
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace }, spec: template!.spec } as KubeObject;
  const problems: string[] = [];
  const env = containerEnvironment(main, name, false, { pod, lookup: (kind, ns, n) => (ns === namespace ? lookup(kind, n) : undefined), services: () => [] });
  for (const v of variables) {
    const want = String(declared!.variables![v]);
    const got = env.get(v);
    if (got === undefined || got === null) problems.push(`config: variable ${v} is not set in the main container`);
    else if (!want.includes('${') && got !== want) problems.push(`config: variable ${v} is ${JSON.stringify(got)} in the main container, declared ${JSON.stringify(want)}`);
  }
  if (files.length > 0) {
    const fs = new ContainerFs({ pod, lookup, token: () => undefined }, main, name, new Map());
    for (const path of files) {
      const node = fs.stat(normalizePath(path));
      const content = declared!.files![path]?.content;
      if (!node || node.dir) problems.push(`config: file ${path} is ${node ? 'a directory' : 'missing'} in the main container`);
      else if (content !== undefined && !content.includes('$') && node.data.toString('utf8') !== content) problems.push(`config: file ${path} in the main container does not hold its declared content`);
    }
  }
  return problems;
}

/**
 * Problems of a Ready service's `BilateralAgreement` condition (on its LatticeMeshMember `member`)
 * against the oracle's: the status, and when False the one-sided declarations its message lists
 * (`; `-separated sentences, compared as sorted lists). Output: one sentence per problem.
 */
export function bilateralAgreementProblems(member: LatticeMeshMember | undefined, want: ExpectedBilateralAgreement): string[] {
  const seen = ((member?.status?.conditions ?? []) as { type: string; status?: string; message?: string }[]).find((c) => c.type === BILATERAL_AGREEMENT);
  const describe = (status: string | undefined, oneSided: readonly string[]) => `${status ?? 'no condition'}${oneSided.length > 0 ? ` [${oneSided.join('; ')}]` : ''}`;
  const oneSided = seen?.status === 'False' ? (seen.message ?? '').split('; ').filter((m) => m !== '').sort() : [];
  if (seen?.status === want.status && JSON.stringify(oneSided) === JSON.stringify(want.oneSided)) return [];
  return [`${BILATERAL_AGREEMENT}: expected ${describe(want.status, want.oneSided)}, the LatticeMeshMember reports ${describe(seen?.status, oneSided)}`];
}

/** What the admission judge needs besides the reader. */
export interface AdmissionJudgeOptions {
  /** Objects the API server refused when the case was applied, with its answer. */
  refused?: readonly ApplyFailure[];
  /**
   * The cluster runs the platform's validating webhook (`validate.lattice.dev`; default true, as the
   * reference installs it): a service with an invalid field must be refused at the API; without it, it
   * must end Failed by the controller's re-validation naming the field.
   */
  validatingWebhook?: boolean;
}

/** Name of the platform's validating webhook, as refusals quote it. */
const WEBHOOK_NAME = 'validate.lattice.dev';

/**
 * Judges every expected admission against the cluster (see the module comment).
 * Input: the reader (after the case settled) and the oracle's expectations. Output: one record per
 * expectation, in its order; `problems` empty = as expected. Never throws.
 */
export function judgeAdmissions(reader: ClusterReader, expected: readonly ExpectedAdmission[], options: AdmissionJudgeOptions = {}): AdmissionRecord[] {
  const services = new Map(reader.list<LatticeService>(LatticeServiceType).map((o) => [`${o.metadata.namespace}/${o.metadata.name}`, o]));
  const members = new Map(reader.list<LatticeMeshMember>(LatticeMeshMemberType).map((o) => [`${o.metadata.namespace}/${o.metadata.name}`, o]));
  const refusals = new Map((options.refused ?? []).map((r) => [`${r.object.kind}/${r.object.metadata.namespace ?? 'default'}/${r.object.metadata.name}`, r.error.message]));
  const webhook = options.validatingWebhook ?? true;
  return expected.map((want): AdmissionRecord => {
    if (want.kind === 'LatticeJob') {
      const job = judgeJob(reader, want);
      return {
        service: want.service,
        kind: want.kind,
        expected: want.expected,
        observed: job.observed,
        ...(want.gate ? { expectedGate: want.gate, expectedResource: want.resource } : {}),
        ...(job.message ? { message: job.message } : {}),
        expectedReason: want.reason,
        problems: job.problems,
      };
    }
    const obj = want.kind === 'LatticeService' ? services.get(want.service) : members.get(want.service);
    const refusal = refusals.get(`${want.kind}/${want.service}`);
    const observed = obj ? (obj.status?.phase ?? 'Pending') : refusal ? 'refused' : 'absent';
    const seen = obj && observed === 'Failed' ? observedDenials(obj) : { denials: [] };
    const problems: string[] = [];
    if (want.refusedAtAdmission && webhook) {
      // The platform's validating webhook (failurePolicy Fail) refuses the object at the API: 403 naming the field.
      if (!refusal) problems.push(`expected the validating webhook to refuse it naming ${want.invalidField}, observed ${observed}${obj?.status?.message ? ` (${obj.status.message})` : ''}`);
      else if (!refusal.includes(`admission webhook "${WEBHOOK_NAME}" denied the request`) || !refusal.includes(want.invalidField ?? ''))
        problems.push(`expected a refusal by the validating webhook naming ${want.invalidField}, the API server answered: ${refusal}`);
    } else if (observed !== want.expected) problems.push(`expected ${want.expected}, observed ${observed}${obj?.status?.message ? ` (${obj.status.message})` : ''}`);
    if (want.invalidField && observed === 'Failed' && !(want.refusedAtAdmission && webhook)) {
      // Spec validation (reference service controller.rs:818-829): Ready/False/ValidationFailed naming the field, no gate asked.
      const ready = (obj?.status?.conditions ?? []).find((c) => c.type === 'Ready');
      if (ready?.reason !== 'ValidationFailed' || !(obj?.status?.message ?? '').includes(want.invalidField) || seen.gate)
        problems.push(`expected a spec validation failure naming ${want.invalidField}, the platform reports ${seen.gate ? `Cedar gate ${seen.gate}` : `${ready?.reason ?? 'no Ready condition'}: ${obj?.status?.message ?? ''}`}`);
    } else if (want.quotaExceeded && observed === 'Failed') {
      // The quota check (reference compiler.rs:430-438): the status message is the compile error, Compiled/False/QuotaExceeded, no gate asked.
      const compiled = (obj?.status?.conditions ?? []).find((c) => c.type === 'Compiled');
      if (obj?.status?.message !== want.quotaExceeded || compiled?.reason !== 'QuotaExceeded' || seen.gate)
        problems.push(`expected the quota refusal '${want.quotaExceeded}', the platform reports ${seen.gate ? `Cedar gate ${seen.gate}` : `${compiled?.reason ?? 'no Compiled condition'}: ${obj?.status?.message ?? ''}`}`);
    } else if (!want.invalidField && want.expected === 'Failed' && observed === 'Failed') {
      if (seen.gate !== want.gate) problems.push(`expected gate ${want.gate}, the platform names ${seen.gate ?? 'no Cedar gate'}`);
      const wanted = want.denials.map((d) => `${d.gate} ${d.resource}${d.gate === 'AllowWildcard' ? '' : `: ${d.cause === 'no-consent' ? d.reason : CAUSE_TEXT[d.cause]}`}`).sort();
      const got = seen.denials.map((d) => `${d.gate} ${d.resource}${d.gate === 'AllowWildcard' ? '' : `: ${d.reason}`}`).sort();
      if (seen.gate === want.gate && JSON.stringify(wanted) !== JSON.stringify(got)) problems.push(`expected denials [${wanted.join('; ')}], the platform reports [${got.join('; ')}]`);
    }
    if (want.expected === 'Failed' && obj) {
      const { namespace, name } = split(want.service);
      // Revoked after admission (reference §2.8 step 7): only its ExternalSecrets go; a mesh-member keeps its policies.
      const left = want.revoked
        ? want.gate === 'AllowWildcard'
          ? []
          : reader.list(StubTypes.ExternalSecret, { namespace }).filter((es) => es.metadata.labels?.[LABEL_SERVICE_OWNER] === name).map((es) => `ExternalSecret ${namespace}/${es.metadata.name}`)
        : want.gate === 'AllowWildcard'
          ? policiesSelecting(reader, namespace, name)
          : leftoversOf(reader, obj);
      if (left.length > 0) problems.push(`denied by ${want.gate}, yet has outputs: ${left.join(', ')}`);
      if (want.revoked && observed === 'Failed') {
        const late = revocationLatencyMs(reader, obj);
        if (late !== undefined && late > REVOCATION_BOUND_MS)
          problems.push(`revoked ${late / 1000}s after the newest CedarPolicy was created, later than ${REVOCATION_BOUND_MS / 1000}s: a CedarPolicy change must re-evaluate services at once (reference §2.8 watches), not at the next periodic requeue`);
      }
    }
    if (want.expected === 'Ready' && observed === 'Ready') problems.push(...secretProblems(reader, want.service, want.secrets));
    if (want.expected === 'Ready' && observed === 'Ready' && want.kind === 'LatticeService') problems.push(...declaredConfigProblems(reader, obj as LatticeService));
    if (want.bilateralAgreement && observed === 'Ready') problems.push(...bilateralAgreementProblems(members.get(want.service), want.bilateralAgreement));
    return {
      service: want.service,
      kind: want.kind,
      expected: want.expected,
      observed,
      ...(want.gate ? { expectedGate: want.gate, expectedResource: want.resource ?? want.invalidField } : {}),
      ...(seen.gate ? { observedGate: seen.gate } : {}),
      ...(obj?.status?.message ? { message: obj.status.message } : {}),
      expectedReason: want.reason,
      problems,
    };
  });
}
