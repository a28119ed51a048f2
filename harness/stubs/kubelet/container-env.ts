/**
 * A container's environment as the kubelet and the runtime build it (kubelet
 * `kuberuntime` makeEnvironmentVariables, `pkg/kubelet/envvars`): the image's `PATH` (busybox's
 * default), `HOSTNAME` (the pod's `spec.hostname`, else its name), the container's `envFrom`
 * (ConfigMap / Secret keys, with `prefix`), its `env` in order (`$(VAR)` references to earlier
 * variables expanded, `$$` an escaped `$`; `valueFrom` resolved from ConfigMaps, Secrets and the
 * pod's fields), then the Service variables the kubelet injects (`KUBERNETES_SERVICE_HOST` … of the
 * `kubernetes` Service, and with `enableServiceLinks` — default true — `<NAME>_SERVICE_HOST`,
 * `<NAME>_SERVICE_PORT`, `<NAME>_PORT_<port>_<PROTO>…` of every Service of the pod's namespace
 * with a cluster IP), then `HOME=/root` unless set. Variables the container defines win over
 * Service variables of the same name. Order: this one (a runtime's is its own).
 *
 * Without a {@link EnvSources} (the one-shot container program model) only literal values are
 * known: a `valueFrom` variable is `null`, `envFrom` is skipped and the Service variables are the
 * `kubernetes` Service's at their usual addresses.
 */
import type { KubeObject } from '../../../fake-apiserver/api/index.ts';

/** name → value, or null for a value the model does not know. */
export type Env = Map<string, string | null>;

/** busybox's default PATH (the image's `ENV PATH`). */
export const BUSYBOX_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The `kubernetes` Service's variables at kubeadm's default address (10.96.0.1:443), for the model without sources. */
const KUBERNETES_SERVICE_ENV: [string, string][] = [
  ['KUBERNETES_SERVICE_HOST', '10.96.0.1'],
  ['KUBERNETES_SERVICE_PORT', '443'],
  ['KUBERNETES_SERVICE_PORT_HTTPS', '443'],
  ['KUBERNETES_PORT', 'tcp://10.96.0.1:443'],
  ['KUBERNETES_PORT_443_TCP', 'tcp://10.96.0.1:443'],
  ['KUBERNETES_PORT_443_TCP_PROTO', 'tcp'],
  ['KUBERNETES_PORT_443_TCP_PORT', '443'],
  ['KUBERNETES_PORT_443_TCP_ADDR', '10.96.0.1'],
];

/** What a resolved environment reads: the pod, and objects by kind and name (Services of `default` for the `kubernetes` one). */
export interface EnvSources {
  pod: KubeObject;
  /** A ConfigMap, Secret or Service of `namespace`, or undefined when missing. */
  lookup(kind: 'ConfigMap' | 'Secret' | 'Service', namespace: string, name: string): KubeObject | undefined;
  /** The Services of `namespace` (for service links). */
  services(namespace: string): KubeObject[];
}

interface KeyRef {
  name?: string;
  key?: string;
  optional?: boolean;
}
interface EnvVar {
  name?: unknown;
  value?: unknown;
  valueFrom?: { configMapKeyRef?: KeyRef; secretKeyRef?: KeyRef; fieldRef?: { fieldPath?: string }; resourceFieldRef?: { resource?: string; divisor?: string } };
}
/** The container fields the environment reads (core/v1 Container). */
export interface EnvContainer {
  env?: unknown;
  envFrom?: unknown;
  resources?: { limits?: Record<string, string>; requests?: Record<string, string> };
}

/** `$(VAR)` references of an env value (Kubernetes dependent environment variables), unresolved ones kept. */
export function expandEnvReferences(value: string, env: Env): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, name: string | undefined) => {
    if (m === '$$') return '$';
    const v = env.get(name!);
    return v === undefined || v === null ? m : v;
  });
}

/** A key of a ConfigMap (`data`, `binaryData`) or Secret (`data`, base64) as text, or undefined. */
export function configValue(obj: KubeObject | undefined, key: string): string | undefined {
  if (!obj) return undefined;
  const o = obj as { kind?: string; data?: Record<string, string>; binaryData?: Record<string, string>; stringData?: Record<string, string> };
  if (obj.kind === 'Secret') {
    if (o.data && Object.hasOwn(o.data, key)) return Buffer.from(o.data[key]!, 'base64').toString('utf8');
    return o.stringData?.[key];
  }
  if (o.data && Object.hasOwn(o.data, key)) return o.data[key];
  if (o.binaryData && Object.hasOwn(o.binaryData, key)) return Buffer.from(o.binaryData[key]!, 'base64').toString('utf8');
  return undefined;
}

/** The keys of a ConfigMap or Secret, sorted (as the kubelet projects them). */
export function configKeys(obj: KubeObject): string[] {
  const o = obj as { data?: Record<string, string>; binaryData?: Record<string, string>; stringData?: Record<string, string> };
  return [...new Set([...Object.keys(o.data ?? {}), ...Object.keys(o.binaryData ?? {}), ...Object.keys(o.stringData ?? {})])].sort();
}

/**
 * A downward-API `fieldPath` of the pod (`metadata.name`, `metadata.namespace`, `metadata.uid`,
 * `metadata.labels['k']`, `metadata.annotations['k']`, `spec.nodeName`, `spec.serviceAccountName`,
 * `status.hostIP`, `status.podIP`, `status.podIPs`), or undefined for another path.
 */
export function podFieldValue(pod: KubeObject, fieldPath: string): string | undefined {
  const m = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(fieldPath);
  if (m) return (m[1] === 'labels' ? pod.metadata.labels : pod.metadata.annotations)?.[m[2]!] ?? '';
  const status = (pod.status ?? {}) as { hostIP?: string; podIP?: string; podIPs?: { ip: string }[] };
  switch (fieldPath) {
    case 'metadata.name':
      return pod.metadata.name;
    case 'metadata.namespace':
      return pod.metadata.namespace ?? 'default';
    case 'metadata.uid':
      return pod.metadata.uid ?? '';
    case 'metadata.labels':
    case 'metadata.annotations':
      return Object.entries((fieldPath === 'metadata.labels' ? pod.metadata.labels : pod.metadata.annotations) ?? {})
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => `${k}="${v}"`)
        .join('\n');
    case 'spec.nodeName':
      return (pod.spec?.nodeName as string | undefined) ?? '';
    case 'spec.serviceAccountName':
      return (pod.spec?.serviceAccountName as string | undefined) ?? 'default';
    case 'status.hostIP':
      return status.hostIP ?? '';
    case 'status.podIP':
      return status.podIP ?? '';
    case 'status.podIPs':
      return (status.podIPs ?? []).map((p) => p.ip).join(',');
    default:
      return undefined;
  }
}

/** The variables of one Service as the kubelet names them (`pkg/kubelet/envvars` FromServices). */
function serviceVariables(svc: KubeObject): [string, string][] {
  const spec = (svc.spec ?? {}) as { clusterIP?: string; ports?: { name?: string; port: number; protocol?: string }[] };
  const ip = spec.clusterIP;
  const ports = spec.ports ?? [];
  if (!ip || ip === 'None' || ports.length === 0) return [];
  const name = svc.metadata.name.toUpperCase().replace(/-/g, '_');
  const out: [string, string][] = [
    [`${name}_SERVICE_HOST`, ip],
    [`${name}_SERVICE_PORT`, String(ports[0]!.port)],
  ];
  for (const p of ports) if (p.name) out.push([`${name}_SERVICE_PORT_${p.name.toUpperCase().replace(/-/g, '_')}`, String(p.port)]);
  const proto0 = (ports[0]!.protocol ?? 'TCP').toLowerCase();
  out.push([`${name}_PORT`, `${proto0}://${ip}:${ports[0]!.port}`]);
  for (const p of ports) {
    const proto = (p.protocol ?? 'TCP').toLowerCase();
    const prefix = `${name}_PORT_${p.port}_${proto.toUpperCase()}`;
    out.push([prefix, `${proto}://${ip}:${p.port}`], [`${prefix}_PROTO`, proto], [`${prefix}_PORT`, String(p.port)], [`${prefix}_ADDR`, ip]);
  }
  return out;
}

/** A `resourceFieldRef` value: the container's limit (else request) divided by `divisor` and rounded up, or undefined. */
function resourceValue(container: EnvContainer, ref: { resource?: string; divisor?: string }): string | undefined {
  const [kind, res] = (ref.resource ?? '').split('.') as [string, string | undefined];
  if (!res) return undefined;
  const q = (kind === 'limits' ? container.resources?.limits : container.resources?.requests)?.[res] ?? container.resources?.limits?.[res];
  if (q === undefined) return undefined;
  const value = quantity(q);
  const divisor = quantity(ref.divisor ?? (res === 'cpu' ? '1' : '1'));
  return value === undefined || !divisor ? undefined : String(Math.ceil(value / divisor));
}

const SUFFIX: Record<string, number> = { m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4 };
function quantity(q: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(q);
  return m ? Number(m[1]) * SUFFIX[m[2] ?? '']! : undefined;
}

/**
 * The environment of `container` in a pod whose hostname is `hostname` (see the module comment),
 * resolved from `sources` when given. `shell` adds what a shell sets (`SHLVL=1`, `PWD=/`).
 */
export function containerEnvironment(container: EnvContainer, hostname: string, shell: boolean, sources?: EnvSources): Env {
  const env: Env = new Map([
    ['PATH', BUSYBOX_PATH],
    ['HOSTNAME', hostname],
  ]);
  const pod = sources?.pod;
  const ns = pod?.metadata.namespace ?? 'default';
  if (sources) {
    for (const f of Array.isArray(container.envFrom) ? (container.envFrom as { prefix?: string; configMapRef?: KeyRef; secretRef?: KeyRef }[]) : []) {
      const ref = f.configMapRef ?? f.secretRef;
      if (!ref?.name) continue;
      const obj = sources.lookup(f.configMapRef ? 'ConfigMap' : 'Secret', ns, ref.name);
      if (!obj) continue;
      for (const k of configKeys(obj)) env.set(`${f.prefix ?? ''}${k}`, configValue(obj, k) ?? '');
    }
  }
  for (const e of Array.isArray(container.env) ? (container.env as EnvVar[]) : []) {
    if (typeof e?.name !== 'string') continue;
    if (e.valueFrom === undefined) {
      env.set(e.name, typeof e.value === 'string' ? expandEnvReferences(e.value, env) : '');
      continue;
    }
    if (!sources || !pod) {
      env.set(e.name, null);
      continue;
    }
    const vf = e.valueFrom;
    const keyRef = vf.configMapKeyRef ?? vf.secretKeyRef;
    let value: string | undefined;
    if (keyRef?.name && keyRef.key !== undefined) value = configValue(sources.lookup(vf.configMapKeyRef ? 'ConfigMap' : 'Secret', ns, keyRef.name), keyRef.key);
    else if (vf.fieldRef?.fieldPath) value = podFieldValue(pod, vf.fieldRef.fieldPath);
    else if (vf.resourceFieldRef) value = resourceValue(container, vf.resourceFieldRef);
    // An optional reference to a missing object or key leaves the variable unset (kubelet).
    if (value !== undefined) env.set(e.name, value);
    else if (!keyRef?.optional) env.set(e.name, '');
  }
  const serviceEnv: [string, string][] = [];
  if (sources && pod) {
    const kubernetes = sources.lookup('Service', 'default', 'kubernetes');
    if (kubernetes) serviceEnv.push(...serviceVariables(kubernetes));
    if (pod.spec?.enableServiceLinks !== false)
      for (const svc of [...sources.services(ns)].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1)))
        if (!(ns === 'default' && svc.metadata.name === 'kubernetes')) serviceEnv.push(...serviceVariables(svc));
  } else serviceEnv.push(...KUBERNETES_SERVICE_ENV);
  for (const [k, v] of serviceEnv) if (!env.has(k)) env.set(k, v);
  if (!env.has('HOME')) env.set('HOME', '/root');
  if (shell) {
    env.set('SHLVL', '1');
    env.set('PWD', '/');
  }
  return env;
}
