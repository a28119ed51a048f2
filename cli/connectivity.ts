/**
 * `lattice-sim connectivity --state DIR|--from-run RUN [--run ID] --from ns/name --to ns/name:port [--method M --path P] [--json]`
 * (`--from-run`: the dataplane a finished run ended with, replayed by cli/run-replay.ts);
 * loads a directory of YAML objects as a dataplane sees them (Namespaces, Pods, Services,
 * EndpointSlices, CiliumNetworkPolicies, CiliumClusterwideNetworkPolicies, AuthorizationPolicies,
 * PeerAuthentications, Kubernetes NetworkPolicies, Gateways of class istio-waypoint), builds the evaluator's view directly (no World, no platform: DESIGN.md rule 1)
 * and prints the verdict of one probe: decision, deciding layer, deciding policy, reason in words.
 *
 * Input rules:
 * - every `.yaml`, `.yml`, `.json` file under `--state` (recursively, sorted), multi-document; a
 *   `kind: List` document (what `kubectl get -o yaml` prints) contributes its `items`;
 * - kinds outside the dataplane view (Deployment, ConfigMap, …) are skipped with one warning line;
 * - when a Service has no EndpointSlice in the input, its endpoints are derived from its selector:
 *   every pod of its namespace whose labels match, ready when the pod is Running, Ready and not
 *   terminating; a Pod without `status` counts as Running and Ready (hand-written state);
 * - a namespace used but not declared is taken as a Namespace without labels.
 *
 * Exit codes: 0 the verdict was computed (allow or deny); 2 bad input or flags, with the file, the
 * document, the object and the field named (no stack trace).
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../fake-apiserver/api/index.ts';
import { matchesSelector } from '../fake-apiserver/api/label-selector.ts';
import { evaluateIndexed, indexDataplane } from '../harness/evaluator/index.ts';
import type { DataplaneView, ProbeRequest, Verdict } from '../harness/evaluator/index.ts';
import { SPEC_LIMITS, decodeSpecText } from '../harness/specs/load-specs.ts';
import { CliError } from './errors.ts';
import { replayRun } from './run-replay.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/** Kinds of the dataplane view, by kind: accepted apiVersions and whether the kind is namespaced. */
const DATAPLANE_KINDS: Record<string, { apiVersions: string[]; namespaced: boolean }> = {
  Namespace: { apiVersions: ['v1'], namespaced: false },
  Pod: { apiVersions: ['v1'], namespaced: true },
  Service: { apiVersions: ['v1'], namespaced: true },
  EndpointSlice: { apiVersions: ['discovery.k8s.io/v1'], namespaced: true },
  CiliumNetworkPolicy: { apiVersions: ['cilium.io/v2'], namespaced: true },
  CiliumClusterwideNetworkPolicy: { apiVersions: ['cilium.io/v2'], namespaced: false },
  AuthorizationPolicy: { apiVersions: ['security.istio.io/v1', 'security.istio.io/v1beta1'], namespaced: true },
  PeerAuthentication: { apiVersions: ['security.istio.io/v1', 'security.istio.io/v1beta1'], namespaced: true },
  NetworkPolicy: { apiVersions: ['networking.k8s.io/v1'], namespaced: true },
  Gateway: { apiVersions: ['gateway.networking.k8s.io/v1', 'gateway.networking.k8s.io/v1beta1'], namespaced: true },
};

/** One problem in the state: `file (document n) Kind ns/name: field: message`. */
export interface StateProblem {
  file: string;
  document?: number;
  object?: string;
  field?: string;
  message: string;
}

/** Formats a problem as one line, the way `run --specs` words them. */
export function formatStateProblem(p: StateProblem): string {
  const where = p.document === undefined ? p.file : `${p.file} (document ${p.document})`;
  return `${where}${p.object ? ` ${p.object}` : ''}: ${p.field ? `${p.field}: ` : ''}${p.message}`;
}

/** The loaded state: the view, where each object came from, problems (fatal) and warnings. */
export interface LoadedState {
  view: DataplaneView;
  problems: StateProblem[];
  warnings: StateProblem[];
  /** `file (document n)` of each object, for problems found after loading (rejected policies). */
  origin: Map<string, { file: string; document: number }>;
}

const label = (kind: string, ns: string | undefined, name: string) => `${kind} ${ns ? `${ns}/` : ''}${name}`;
const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** Not a map, without narrowing the caller's `Json` value. */
const notMap = (v: unknown): boolean => !isMap(v);
const isPort = (v: unknown) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 65535;
/** An IPv4 / IPv6 address or CIDR (`a.b.c.d/len`), the way the API servers validate `cidr` fields. */
const isCidr = (v: unknown): boolean => {
  if (typeof v !== 'string') return false;
  const [addr, len, extra] = v.split('/');
  const family = isIP(addr);
  if (family === 0 || extra !== undefined) return false;
  return len === undefined || (/^\d+$/.test(len) && Number(len) <= (family === 4 ? 32 : 128));
};
/** A port name (IANA_SVC_NAME: at most 15 lowercase letters, digits and '-', with a letter). */
const isPortName = (v: unknown) => typeof v === 'string' && /^[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$/.test(v) && /[a-z]/.test(v) && !v.includes('--');
/** Cilium `toPorts[].ports[].protocol` values (the CRD's enum). */
const CILIUM_PROTOCOLS = ['TCP', 'UDP', 'SCTP', 'ICMP', 'ICMPv6', 'VRRP', 'IGMP', 'ANY'];
/** Cilium entities (policy/layer3 "Entities Based"). */
const CILIUM_ENTITIES = ['host', 'remote-node', 'kube-apiserver', 'ingress', 'cluster', 'init', 'health', 'unmanaged', 'world', 'world-ipv4', 'world-ipv6', 'all', 'none'];

/** Field checks of the parts the evaluator reads; returns `[field, message]` pairs (Kubernetes 422 wording). */
function checkFields(o: Json): [string, string][] {
  const out: [string, string][] = [];
  const stringMap = (v: unknown, field: string) => {
    if (v === undefined) return;
    if (!isMap(v)) return out.push([field, `Invalid value: ${JSON.stringify(v)}: must be a map of strings`]);
    for (const [k, x] of Object.entries(v)) if (typeof x !== 'string') out.push([`${field}.${k}`, `Invalid value: ${JSON.stringify(x)}: must be a string`]);
  };
  const list = (v: unknown, field: string): unknown[] => {
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) {
      out.push([field, `Invalid value: ${JSON.stringify(v)}: must be a list`]);
      return [];
    }
    return v;
  };
  stringMap(o.metadata.labels, 'metadata.labels');
  stringMap(o.metadata.annotations, 'metadata.annotations');
  const spec = o.spec;
  if (spec !== undefined && spec !== null && !isMap(spec)) out.push(['spec', 'Invalid value: must be an object']);
  switch (o.kind) {
    case 'Pod': {
      list(spec?.containers, 'spec.containers').forEach((c: Json, i) =>
        list(c?.ports, `spec.containers[${i}].ports`).forEach((p: Json, j) => {
          if (!isPort(p?.containerPort)) out.push([`spec.containers[${i}].ports[${j}].containerPort`, `Invalid value: ${JSON.stringify(p?.containerPort)}: must be between 1 and 65535, inclusive`]);
        }),
      );
      if (spec?.serviceAccountName !== undefined && typeof spec.serviceAccountName !== 'string') out.push(['spec.serviceAccountName', 'Invalid value: must be a string']);
      if (o.status !== undefined && !isMap(o.status)) out.push(['status', 'Invalid value: must be an object']);
      else list(o.status?.conditions, 'status.conditions');
      break;
    }
    case 'Service': {
      stringMap(spec?.selector, 'spec.selector');
      if (spec?.type === 'ExternalName' && typeof spec?.externalName !== 'string') out.push(['spec.externalName', 'Required value']);
      list(spec?.ports, 'spec.ports').forEach((p: Json, i) => {
        if (!isPort(p?.port)) out.push([`spec.ports[${i}].port`, `Invalid value: ${JSON.stringify(p?.port)}: must be between 1 and 65535, inclusive`]);
        const tp = p?.targetPort;
        if (tp !== undefined && !isPort(tp) && (typeof tp !== 'string' || tp === '')) out.push([`spec.ports[${i}].targetPort`, `Invalid value: ${JSON.stringify(tp)}: must be a port number or a port name`]);
      });
      break;
    }
    case 'EndpointSlice': {
      if (typeof o.metadata.labels?.['kubernetes.io/service-name'] !== 'string') out.push(['metadata.labels.kubernetes.io/service-name', 'Required value: the Service this slice belongs to']);
      list(o.endpoints, 'endpoints').forEach((e: Json, i) => {
        list(e?.addresses, `endpoints[${i}].addresses`);
        if (e?.conditions?.ready !== undefined && typeof e.conditions.ready !== 'boolean') out.push([`endpoints[${i}].conditions.ready`, 'Invalid value: must be a boolean']);
      });
      list(o.ports, 'ports');
      break;
    }
    case 'CiliumNetworkPolicy':
    case 'CiliumClusterwideNetworkPolicy': {
      const specs = [...(spec ? [['spec', spec]] : []), ...list(o.specs, 'specs').map((s, i) => [`specs[${i}]`, s])] as [string, Json][];
      if (specs.length === 0) out.push(['spec', 'Required value: a Cilium policy needs spec or specs']);
      for (const [field, s] of specs) {
        if (!isMap(s)) {
          out.push([field, 'Invalid value: must be an object']);
          continue;
        }
        if (s.endpointSelector === undefined && s.nodeSelector === undefined) out.push([`${field}.endpointSelector`, 'Required value: one of endpointSelector or nodeSelector']);
        for (const k of ['ingress', 'ingressDeny', 'egress', 'egressDeny']) {
          list(s[k], `${field}.${k}`).forEach((el: Json, i) => {
            const at = `${field}.${k}[${i}]`;
            if (notMap(el)) return void out.push([at, 'Invalid value: must be an object']);
            for (const sel of ['fromEndpoints', 'toEndpoints']) list(el[sel], `${at}.${sel}`).forEach((x, j) => void (isMap(x) || out.push([`${at}.${sel}[${j}]`, 'Invalid value: must be a label selector'])));
            for (const ent of ['fromEntities', 'toEntities']) {
              list(el[ent], `${at}.${ent}`).forEach((x, j) => void (CILIUM_ENTITIES.includes(x as string) || out.push([`${at}.${ent}[${j}]`, `Unsupported value: ${JSON.stringify(x)}: supported values: ${CILIUM_ENTITIES.map((e) => `"${e}"`).join(', ')}`])));
            }
            for (const c of ['fromCIDR', 'toCIDR']) list(el[c], `${at}.${c}`).forEach((x, j) => void (isCidr(x) || out.push([`${at}.${c}[${j}]`, `Invalid value: ${JSON.stringify(x)}: must be a CIDR`])));
            for (const c of ['fromCIDRSet', 'toCIDRSet']) {
              list(el[c], `${at}.${c}`).forEach((x: Json, j) => {
                if (notMap(x)) return void out.push([`${at}.${c}[${j}]`, 'Invalid value: must be an object']);
                if (x.cidr !== undefined && !isCidr(x.cidr)) out.push([`${at}.${c}[${j}].cidr`, `Invalid value: ${JSON.stringify(x.cidr)}: must be a CIDR`]);
                list(x.except, `${at}.${c}[${j}].except`).forEach((e, m) => void (isCidr(e) || out.push([`${at}.${c}[${j}].except[${m}]`, `Invalid value: ${JSON.stringify(e)}: must be a CIDR`])));
              });
            }
            list(el.toPorts, `${at}.toPorts`).forEach((tp: Json, j) => {
              if (notMap(tp)) return void out.push([`${at}.toPorts[${j}]`, 'Invalid value: must be an object']);
              list(tp.ports, `${at}.toPorts[${j}].ports`).forEach((pp: Json, m) => {
                const pf = `${at}.toPorts[${j}].ports[${m}]`;
                if (notMap(pp)) return void out.push([pf, 'Invalid value: must be an object']);
                const port = typeof pp.port === 'number' ? String(pp.port) : pp.port;
                if (port !== undefined && !(typeof port === 'string' && ((/^\d+$/.test(port) && Number(port) <= 65535) || /^([a-zA-Z0-9]-?)*[a-zA-Z](-?[a-zA-Z0-9])*$/.test(port)))) out.push([`${pf}.port`, `Invalid value: ${JSON.stringify(pp.port)}: must be a port number (0-65535) or a port name`]);
                if (pp.endPort !== undefined && !(Number.isInteger(pp.endPort) && pp.endPort >= 0 && pp.endPort <= 65535)) out.push([`${pf}.endPort`, `Invalid value: ${JSON.stringify(pp.endPort)}: must be between 0 and 65535`]);
                if (pp.protocol !== undefined && !CILIUM_PROTOCOLS.includes(pp.protocol)) out.push([`${pf}.protocol`, `Unsupported value: ${JSON.stringify(pp.protocol)}: supported values: ${CILIUM_PROTOCOLS.map((x) => `"${x}"`).join(', ')}`]);
              });
            });
          });
        }
      }
      break;
    }
    case 'AuthorizationPolicy': {
      const action = spec?.action;
      if (action !== undefined && !['ALLOW', 'DENY', 'AUDIT', 'CUSTOM'].includes(action)) out.push(['spec.action', `Unsupported value: ${JSON.stringify(action)}: supported values: "ALLOW", "DENY", "AUDIT", "CUSTOM"`]);
      stringMap(spec?.selector?.matchLabels, 'spec.selector.matchLabels');
      list(spec?.rules, 'spec.rules').forEach((r: Json, i) => {
        const at = `spec.rules[${i}]`;
        if (notMap(r)) return void out.push([at, 'Invalid value: must be an object']);
        const strings = (v: unknown, f: string) => list(v, f).forEach((x, j) => void (typeof x === 'string' || out.push([`${f}[${j}]`, `Invalid value: ${JSON.stringify(x)}: must be a string`])));
        list(r.from, `${at}.from`).forEach((f: Json, j) => {
          const src = f?.source;
          if (!isMap(src)) return void out.push([`${at}.from[${j}].source`, 'Required value: an object']);
          for (const [k, v] of Object.entries(src)) strings(v, `${at}.from[${j}].source.${k}`);
          for (const k of ['ipBlocks', 'notIpBlocks', 'remoteIpBlocks', 'notRemoteIpBlocks']) {
            (Array.isArray(src[k]) ? src[k] : []).forEach((x: unknown, m: number) => void (typeof x !== 'string' || isCidr(x) || out.push([`${at}.from[${j}].source.${k}[${m}]`, `Invalid value: ${JSON.stringify(x)}: must be an IP address or CIDR`])));
          }
        });
        list(r.to, `${at}.to`).forEach((t: Json, j) => {
          const op = t?.operation;
          if (!isMap(op)) return void out.push([`${at}.to[${j}].operation`, 'Required value: an object']);
          for (const [k, v] of Object.entries(op)) strings(v, `${at}.to[${j}].operation.${k}`);
          for (const k of ['ports', 'notPorts']) {
            (Array.isArray(op[k]) ? op[k] : []).forEach((x: unknown, m: number) => void (typeof x !== 'string' || (/^\d+$/.test(x) && Number(x) <= 65535) || out.push([`${at}.to[${j}].operation.${k}[${m}]`, `Invalid value: ${JSON.stringify(x)}: must be a port number (istiod rejects port names)`])));
          }
        });
        list(r.when, `${at}.when`).forEach((w: Json, j) => void (!notMap(w) && typeof w.key === 'string' ? strings(w.values, `${at}.when[${j}].values`) : out.push([`${at}.when[${j}].key`, 'Required value'])));
      });
      break;
    }
    case 'NetworkPolicy': {
      if (!isMap(spec) || !isMap(spec.podSelector)) out.push(['spec.podSelector', 'Required value']);
      for (const [i, t] of list(spec?.policyTypes, 'spec.policyTypes').entries()) {
        if (t !== 'Ingress' && t !== 'Egress') out.push([`spec.policyTypes[${i}]`, `Unsupported value: ${JSON.stringify(t)}: supported values: "Ingress", "Egress"`]);
      }
      for (const [dir, peers] of [['ingress', 'from'], ['egress', 'to']] as const) {
        list(spec?.[dir], `spec.${dir}`).forEach((r: Json, i) => {
          const at = `spec.${dir}[${i}]`;
          if (notMap(r)) return void out.push([at, 'Invalid value: must be an object']);
          list(r[peers], `${at}.${peers}`).forEach((peer: Json, j) => {
            if (notMap(peer)) return void out.push([`${at}.${peers}[${j}]`, 'Invalid value: must be an object']);
            if (peer.ipBlock !== undefined) {
              if (!isCidr(peer.ipBlock?.cidr)) out.push([`${at}.${peers}[${j}].ipBlock.cidr`, `Invalid value: ${JSON.stringify(peer.ipBlock?.cidr)}: must be a valid CIDR`]);
              list(peer.ipBlock?.except, `${at}.${peers}[${j}].ipBlock.except`).forEach((e, m) => void (isCidr(e) || out.push([`${at}.${peers}[${j}].ipBlock.except[${m}]`, `Invalid value: ${JSON.stringify(e)}: must be a valid CIDR`])));
            }
          });
          list(r.ports, `${at}.ports`).forEach((pp: Json, j) => {
            const pf = `${at}.ports[${j}]`;
            if (notMap(pp)) return void out.push([pf, 'Invalid value: must be an object']);
            if (pp.port !== undefined && !isPort(pp.port) && !isPortName(pp.port)) out.push([`${pf}.port`, `Invalid value: ${JSON.stringify(pp.port)}: must be a port number (1-65535) or a port name`]);
            if (pp.endPort !== undefined && !(isPort(pp.endPort) && typeof pp.port === 'number' && pp.endPort >= pp.port)) out.push([`${pf}.endPort`, `Invalid value: ${JSON.stringify(pp.endPort)}: must be a port at least spec.port, with a numeric port`]);
            if (pp.protocol !== undefined && !['TCP', 'UDP', 'SCTP'].includes(pp.protocol)) out.push([`${pf}.protocol`, `Unsupported value: ${JSON.stringify(pp.protocol)}: supported values: "TCP", "UDP", "SCTP"`]);
          });
        });
      }
      break;
    }
    case 'PeerAuthentication': {
      if (spec?.mtls !== undefined && spec.mtls !== null && !isMap(spec.mtls)) out.push(['spec.mtls', 'Invalid value: must be an object']);
      const mode = spec?.mtls?.mode;
      if (mode !== undefined && !['UNSET', 'DISABLE', 'PERMISSIVE', 'STRICT'].includes(mode)) out.push(['spec.mtls.mode', `Unsupported value: ${JSON.stringify(mode)}: supported values: "UNSET", "DISABLE", "PERMISSIVE", "STRICT"`]);
      stringMap(spec?.selector?.matchLabels, 'spec.selector.matchLabels');
      for (const k of Object.keys(isMap(spec?.portLevelMtls) ? spec.portLevelMtls : {})) if (!/^\d+$/.test(k)) out.push([`spec.portLevelMtls.${k}`, 'Invalid value: keys must be port numbers']);
      break;
    }
  }
  return out;
}

function stateFiles(path: string, problems: StateProblem[], show: (p: string) => string): string[] {
  let st;
  try {
    st = statSync(path);
  } catch (err) {
    problems.push({ file: show(path), message: `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` });
    return [];
  }
  if (!st.isDirectory()) return [path];
  let entries: string[];
  try {
    entries = readdirSync(path).sort();
  } catch (err) {
    problems.push({ file: show(path), message: `cannot read directory: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` });
    return [];
  }
  return entries.filter((e) => !e.startsWith('.')).flatMap((e) => {
    const p = join(path, e);
    try {
      if (statSync(p).isDirectory()) return stateFiles(p, problems, show);
    } catch {
      // reported below when read
    }
    return /\.(ya?ml|json)$/i.test(e) ? [p] : [];
  });
}

/**
 * Loads `--state` (a directory or one file) into a dataplane view. Never throws for bad input: every
 * problem names the file, the document (1-based), the object and the field.
 */
export function loadState(path: string, opts: { trustDomain?: string; rootNamespace?: string; cwd?: string } = {}): LoadedState {
  const cwd = opts.cwd ?? process.cwd();
  const show = (p: string) => (relative(cwd, p).startsWith('..') ? p : relative(cwd, p) || p);
  const problems: StateProblem[] = [];
  const warnings: StateProblem[] = [];
  const origin = new Map<string, { file: string; document: number }>();
  const byKind = new Map<string, KubeObject[]>();
  const skipped = new Map<string, number>();
  const files = stateFiles(path, problems, show);
  if (files.length === 0 && problems.length === 0) problems.push({ file: show(path), message: 'no .yaml, .yml or .json files: give a directory of Kubernetes objects' });
  for (const abs of files) {
    const file = show(abs);
    let buf: Buffer;
    try {
      const size = statSync(abs).size;
      if (size > SPEC_LIMITS.maxFileBytes) {
        problems.push({ file, message: `file is ${(size / 1024 / 1024).toFixed(1)} MiB; state files are read up to ${SPEC_LIMITS.maxFileBytes / 1024 / 1024} MiB` });
        continue;
      }
      buf = readFileSync(abs);
    } catch (err) {
      problems.push({ file, message: `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` });
      continue;
    }
    const decoded = decodeSpecText(buf);
    if ('error' in decoded) {
      problems.push({ file, message: decoded.error });
      continue;
    }
    parseAllDocuments(decoded.text).forEach((doc, i) => {
      const document = i + 1;
      if (doc.errors.length > 0) {
        for (const e of doc.errors) problems.push({ file, document, message: `invalid YAML: ${e.message.split('\n')[0]}` });
        return;
      }
      let value: unknown;
      try {
        value = doc.toJS({ maxAliasCount: SPEC_LIMITS.maxAliasCount });
      } catch (err) {
        problems.push({ file, document, message: `invalid YAML: ${(err as Error).message}` });
        return;
      }
      if (value === null || value === undefined) return;
      if (isMap(value) && value.kind === 'List' && !Array.isArray(value.items ?? [])) {
        problems.push({ file, document, object: 'List', field: 'items', message: `Invalid value: ${JSON.stringify(value.items)}: must be a list of objects` });
        return;
      }
      const items = isMap(value) && value.kind === 'List' ? ((value.items ?? []) as unknown[]).map((it: unknown, j: number) => [it, `items[${j}]`] as const) : [[value, ''] as const];
      for (const [raw, at] of items) {
        const prefix = at ? `${at}.` : '';
        if (!isMap(raw)) {
          problems.push({ file, document, ...(at ? { field: at } : {}), message: `not an object (it is ${Array.isArray(raw) ? 'a list' : raw === null ? 'null' : `a ${typeof raw}`}): each document must be one Kubernetes object` });
          continue;
        }
        const o = raw as Json;
        const meta = isMap(o.metadata) ? o.metadata : undefined;
        const name = typeof meta?.name === 'string' ? meta.name : '';
        const shown = label(typeof o.kind === 'string' ? o.kind : '<no kind>', typeof meta?.namespace === 'string' ? meta.namespace : undefined, name || '<no name>');
        if (typeof o.kind !== 'string' || o.kind === '') {
          problems.push({ file, document, object: shown, field: `${prefix}kind`, message: 'Required value' });
          continue;
        }
        const known = DATAPLANE_KINDS[o.kind];
        if (!known) {
          skipped.set(o.kind, (skipped.get(o.kind) ?? 0) + 1);
          continue;
        }
        if (!known.apiVersions.includes(o.apiVersion)) {
          problems.push({ file, document, object: shown, field: `${prefix}apiVersion`, message: `Unsupported value: ${JSON.stringify(o.apiVersion)}: supported values: ${known.apiVersions.map((v) => `"${v}"`).join(', ')}` });
          continue;
        }
        if (!meta || name === '') {
          problems.push({ file, document, object: shown, field: `${prefix}metadata.name`, message: 'Required value' });
          continue;
        }
        if (meta.namespace !== undefined && typeof meta.namespace !== 'string') {
          problems.push({ file, document, object: shown, field: `${prefix}metadata.namespace`, message: 'Invalid value: must be a string' });
          continue;
        }
        const ns = known.namespaced ? (meta.namespace as string | undefined) || 'default' : undefined;
        const obj: KubeObject = { ...o, metadata: { ...meta, ...(ns ? { namespace: ns } : {}) } };
        if (!known.namespaced) delete obj.metadata.namespace;
        const key = label(o.kind, ns, name);
        const fieldProblems = checkFields(obj);
        if (fieldProblems.length > 0) {
          for (const [field, message] of fieldProblems) problems.push({ file, document, object: key, field: `${prefix}${field}`, message });
          continue;
        }
        const first = origin.get(key);
        if (first) {
          problems.push({ file, document, object: key, field: `${prefix}metadata.name`, message: `Duplicate value: ${key} is already defined in ${first.file} (document ${first.document})` });
          continue;
        }
        origin.set(key, { file, document });
        const l = byKind.get(o.kind) ?? [];
        l.push(obj);
        byKind.set(o.kind, l);
      }
    });
  }
  if (skipped.size > 0) {
    const kinds = [...skipped.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, n]) => `${k} (${n})`);
    warnings.push({ file: show(path), message: `skipped objects of kinds outside the dataplane view: ${kinds.join(', ')}` });
  }
  const get = (k: string) => byKind.get(k) ?? [];
  const view: DataplaneView = {
    namespaces: withImplicitNamespaces(get('Namespace'), byKind),
    pods: get('Pod').map(withDefaultStatus),
    services: get('Service'),
    endpointSlices: [...get('EndpointSlice'), ...derivedSlices(get('Service'), get('Pod'), get('EndpointSlice'))],
    ciliumNetworkPolicies: get('CiliumNetworkPolicy'),
    ciliumClusterwideNetworkPolicies: get('CiliumClusterwideNetworkPolicy'),
    authorizationPolicies: get('AuthorizationPolicy'),
    peerAuthentications: get('PeerAuthentication'),
    networkPolicies: get('NetworkPolicy'),
    gateways: get('Gateway'),
    trustDomain: opts.trustDomain ?? 'cluster.local',
    rootNamespace: opts.rootNamespace ?? 'istio-system',
  };
  return { view, problems, warnings, origin };
}

function withImplicitNamespaces(declared: KubeObject[], byKind: Map<string, KubeObject[]>): KubeObject[] {
  const names = new Set(declared.map((n) => n.metadata.name));
  const out = [...declared];
  const used = [...byKind.values()].flat().map((o) => o.metadata.namespace).filter((n): n is string => typeof n === 'string');
  for (const ns of [...new Set(used)].sort()) {
    if (!names.has(ns)) out.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { 'kubernetes.io/metadata.name': ns } } });
  }
  return out;
}

function withDefaultStatus(pod: KubeObject): KubeObject {
  if (pod.status !== undefined) return pod;
  return { ...pod, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } };
}

/** True when the pod is Running, Ready and not terminating (a ready endpoint). */
export function podIsReady(pod: KubeObject): boolean {
  if (pod.metadata.deletionTimestamp) return false;
  const status = pod.status ?? { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] };
  return status.phase === 'Running' && (status.conditions ?? []).some((c: Json) => c?.type === 'Ready' && c?.status === 'True');
}

/** EndpointSlices for Services that have none in the input: selector-matching pods of the namespace. */
function derivedSlices(services: KubeObject[], pods: KubeObject[], slices: KubeObject[]): KubeObject[] {
  const covered = new Set(slices.map((s) => `${s.metadata.namespace}/${s.metadata.labels?.['kubernetes.io/service-name']}`));
  const out: KubeObject[] = [];
  for (const svc of services) {
    const ns = svc.metadata.namespace as string;
    const sel = svc.spec?.selector;
    if (covered.has(`${ns}/${svc.metadata.name}`) || !isMap(sel) || Object.keys(sel).length === 0) continue;
    const members = pods.filter((p) => p.metadata.namespace === ns && matchesSelector({ matchLabels: sel as Record<string, string> }, p.metadata.labels)).sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
    out.push({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${svc.metadata.name}-derived`, namespace: ns, labels: { 'kubernetes.io/service-name': svc.metadata.name } },
      addressType: 'IPv4',
      endpoints: members.map((p) => ({
        addresses: typeof p.status?.podIP === 'string' ? [p.status.podIP] : [],
        conditions: { ready: podIsReady(p) },
        targetRef: { kind: 'Pod', namespace: ns, name: p.metadata.name },
      })),
    });
  }
  return out;
}

/**
 * Resolves `--from ns/name`: the pod `ns/name` if it exists, else the pods of `ns` labelled
 * `app.kubernetes.io/name=<name>` or `app=<name>`: the first ready one by name, else the first by name
 * (the verdict then says it is not ready). Throws CliError when nothing matches.
 */
export function resolveSource(view: DataplaneView, from: string): { namespace: string; name: string; note: string | null } {
  const m = from.match(/^([^/\s]+)\/([^/\s]+)$/);
  if (!m) throw new CliError('LATTICE_SIM_BAD_FLAG', `--from "${from}": expected ns/name (a pod, or a workload whose pods carry app.kubernetes.io/name or app = name)`);
  const [, ns, name] = m;
  const inNs = view.pods.filter((p) => p.metadata.namespace === ns).sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
  if (inNs.some((p) => p.metadata.name === name)) return { namespace: ns, name, note: null };
  const members = inNs.filter((p) => p.metadata.labels?.['app.kubernetes.io/name'] === name || p.metadata.labels?.app === name);
  if (members.length === 0) {
    throw new CliError('LATTICE_SIM_BAD_FLAG', `--from ${from}: no pod named ${name} and no pod labelled app.kubernetes.io/name=${name} or app=${name} in namespace ${ns} of the --state objects`);
  }
  const pick = members.find(podIsReady) ?? members[0];
  return { namespace: ns, name: pick.metadata.name, note: `workload ${from}: pod ${ns}/${pick.metadata.name}${podIsReady(pick) ? ` (first ready of ${members.length})` : ' (no pod is ready)'}` };
}

/** Parses `--to ns/name:port`. Throws CliError on a bad shape or port. */
export function parseTarget(to: string): { namespace: string; name: string; port: number } {
  const m = to.match(/^([^/\s:]+)\/([^/\s:]+):(\d+)$/);
  if (!m) throw new CliError('LATTICE_SIM_BAD_FLAG', `--to "${to}": expected ns/name:port (a Service and its Service port, e.g. shop/checkout:8080)`);
  const port = Number(m[3]);
  if (!isPort(port)) throw new CliError('LATTICE_SIM_BAD_FLAG', `--to ${to}: port ${m[3]} must be between 1 and 65535`);
  return { namespace: m[1], name: m[2], port };
}

/** Flags of `connectivity`. */
export interface ConnectivityFlags {
  state?: string;
  /** A run's --out directory: the dataplane is the World that run ended in, replayed (run-replay.ts). */
  fromRun?: string;
  /** The record of `fromRun` to replay (`fleet:shop`, `topology:<seed>:<index>`). */
  run?: string;
  from: string;
  to: string;
  method?: string;
  path?: string;
  json?: boolean;
  trustDomain: string;
  rootNamespace: string;
}

/** What `connectivity` answers: the verdict, warnings about the input, the source pod, a note on how it was picked, the probe. */
export interface ConnectivityResult {
  verdict: Verdict;
  warnings: StateProblem[];
  source: string;
  note: string | null;
  probe: ProbeRequest;
}

/** Checks `--method` and `--path`. @throws CliError naming the flag. */
function checkHttpFlags(flags: ConnectivityFlags): void {
  if (flags.path !== undefined && !flags.path.startsWith('/')) throw new CliError('LATTICE_SIM_BAD_FLAG', `--path "${flags.path}": an HTTP path starts with /`);
  if (flags.method !== undefined && !/^[A-Za-z]+$/.test(flags.method)) throw new CliError('LATTICE_SIM_BAD_FLAG', `--method "${flags.method}": an HTTP method is letters only (GET, POST, …)`);
}

/** The probe of `flags` from the resolved source over `view`, evaluated on `index`. */
function judge(flags: ConnectivityFlags, view: DataplaneView, index: ReturnType<typeof indexDataplane>, warnings: StateProblem[]): ConnectivityResult {
  const target = parseTarget(flags.to);
  const src = resolveSource(view, flags.from);
  const probe: ProbeRequest = {
    fromPod: { namespace: src.namespace, name: src.name },
    toService: { namespace: target.namespace, name: target.name },
    port: target.port,
    ...(flags.method ? { method: flags.method.toUpperCase() } : {}),
    ...(flags.path ? { path: flags.path } : {}),
  };
  return { verdict: evaluateIndexed(index, probe), warnings, source: `${src.namespace}/${src.name}`, note: src.note, probe };
}

/**
 * `--from-run DIR [--run ID]`: replays the run's case to its end (cli/run-replay.ts) and asks the
 * question of the dataplane that World ended with (policies as enforced at that simulated instant).
 * @throws CliError for bad flags, an unreadable run or an unknown source.
 */
export async function connectivityFromRun(flags: ConnectivityFlags & { fromRun: string }): Promise<ConnectivityResult & { replayed: string }> {
  checkHttpFlags(flags);
  parseTarget(flags.to);
  const { world, description } = await replayRun(flags.fromRun, flags.run);
  try {
    return { ...judge(flags, world.dataplaneView(), world.dataplane(), []), replayed: description };
  } finally {
    world.stop();
  }
}

/** Loads, resolves and evaluates; throws CliError for bad input. Pure apart from reading `--state`. */
export function connectivity(flags: ConnectivityFlags & { state: string }): ConnectivityResult {
  checkHttpFlags(flags);
  parseTarget(flags.to);
  const state = loadState(flags.state, { trustDomain: flags.trustDomain, rootNamespace: flags.rootNamespace });
  if (state.problems.length > 0) {
    throw new CliError('LATTICE_SIM_BAD_STATE', `--state ${flags.state}: ${state.problems.length} problem(s), no verdict computed:\n  ${state.problems.map(formatStateProblem).join('\n  ')}`);
  }
  const index = indexDataplane(state.view);
  if (index.rejected.length > 0) {
    const lines = index.rejected.map((r) => {
      const o = state.origin.get(r.policy);
      return `${o ? `${o.file} (document ${o.document}) ` : ''}${r.policy}: rejected (Cilium / istiod would refuse it): ${r.error}`;
    });
    throw new CliError('LATTICE_SIM_BAD_STATE', `--state ${flags.state}: ${lines.length} policy object(s) cannot be compiled, no verdict computed:\n  ${lines.join('\n  ')}`);
  }
  return judge(flags, state.view, index, state.warnings);
}
