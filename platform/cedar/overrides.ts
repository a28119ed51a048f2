/**
 * What a workload spec must ask the Cedar gates (reference §3.2): security overrides (every
 * deviation from the restricted pod defaults), secret paths and external endpoints. Pure functions
 * from spec to {@link GateRequest}s; the engine decides.
 */
import type { ContainerSpec, LatticeServiceSpec, ResourceSpec, SecurityContext, SidecarSpec } from '../crds/types.ts';
import type { CedarPrincipal, CedarResource, GateRequest } from './types.ts';

/** Capabilities a container runtime grants by default (reference §3.2; the dropCapabilities rule). */
export const DEFAULT_CONTAINER_CAPABILITIES: readonly string[] = [
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'NET_RAW',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
];

type OverrideCategory = Extract<CedarResource, { type: 'SecurityOverride' }>['category'];

const byKey = <T>(map: Record<string, T> | undefined): [string, T][] =>
  Object.entries(map ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

function overrideRequest(principal: CedarPrincipal, id: string, category: OverrideCategory, container?: string): GateRequest {
  const req: GateRequest = { action: 'OverrideSecurity', principal, resource: { type: 'SecurityOverride', id, category }, subject: id };
  if (container !== undefined) req.container = container;
  return req;
}

function containerOverrides(principal: CedarPrincipal, name: string, c: ContainerSpec | SidecarSpec): GateRequest[] {
  const out: GateRequest[] = [];
  const add = (id: string, category: OverrideCategory): void => {
    if (!out.some((r) => r.subject === id)) out.push(overrideRequest(principal, id, category, name));
  };
  const s: SecurityContext = c.security ?? {};
  const allowed = s.allowedBinaries ?? [];
  // binary: an unknown entrypoint (no `command` at all, no allowedBinaries) may run anything. `command: []`
  // is a known (empty) entrypoint, as in the reference (`command.is_none()`, container.rs:232-240).
  if (c.command === undefined && allowed.length === 0) add('allowedBinary:*', 'binary');
  for (const path of allowed) add(`allowedBinary:${path}`, 'binary');
  // capability: every added capability; with a custom drop list (no ALL, not privileged), every
  // default capability the list keeps.
  // Capability names compare case-insensitively, as the reference does (`eq_ignore_ascii_case("ALL")`,
  // upper-cased sets; authorization/security.rs:164-187): `drop: [all]` keeps nothing.
  const added = s.capabilities ?? [];
  for (const cap of added) add(`capability:${cap}`, 'capability');
  const dropped = new Set((s.dropCapabilities ?? []).map((d) => d.toUpperCase()));
  if (s.dropCapabilities !== undefined && !dropped.has('ALL') && s.privileged !== true) {
    const addedUpper = new Set(added.map((a) => a.toUpperCase()));
    for (const cap of DEFAULT_CONTAINER_CAPABILITIES) {
      if (!dropped.has(cap) && !addedUpper.has(cap)) add(`capability:${cap}`, 'capability');
    }
  }
  // container
  if (s.privileged === true) add('privileged', 'container');
  if (s.runAsUser === 0 || s.runAsNonRoot === false) add('runAsRoot', 'container');
  if (s.runAsGroup === 0) add('runAsRootGroup', 'container');
  if (s.readOnlyRootFilesystem === false) add('readWriteRootFilesystem', 'container');
  if (s.allowPrivilegeEscalation === true) add('allowPrivilegeEscalation', 'container');
  // profile
  if (s.seccompProfile === 'Unconfined' || s.seccompProfile === 'Localhost') add(`seccomp:${s.seccompProfile}`, 'profile');
  if (s.apparmorProfile === 'Unconfined' || s.apparmorProfile === 'Localhost') add(`apparmor:${s.apparmorProfile}`, 'profile');
  return out;
}

/**
 * Every security override a spec needs (reference §3.2), as `OverrideSecurity` requests with
 * `subject` = override id:
 * - pod (no container): `hostNetwork`, `shareProcessNamespace`, `automountServiceAccountToken` when true;
 * - per container, then per sidecar (each in name order, `container` = its name, no duplicates
 *   within one container): `allowedBinary:*` when it has no `command` and no `allowedBinaries`,
 *   `allowedBinary:<path>` per allowedBinaries entry; `capability:<CAP>` per added capability
 *   and, when `dropCapabilities` is set without `ALL` and the container is not privileged, per
 *   default capability neither dropped nor added; `privileged`; `runAsRoot` (runAsUser 0 or
 *   runAsNonRoot false); `runAsRootGroup` (runAsGroup 0); `readWriteRootFilesystem`
 *   (readOnlyRootFilesystem false); `allowPrivilegeEscalation` (true); `seccomp:<p>` /
 *   `apparmor:<p>` for Unconfined or Localhost.
 * Input: the principal and a LatticeService-shaped spec (jobs and models pass each task's or
 * role's spec). Never throws.
 */
export function securityOverrideRequests(principal: CedarPrincipal, spec: LatticeServiceSpec): GateRequest[] {
  const out: GateRequest[] = [];
  for (const flag of ['hostNetwork', 'shareProcessNamespace', 'automountServiceAccountToken'] as const) {
    if (spec[flag] === true) out.push(overrideRequest(principal, flag, 'pod'));
  }
  for (const [name, c] of byKey(spec.workload?.containers)) out.push(...containerOverrides(principal, name, c));
  for (const [name, c] of byKey(spec.sidecars)) out.push(...containerOverrides(principal, name, c));
  return out;
}

/**
 * One `AccessSecret` request per `type: secret` resource that has an `id` and a string
 * `params.provider` (reference §3.2), in resource-name order: resource
 * `SecretPath {provider: params.provider, path: id}`, `subject` = resource name. Never throws.
 */
export function secretRequests(principal: CedarPrincipal, resources: Record<string, ResourceSpec> | undefined): GateRequest[] {
  const out: GateRequest[] = [];
  for (const [key, r] of byKey(resources)) {
    const provider = r.params?.provider;
    if (r.type !== 'secret' || !r.id || typeof provider !== 'string' || provider === '') continue;
    out.push({ action: 'AccessSecret', principal, resource: { type: 'SecretPath', provider, path: r.id }, subject: key });
  }
  return out;
}

/** One parsed external endpoint: host, port (1..65535) and protocol (`https`, `http`, `tcp`, `udp`, `grpc`). */
export interface ParsedEndpoint {
  host: string;
  port: number;
  protocol: string;
}

const DEFAULT_PORTS: Record<string, number | undefined> = { https: 443, http: 80, tcp: undefined, udp: undefined, grpc: undefined };

/** The `<scheme>://` an endpoint URL starts with (group 1: the scheme as written); no match ⇒ the bare `host:port` form. */
export const ENDPOINT_SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/;

/**
 * Parses an external-service endpoint URL (reference §1.1, params of `external-service`):
 * `https://host[:port]` (default 443), `http://host[:port]` (80), `tcp://host:port`,
 * `udp://host:port`, `grpc://host:port`, or bare `host:port` (protocol tcp); the scheme is matched
 * case-insensitively and given lower-case. A path, query or fragment after the authority is ignored;
 * `[v6]:port` hosts keep their brackets off. The one endpoint grammar of the platform: the compiler's
 * egress and `${resources.X.url}` read it too (compiler/template.ts `parseEndpoint`).
 * Throws: an Error `invalid endpoint URL '<url>': <why>` for an unknown scheme, a missing host, a host
 * with white space or an unbracketed `:`, a missing port where there is no default, or a port outside
 * 1..65535.
 */
export function parseEndpointUrl(url: string): ParsedEndpoint {
  const fail = (why: string): never => {
    throw new Error(`invalid endpoint URL '${url}': ${why}`);
  };
  const trimmed = url.trim();
  const schemeMatch = ENDPOINT_SCHEME.exec(trimmed);
  let protocol = 'tcp';
  let rest = trimmed;
  if (schemeMatch) {
    protocol = schemeMatch[1].toLowerCase();
    rest = schemeMatch[2];
    if (!(protocol in DEFAULT_PORTS)) fail(`unsupported scheme '${protocol}' (https, http, tcp, udp, grpc)`);
  }
  const authority = rest.split(/[/?#]/, 1)[0];
  let host: string;
  let portText: string | undefined;
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    if (close < 0) fail('unterminated IPv6 address');
    host = authority.slice(1, close);
    const after = authority.slice(close + 1);
    if (after !== '' && !after.startsWith(':')) fail('unexpected text after IPv6 address');
    portText = after === '' ? undefined : after.slice(1);
  } else {
    const colon = authority.lastIndexOf(':');
    host = colon < 0 ? authority : authority.slice(0, colon);
    portText = colon < 0 ? undefined : authority.slice(colon + 1);
  }
  if (host === '') fail('missing host');
  if (/\s/.test(host)) fail('whitespace in host');
  if (!authority.startsWith('[') && host.includes(':')) fail('an IPv6 host needs brackets ([address]:port)');
  let port = DEFAULT_PORTS[protocol];
  if (portText !== undefined) {
    if (!/^\d+$/.test(portText)) fail(`invalid port '${portText}'`);
    port = Number(portText);
  }
  if (port === undefined) fail(schemeMatch ? `${protocol}:// needs a port` : 'expected host:port');
  if (port! < 1 || port! > 65535) fail(`port ${port} out of range 1..65535`);
  return { host, port: port!, protocol };
}

/**
 * One `AccessExternalEndpoint` request per endpoint of each outbound (`outbound` or `both`,
 * default outbound) `external-service` resource with `params.endpoints` (reference §3.2), in
 * resource then endpoint-name order: resource `ExternalEndpoint {host, port (string), protocol}`,
 * `subject` = resource name. Resources without `params.endpoints` are not checked.
 * Throws: an Error `resource '<key>' endpoint '<name>': invalid endpoint URL ...` when an endpoint
 * does not parse (see {@link parseEndpointUrl}); the caller reports it as a spec error.
 */
export function externalEndpointRequests(principal: CedarPrincipal, resources: Record<string, ResourceSpec> | undefined): GateRequest[] {
  const out: GateRequest[] = [];
  for (const [key, r] of byKey(resources)) {
    if (r.type !== 'external-service' || (r.direction ?? 'outbound') === 'inbound') continue;
    const endpoints = r.params?.endpoints;
    if (!endpoints || typeof endpoints !== 'object') continue;
    for (const [name, url] of byKey(endpoints as Record<string, unknown>)) {
      let parsed: ParsedEndpoint;
      try {
        parsed = parseEndpointUrl(String(url));
      } catch (err) {
        throw new Error(`resource '${key}' endpoint '${name}': ${(err as Error).message}`, { cause: err });
      }
      out.push({
        action: 'AccessExternalEndpoint',
        principal,
        resource: { type: 'ExternalEndpoint', host: parsed.host, port: String(parsed.port), protocol: parsed.protocol },
        subject: key,
      });
    }
  }
  return out;
}
