/**
 * Per-kind Table columns of built-in kinds, as kube-apiserver's printers define them
 * (pkg/printers/internalversion: column names, priority 1 = shown by `kubectl get -o wide`, and how
 * each cell is worded): Pod, Deployment, ReplicaSet, Service, Node, Event, Job, EndpointSlice.
 * Name and Age columns come from table.ts; this module gives the columns between and after them.
 */
import type { KubeObject } from '../api/index.ts';

/** A column without its Name/Age neighbours: definition and cell. */
export interface PrinterColumn {
  name: string;
  type: string;
  priority: number;
  description: string;
  cell: (o: KubeObject, nowMs: number) => unknown;
}

/** Columns of a kind: those before Age, and those after it (mostly the wide ones). */
export interface KindPrinter {
  /** true: no leading Name column (Event's first column is Last Seen). */
  noName?: boolean;
  /** true: no Age column. */
  noAge?: boolean;
  beforeAge: PrinterColumn[];
  afterAge: PrinterColumn[];
}

type Obj = Record<string, unknown>;
const c = (name: string, cell: (o: KubeObject, nowMs: number) => unknown, priority = 0, type = 'string', description = ''): PrinterColumn => ({ name, type, priority, description, cell });
const none = (v: unknown): string => (v === undefined || v === null || v === '' ? '<none>' : String(v));
const arr = (v: unknown): Obj[] => (Array.isArray(v) ? (v as Obj[]) : []);
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

/** `formatLabelSelector`: matchLabels as `k=v`, matchExpressions as `k in (a,b)` / `k notin (…)` / `k` / `!k`. */
function selectorText(sel: unknown): string {
  const s = obj(sel);
  const parts = Object.entries(obj(s.matchLabels)).map(([k, v]) => `${k}=${String(v)}`);
  for (const e of arr(s.matchExpressions)) {
    const vals = arr(e.values).map(String).join(',');
    if (e.operator === 'In') parts.push(`${String(e.key)} in (${vals})`);
    else if (e.operator === 'NotIn') parts.push(`${String(e.key)} notin (${vals})`);
    else if (e.operator === 'Exists') parts.push(String(e.key));
    else if (e.operator === 'DoesNotExist') parts.push(`!${String(e.key)}`);
  }
  return parts.length ? parts.join(',') : '<none>';
}

const containers = (o: KubeObject) => arr(obj(obj(obj(o.spec).template).spec).containers);
const wideWorkload: PrinterColumn[] = [
  c('Containers', (o) => containers(o).map((x) => String(x.name)).join(','), 1),
  c('Images', (o) => containers(o).map((x) => String(x.image)).join(','), 1),
  c('Selector', (o) => selectorText(obj(o.spec).selector), 1),
];

/** Pod STATUS as `printPod` words it: reason, then container waiting / terminated reasons, Terminating. */
function podStatus(o: KubeObject): string {
  const st = obj(o.status);
  let reason = String(st.reason ?? st.phase ?? 'Pending');
  for (const cs of arr(st.containerStatuses)) {
    const state = obj(cs.state);
    const waiting = obj(state.waiting);
    const term = obj(state.terminated);
    if (waiting.reason) reason = String(waiting.reason);
    else if (state.terminated) reason = term.reason ? String(term.reason) : term.signal ? `Signal:${String(term.signal)}` : `ExitCode:${num(term.exitCode)}`;
  }
  if (o.metadata.deletionTimestamp) reason = st.reason === 'NodeLost' ? 'Unknown' : 'Terminating';
  return reason;
}

/** Service EXTERNAL-IP: `<none>` for ClusterIP, `<pending>` for a LoadBalancer without ingress. */
function serviceExternalIp(o: KubeObject): string {
  const spec = obj(o.spec);
  const ips = arr(spec.externalIPs).map(String);
  if (spec.type === 'ExternalName') return String(spec.externalName ?? '<none>');
  if (spec.type === 'LoadBalancer') {
    const ingress = arr(obj(obj(o.status).loadBalancer).ingress).map((i) => String(i.ip ?? i.hostname ?? ''));
    const all = [...ingress, ...ips].filter(Boolean);
    return all.length ? all.join(',') : '<pending>';
  }
  return ips.length ? ips.join(',') : '<none>';
}

function nodeStatus(o: KubeObject): string {
  const ready = arr(obj(o.status).conditions).find((x) => x.type === 'Ready');
  const parts = [ready?.status === 'True' ? 'Ready' : ready ? 'NotReady' : 'Unknown'];
  if (obj(o.spec).unschedulable) parts.push('SchedulingDisabled');
  return parts.join(',');
}

function nodeRoles(o: KubeObject): string {
  const roles = Object.keys(o.metadata.labels ?? {})
    .filter((k) => k.startsWith('node-role.kubernetes.io/'))
    .map((k) => k.slice('node-role.kubernetes.io/'.length))
    .filter(Boolean)
    .sort();
  return roles.length ? roles.join(',') : '<none>';
}

const nodeAddress = (o: KubeObject, type: string) => none(arr(obj(o.status).addresses).find((a) => a.type === type)?.address);
const nodeInfo = (o: KubeObject) => obj(obj(o.status).nodeInfo);

const PRINTERS: Record<string, KindPrinter> = {
  '/Pod': {
    beforeAge: [
      c('Ready', (o) => {
        const cs = arr(obj(o.status).containerStatuses);
        return `${cs.filter((x) => x.ready === true).length}/${arr(obj(o.spec).containers).length}`;
      }),
      c('Status', podStatus),
      c('Restarts', (o) => String(arr(obj(o.status).containerStatuses).reduce((n, x) => n + num(x.restartCount), 0))),
    ],
    afterAge: [
      c('IP', (o) => none(obj(o.status).podIP), 1),
      c('Node', (o) => none(obj(o.spec).nodeName), 1),
      c('Nominated Node', (o) => none(obj(o.status).nominatedNodeName), 1),
      c('Readiness Gates', (o) => {
        const gates = arr(obj(o.spec).readinessGates);
        if (!gates.length) return '<none>';
        const conds = arr(obj(o.status).conditions);
        return `${gates.filter((g) => conds.some((x) => x.type === g.conditionType && x.status === 'True')).length}/${gates.length}`;
      }, 1),
    ],
  },
  'apps/Deployment': {
    beforeAge: [
      c('Ready', (o) => `${num(obj(o.status).readyReplicas)}/${num(obj(o.spec).replicas ?? 1)}`),
      c('Up-to-date', (o) => num(obj(o.status).updatedReplicas), 0, 'integer'),
      c('Available', (o) => num(obj(o.status).availableReplicas), 0, 'integer'),
    ],
    afterAge: wideWorkload,
  },
  'apps/ReplicaSet': {
    beforeAge: [
      c('Desired', (o) => num(obj(o.spec).replicas ?? 1), 0, 'integer'),
      c('Current', (o) => num(obj(o.status).replicas), 0, 'integer'),
      c('Ready', (o) => num(obj(o.status).readyReplicas), 0, 'integer'),
    ],
    afterAge: wideWorkload,
  },
  'batch/Job': {
    beforeAge: [
      c('Status', (o) => {
        const conds = arr(obj(o.status).conditions).filter((x) => x.status === 'True').map((x) => String(x.type));
        return conds.includes('Complete') ? 'Complete' : conds.includes('Failed') ? 'Failed' : conds.includes('Suspended') ? 'Suspended' : 'Running';
      }),
      c('Completions', (o) => `${num(obj(o.status).succeeded)}/${num(obj(o.spec).completions ?? 1)}`),
    ],
    afterAge: wideWorkload,
  },
  '/Service': {
    beforeAge: [
      c('Type', (o) => String(obj(o.spec).type ?? 'ClusterIP')),
      c('Cluster-IP', (o) => none(obj(o.spec).clusterIP)),
      c('External-IP', serviceExternalIp),
      c('Port(s)', (o) => {
        const ports = arr(obj(o.spec).ports).map((p) => `${num(p.port)}${p.nodePort ? `:${num(p.nodePort)}` : ''}/${String(p.protocol ?? 'TCP')}`);
        return ports.length ? ports.join(',') : '<none>';
      }),
    ],
    afterAge: [c('Selector', (o) => {
      const sel = Object.entries(obj(obj(o.spec).selector)).map(([k, v]) => `${k}=${String(v)}`).sort();
      return sel.length ? sel.join(',') : '<none>';
    }, 1)],
  },
  '/Node': {
    beforeAge: [c('Status', nodeStatus), c('Roles', nodeRoles)],
    afterAge: [
      c('Version', (o) => String(nodeInfo(o).kubeletVersion ?? '')),
      c('Internal-IP', (o) => nodeAddress(o, 'InternalIP'), 1),
      c('External-IP', (o) => nodeAddress(o, 'ExternalIP'), 1),
      c('OS-Image', (o) => String(nodeInfo(o).osImage ?? '<unknown>'), 1),
      c('Kernel-Version', (o) => String(nodeInfo(o).kernelVersion ?? '<unknown>'), 1),
      c('Container-Runtime', (o) => String(nodeInfo(o).containerRuntimeVersion ?? '<unknown>'), 1),
    ],
  },
  'discovery.k8s.io/EndpointSlice': {
    beforeAge: [
      c('AddressType', (o) => String((o as Obj).addressType ?? '')),
      c('Ports', (o) => {
        const ports = arr((o as Obj).ports).map((p) => String(p.port ?? ''));
        return ports.length ? ports.join(',') : '<unset>';
      }),
      c('Endpoints', (o) => {
        const addrs = arr((o as Obj).endpoints).flatMap((e) => arr(e.addresses).map(String));
        return addrs.length === 0 ? '<unset>' : addrs.length > 3 ? `${addrs.slice(0, 3).join(',')} + ${addrs.length - 3} more...` : addrs.join(',');
      }),
    ],
    afterAge: [],
  },
};

/** core/v1 Event: `LAST SEEN TYPE REASON OBJECT MESSAGE` (wide: subobject, source, first seen, count, name). */
function eventPrinter(age: (ts: unknown, nowMs: number) => string): KindPrinter {
  const ev = (o: KubeObject) => o as unknown as Obj;
  const involved = (o: KubeObject) => obj(ev(o).involvedObject);
  return {
    noName: true,
    noAge: true,
    beforeAge: [
      c('Last Seen', (o, now) => age(ev(o).lastTimestamp ?? ev(o).eventTime ?? o.metadata.creationTimestamp, now)),
      c('Type', (o) => String(ev(o).type ?? '')),
      c('Reason', (o) => String(ev(o).reason ?? '')),
      c('Object', (o) => `${String(involved(o).kind ?? '').toLowerCase()}/${String(involved(o).name ?? '')}`),
      c('Subobject', (o) => String(involved(o).fieldPath ?? ''), 1),
      c('Source', (o) => {
        const src = obj(ev(o).source);
        return [src.component, src.host].filter(Boolean).map(String).join(', ');
      }, 1),
      c('Message', (o) => String(ev(o).message ?? '').trim()),
      c('First Seen', (o, now) => age(ev(o).firstTimestamp ?? o.metadata.creationTimestamp, now), 1),
      c('Count', (o) => num(ev(o).count), 1, 'integer'),
      c('Name', (o) => o.metadata.name, 1),
    ],
    afterAge: [],
  };
}

/** The printer of a built-in kind, or undefined (Name and Age only). `age` renders a timestamp as kubectl's ages. */
export function printerFor(group: string, kind: string, age: (ts: unknown, nowMs: number) => string): KindPrinter | undefined {
  if (group === '' && kind === 'Event') return eventPrinter(age);
  return PRINTERS[`${group}/${kind}`];
}
