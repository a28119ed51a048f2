/**
 * The allocations of the Service REST storage (k8s.io/kubernetes pkg/registry/core/service: the
 * storage's `beginCreate` / `beginUpdate` with its IP and node-port allocators), which run after
 * defaulting on every main-resource write of a core/v1 Service:
 *
 * - cluster IPs from the service CIDR {@link SERVICE_CIDR} (kind's default), single-stack IPv4:
 *   `clusterIP` / `clusterIPs` set together, `ipFamilies: [IPv4]`, `ipFamilyPolicy: SingleStack`
 *   (headless Services without selector: RequireDualStack, as upstream, still one family here);
 *   `clusterIP: None` (headless) kept; a requested IP must be a free address of the range;
 *   ExternalName Services get none. A dynamic IP is drawn from the upper band of the range (upstream
 *   reserves the lowest addresses, at most 256, for static assignment: KEP-3070), at an offset
 *   derived from the Service's `<namespace>/<name>` (sha256), then the next free one: deterministic,
 *   no shared random stream;
 * - node ports from {@link NODE_PORT_RANGE} for NodePort and LoadBalancer Services (unless
 *   `allocateLoadBalancerNodePorts: false`) and `healthCheckNodePort` for a LoadBalancer with
 *   `externalTrafficPolicy: Local`, the same way (upper band of the range first);
 * - on update, allocated values the new object omits are carried over from the old one (upstream
 *   `patchAllocatedValues`: cluster IPs, IP families, node ports by port name, the health-check
 *   node port); a cluster IP may not change once set; a type change that no longer needs them
 *   drops them (upstream `dropTypeDependentFields`), one that needs new ones allocates them.
 *
 * Nothing is stored here: what is in use is what the stored Services hold (the caller passes it), so
 * deleting a Service releases its addresses and ports.
 */
import { createHash } from 'node:crypto';
import type { KubeObject, StatusCause } from '../api/index.ts';
import { statusError } from '../api/index.ts';
import type { JsonObject } from '../internal/json.ts';
import { child, items } from './pod-spec.ts';

/** The service CIDR (kind's default `serviceSubnet`): IPv4 only. */
export const SERVICE_CIDR = '10.96.0.0/16';
/** The node-port range (kube-apiserver `--service-node-port-range` default). */
export const NODE_PORT_RANGE = { base: 30000, size: 2768 } as const;
/** The address of the `kubernetes` Service in `default`: the first of the range. */
export const KUBERNETES_SERVICE_IP = '10.96.0.1';

const CIDR_BASE = ipToNumber('10.96.0.0');
const CIDR_SIZE = 1 << 16;
/** Usable offsets of the range: 1 … size-2 (network and broadcast addresses excluded). */
const IP_FIRST = 1;
const IP_LAST = CIDR_SIZE - 2;
/** Upstream static band: min(max(16, size/16), 256) addresses from the start. */
const IP_STATIC_BAND = Math.min(Math.max(16, Math.floor((IP_LAST - IP_FIRST + 1) / 16)), 256);
/** Upstream node-port static band: min(max(16, size/32), 128) ports from the start. */
const PORT_STATIC_BAND = Math.min(Math.max(16, Math.floor(NODE_PORT_RANGE.size / 32)), 128);

/** What the other stored Services hold. */
export interface ServiceAllocationsInUse {
  clusterIPs: ReadonlySet<string>;
  nodePorts: ReadonlySet<number>;
}

/** The cluster IPs and node ports (ports' `nodePort` and `healthCheckNodePort`) a stored Service holds. */
export function serviceAllocations(svc: JsonObject): { clusterIPs: string[]; nodePorts: number[] } {
  const spec = child(svc, 'spec') ?? {};
  const ips = Array.isArray(spec.clusterIPs) ? (spec.clusterIPs as unknown[]) : [spec.clusterIP];
  const clusterIPs = ips.filter((ip): ip is string => typeof ip === 'string' && ip !== '' && ip !== 'None');
  const nodePorts = items(spec, 'ports')
    .map((p) => p.nodePort)
    .filter((n): n is number => typeof n === 'number' && n > 0);
  if (typeof spec.healthCheckNodePort === 'number' && spec.healthCheckNodePort > 0) nodePorts.push(spec.healthCheckNodePort);
  return { clusterIPs, nodePorts };
}

function ipToNumber(ip: string): number {
  const parts = ip.split('.').map(Number);
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

function numberToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

function isIPv4(s: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  return m !== null && m.slice(1).every((p) => Number(p) <= 255 && (p === '0' || !p.startsWith('0')));
}

/** A number in [0, n) derived from `key` (sha256): where a dynamic allocation starts looking. */
function startOffset(key: string, n: number): number {
  return createHash('sha256').update(key).digest().readUInt32BE(0) % n;
}

/** The first free value from `key`'s offset in [dynFirst, last], wrapping, then in [first, dynFirst). */
function pick(key: string, first: number, dynFirst: number, last: number, free: (v: number) => boolean): number | undefined {
  const span = last - dynFirst + 1;
  const start = startOffset(key, span);
  for (let i = 0; i < span; i++) {
    const v = dynFirst + ((start + i) % span);
    if (free(v)) return v;
  }
  for (let v = first; v < dynFirst; v++) if (free(v)) return v;
  return undefined;
}

const needsClusterIP = (spec: JsonObject): boolean => spec.type !== 'ExternalName';
const needsNodePorts = (spec: JsonObject): boolean => spec.type === 'NodePort' || (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false);
const needsHealthCheckNodePort = (spec: JsonObject): boolean => spec.type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local';
const hasSelector = (spec: JsonObject): boolean => Object.keys(child(spec, 'selector') ?? {}).length > 0;

/** Go's `%v`-like rendering of a field value in a cause (apimachinery prints slices as JSON). */
const shown = (v: unknown): string => JSON.stringify(v);

/**
 * Allocates (create: `old` undefined) or carries over and checks (update) the cluster IPs, IP
 * families and node ports of the Service `svc`, in place. `inUse` = what every other stored
 * Service holds; `key` = `<namespace>/<name>` (where dynamic allocations start).
 * Returns the 422 causes (`spec.clusterIPs: Invalid value: ["10.96.0.10"]: failed to allocate IP
 * 10.96.0.10: provided IP is already allocated`, `… the provided IP (…) is not in the valid range. The
 * range of valid IPs is 10.96.0.0/16`, `spec.clusterIPs[0]: Invalid value: ["…"]: may not change once set`,
 * `spec.ports[i].nodePort: Invalid value: N: provided port is already allocated` / `provided port is
 * not in the valid range. The range of valid ports is 30000-32767`, dual-stack requests).
 * @throws StatusError 500 `failed to allocate requested HealthCheck NodePort N: provided port is already allocated`.
 */
export function allocateService(svc: JsonObject, old: JsonObject | undefined, key: string, inUse: ServiceAllocationsInUse): StatusCause[] {
  const spec = child(svc, 'spec');
  if (!spec || Object.isFrozen(spec)) return [];
  const oldSpec = old ? (child(old, 'spec') ?? {}) : undefined;
  const causes: StatusCause[] = [];
  // Unchanged parts of an update are frozen and shared with the stored object: copy the ports before writing node ports.
  if (Array.isArray(spec.ports)) spec.ports = (spec.ports as unknown[]).map((p) => (typeof p === 'object' && p !== null && Object.isFrozen(p) ? { ...p } : p));

  // Update: carry over what the writer omitted, drop what the new type no longer needs.
  if (oldSpec) {
    if (needsClusterIP(oldSpec) && needsClusterIP(spec)) {
      if (spec.clusterIP === undefined || spec.clusterIP === '') spec.clusterIP = oldSpec.clusterIP;
      if (!Array.isArray(spec.clusterIPs) || spec.clusterIPs.length === 0) spec.clusterIPs = oldSpec.clusterIPs;
      if (spec.ipFamilies === undefined) spec.ipFamilies = oldSpec.ipFamilies;
      if (spec.ipFamilyPolicy === undefined) spec.ipFamilyPolicy = oldSpec.ipFamilyPolicy;
      for (const f of ['clusterIP', 'clusterIPs', 'ipFamilies', 'ipFamilyPolicy']) if (spec[f] === undefined) delete spec[f];
    }
    if (!needsClusterIP(spec)) for (const f of ['clusterIP', 'clusterIPs', 'ipFamilies', 'ipFamilyPolicy']) if (JSON.stringify(spec[f]) === JSON.stringify(oldSpec[f])) delete spec[f];
    if (needsNodePorts(oldSpec) && needsNodePorts(spec)) {
      const byName = new Map(items(oldSpec, 'ports').map((p) => [p.name ?? '', p.nodePort]));
      const used = new Set(items(spec, 'ports').map((p) => p.nodePort));
      for (const p of items(spec, 'ports')) {
        const was = byName.get(p.name ?? '');
        if ((p.nodePort === undefined || p.nodePort === 0) && typeof was === 'number' && !used.has(was)) p.nodePort = was;
      }
    }
    if (!needsNodePorts(spec)) {
      const oldPorts = new Set(items(oldSpec, 'ports').map((p) => p.nodePort));
      for (const p of items(spec, 'ports')) if (oldPorts.has(p.nodePort)) delete p.nodePort;
    }
    if (needsHealthCheckNodePort(oldSpec) && needsHealthCheckNodePort(spec) && !spec.healthCheckNodePort) spec.healthCheckNodePort = oldSpec.healthCheckNodePort;
    if (!needsHealthCheckNodePort(spec) && spec.healthCheckNodePort === oldSpec.healthCheckNodePort) delete spec.healthCheckNodePort;
  }

  // Cluster IPs.
  if (needsClusterIP(spec)) {
    const headless = spec.clusterIP === 'None' || (Array.isArray(spec.clusterIPs) && spec.clusterIPs[0] === 'None');
    const policy = spec.ipFamilyPolicy ?? (headless && !hasSelector(spec) ? 'RequireDualStack' : 'SingleStack');
    if (policy !== 'SingleStack' && policy !== 'PreferDualStack' && policy !== 'RequireDualStack')
      causes.push({ reason: 'FieldValueNotSupported', field: 'spec.ipFamilyPolicy', message: `Unsupported value: ${shown(policy)}: supported values: "PreferDualStack", "RequireDualStack", "SingleStack"` });
    else if (policy === 'RequireDualStack' && !headless)
      causes.push({ reason: 'FieldValueInvalid', field: 'spec.ipFamilyPolicy', message: `Invalid value: ${shown(policy)}: this cluster is not configured for dual-stack services` });
    const families = Array.isArray(spec.ipFamilies) && spec.ipFamilies.length > 0 ? (spec.ipFamilies as unknown[]) : ['IPv4'];
    families.forEach((f, i) => {
      if (f !== 'IPv4' && !(headless && !hasSelector(spec))) causes.push({ reason: 'FieldValueInvalid', field: `spec.ipFamilies[${i}]`, message: `Invalid value: ${shown(f)}: not configured on this cluster` });
    });
    spec.ipFamilyPolicy = policy;
    spec.ipFamilies = ['IPv4'];
    const requested = typeof spec.clusterIP === 'string' && spec.clusterIP !== '' ? spec.clusterIP : Array.isArray(spec.clusterIPs) && typeof spec.clusterIPs[0] === 'string' ? spec.clusterIPs[0] : '';
    if (Array.isArray(spec.clusterIPs) && spec.clusterIPs.length > 0 && typeof spec.clusterIP === 'string' && spec.clusterIP !== '' && spec.clusterIPs[0] !== spec.clusterIP)
      causes.push({ reason: 'FieldValueInvalid', field: 'spec.clusterIPs', message: `Invalid value: ${shown(spec.clusterIPs)}: first value must match \`clusterIP\`` });
    const oldIPs = oldSpec && needsClusterIP(oldSpec) ? oldSpec.clusterIPs : undefined;
    if (Array.isArray(oldIPs) && oldIPs.length > 0) {
      if (requested !== oldIPs[0]) causes.push({ reason: 'FieldValueInvalid', field: 'spec.clusterIPs[0]', message: `Invalid value: ${shown([requested])}: may not change once set` });
    } else if (requested === 'None') {
      spec.clusterIP = 'None';
      spec.clusterIPs = ['None'];
    } else if (requested !== '') {
      if (!isIPv4(requested)) causes.push({ reason: 'FieldValueInvalid', field: 'spec.clusterIPs[0]', message: `Invalid value: ${shown(requested)}: must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)` });
      else {
        const offset = ipToNumber(requested) - CIDR_BASE;
        const failure =
          offset < IP_FIRST || offset > IP_LAST
            ? `the provided IP (${requested}) is not in the valid range. The range of valid IPs is ${SERVICE_CIDR}`
            : inUse.clusterIPs.has(requested)
              ? 'provided IP is already allocated'
              : undefined;
        if (failure) causes.push({ reason: 'FieldValueInvalid', field: 'spec.clusterIPs', message: `Invalid value: ${shown([requested])}: failed to allocate IP ${requested}: ${failure}` });
        else {
          spec.clusterIP = requested;
          spec.clusterIPs = [requested];
        }
      }
    } else {
      const offset = pick(key, IP_FIRST, IP_STATIC_BAND, IP_LAST, (o) => !inUse.clusterIPs.has(numberToIp(CIDR_BASE + o)));
      if (offset === undefined) throw statusError('InternalError', `Internal error occurred: failed to allocate a serviceIP: range is full`);
      spec.clusterIP = numberToIp(CIDR_BASE + offset);
      spec.clusterIPs = [spec.clusterIP];
    }
  }

  // Node ports: requested ones checked, missing ones allocated (one port number may serve several protocols of one Service).
  const taken = new Set(inUse.nodePorts);
  const oldNodePorts = new Set(oldSpec ? serviceAllocations(old!).nodePorts : []);
  const ports = items(spec, 'ports');
  const lastPort = NODE_PORT_RANGE.base + NODE_PORT_RANGE.size - 1;
  const inRange = (n: number) => n >= NODE_PORT_RANGE.base && n <= lastPort;
  const mine = new Set<number>();
  ports.forEach((p, i) => {
    if (typeof p.nodePort !== 'number' || p.nodePort === 0) return;
    if (mine.has(p.nodePort) || oldNodePorts.has(p.nodePort)) return void mine.add(p.nodePort);
    const failure = !inRange(p.nodePort)
      ? `provided port is not in the valid range. The range of valid ports is ${NODE_PORT_RANGE.base}-${lastPort}`
      : taken.has(p.nodePort)
        ? 'provided port is already allocated'
        : undefined;
    if (failure) causes.push({ reason: 'FieldValueInvalid', field: `spec.ports[${i}].nodePort`, message: `Invalid value: ${p.nodePort}: ${failure}` });
    mine.add(p.nodePort);
  });
  const free = (o: number) => !taken.has(NODE_PORT_RANGE.base + o) && !mine.has(NODE_PORT_RANGE.base + o);
  const allocatePort = (salt: string): number => {
    const o = pick(`${key}\u0000${salt}`, 0, PORT_STATIC_BAND, NODE_PORT_RANGE.size - 1, free);
    if (o === undefined) throw statusError('InternalError', 'Internal error occurred: failed to allocate a nodePort: range is full');
    mine.add(NODE_PORT_RANGE.base + o);
    return NODE_PORT_RANGE.base + o;
  };
  if (needsNodePorts(spec)) {
    for (const p of ports) if (typeof p.nodePort !== 'number' || p.nodePort === 0) p.nodePort = allocatePort(`${p.name ?? ''}/${p.port}/${p.protocol ?? 'TCP'}`);
  }
  if (needsHealthCheckNodePort(spec)) {
    const hc = spec.healthCheckNodePort;
    if (typeof hc === 'number' && hc !== 0 && hc !== oldSpec?.healthCheckNodePort) {
      if (taken.has(hc) || mine.has(hc) || !inRange(hc))
        throw statusError('InternalError', `Internal error occurred: failed to allocate requested HealthCheck NodePort ${hc}: ${inRange(hc) ? 'provided port is already allocated' : `provided port is not in the valid range. The range of valid ports is ${NODE_PORT_RANGE.base}-${lastPort}`}`);
      mine.add(hc);
    } else if (typeof hc !== 'number' || hc === 0) spec.healthCheckNodePort = allocatePort('healthCheckNodePort');
  }
  return causes;
}

/**
 * The objects kube-apiserver's bootstrap controller keeps in `default`: the `kubernetes` Service
 * (clusterIP {@link KUBERNETES_SERVICE_IP}, port `https` 443 → 6443, labels component=apiserver,
 * provider=kubernetes) and its Endpoints and EndpointSlice (the API server's advertised address
 * `advertiseAddress`, port 6443), which no controller derives from a selector.
 */
export function kubernetesServiceObjects(advertiseAddress = '172.18.0.2'): KubeObject[] {
  const ports = [{ name: 'https', port: 6443, protocol: 'TCP' }];
  return [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
      spec: { type: 'ClusterIP', clusterIP: KUBERNETES_SERVICE_IP, ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }], sessionAffinity: 'None' },
    },
    {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'kubernetes', namespace: 'default', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
      subsets: [{ addresses: [{ ip: advertiseAddress }], ports }],
    },
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'kubernetes', namespace: 'default', labels: { 'kubernetes.io/service-name': 'kubernetes' } },
      addressType: 'IPv4',
      endpoints: [{ addresses: [advertiseAddress], conditions: { ready: true } }],
      ports,
    },
  ];
}
