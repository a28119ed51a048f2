/**
 * Secret and Cedar draws of a random topology (issue 7): per slot, 0..3 secrets (provider, keys, route,
 * secret type) each with the Cedar verdict of its AccessSecret request, and the verdicts of the slot's
 * AllowWildcard requests (inbound, outbound); per topology, whether the policy set is empty. Verdicts
 * and statement forms shrink towards "one plain permit per request" (STYLE.md rule 15: `fc.oneof` with
 * cross-shrinking towards its first branch), secrets towards fewer; names, providers, keys and routes
 * never shrink.
 */
import fc from 'fast-check';
import { requestDecision, requestOrigin, serviceGateRequests, type TopologyGateRequest } from '../admission.ts';
import type { SecretRoute, TopologyCedar, TopologyCedarPolicy, TopologyCedarStatement, TopologySecret, TopologySecretProvider, TopologyService } from '../topology.ts';
import { SECRET_ROUTES, SECURITY_OVERRIDES, SHARED_VOLUME_RESOURCE, UNSIGNED_SERVER_IMAGE, serviceKey } from '../topology.ts';
import { chanceArbitrary, CHANCE_RESOLUTION } from './chance.ts';

/** Resource keys a drawn secret takes (index = draw). */
export const SECRET_NAMES = ['db-creds', 'api-token', 'oauth-client', 'cache-auth', 'signing-key', 'smtp-login'] as const;
/** Keys a drawn secret declares (a window of 1..2 of them). */
export const SECRET_KEYS = ['password', 'username', 'token', 'certificate'] as const;
/** The SecretProviders of random topologies, one per ESO provider type the simulator's stub serves (reference §1.7). */
export const SECRET_PROVIDERS: readonly TopologySecretProvider[] = Object.freeze([
  Object.freeze({ name: 'vault-main', type: 'vault' as const }),
  Object.freeze({ name: 'aws-secrets', type: 'aws' as const }),
  Object.freeze({ name: 'webhook-store', type: 'webhook' as const }),
]);
/** Most secrets per service. */
export const MAX_SECRETS_PER_SERVICE = 3;

/**
 * The drawn Cedar outcome of one gate request:
 * - `permit`: one permit (the shrink target);
 * - allowed with a decoy: `permit+erroring-forbid` (a forbid that errors, so it forbids nothing),
 *   `permit+disabled-forbid` (a forbid in a disabled CedarPolicy), `permit+near-forbid` (a forbid on a
 *   neighbouring resource: same path under another provider, or a principal of another name);
 * - denied: `missing` (no permit), `forbidden` (permit and matching forbid), `erroring` (the only permit
 *   errors), `disabled` (the only permit is in a disabled CedarPolicy).
 */
export type CedarVerdict = 'permit' | 'permit+erroring-forbid' | 'permit+disabled-forbid' | 'permit+near-forbid' | 'missing' | 'forbidden' | 'erroring' | 'disabled';
/** How a statement is written: uid scope, attribute conditions, a namespace-wide principal, or a provider + path prefix (secrets). */
export type CedarForm = 'uid' | 'attributes' | 'namespace' | 'prefix';

/** The Cedar draws of one gate request. */
export interface CedarDraw {
  verdict: CedarVerdict;
  form: CedarForm;
}

/** Draws of one potential secret. */
export interface SecretDraw {
  /** Index into {@link SECRET_NAMES}. */
  name: number;
  /** Index into {@link SECRET_PROVIDERS}. */
  provider: number;
  /** First key (index into {@link SECRET_KEYS}) and how many (1..2). */
  keyOffset: number;
  keyCount: number;
  /** Index into SECRET_ROUTES. */
  route: number;
  /** With route envFrom: bulk extraction (no keys). */
  bulk: boolean;
  /** `secretType: kubernetes.io/basic-auth` (keys username, password). */
  basicAuth: boolean;
  cedar: CedarDraw;
}

/** The security override draw of a slot: whether its main container asks one, which (index into SECURITY_OVERRIDES, never shrunk), and its Cedar draw. */
export interface OverrideDraw {
  on: boolean;
  which: number;
  cedar: CedarDraw;
}

/** Probability that a LatticeService's main container asks for a security override (when secrets are drawn at all). */
export const OVERRIDE_PROBABILITY = 0.1;

/** The security override draw of one slot. */
export function overrideDrawArbitrary(c: AdmissionDrawConstraints): fc.Arbitrary<OverrideDraw> {
  return fc.record({ on: chanceArbitrary(OVERRIDE_PROBABILITY), which: fc.noShrink(fc.nat({ max: SECURITY_OVERRIDES.length - 1 })), cedar: cedarDrawArbitrary(c.cedarDenyProbability) });
}

/** Secret draws of a slot: whether it has secrets, how many (1..3), and the draws of each. */
export interface SlotSecretDraws {
  has: boolean;
  count: number;
  items: SecretDraw[];
}

/** Knobs (constraints.ts documents them). */
export interface AdmissionDrawConstraints {
  secretProbability: number;
  cedarDenyProbability: number;
}

/** Weighted `fc.oneof` of constants that shrinks towards the first (STYLE rule 15). Weights are probabilities summing to <= 1; the first takes the rest. */
function weighted<T>(first: T, others: readonly [T, number][]): fc.Arbitrary<T> {
  const rest = others.filter(([, p]) => p > 0).map(([v, p]) => ({ arbitrary: fc.constant(v), weight: Math.max(1, Math.round(p * CHANCE_RESOLUTION)) }));
  const firstWeight = CHANCE_RESOLUTION - rest.reduce((n, r) => n + r.weight, 0);
  return fc.oneof({ withCrossShrink: true }, { arbitrary: fc.constant(first), weight: Math.max(1, firstWeight) }, ...rest);
}

/** Decoy verdicts (allowed) each take this share; denials share `cedarDenyProbability` 2:4:2:2 (missing, forbidden, erroring, disabled). */
const DECOY_PROBABILITY = 0.05;

/** The Cedar draws of one request (`denyProbability` = chance of a denying verdict). */
export function cedarDrawArbitrary(denyProbability: number): fc.Arbitrary<CedarDraw> {
  const d = denyProbability;
  return fc.record({
    verdict: weighted<CedarVerdict>('permit', [
      ['permit+erroring-forbid', DECOY_PROBABILITY],
      ['permit+disabled-forbid', DECOY_PROBABILITY],
      ['permit+near-forbid', DECOY_PROBABILITY],
      ['missing', 0.2 * d],
      ['forbidden', 0.4 * d],
      ['erroring', 0.2 * d],
      ['disabled', 0.2 * d],
    ]),
    form: weighted<CedarForm>('uid', [
      ['attributes', 0.3],
      ['namespace', 0.1],
      ['prefix', 0.1],
    ]),
  });
}

/** The secret draws of one slot. */
export function slotSecretDrawsArbitrary(c: AdmissionDrawConstraints): fc.Arbitrary<SlotSecretDraws> {
  const item: fc.Arbitrary<SecretDraw> = fc.record({
    name: fc.noShrink(fc.nat({ max: SECRET_NAMES.length - 1 })),
    provider: fc.noShrink(fc.nat({ max: SECRET_PROVIDERS.length - 1 })),
    keyOffset: fc.noShrink(fc.nat({ max: SECRET_KEYS.length - 1 })),
    keyCount: fc.noShrink(fc.integer({ min: 1, max: 2 })),
    route: fc.noShrink(fc.nat({ max: SECRET_ROUTES.length - 1 })),
    bulk: fc.noShrink(fc.boolean()),
    basicAuth: fc.noShrink(chanceArbitrary(0.15)),
    cedar: cedarDrawArbitrary(c.cedarDenyProbability),
  });
  return fc.record({
    has: chanceArbitrary(c.secretProbability),
    count: weighted(1, [
      [2, 0.3],
      [3, 0.1],
    ]),
    items: fc.array(item, { minLength: MAX_SECRETS_PER_SERVICE, maxLength: MAX_SECRETS_PER_SERVICE }),
  });
}

/** The secret of one draw for service `s` (see SecretDraw); bulk secrets get a path of their own (`<ns>/<svc>/<name>`). */
function secretOf(s: TopologyService, d: SecretDraw): TopologySecret {
  const name = SECRET_NAMES[d.name];
  const route: SecretRoute = SECRET_ROUTES[d.route];
  const bulk = route === 'envFrom' && d.bulk;
  const keys = bulk ? [] : d.basicAuth ? ['username', 'password'] : SECRET_KEYS.slice(d.keyOffset, d.keyOffset + d.keyCount);
  return {
    name,
    provider: SECRET_PROVIDERS[d.provider].name,
    path: bulk ? `${s.namespace}/${s.name}/${name}` : `${s.namespace}/${name}`,
    keys: keys.length > 0 || bulk ? keys : [SECRET_KEYS[d.keyOffset]],
    route,
    ...(d.basicAuth ? { secretType: 'kubernetes.io/basic-auth' as const } : {}),
  };
}

/**
 * Secrets and the security override of each service from its slot's draws (LatticeServices only;
 * duplicate secret names drawn twice keep the first), the SecretProviders they name (in
 * {@link SECRET_PROVIDERS} order), and the Cedar draw of each gate request by origin.
 * Input: services and the secret and override draws of their slots (same order; undefined = none drawn).
 */
export function assignSecrets(
  services: readonly TopologyService[],
  draws: readonly (SlotSecretDraws | undefined)[],
  overrides: readonly (OverrideDraw | undefined)[] = [],
): { services: TopologyService[]; secretProviders: TopologySecretProvider[]; drawOf: Map<string, CedarDraw> } {
  const drawOf = new Map<string, CedarDraw>();
  const out = services.map((s0, i) => {
    const o = overrides[i];
    let s = s0;
    if (o?.on && s.kind !== 'mesh-member') {
      const id = SECURITY_OVERRIDES[o.which % SECURITY_OVERRIDES.length];
      s = { ...s, securityOverrides: [id] };
      drawOf.set(`${serviceKey(s)}|OverrideSecurity|${id}`, o.cedar);
    }
    const d = draws[i];
    if (!d?.has || s.kind === 'mesh-member') return s;
    const secrets: TopologySecret[] = [];
    for (const item of d.items.slice(0, d.count)) {
      const secret = secretOf(s, item);
      if (secrets.some((x) => x.name === secret.name)) continue;
      secrets.push(secret);
      drawOf.set(`${serviceKey(s)}|AccessSecret|${secret.name}`, item.cedar);
    }
    return { ...s, secrets };
  });
  const used = new Set(out.flatMap((s) => (s.secrets ?? []).map((x) => x.provider)));
  return { services: out, secretProviders: SECRET_PROVIDERS.filter((p) => used.has(p.name)).map((p) => ({ ...p })), drawOf };
}

/**
 * The shared-volume draw of a slot (platform-fidelity.md row "Shared volume reference"): its role
 * (`none`, the shrink target; `owner` of its namespace's volume; `consumer` mounting it), whether the
 * owner consents to it (lists it in `allowedConsumers`), and the Cedar draw of its AccessVolume request
 * (permissive mode: only `forbidden` denies; `missing`, `erroring`, `disabled` are admitted).
 */
export interface VolumeDraw {
  role: 'none' | 'owner' | 'consumer';
  consent: boolean;
  cedar: CedarDraw;
}

/** Id of the shared volume of a namespace (one owner per namespace). */
export const SHARED_VOLUME_ID = 'media';
/** Share of consumers the owner consents to. */
export const VOLUME_CONSENT_PROBABILITY = 0.8;
/** Chance of a denying Cedar verdict on AccessVolume (only `forbidden` denies, in permissive mode). */
export const VOLUME_CEDAR_DENY_PROBABILITY = 0.3;

/** The shared-volume draw of one slot (`probability` = chance it takes part at all: a third as owner, two thirds as consumer). */
export function volumeDrawArbitrary(probability: number): fc.Arbitrary<VolumeDraw> {
  return fc.record({
    role: weighted<VolumeDraw['role']>('none', [
      ['owner', probability / 3],
      ['consumer', (2 * probability) / 3],
    ]),
    consent: chanceArbitrary(1 - VOLUME_CONSENT_PROBABILITY).map((refused) => !refused),
    cedar: cedarDrawArbitrary(VOLUME_CEDAR_DENY_PROBABILITY),
  });
}

/**
 * Shared volumes from the slots' draws (LatticeServices only): per namespace the first `owner` draw owns
 * volume {@link SHARED_VOLUME_ID} (else its first consenting participant does); every other LatticeService
 * that drew a role mounts it, and the owner lists it when its draw consents. A namespace whose
 * participants all drew a refusal has no owner: the platform refuses them all (no owner found). Adds each consumer's AccessVolume Cedar draw to `drawOf`.
 * Input: services and their draws (same order; undefined = none). Output: new services.
 */
export function assignVolumes(services: readonly TopologyService[], draws: readonly (VolumeDraw | undefined)[], drawOf: Map<string, CedarDraw>): TopologyService[] {
  const takesPart = (i: number) => services[i].kind !== 'mesh-member' && (draws[i]?.role ?? 'none') !== 'none';
  const owners = new Map<string, number>();
  services.forEach((s, i) => {
    if (takesPart(i) && draws[i]!.role === 'owner' && !owners.has(s.namespace)) owners.set(s.namespace, i);
  });
  // A namespace where nobody drew `owner` is owned by its first consenting participant, so volumes
  // cluster; only when every participant drew a refusal does nobody own it.
  services.forEach((s, i) => {
    if (takesPart(i) && draws[i]!.consent && !owners.has(s.namespace)) owners.set(s.namespace, i);
  });
  const out = services.map((s, i): TopologyService => {
    if (!takesPart(i)) return s;
    if (owners.get(s.namespace) === i) return { ...s, sharedVolume: { id: SHARED_VOLUME_ID, consumers: [] } };
    drawOf.set(`${serviceKey(s)}|AccessVolume|${SHARED_VOLUME_RESOURCE}`, draws[i]!.cedar);
    return { ...s, volumeRef: SHARED_VOLUME_ID };
  });
  out.forEach((s, i) => {
    const owner = owners.get(s.namespace);
    if (s.volumeRef && owner !== undefined && draws[i]!.consent) out[owner].sharedVolume!.consumers.push(s.name);
  });
  return out;
}

/** Names of the CedarPolicies a drawn set renders to (in `lattice-system`). */
export const CEDAR_POLICY_NAMES = { permits: 'lattice-sim-permits', forbids: 'lattice-sim-forbids', disabled: 'lattice-sim-disabled' } as const;
/** Name of the CedarPolicy applied late (a revocation). */
export const LATE_CEDAR_POLICY_NAME = 'lattice-sim-revocation';
/**
 * When the revoking CedarPolicy is applied, in simulated ms after the case starts: after the latest
 * staggered creation (constraints `maxCreationDelayMs`, 30 s by default) plus the time a service takes
 * to settle (ESO sync, compile, mesh policies: well under 45 s in the default profile).
 */
export const LATE_CEDAR_MS = 75_000;

/**
 * `cedar` plus a CedarPolicy applied at {@link LATE_CEDAR_MS} that forbids one gate request of a service
 * every request of which the initial set allows (an AccessSecret request when there is one; pick =
 * `pick` modulo their number, topology order):
 * the service is admitted, then denied. Unchanged when no service qualifies or the set is empty.
 */
export function withLateRevocation(cedar: TopologyCedar, services: readonly TopologyService[], pick: number): TopologyCedar {
  const candidates = services
    .map((s) => serviceGateRequests(s))
    .filter((rs) => rs.length > 0 && rs.every((r) => requestDecision({ services }, cedar, r) === 'allow'))
    .flat();
  if (candidates.length === 0 || cedar.policies.length === 0) return cedar;
  // A revoked secret is the case with the most to undo (its ExternalSecrets must go, reference §2.8
  // step 7), so secret requests are revoked whenever the topology has one.
  const secrets = candidates.filter((r) => r.action === 'AccessSecret');
  const pool = secrets.length > 0 ? secrets : candidates;
  const r = pool[pick % pool.length];
  const statement: TopologyCedarStatement = { id: 'late0', ...statementFor(r, 'forbid', 'uid', requestOrigin(r)) };
  return { policies: [...cedar.policies, { name: LATE_CEDAR_POLICY_NAME, enabled: true, statements: [statement], appliedAtMs: LATE_CEDAR_MS }] };
}

/**
 * The Cedar policy set of the drawn verdicts (see {@link CedarVerdict}): permits in
 * `lattice-sim-permits`, forbids in `lattice-sim-forbids`, statements of disabled-verdicts in
 * `lattice-sim-disabled` (`enabled: false`); empty CedarPolicies are left out. `empty` = no CedarPolicy
 * at all. Requests without a draw get a plain permit.
 * Input: the services (with secrets) and the draw of each request keyed by {@link requestOrigin}.
 */
export function drawnCedar(services: readonly TopologyService[], drawOf: ReadonlyMap<string, CedarDraw>, empty: boolean): TopologyCedar {
  if (empty) return { policies: [] };
  const groups: Record<keyof typeof CEDAR_POLICY_NAMES, TopologyCedarStatement[]> = { permits: [], forbids: [], disabled: [] };
  let n = 0;
  const push = (group: keyof typeof CEDAR_POLICY_NAMES, st: Omit<TopologyCedarStatement, 'id'>): void => {
    groups[group].push({ id: `s${n++}`, ...st });
  };
  for (const s of services) {
    for (const r of serviceGateRequests(s)) {
      const origin = requestOrigin(r);
      const draw = drawOf.get(origin) ?? { verdict: 'permit', form: 'uid' };
      const permit = statementFor(r, 'permit', draw.form, origin);
      const forbid = statementFor(r, 'forbid', draw.form, origin);
      switch (draw.verdict) {
        case 'permit':
          push('permits', permit);
          break;
        case 'permit+erroring-forbid':
          push('permits', permit);
          push('forbids', { ...forbid, erroring: true });
          break;
        case 'permit+disabled-forbid':
          push('permits', permit);
          push('disabled', forbid);
          break;
        case 'permit+near-forbid':
          push('permits', permit);
          push('forbids', nearMiss(forbid, r));
          break;
        case 'missing':
          break;
        case 'forbidden':
          push('permits', permit);
          push('forbids', forbid);
          break;
        case 'erroring':
          push('permits', { ...permit, erroring: true });
          break;
        case 'disabled':
          push('disabled', permit);
          break;
      }
    }
  }
  const policies: TopologyCedarPolicy[] = (Object.keys(CEDAR_POLICY_NAMES) as (keyof typeof CEDAR_POLICY_NAMES)[])
    .filter((g) => groups[g].length > 0)
    .map((g) => ({ name: CEDAR_POLICY_NAMES[g], enabled: g !== 'disabled', statements: groups[g] }));
  return { policies };
}

/** A statement matching `r` written in `form` (a `prefix` form of a Mesh request is written as `attributes`). */
function statementFor(r: TopologyGateRequest, effect: 'permit' | 'forbid', form: CedarForm, origin: string): Omit<TopologyCedarStatement, 'id'> {
  const namespace = r.principal.slice(0, r.principal.indexOf('/'));
  const prefix = form === 'prefix' && r.resource.type === 'SecretPath';
  return {
    effect,
    action: r.action,
    principal: form === 'namespace' ? { namespace } : { key: r.principal },
    resource: prefix && r.resource.type === 'SecretPath' ? { provider: r.resource.provider, pathPrefix: r.resource.path.slice(0, r.resource.path.indexOf('/') + 1) } : { exact: r.resource },
    style: form === 'uid' ? 'uid' : 'attributes',
    origin,
  };
}

/** A forbid next to `r` that must not match it: the same path under the next provider, or (mesh) a principal named `<name>-shadow`. */
function nearMiss(forbid: Omit<TopologyCedarStatement, 'id'>, r: TopologyGateRequest): Omit<TopologyCedarStatement, 'id'> {
  if (r.resource.type === 'SecretPath') {
    const i = SECRET_PROVIDERS.findIndex((p) => p.name === (r.resource as { provider: string }).provider);
    const other = SECRET_PROVIDERS[(i + 1) % SECRET_PROVIDERS.length].name;
    return { ...forbid, principal: { key: r.principal }, resource: { exact: { ...r.resource, provider: other } } };
  }
  return { ...forbid, principal: { key: `${r.principal}-shadow` }, resource: { exact: r.resource } };
}

/**
 * The image-trust draw of a topology (constraints `imageTrustProbability`; fidelity row "Gates the port
 * asks", SkipImageVerification): whether an ImageProvider enforces signatures over the server image
 * (topology `imageTrust`), and the Cedar draw of each slot's SkipImageVerification request (index =
 * slot). Shrinks towards off, then towards plain permits.
 */
export interface ImageTrustDraw {
  on: boolean;
  cedar: CedarDraw[];
}

/** Chance of a denying Cedar verdict on SkipImageVerification (the image is unsigned: only a permit admits it). */
export const IMAGE_CEDAR_DENY_PROBABILITY = 0.15;

/** The image-trust draw of one topology with `services` slots. */
export function imageTrustDrawArbitrary(probability: number, services: number): fc.Arbitrary<ImageTrustDraw> {
  return fc.record({ on: chanceArbitrary(probability), cedar: fc.array(cedarDrawArbitrary(IMAGE_CEDAR_DENY_PROBABILITY), { minLength: services, maxLength: services }) });
}

/**
 * `services` under an enforcing ImageProvider: every server LatticeService (the server image) is
 * `unsignedImage` (the simulated registry signs nothing of a topology), and its SkipImageVerification
 * request gets `cedar[i]` (the draw of service i's slot) in `drawOf`. Traffic generators (another image, not covered) and mesh-members
 * (no workload spec) are left alone. Never throws.
 */
export function assignUnsignedImages(services: readonly TopologyService[], cedar: readonly CedarDraw[], drawOf: Map<string, CedarDraw>): TopologyService[] {
  return services.map((s, i) => {
    if (s.kind === 'mesh-member' || s.ports.length === 0) return s;
    drawOf.set(`${serviceKey(s)}|SkipImageVerification|${UNSIGNED_SERVER_IMAGE.image}`, cedar[i] ?? { verdict: 'permit', form: 'uid' });
    return { ...s, unsignedImage: true };
  });
}
