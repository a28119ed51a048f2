/**
 * `${...}` template expansion and resource outputs (reference §2.2). Pure string functions: the
 * context is a flat map `dotted.path → value` built by {@link buildTemplateContext}.
 */
import type { EgressRule, ResourceSpec } from '../crds/types.ts';
import { ENDPOINT_SCHEME, parseEndpointUrl } from '../cedar/overrides.ts';
import { SpecError, type ServiceLookupResult } from './types.ts';

/** Flat template context: `metadata.name`, `metadata.annotations.K`, `resources.<name_>.host`, `cluster.name`. */
export type TemplateContext = ReadonlyMap<string, string>;

/** A `${secret.RESOURCE.KEY}` reference. `esoKey` = `RESOURCE_KEY` with hyphens → underscores (reference §2.3). */
export interface SecretRef {
  resource: string;
  key: string;
  esoKey: string;
}

/** Hyphens → underscores, the form resource names take inside the context (reference §2.2). */
export function normalizeName(name: string): string {
  return name.replace(/-/g, '_');
}

/** `id === "*"` on a service-like resource: a mesh wildcard, not a target. */
export function isWildcard(r: ResourceSpec): boolean {
  return r.id === '*';
}

/** The type of a resource with the default applied (`service`). */
export function resourceType(r: ResourceSpec): string {
  return r.type ?? 'service';
}

/** The direction of a resource with the default applied (`outbound`). */
export function resourceDirection(r: ResourceSpec): 'outbound' | 'inbound' | 'both' {
  return r.direction ?? 'outbound';
}

/** Volume claim name: `vol-<id>` with an id, else `<prefix>-<key>` (reference §2.2 / §2.4). */
export function volumeClaimName(prefix: string, key: string, r: ResourceSpec): string {
  return r.id ? `vol-${r.id}` : `${prefix}-${key}`;
}

/** A parsed external endpoint (reference §1.1 external-service URL forms). */
export interface Endpoint {
  host: string;
  port: number;
  protocol: 'TCP' | 'UDP';
  url: string;
}

/**
 * An external endpoint as the compiler uses it: {@link parseEndpointUrl} (the one endpoint grammar,
 * shared with the Cedar AccessExternalEndpoint gate: `https://host[:port]` 443, `http://host[:port]` 80,
 * `tcp://h:p`, `udp://h:p`, `grpc://h:p`, bare `host:port` tcp, `[v6]:port` hosts) with `udp` as
 * protocol UDP and every other scheme TCP. `url` is the text as written (trimmed), or
 * `tcp://host:port` for the bare form (an IPv6 host in brackets). Undefined when the text does not parse.
 */
export function parseEndpoint(text: string): Endpoint | undefined {
  let parsed;
  try {
    parsed = parseEndpointUrl(text);
  } catch {
    return undefined;
  }
  const { host, port, protocol } = parsed;
  const bare = !ENDPOINT_SCHEME.test(text.trim());
  return {
    host,
    port,
    protocol: protocol === 'udp' ? 'UDP' : 'TCP',
    url: bare ? `tcp://${host.includes(':') ? `[${host}]` : host}:${port}` : text.trim(),
  };
}

/**
 * The LatticeMeshMember egress target of an endpoint host (reference `EgressTarget::for_host`): an IPv4
 * address ⇒ `{cidr: "<ip>/32"}`, an IPv6 address (contains `:`) ⇒ `{cidr: "<ip>/128"}` (the reference
 * writes `/32` after any IP), anything else ⇒ `{fqdn: host}` (Istio rejects bare IPs as ServiceEntry hosts).
 */
export function egressTarget(host: string): EgressRule['target'] {
  return IPV4.test(host) ? { cidr: `${host}/32` } : host.includes(':') ? { cidr: `${host}/128` } : { fqdn: host };
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** Endpoints of an external-service resource in name order; throws SpecError on an unparseable URL. */
export function resourceEndpoints(key: string, r: ResourceSpec): [string, Endpoint][] {
  const endpoints = (r.params?.endpoints ?? {}) as Record<string, unknown>;
  return Object.keys(endpoints)
    .sort()
    .map((name) => {
      const raw = endpoints[name];
      const ep = typeof raw === 'string' ? parseEndpoint(raw) : undefined;
      if (!ep) throw new SpecError('Invalid', `resource '${key}': endpoint '${name}' is not a valid URL: ${JSON.stringify(raw)}`);
      return [name, ep] as [string, Endpoint];
    });
}

/** Arguments of {@link buildTemplateContext}. */
export interface TemplateContextInput {
  name: string;
  namespace: string;
  annotations?: Record<string, string>;
  resources?: Record<string, ResourceSpec>;
  clusterName: string;
  serviceLookup?: (namespace: string, name: string) => ServiceLookupResult | undefined;
}

/**
 * Builds the flat context of reference §2.2. Resource outputs (inbound and `id: "*"` resources give none):
 * service → `host` (+ `port`, `url` when the lookup knows the target: port named `http`, else the first
 * by name); external-service → `host`, `port`, `url` of endpoint `default` or the first (none for
 * `entity:` ids); volume → `claim_name` (`vol-<id>` or `<namespace>-<key>`). Throws SpecError for an
 * external-service without a valid endpoint.
 */
export function buildTemplateContext(input: TemplateContextInput): Map<string, string> {
  const ctx = new Map<string, string>();
  ctx.set('metadata.name', input.name);
  for (const [k, v] of Object.entries(input.annotations ?? {})) ctx.set(`metadata.annotations.${k}`, v);
  ctx.set('cluster.name', input.clusterName);
  const resources = input.resources ?? {};
  for (const key of Object.keys(resources).sort()) {
    const r = resources[key];
    if (resourceDirection(r) === 'inbound' || isWildcard(r)) continue;
    const prefix = `resources.${normalizeName(key)}`;
    const type = resourceType(r);
    if (type === 'service') {
      const target = r.id ?? key;
      const ns = r.namespace ?? input.namespace;
      const host = `${target}.${ns}.svc.cluster.local`;
      ctx.set(`${prefix}.host`, host);
      const found = input.serviceLookup?.(ns, target);
      if (found) {
        const names = Object.keys(found.ports).sort();
        const portName = found.ports.http ? 'http' : names[0];
        if (portName !== undefined) {
          const port = found.ports[portName].port;
          ctx.set(`${prefix}.port`, String(port));
          ctx.set(`${prefix}.url`, `http://${host}:${port}`);
        }
      }
    } else if (type === 'external-service') {
      if (r.id?.startsWith('entity:')) continue;
      const eps = resourceEndpoints(key, r);
      const chosen = eps.find(([n]) => n === 'default') ?? eps[0];
      if (!chosen) throw new SpecError('Invalid', `external service '${key}' has no valid endpoints`);
      ctx.set(`${prefix}.host`, chosen[1].host);
      ctx.set(`${prefix}.port`, String(chosen[1].port));
      ctx.set(`${prefix}.url`, chosen[1].url);
    } else if (type === 'volume') {
      ctx.set(`${prefix}.claim_name`, volumeClaimName(input.namespace, key, r));
    }
  }
  return ctx;
}

/** Parses `RESOURCE.KEY` (the inside of `${secret.…}`); undefined when empty parts or KEY contains `.`. */
export function parseSecretRefInner(inner: string): SecretRef | undefined {
  const dot = inner.indexOf('.');
  if (dot < 0) return undefined;
  const resource = inner.slice(0, dot);
  const key = inner.slice(dot + 1);
  if (!resource || !key || key.includes('.')) return undefined;
  return { resource, key, esoKey: `${normalizeName(resource)}_${normalizeName(key)}` };
}

/** The ref when `value` (trimmed) is exactly `${secret.R.K}` (route 1), else undefined. */
export function parsePureSecretRef(value: string): SecretRef | undefined {
  const t = value.trim();
  if (!t.startsWith('${secret.') || !t.endsWith('}')) return undefined;
  return parseSecretRefInner(t.slice('${secret.'.length, -1));
}

function normalizeExpr(expr: string): string {
  if (!expr.startsWith('resources.') || !expr.includes('-')) return expr;
  const parts = expr.split('.');
  if (parts.length < 3) return expr;
  return [parts[0], normalizeName(parts[1]), parts.slice(2).join('.')].join('.');
}

/** A placeholder body with no dot, as shell (`${HOME}`) and JavaScript template literals (`${port}`) write them. */
const BARE_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Expands every `${path}` in `text` from `ctx` in one left-to-right pass (reference §2.2):
 * `$${` emits a literal `${` and keeps scanning (inner placeholders still expand); `${secret.R.K}`
 * is left in place (it is routed elsewhere). `where` names the field in error messages.
 * Throws SpecError `UnclosedPlaceholder` (no `}`), `InvalidSecretRef`, or `Unresolved` (unknown path).
 */
export function expandTemplate(text: string, ctx: TemplateContext, where: string, opts: { keepBareIdentifiers?: boolean } = {}): string {
  if (!text.includes('${')) return text;
  let out = '';
  let rest = text;
  for (;;) {
    const pos = rest.indexOf('${');
    if (pos < 0) break;
    if (pos > 0 && rest[pos - 1] === '$') {
      out += rest.slice(0, pos - 1) + '${';
      rest = rest.slice(pos + 2);
      continue;
    }
    out += rest.slice(0, pos);
    const after = rest.slice(pos + 2);
    const end = after.indexOf('}');
    if (end < 0) throw new SpecError('UnclosedPlaceholder', `unclosed placeholder '\${' in ${where}`);
    const expr = after.slice(0, end);
    rest = after.slice(end + 1);
    if (expr.startsWith('secret.')) {
      if (!parseSecretRefInner(expr.slice('secret.'.length))) {
        throw new SpecError('InvalidSecretRef', `invalid secret reference '\${${expr}}' in ${where} (expected \${secret.RESOURCE.KEY})`);
      }
      out += `\${${expr}}`;
      continue;
    }
    if (opts.keepBareIdentifiers && BARE_IDENTIFIER.test(expr)) {
      out += `\${${expr}}`;
      continue;
    }
    const value = ctx.get(normalizeExpr(expr));
    if (value === undefined) throw new SpecError('Unresolved', `unresolved variable '\${${expr}}' in ${where}`);
    out += value;
  }
  return out + rest;
}

function escapeGo(s: string): string {
  return s.replace(/\{\{|\}\}/g, (m) => (m === '{{' ? '{{`{{`}}' : '{{`}}`}}'));
}

/**
 * Replaces valid `${secret.R.K}` refs (or `$${secret.R.K}` when `reverse`) by ESO Go refs `{{ .R_K }}`,
 * escaping user `{{`/`}}` first when at least one ref is found (reference §2.3; the reference escapes
 * even without refs, which would corrupt plain ConfigMap files: not preserved). Invalid refs stay as written.
 * Returns the text and the distinct refs in order of appearance.
 */
export function extractSecretRefs(content: string, reverse: boolean): { text: string; refs: SecretRef[] } {
  const prefix = reverse ? '$${secret.' : '${secret.';
  if (!content.includes(prefix)) return { text: content, refs: [] };
  const refs: SecretRef[] = [];
  const seen = new Set<string>();
  let out = '';
  let rest = content;
  for (;;) {
    const start = rest.indexOf(prefix);
    if (start < 0) break;
    const afterPrefix = rest.slice(start + prefix.length);
    const end = afterPrefix.indexOf('}');
    if (end < 0) break;
    const ref = parseSecretRefInner(afterPrefix.slice(0, end));
    if (!ref) {
      out += escapeGo(rest.slice(0, start + prefix.length + end + 1));
      rest = afterPrefix.slice(end + 1);
      continue;
    }
    if (!seen.has(ref.esoKey)) {
      seen.add(ref.esoKey);
      refs.push(ref);
    }
    out += escapeGo(rest.slice(0, start)) + `{{ .${ref.esoKey} }}`;
    rest = afterPrefix.slice(end + 1);
  }
  out += escapeGo(rest);
  return refs.length > 0 ? { text: out, refs } : { text: content, refs: [] };
}

/**
 * Renders file content per its flags (reference §1.1 FileMount): `noExpand` ⇒ verbatim; `reverse` ⇒
 * `${...}` stays literal and `$${...}` expands; else normal expansion. Throws like {@link expandTemplate}.
 *
 * Deliberate divergence from the reference engine: in file content a placeholder whose body is a bare
 * identifier with no dot (`${port}`, `${HOME}`) is kept literally instead of failing `Unresolved`.
 * Every template root is dotted (`metadata.`, `resources.`, `cluster.`, `secret.`), so nothing that
 * could resolve is lost, and scripts embedded in files (the webapp's `server.js`) compile. Dotted
 * unknown paths still fail.
 */
export function renderFileText(text: string, ctx: TemplateContext, noExpand: boolean, reverse: boolean, where: string): string {
  if (noExpand) return text;
  if (!reverse) return expandTemplate(text, ctx, where, { keepBareIdentifiers: true });
  const mark = '\u0000LATTICE_DOLLAR_BRACE\u0000';
  return expandTemplate(text.split('$${').join(mark).split('${').join('$${').split(mark).join('${'), ctx, where, { keepBareIdentifiers: true });
}

/** DNS-1123 label sanitising (reference §2.3 route 3): lowercase, non-alnum → `-`, leading non-letters and trailing `-` stripped, ≤ 63. */
export function sanitizeDnsLabel(s: string): string {
  let out = s.toLowerCase().replace(/[^a-z0-9-]/g, '-');
  out = out.replace(/^[^a-z]+/, '');
  out = out.slice(0, 63).replace(/-+$/, '');
  return out;
}

/** ConfigMap / Secret key of a mounted file: path without the leading `/`, `/` → `-` (reference §8.10). */
export function fileKey(path: string): string {
  return path.replace(/^\/+/, '').replace(/\//g, '-');
}
