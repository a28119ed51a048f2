/**
 * The admission oracle (DESIGN.md rule 1, issue 7): which services of a topology must end Ready and
 * which Failed, on which Cedar gate and resource, computed from the topology's declarations and its
 * drawn Cedar policy set ONLY, never from the platform's Cedar engine. Cedar is judged structurally
 * (reference §3.3): a statement applies when its action, principal and resource match and it is loaded
 * (its CedarPolicy is enabled) and evaluates (not `erroring`); a request is allowed iff no applying
 * forbid matches and some applying permit does (default deny, forbid overrides permit).
 *
 * Quota (reference crates/lattice-quota): a LatticeService whose own LatticeQuota is `capped` is Failed
 * `quota exceeded: …` after spec validation and before any gate, and nothing is compiled.
 *
 * Gates (reference §3.2, §3.4): the workload compiler runs its gates one after another, `AccessSecret`
 * (every secret, resource-key order), `AccessVolume`, `OverrideSecurity`, then `SkipImageVerification`
 * for an image the topology's enforcing ImageProvider covers and nobody signed; the first gate that denies anything fails
 * the LatticeService with `Authorized/False/<Gate>Denied`, reporting that gate's denials only, and
 * NOTHING is compiled (reference compiler.rs:441-502). Only when every compile gate passes does
 * the mesh-member controller ask `AllowWildcard` for wildcard inbound (`Mesh::"inbound"`) then
 * depends-all (`Mesh::"outbound"`), with principal `"<ns>/<serviceAccount>"`; a denial fails the
 * LatticeMeshMember (`Cedar policy denied …`) and so its LatticeService (`MeshMember failed: …`).
 *
 * A service expected Failed sends nothing through the mesh and, unless it is a wildcard-denied
 * non-ambient member, receives nothing (see {@link withAdmission}).
 */
import type { ExpectedAdmission, ExpectedDenial, ExpectedSecretUse } from '../harness/verifier/expected-admission.ts';
import type { ExpectedProbe } from '../harness/verifier/expected-probe.ts';
import { bilateralAgreementOracle } from './oracle-bilateral.ts';
import { oracle } from './oracle.ts';
import type { SecurityOverrideId, Topology, TopologyCedar, TopologyCedarStatement, TopologyGate, TopologyGateResource, TopologySecret, TopologyService } from './topology.ts';
import { ADMISSION_REFUSED_SPECS, AFTER_GATES_SPECS, JOB_RUN_SECONDS, jobTaskOf, INVALID_SPEC_FIELDS, SERVICE_CPU_REQUEST_MILLIS, SHARED_VOLUME_RESOURCE, UNSIGNED_SERVER_IMAGE, ingressGatewayNamespace, quotaCpuCap, serviceKey } from './topology.ts';

export type { ExpectedAdmission, ExpectedDenial, ExpectedSecretUse };

/** One Cedar request a topology's specs make (reference §3.2). `principal` is the principal uid id `"<ns>/<name>"`. */
export interface TopologyGateRequest {
  action: TopologyGate;
  principal: string;
  resource: TopologyGateResource;
  /** What the spec calls it: secret resource key, or the mesh direction. */
  subject: string;
  /** `compile` = asked by the workload compiler; `mesh` = by the mesh-member controller (after compile passed). */
  stage: 'compile' | 'mesh';
  /**
   * The principal's `kind` attribute (reference §3.1): `job` for the compile gates of a LatticeJob task
   * (the job compiler passes workload kind `job`), else `service` (LatticeServices, and every
   * mesh-member controller request, which reads only the LatticeMeshMember). Absent = `service`.
   */
  principalKind?: 'service' | 'job';
}

/** The `gate` of an expectation failed by spec validation (no Cedar gate is asked). */
export const VALIDATION_GATE = 'Validation';

/** The `gate` of an expectation failed by the compile-time quota check (no Cedar gate is asked). */
export const QUOTA_GATE = 'Quota';

/** How a failed expectation is named in probe reasons: `ValidationFailed`, `QuotaExceeded`, else `<Gate>Denied`. */
const failedBy = (a: ExpectedAdmission): string => (a.invalidField ? 'ValidationFailed' : a.quotaExceeded ? 'QuotaExceeded' : `${a.gate}Denied`);

/** The words the admission oracle uses. */
export const ADMISSION_REASONS = {
  ready: 'every Cedar gate the service meets is permitted',
  noGates: 'the service meets no Cedar gate',
  callerFailed: 'caller is expected Failed at admission: it sends nothing through the mesh',
  calleeFailed: 'callee is expected Failed at admission: nothing reaches it',
  gatewayAbsent: 'every service routing ingress in the namespace is expected Failed at admission: no ingress Gateway, so no gateway proxy runs',
} as const;

/** The ServiceAccount a service's pods run as (the AllowWildcard principal name): `serviceAccount`, else its name. */
export const accountOf = (s: TopologyService): string => s.serviceAccount ?? s.name;

/** `Lattice::SecretPath::"<provider>:<path>"` / `Lattice::Mesh::"<id>"` (reference §3.1 uids). */
export function gateResourceUid(r: TopologyGateResource): string {
  if (r.type === 'SecretPath') return `Lattice::SecretPath::${JSON.stringify(`${r.provider}:${r.path}`)}`;
  return `Lattice::${r.type}::${JSON.stringify(r.id)}`;
}

/** The SecurityOverride resource of an override id (reference §3.2 categories). */
export const securityOverrideResource = (id: SecurityOverrideId): TopologyGateResource => ({ type: 'SecurityOverride', id, category: id.startsWith('capability:') ? 'capability' : 'container' });

/** The ImageRef resource of the server image when the topology's ImageProvider enforces trust over it. */
export const unsignedImageResource = (): TopologyGateResource => ({ type: 'ImageRef', id: UNSIGNED_SERVER_IMAGE.image, registry: UNSIGNED_SERVER_IMAGE.registry, name: UNSIGNED_SERVER_IMAGE.name, tag: UNSIGNED_SERVER_IMAGE.tag });

/** Secrets of a service sorted by resource key, as the compiler asks them (reference §3.2: resource-name order). */
export function sortedSecrets(s: TopologyService): TopologySecret[] {
  return [...(s.secrets ?? [])].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Every gate request of one service, in the order the platform asks them: AccessSecret per secret, then
 * AccessVolume, OverrideSecurity per override, then SkipImageVerification for an unsigned image
 * (LatticeServices only; a mesh-member has no workload spec), then AllowWildcard `inbound` (wildcard
 * inbound) and `outbound` (depends-all). Never throws.
 */
export function serviceGateRequests(s: TopologyService): TopologyGateRequest[] {
  const out: TopologyGateRequest[] = [];
  const key = serviceKey(s);
  if (s.kind !== 'mesh-member') {
    const kind = s.kind === 'job' ? ({ principalKind: 'job' } as const) : {};
    for (const secret of sortedSecrets(s)) {
      out.push({ action: 'AccessSecret', principal: key, resource: { type: 'SecretPath', provider: secret.provider, path: secret.path }, subject: secret.name, stage: 'compile', ...kind });
    }
    if (s.volumeRef) out.push({ action: 'AccessVolume', principal: key, resource: { type: 'Volume', id: `${s.namespace}/${s.volumeRef}` }, subject: SHARED_VOLUME_RESOURCE, stage: 'compile', ...kind });
    for (const id of s.securityOverrides ?? []) out.push({ action: 'OverrideSecurity', principal: key, resource: securityOverrideResource(id), subject: id, stage: 'compile', ...kind });
    if (s.unsignedImage) out.push({ action: 'SkipImageVerification', principal: key, resource: unsignedImageResource(), subject: UNSIGNED_SERVER_IMAGE.image, stage: 'compile', ...kind });
  }
  const principal = `${s.namespace}/${accountOf(s)}`;
  if (s.wildcardInbound) out.push({ action: 'AllowWildcard', principal, resource: { type: 'Mesh', id: 'inbound' }, subject: 'inbound', stage: 'mesh' });
  if (s.dependsAll) out.push({ action: 'AllowWildcard', principal, resource: { type: 'Mesh', id: 'outbound' }, subject: 'outbound', stage: 'mesh' });
  return out;
}

/** Every gate request of a topology, service by service. */
export function topologyGateRequests(t: Pick<Topology, 'services'>): TopologyGateRequest[] {
  return t.services.flatMap(serviceGateRequests);
}

const sameResource = (a: TopologyGateResource, b: TopologyGateResource): boolean =>
  a.type === 'SecretPath' ? b.type === 'SecretPath' && a.provider === b.provider && a.path === b.path : b.type === a.type && a.id === b.id;

/**
 * True when `statement` (if loaded and evaluating) matches `request`: same action, principal and
 * resource (structural, reference §3.1). A statement written on attributes or namespace-wide also
 * requires `principal.kind == "service"` (admission-render.ts writes it), so it never matches a job's
 * compile gate (principal kind `job`).
 */
export function statementMatches(statement: TopologyCedarStatement, request: Pick<TopologyGateRequest, 'action' | 'principal' | 'resource' | 'principalKind'>): boolean {
  if (statement.action !== request.action) return false;
  const p = statement.principal;
  if ((request.principalKind ?? 'service') !== 'service' && !('key' in p && statement.style === 'uid')) return false;
  if ('key' in p ? p.key !== request.principal : !request.principal.startsWith(`${p.namespace}/`)) return false;
  const r = statement.resource;
  if ('exact' in r) return sameResource(r.exact, request.resource);
  return request.resource.type === 'SecretPath' && request.resource.provider === r.provider && request.resource.path.startsWith(r.pathPrefix);
}

/**
 * The decision for one request (reference §3.3): `allow`, or the cause of the denial. `cedar`
 * absent = the implicit permit-everything-needed set (allow). Statements of disabled CedarPolicies and
 * erroring statements never apply (Cedar skips a policy whose evaluation errors: it neither permits nor
 * forbids). Never throws.
 */
export function decideGate(cedar: TopologyCedar | undefined, request: Pick<TopologyGateRequest, 'action' | 'principal' | 'resource' | 'principalKind'>): 'allow' | ExpectedDenial['cause'] {
  if (!cedar) return 'allow';
  const applying = cedar.policies.filter((p) => p.enabled).flatMap((p) => p.statements.filter((s) => !s.erroring && statementMatches(s, request)));
  if (applying.some((s) => s.effect === 'forbid')) return 'forbidden';
  return applying.some((s) => s.effect === 'permit') ? 'allow' : 'no-permit';
}

/**
 * The owner-consent layer of an AccessVolume request (reference authorization/volumes.rs:69-127,
 * platform-fidelity.md row "Shared volume reference"): the owner is the LatticeService of the volume's
 * namespace that owns that id (any phase: the platform indexes every spec); it must list the consumer's
 * name in `consumers` (same namespace). Output: `undefined` when consent is given, else the platform's
 * reason text (`not in allowedConsumers of volume '<id>' owned by '<ns>/<owner>'`, or `no owner found
 * for volume '<id>' in namespace '<ns>' (owner service may not exist or hasn't declared size)`).
 */
export function volumeConsentText(t: { services: readonly TopologyService[] }, r: Pick<TopologyGateRequest, 'principal' | 'resource'>): string | undefined {
  if (r.resource.type !== 'Volume') return undefined;
  const [ns, id] = [r.resource.id.slice(0, r.resource.id.indexOf('/')), r.resource.id.slice(r.resource.id.indexOf('/') + 1)];
  const owner = [...t.services].reverse().find((o) => o.kind !== 'mesh-member' && o.namespace === ns && o.sharedVolume?.id === id);
  if (!owner) return `no owner found for volume '${id}' in namespace '${ns}' (owner service may not exist or hasn't declared size)`;
  const name = r.principal.slice(r.principal.indexOf('/') + 1);
  return owner.sharedVolume!.consumers.includes(name) ? undefined : `not in allowedConsumers of volume '${id}' owned by '${ns}/${owner.name}'`;
}

/**
 * The decision for one request as the platform takes it: {@link decideGate} for every gate but
 * AccessVolume, which is owner consent ({@link volumeConsentText}, `no-consent`) and then Cedar in
 * permissive mode (only a matching forbid denies; no permit is needed). Never throws.
 */
export function requestDecision(t: { services: readonly TopologyService[] }, cedar: TopologyCedar | undefined, r: Pick<TopologyGateRequest, 'action' | 'principal' | 'resource' | 'principalKind'>): 'allow' | ExpectedDenial['cause'] {
  if (r.action !== 'AccessVolume') return decideGate(cedar, r);
  if (volumeConsentText(t, r) !== undefined) return 'no-consent';
  return decideGate(cedar, r) === 'forbidden' ? 'forbidden' : 'allow';
}

/** The origin tag of the statements drawn for `request` (`<principal>|<action>|<subject>`). */
export const requestOrigin = (request: Pick<TopologyGateRequest, 'principal' | 'action' | 'subject'>): string => `${request.principal}|${request.action}|${request.subject}`;

/** How far a topology's secrets and Cedar policy set are from the simplest (compared in this field order, after the declarations). */
export interface AdmissionSize {
  /** Secrets, security overrides, shared volumes (owned or referenced; a refused reference counts twice) and unsigned images over all services. */
  secrets: number;
  /** 1 when the policy set is drawn empty although some gate is met. */
  cedarEmpty: number;
  /** How far each gate request's own statements are from exactly one loaded, evaluating permit (denied, forbidden, decorated, revoked …), summed. */
  cedarDeviations: number;
  /** How broadly the statements are written: 0 for uid scope, 1 attributes, 2 namespace-wide principal or path prefix, summed. */
  cedarForms: number;
  /** LatticeServices rendered with an invalid field (`invalidSpec`). */
  invalidSpecs: number;
}

/**
 * The shrinking measure of secrets and Cedar (see {@link AdmissionSize}): every shrink of the secret and
 * policy draws (fewer secrets; a verdict back to a plain permit; a statement back to uid scope; an
 * empty set back to drawn) lowers it. Never throws.
 */
export function admissionSize(t: Topology): AdmissionSize {
  // A shared volume counts 1 (owned or referenced), plus 1 for a reference its owner refuses, so that
  // granting consent or dropping a volume is always a smaller topology.
  const refused = (s: TopologyService): number => (s.volumeRef && volumeConsentText(t, { principal: serviceKey(s), resource: { type: 'Volume', id: `${s.namespace}/${s.volumeRef}` } }) !== undefined ? 1 : 0);
  const secrets = t.services.reduce((n, s) => n + (s.secrets?.length ?? 0) + (s.securityOverrides?.length ?? 0) + (s.sharedVolume ? 1 : 0) + (s.volumeRef ? 1 + refused(s) : 0) + (s.unsignedImage ? 1 : 0), 0);
  const invalidSpecs = t.services.filter((s) => s.invalidSpec !== undefined).length;
  if (!t.cedar) return { secrets, cedarEmpty: 0, cedarDeviations: 0, cedarForms: 0, invalidSpecs };
  const requests = topologyGateRequests(t);
  const own = new Map<string, { statement: TopologyCedarStatement; enabled: boolean }[]>();
  for (const p of t.cedar.policies) for (const statement of p.statements) if (statement.origin) own.set(statement.origin, [...(own.get(statement.origin) ?? []), { statement, enabled: p.enabled }]);
  let deviations = 0;
  let forms = 0;
  for (const r of requests) {
    // Own statements beyond one loaded, evaluating permit: 0 for exactly that, else the statements
    // there are, plus one when none of them is such a permit (a missing permit counts 1).
    const mine = own.get(requestOrigin(r)) ?? [];
    const permitted = mine.some((m) => m.enabled && m.statement.effect === 'permit' && !m.statement.erroring);
    deviations += mine.length + (permitted ? -1 : 1);
  }
  for (const p of t.cedar.policies) {
    for (const st of p.statements) forms += 'namespace' in st.principal || !('exact' in st.resource) ? 2 : st.style === 'attributes' ? 1 : 0;
  }
  return { secrets, cedarEmpty: requests.length > 0 && t.cedar.policies.length === 0 ? 1 : 0, cedarDeviations: deviations, cedarForms: forms, invalidSpecs };
}

/** One line for a secret: `<name> <provider>:<path> keys=<k,…|bulk> route=<route>[ type=<secretType>]` (reports, counterexamples). */
export function describeSecret(secret: TopologySecret): string {
  return `${secret.name} ${secret.provider}:${secret.path} keys=${secret.keys.length > 0 ? secret.keys.join(',') : 'bulk'} route=${secret.route}${secret.secretType ? ` type=${secret.secretType}` : ''}`;
}

/**
 * The policy set in words, one line per statement (`<policy>[ (disabled)]: <id> <effect> <action>
 * <principal> on <resource> [<style>][ erroring]`), or one line saying it is empty; `[]` when absent.
 */
export function describeCedar(cedar: TopologyCedar | undefined): string[] {
  if (!cedar) return [];
  if (cedar.policies.length === 0) return ['(no CedarPolicy at all: every gate request is denied)'];
  return cedar.policies.flatMap((p) =>
    p.statements.map((st) => {
      const principal = 'key' in st.principal ? `Lattice::Service::${JSON.stringify(st.principal.key)}` : `principal.namespace == ${JSON.stringify(st.principal.namespace)}`;
      const resource = 'exact' in st.resource ? gateResourceUid(st.resource.exact) : `SecretPath ${st.resource.provider}:${st.resource.pathPrefix}*`;
      return `${p.name}${p.enabled ? '' : ' (disabled)'}${p.appliedAtMs ? ` (applied at +${p.appliedAtMs}ms)` : ''}: ${st.id} ${st.effect} ${st.action} ${principal} on ${resource} [${st.style}]${st.erroring ? ' erroring' : ''}`;
    }),
  );
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * The invariants of a topology's secrets and Cedar set: secret names are unique DNS labels per service
 * and only on LatticeServices; each names a declared SecretProvider; keys are declared unless the route
 * is `envFrom` (bulk); statement ids are unique; an invalid field is a known one, on a LatticeService
 * (`port-name` on a server). Output: one message per problem (`[]` = valid).
 */
export function admissionProblems(t: Topology): string[] {
  const problems: string[] = [];
  const providers = new Set((t.secretProviders ?? []).map((p) => p.name));
  for (const s of t.services) {
    const key = serviceKey(s);
    const names = new Set<string>();
    if (s.kind === 'mesh-member' && (s.secrets?.length ?? 0) + (s.securityOverrides?.length ?? 0) > 0) problems.push(`${key}: a mesh-member has no workload spec, so no secrets or security overrides`);
    if (new Set(s.securityOverrides ?? []).size !== (s.securityOverrides ?? []).length) problems.push(`${key}: duplicate security overrides`);
    if (s.kind === 'mesh-member' && (s.sharedVolume || s.volumeRef)) problems.push(`${key}: a mesh-member has no workload spec, so no shared volume`);
    if (s.sharedVolume && s.volumeRef) problems.push(`${key}: owns and references a shared volume at once (one resource key)`);
    if (s.sharedVolume && t.services.some((o) => o !== s && o.namespace === s.namespace && o.sharedVolume?.id === s.sharedVolume!.id)) problems.push(`${key}: shared volume ${s.sharedVolume.id} has two owners in ${s.namespace}`);
    if (s.invalidSpec !== undefined && !(s.invalidSpec in INVALID_SPEC_FIELDS)) problems.push(`${key}: unknown invalid field ${JSON.stringify(s.invalidSpec)}`);
    if (s.invalidSpec !== undefined && s.kind === 'mesh-member') problems.push(`${key}: an invalid field is rendered into a LatticeService spec, not a mesh-member`);
    if (s.invalidSpec === 'port-name' && s.ports.length === 0) problems.push(`${key}: an invalid port name needs a port`);
    if (s.quota !== undefined && s.kind === 'mesh-member') problems.push(`${key}: a mesh-member has no workload spec, so no quota`);
    if (s.unsignedImage && (!t.imageTrust || s.kind === 'mesh-member' || s.ports.length === 0)) problems.push(`${key}: an unsigned image needs the topology's ImageProvider (imageTrust) and a server LatticeService (the server image)`);
    for (const secret of s.secrets ?? []) {
      if (!DNS_LABEL.test(secret.name) || names.has(secret.name)) problems.push(`${key}: secret name ${JSON.stringify(secret.name)} must be a unique DNS label`);
      names.add(secret.name);
      if (!providers.has(secret.provider)) problems.push(`${key}: secret ${secret.name} names provider ${secret.provider}, which is not among secretProviders`);
      if (secret.keys.length === 0 && secret.route !== 'envFrom') problems.push(`${key}: secret ${secret.name} declares no keys but route ${secret.route} references one`);
      if (secret.path === '') problems.push(`${key}: secret ${secret.name} needs a remote path (id)`);
    }
  }
  const ids = new Set<string>();
  for (const p of t.cedar?.policies ?? []) {
    for (const st of p.statements) {
      if (ids.has(st.id)) problems.push(`cedar: duplicate statement id ${st.id}`);
      ids.add(st.id);
    }
  }
  return problems;
}

const envName = (text: string): string => text.toUpperCase().replace(/[^A-Z0-9]/g, '_');

/**
 * How a service's main container consumes `secret` (the rendering convention render.ts writes, routes of
 * reference §2.3): `env` → variable `<R>_<K>` = `${secret.R.K}`; `env-mixed` → variable `<R>_URL` =
 * `https://<R>:${secret.R.K}@<R>.example.internal`; `file` → file `/etc/secrets/<R>` with content
 * `<K>=${secret.R.K}\n`; `envFrom` → `envFrom: [R]`. K = the first declared key. Never throws.
 */
export function secretUse(secret: TopologySecret): ExpectedSecretUse {
  const R = secret.name;
  const K = secret.keys[0];
  const base = { resource: R, route: secret.route, keys: [...secret.keys], ...(secret.secretType ? { secretType: secret.secretType } : {}) };
  switch (secret.route) {
    case 'env':
      return { ...base, target: `${envName(R)}_${envName(K)}`, key: K };
    case 'env-mixed':
      return { ...base, target: `${envName(R)}_URL`, key: K, prefix: `https://${R}:`, suffix: `@${R}.example.internal` };
    case 'file':
      return { ...base, target: `/etc/secrets/${R}`, key: K, prefix: `${K}=`, suffix: '\n' };
    case 'envFrom':
      return { ...base, target: R };
  }
}

/** The spec text of a secret use: a variable value or file content with its `${secret.R.K}` reference (render.ts writes it). */
export function secretUseText(use: ExpectedSecretUse): string {
  return `${use.prefix ?? ''}\${secret.${use.resource}.${use.key}}${use.suffix ?? ''}`;
}

/** The policy set as first applied: without the CedarPolicies applied late (`appliedAtMs`). */
export const initialCedar = (cedar: TopologyCedar | undefined): TopologyCedar | undefined => (cedar ? { policies: cedar.policies.filter((p) => !p.appliedAtMs) } : undefined);

/**
 * The expected admission of every service, in topology order (see the module comment for the rules).
 * A service the initial policies admit but the final ones deny (a CedarPolicy applied late) is
 * `revoked`: Failed on the same gate, keeping its outputs but its ExternalSecrets (reference §2.8 step 7).
 * A Ready service also carries the `BilateralAgreement` condition its LatticeMeshMember must show
 * (oracle-bilateral.ts: the one-sided declarations involving it).
 * Input: a valid Topology. Output: one {@link ExpectedAdmission} per service. Never throws.
 */
export function admissionOracle(t: Topology): ExpectedAdmission[] {
  const jobs = jobAdmissions(t, gateAdmissions(t));
  const agreements = bilateralAgreementOracle(t, jobs.perService);
  return jobs.admissions.map((a) => (a.expected === 'Ready' && agreements.has(a.service) ? { ...a, bilateralAgreement: agreements.get(a.service)! } : a));
}

/** The reference's words (§3.4) a job's compile failure message carries per denied gate, before the subject. */
const JOB_DENIAL_TEXT: Partial<Record<TopologyGate, string>> = {
  AccessSecret: 'secret access denied',
  AccessVolume: 'volume access denied',
  OverrideSecurity: 'security override denied',
  SkipImageVerification: 'image verification denied',
};
/** The reason words (§3.3) of a denial cause, as the platform prints them. */
const JOB_CAUSE_TEXT = { forbidden: 'access explicitly forbidden by policy', 'no-permit': 'no permit policy for this service and resource' } as const;

/**
 * The LatticeJobs of `t` judged from their tasks' gate verdicts (`perTask` = {@link gateAdmissions}, a
 * job task's entry being its generated LatticeMeshMember's). The job compiler compiles the tasks in name
 * order and stops at the first a compile gate denies (reference crates/lattice-job compiler.rs): the
 * LatticeJob is Failed with `Failed to compile job: compilation failed for task '<t>': <that task's
 * gate denials>` and nothing of any task exists (no mesh member, no pod: every task sends nothing).
 * Otherwise it is Running (`Job running`: its workers run for {@link JOB_RUN_SECONDS}) and each task's
 * mesh member is judged as a hand-written one (AllowWildcard, BilateralAgreement).
 * Output: `admissions` = the expectations in topology order, a job's own at its first task, followed by
 * its tasks' mesh members when it runs; `perService` = one entry per service key (a failed job's tasks
 * as Failed on its gate), what the bilateral oracle and {@link withAdmission} read.
 */
function jobAdmissions(t: Topology, perTask: ExpectedAdmission[]): { admissions: ExpectedAdmission[]; perService: ExpectedAdmission[] } {
  if (!t.services.some((s) => s.kind === 'job')) return { admissions: perTask, perService: perTask };
  const jobKey = (s: TopologyService): string => `${s.namespace}/${s.jobName}`;
  const tasksOf = new Map<string, { task: string; index: number }[]>();
  t.services.forEach((s, index) => {
    const task = jobTaskOf(s);
    if (task !== undefined) tasksOf.set(jobKey(s), [...(tasksOf.get(jobKey(s)) ?? []), { task, index }]);
  });
  const jobFailure = new Map<string, { task: string; a: ExpectedAdmission }>();
  for (const [key, tasks] of tasksOf) {
    const first = [...tasks].sort((x, y) => (x.task < y.task ? -1 : x.task > y.task ? 1 : 0)).find(({ index }) => perTask[index].expected === 'Failed' && perTask[index].gate !== 'AllowWildcard');
    if (first) jobFailure.set(key, { task: first.task, a: perTask[first.index] });
  }
  const admissions: ExpectedAdmission[] = [];
  const perService: ExpectedAdmission[] = [];
  const emitted = new Set<string>();
  t.services.forEach((s, i) => {
    if (s.kind !== 'job') {
      admissions.push(perTask[i]);
      perService.push(perTask[i]);
      return;
    }
    const key = jobKey(s);
    const failed = jobFailure.get(key);
    perService.push(failed ? { ...failed.a, service: serviceKey(s), revoked: undefined } : perTask[i]);
    if (!emitted.has(key)) {
      emitted.add(key);
      const tasks = tasksOf.get(key)!.map(({ index }) => serviceKey(t.services[index]));
      if (failed) {
        const { a, task } = failed;
        admissions.push({
          service: key,
          kind: 'LatticeJob',
          expected: 'Failed',
          gate: a.gate,
          resource: a.resource,
          denials: a.denials,
          tasks,
          jobMessage: {
            prefix: `Failed to compile job: compilation failed for task '${task}': `,
            includes: a.denials.flatMap((d) => [`${JOB_DENIAL_TEXT[d.gate as TopologyGate] ?? d.gate}: '${d.subject}'`, d.cause === 'no-consent' ? d.reason! : JOB_CAUSE_TEXT[d.cause]]),
          },
          reason: `task '${task}' (the first in name order a compile gate denies): ${a.reason}; the job compiler stops there and submits nothing`,
          secrets: [],
        });
      } else admissions.push({ service: key, kind: 'LatticeJob', expected: 'Running', denials: [], tasks, reason: `every task passes its compile gates: Volcano runs its workers (${JOB_RUN_SECONDS} s)`, secrets: [] });
    }
    if (!failed) admissions.push(perTask[i]);
  });
  return { admissions, perService };
}

/** {@link admissionOracle} without the `BilateralAgreement` expectations. */
function gateAdmissions(t: Topology): ExpectedAdmission[] {
  const initial = initialCedar(t.cedar);
  return t.services.map((s): ExpectedAdmission => {
    const requests = serviceGateRequests(s);
    // A job task's own object is its generated LatticeMeshMember (jobAdmissions adds the LatticeJob's expectation).
    const kind = s.kind === 'mesh-member' || s.kind === 'job' ? 'LatticeMeshMember' : 'LatticeService';
    // Spec validation runs before every gate (reference service controller.rs:818-829): an invalid
    // field fails the service whatever Cedar says, and nothing is compiled. A field the compiler checks
    // only after the compile-stage gates (AFTER_GATES_SPECS: the VMServiceScrape phase) yields to a gate
    // that denies, now or after a late CedarPolicy.
    // Quota (reference crates/lattice-workload compiler.rs:430-438): after spec validation, before every
    // Cedar gate; a `capped` quota refuses any demand, whatever Cedar would say and whatever field the
    // compiler checks after the gates.
    const validatedFirst = s.invalidSpec !== undefined && kind === 'LatticeService' && !AFTER_GATES_SPECS.includes(s.invalidSpec);
    if (s.quota === 'capped' && kind === 'LatticeService' && !validatedFirst) {
      const demand = `${SERVICE_CPU_REQUEST_MILLIS * (s.replicas ?? 1)}m`;
      const cap = quotaCpuCap(s);
      return {
        service: serviceKey(s),
        kind,
        expected: 'Failed',
        gate: QUOTA_GATE,
        quotaExceeded: `quota exceeded: cpu (${demand}) exceeds per-workload cap (${cap})`,
        denials: [],
        reason: `its LatticeQuota caps each workload at ${cap} cpu, 1m below its ${demand} request (every replica counts): the compiler refuses it before any Cedar gate`,
        secrets: [],
      };
    }
    const gateFirst =
      s.invalidSpec !== undefined &&
      AFTER_GATES_SPECS.includes(s.invalidSpec) &&
      requests.some((r) => r.stage === 'compile' && (requestDecision(t, initial, r) !== 'allow' || requestDecision(t, t.cedar, r) !== 'allow'));
    if (s.invalidSpec && kind === 'LatticeService' && !gateFirst) {
      const field = INVALID_SPEC_FIELDS[s.invalidSpec];
      const atAdmission = ADMISSION_REFUSED_SPECS.includes(s.invalidSpec);
      const where = atAdmission
        ? "the platform's validating webhook refuses it at the API"
        : AFTER_GATES_SPECS.includes(s.invalidSpec)
          ? 'the compiler fails it once the gates passed'
          : 'the controller fails it before any gate';
      return {
        service: serviceKey(s),
        kind,
        expected: 'Failed',
        gate: VALIDATION_GATE,
        invalidField: field,
        ...(atAdmission ? { refusedAtAdmission: true } : {}),
        denials: [],
        reason: `spec validation refuses ${field} (${s.invalidSpec}): ${where}`,
        secrets: [],
      };
    }
    // A job is compiled once, when submitted: a CedarPolicy applied later never reaches its compile gates.
    const job = s.kind === 'job';
    const admittedAtFirst = requests.every((r) => requestDecision(t, initial, r) === 'allow');
    for (const stage of ['compile', 'mesh'] as const) {
      let denials: ExpectedDenial[] = [];
      for (const r of requests.filter((q) => q.stage === stage)) {
        const decision = requestDecision(t, job && stage === 'compile' ? initial : t.cedar, r);
        if (decision === 'no-consent') denials.push({ gate: r.action, resource: gateResourceUid(r.resource), subject: r.subject, cause: decision, reason: volumeConsentText(t, r)! });
        else if (decision !== 'allow') denials.push({ gate: r.action, resource: gateResourceUid(r.resource), subject: r.subject, cause: decision });
      }
      // The compile gates run one after another and the first that denies aborts (reference
      // compiler.rs:441-502): only that gate's denials are reported.
      if (stage === 'compile' && denials.length > 0) denials = denials.filter((d) => d.gate === denials[0].gate);
      if (denials.length > 0) {
        const first = denials[0];
        const why = denials.map((d) => `${d.gate} ${d.resource} ${d.cause === 'forbidden' ? 'forbidden' : d.cause === 'no-consent' ? `refused by its owner (${d.reason})` : 'not permitted'}`).join('; ');
        const when = admittedAtFirst ? ' (revoked by a CedarPolicy applied after it was admitted)' : '';
        return {
          service: serviceKey(s),
          kind,
          expected: 'Failed',
          gate: first.gate,
          resource: first.resource,
          denials,
          ...(admittedAtFirst ? { revoked: true } : {}),
          reason: `Cedar ${stage === 'compile' ? 'compile' : 'mesh-member'} gate denies: ${why}${when}`,
          secrets: [],
        };
      }
    }
    // A job task's secret uses are not judged (its pods come from a Volcano Job, not a Deployment).
    const secrets = s.kind === 'mesh-member' || s.kind === 'job' ? [] : sortedSecrets(s).map(secretUse);
    return { service: serviceKey(s), kind, expected: 'Ready', denials: [], reason: requests.length > 0 ? ADMISSION_REASONS.ready : ADMISSION_REASONS.noGates, secrets };
  });
}

/**
 * Combines traffic expectations with admission (reference §2.8, §3.4, §4.6, §4.8, §4.11): a probe from a
 * service expected Failed is expected `deny` (compile-denied: no pod; wildcard-denied: no
 * CiliumNetworkPolicy of its own, so the cluster `default-deny` egress allows only DNS to
 * kubernetes.default and the API server); a probe to a compile-denied service is `deny` (no Service, no
 * pod); a probe to a wildcard-denied ambient service is `deny` (ztunnel captures it and the mesh-wide
 * allow-nothing applies, no ALLOW policy was written for it). A wildcard-denied NON-ambient member is
 * different: it has no CiliumNetworkPolicy and `default-deny` has no ingress section, so Cilium does
 * not isolate its ingress (reference §4.8, kept by the platform): whoever's own policy lets it reach the
 * member's pods does, so its probes keep the traffic oracle's verdict. The caller's failure wins. A
 * probe from a namespace's ingress gateway proxy is `deny` when no service routing ingress in that
 * namespace is admitted (no member registers the Gateway, so Istio runs no proxy).
 * Input: expected probes (any oracle's) of `t` and the admissions of `t`. Output: a new list, same order.
 */
export function withAdmission(expected: readonly ExpectedProbe[], t: Pick<Topology, 'services'>, admissions: readonly ExpectedAdmission[] = admissionOracle(t as Topology)): ExpectedProbe[] {
  // A revoked service keeps running with its policies (reference §2.8 step 7): its traffic is the traffic oracle's.
  // A Failed LatticeJob runs none of its tasks.
  const failed = new Map(
    admissions.filter((a) => a.expected === 'Failed' && !a.revoked).flatMap((a) => (a.kind === 'LatticeJob' ? (a.tasks ?? []).map((k): [string, ExpectedAdmission] => [k, a]) : [[a.service, a] as [string, ExpectedAdmission]])),
  );
  if (failed.size === 0) return [...expected];
  const byKey = new Map(t.services.map((s) => [serviceKey(s), s]));
  // A namespace's ingress Gateway (and so its proxy) exists once one service routing ingress is admitted.
  const gatewayRuns = new Set(t.services.filter((s) => s.ingress && !failed.has(serviceKey(s))).map((s) => s.namespace));
  return expected.map((p) => {
    const from = failed.get(p.from);
    const to = failed.get(p.to);
    const gateway = ingressGatewayNamespace(p.from);
    if (gateway !== undefined && !byKey.has(p.from) && !gatewayRuns.has(gateway)) return { ...p, expected: 'deny', reason: ADMISSION_REASONS.gatewayAbsent };
    if (from) return { ...p, expected: 'deny', reason: `${ADMISSION_REASONS.callerFailed} (${failedBy(from)})` };
    if (to && !(to.gate === 'AllowWildcard' && byKey.get(p.to)?.ambient === false)) return { ...p, expected: 'deny', reason: `${ADMISSION_REASONS.calleeFailed} (${failedBy(to)})` };
    return p;
  });
}

/** The traffic oracle of `topology.probes` combined with its admission oracle (what random enforcement judges). */
export function expectedProbesWithAdmission(t: Topology): ExpectedProbe[] {
  return withAdmission(oracle(t), t);
}
