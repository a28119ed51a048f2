/**
 * The Cedar gate contract (reference §3): what the compiler and the mesh-member controller ask,
 * and what the engine answers. Entity types live in the Cedar namespace `Lattice`; actions are
 * `Lattice::Action::"<GateAction>"`. Default deny: with no permit every gate denies.
 */

/** The gates. AllowWildcard is evaluated by the mesh-member controller, the rest by the workload compiler. */
export type GateAction = 'AccessSecret' | 'AccessVolume' | 'OverrideSecurity' | 'AccessExternalEndpoint' | 'SkipImageVerification' | 'AllowWildcard';

/** `Lattice::Service::"<namespace>/<name>"` with attributes namespace, name, kind. */
export interface CedarPrincipal {
  namespace: string;
  name: string;
  kind: 'service' | 'job' | 'model' | 'package';
}

/** Gate resources (reference §3.1), each rendered as a `Lattice::<type>` entity. */
export type CedarResource =
  /** uid `"<provider>:<path>"`, attrs path, provider. */
  | { type: 'SecretPath'; provider: string; path: string }
  /** uid = override id (e.g. `capability:NET_ADMIN`, `allowedBinary:*`), attrs category, override_id. */
  | { type: 'SecurityOverride'; id: string; category: 'pod' | 'binary' | 'capability' | 'container' | 'profile' }
  /** uid `"<namespace>/<volumeId>"`, attrs namespace, volume_id. */
  | { type: 'Volume'; namespace: string; volumeId: string }
  /** uid `"<host>:<port>"`, attrs host, port (a string), protocol. */
  | { type: 'ExternalEndpoint'; host: string; port: string; protocol: string }
  /** uid `"inbound"` / `"outbound"` / `"advertise"`, no attrs. */
  | { type: 'Mesh'; id: 'inbound' | 'outbound' | 'advertise' }
  /** uid = full image string, attrs registry, name, tag. */
  | { type: 'ImageRef'; image: string; registry: string; name: string; tag: string };

/** One question to a gate. `subject` names what the spec calls it (resource key, override id); `container` where it applies. */
export interface GateRequest {
  action: GateAction;
  principal: CedarPrincipal;
  resource: CedarResource;
  subject: string;
  container?: string;
}

/** Denial reason: no permit matched (reference §3.3 wording). */
export const REASON_NO_PERMIT = 'no permit policy for this service and resource';
/** Denial reason: a forbid matched (reference §3.3 wording). */
export const REASON_FORBIDDEN = 'access explicitly forbidden by policy';
/** Prefix of the denial reason for evaluation failures (reference §3.3 wording). */
export const REASON_INTERNAL_PREFIX = 'internal authorization error: ';

/** The engine's answer for one request. `reason` uses the reference wording (§3.3). */
export interface GateDecision {
  request: GateRequest;
  allowed: boolean;
  /** '' when allowed; else `no permit policy for this service and resource` | `access explicitly forbidden by policy` | `internal authorization error: <msg>`. */
  reason: string;
  /** Ids (`<crName>_<policyId>`) of the policies that determined the decision. */
  policies: string[];
}

/** Anything that answers gate requests (the Cedar engine, or a test double). Evaluates every request: batch gates report all denials. */
export interface Authorizer {
  authorize(requests: readonly GateRequest[]): GateDecision[];
}

/** `Lattice::<type>::"<id>"` rendering of a resource, for messages. */
export function resourceUid(r: CedarResource): string {
  switch (r.type) {
    case 'SecretPath':
      return `Lattice::SecretPath::"${r.provider}:${r.path}"`;
    case 'SecurityOverride':
      return `Lattice::SecurityOverride::"${r.id}"`;
    case 'Volume':
      return `Lattice::Volume::"${r.namespace}/${r.volumeId}"`;
    case 'ExternalEndpoint':
      return `Lattice::ExternalEndpoint::"${r.host}:${r.port}"`;
    case 'Mesh':
      return `Lattice::Mesh::"${r.id}"`;
    case 'ImageRef':
      return `Lattice::ImageRef::"${r.image}"`;
  }
}

/** `Lattice::Service::"<ns>/<name>"`. */
export function principalUid(p: CedarPrincipal): string {
  return `Lattice::Service::"${p.namespace}/${p.name}"`;
}
