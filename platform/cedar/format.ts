/**
 * Words for gate decisions: the compile-error text of the reference platform (§3.4) and a
 * condition message that names the gate, the principal and the resource.
 */
import { principalUid, resourceUid, type GateDecision } from './types.ts';

const WILDCARD_DIRECTION: Record<string, string> = {
  inbound: 'allows_all (wildcard inbound)',
  outbound: 'depends_all (wildcard outbound)',
  advertise: 'advertise (wildcard cross-cluster)',
};

/**
 * The reference text for one denied decision (reference §3.4):
 * - AccessSecret: `secret access denied: '<resource>': <reason>`
 * - OverrideSecurity: `security override denied: '<overrideId>' (container '<c>'): <reason>`
 *   (pod-level overrides omit the container part)
 * - AccessExternalEndpoint: `external endpoint access denied: '<resource>' (<host>:<port>): <reason>`
 * - AccessVolume: `volume access denied: '<resource>' (volume '<id>'): <reason>`
 * - SkipImageVerification: `image verification denied: image signature verification failed: <image> [cedar: <reason>]`
 * - AllowWildcard: `Cedar policy denied <dir> for <ns>/<name>; add a permit policy for Action::"AllowWildcard" on Mesh::"<id>"`
 * `<resource>` is the request's `subject`. Input: a decision (allowed or not). Never throws.
 */
export function denialItem(d: GateDecision): string {
  const { request: req, reason } = d;
  const r = req.resource;
  switch (req.action) {
    case 'AccessSecret':
      return `secret access denied: '${req.subject}': ${reason}`;
    case 'OverrideSecurity':
      return req.container !== undefined
        ? `security override denied: '${req.subject}' (container '${req.container}'): ${reason}`
        : `security override denied: '${req.subject}': ${reason}`;
    case 'AccessExternalEndpoint':
      return r.type === 'ExternalEndpoint'
        ? `external endpoint access denied: '${req.subject}' (${r.host}:${r.port}): ${reason}`
        : `external endpoint access denied: '${req.subject}': ${reason}`;
    case 'AccessVolume':
      return r.type === 'Volume'
        ? `volume access denied: '${req.subject}' (volume '${r.volumeId}'): ${reason}`
        : `volume access denied: '${req.subject}': ${reason}`;
    case 'SkipImageVerification':
      return `image verification denied: image signature verification failed: ${r.type === 'ImageRef' ? r.image : req.subject} [cedar: ${reason}]`;
    case 'AllowWildcard': {
      const id = r.type === 'Mesh' ? r.id : req.subject;
      const p = req.principal;
      return `Cedar policy denied ${WILDCARD_DIRECTION[id] ?? id} for ${p.namespace}/${p.name}; add a permit policy for Action::"AllowWildcard" on Mesh::"${id}"`;
    }
  }
}

/**
 * The compile-error text for a batch of decisions (reference §3.4): {@link denialItem} of every
 * denied decision, in order, joined with `; `. Output: `''` when nothing is denied. Never throws.
 */
export function denialMessage(decisions: readonly GateDecision[]): string {
  return decisions
    .filter((d) => !d.allowed)
    .map(denialItem)
    .join('; ');
}

/**
 * A one-line account of a decision that names the gate, the principal and the resource, e.g.
 * `Cedar gate AccessSecret denied Lattice::Service::"webapp/api" on
 * Lattice::SecretPath::"lattice-local:webapp/db-credentials" (resource 'db-credentials'): no permit
 * policy for this service and resource`. The parenthesis names the spec item: `resource '<subject>'`
 * for secrets, volumes and external endpoints, `override '<id>'[, container '<c>']` for security
 * overrides, `subject '<subject>'` otherwise. When policies determined the decision, ` [policies:
 * <ids>]` follows. Allowed decisions read `... allowed ...` with no reason. Never throws.
 */
export function gateConditionMessage(d: GateDecision): string {
  const req = d.request;
  let item: string;
  switch (req.action) {
    case 'AccessSecret':
    case 'AccessVolume':
    case 'AccessExternalEndpoint':
      item = `resource '${req.subject}'`;
      break;
    case 'OverrideSecurity':
      item = req.container !== undefined ? `override '${req.subject}', container '${req.container}'` : `override '${req.subject}'`;
      break;
    default:
      item = `subject '${req.subject}'`;
  }
  const head = `Cedar gate ${req.action} ${d.allowed ? 'allowed' : 'denied'} ${principalUid(req.principal)} on ${resourceUid(req.resource)} (${item})`;
  const policies = d.policies.length > 0 ? ` [policies: ${d.policies.join(', ')}]` : '';
  return d.allowed ? `${head}${policies}` : `${head}: ${d.reason}${policies}`;
}
