/**
 * Per-kind Table columns of the built-in kinds, as kube-apiserver prints them for `kubectl get`
 * (k8s.io/kubernetes pkg/printers/internalversion/printers.go, column definitions and print
 * functions; CustomResourceDefinitions use apiserver's default table convertor, `Name` +
 * `Created At`). The server always fills every column, priority-1 ones included (its table
 * convertor generates with `Wide: true`); kubectl shows priority-1 columns only with `-o wide`.
 * Cells are computed from the stored object and `now` (ms since epoch) for ages.
 */
import type { KubeObject } from '../api/index.ts';
import type { ColumnSpec } from './table.ts';
import { humanDuration } from './table.ts';

type Json = Record<string, unknown>;

const obj = (v: unknown): Json => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const arr = (v: unknown): Json[] => (Array.isArray(v) ? v.map(obj) : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

/** `translateTimestampSince`: human age of an RFC 3339 time, `<unknown>` when unset. */
function since(time: unknown, now: number): string {
  const t = typeof time === 'string' && time !== '' ? Date.parse(time) : NaN;
  return Number.isNaN(t) ? '<unknown>' : humanDuration(now - t);
}

const NAME_DOC = 'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';
const AGE_DOC = 'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';

type Cell = (o: KubeObject, now: number) => unknown;

/** A column definition: name, type, priority (1 = `-o wide` only), description, cell. */
function c(name: string, type: string, cell: Cell, priority = 0, description = '', format = ''): ColumnSpec & { cellAt: Cell } {
  return { name, type, format, description, priority, cell: () => null, cellAt: cell };
}
const nameCol = () => c('Name', 'string', (o) => o.metadata.name, 0, NAME_DOC, 'name');
const ageCol = () => c('Age', 'string', (o, now) => since(o.metadata.creationTimestamp, now), 0, AGE_DOC);

/** `labels.FormatLabels`: `k=v` pairs sorted by key, comma-joined; `<none>` when empty. */
export function formatLabels(labels: unknown): string {
  const entries = Object.entries(obj(labels)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return entries.length ? entries.map(([k, v]) => `${k}=${String(v)}`).join(',') : '<none>';
}

/**
 * `metav1.LabelSelectorAsSelector(s).String()`: requirements sorted by key — `k=v` for matchLabels,
 * `k in (a,b)`, `k notin (a,b)` (values sorted), `k`, `!k`; `''` for an empty or absent selector.
 */
export function labelSelectorString(selector: unknown): string {
  const s = obj(selector);
  const reqs: [string, string][] = [];
  for (const [k, v] of Object.entries(obj(s.matchLabels))) reqs.push([k, `${k}=${String(v)}`]);
  for (const e of arr(s.matchExpressions)) {
    const key = str(e.key);
    const values = (Array.isArray(e.values) ? e.values.map(String) : []).sort();
    const op = str(e.operator);
    if (op === 'In') reqs.push([key, `${key} in (${values.join(',')})`]);
    else if (op === 'NotIn') reqs.push([key, `${key} notin (${values.join(',')})`]);
    else if (op === 'Exists') reqs.push([key, key]);
    else if (op === 'DoesNotExist') reqs.push([key, `!${key}`]);
  }
  return reqs
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, r]) => r)
    .join(',');
}

/** `metav1.FormatLabelSelector`: the selector string, `<none>` when it selects by nothing. */
const formatLabelSelector = (selector: unknown) => labelSelectorString(selector) || '<none>';

/** `layoutContainerCells`: container names and images, each comma-joined. */
function containerCells(podSpec: unknown): [string, string] {
  const cs = arr(obj(podSpec).containers);
  return [cs.map((x) => str(x.name)).join(','), cs.map((x) => str(x.image)).join(',')];
}

const isRestartableInit = (container: Json | undefined) => container?.restartPolicy === 'Always';

/** The Pod columns' READY, STATUS and RESTARTS cells (printPod's status and restart bookkeeping). */
function podSummary(pod: KubeObject, now: number): { ready: string; reason: string; restarts: string } {
  const spec = obj(pod.spec);
  const status = obj(pod.status);
  const initSpecs = new Map(arr(spec.initContainers).map((x) => [str(x.name), x]));
  const total = arr(spec.containers).length + [...initSpecs.values()].filter(isRestartableInit).length;
  let restarts = 0;
  let sidecarRestarts = 0;
  let readyContainers = 0;
  let lastRestart = 0;
  let lastSidecarRestart = 0;
  const phase = str(status.phase);
  let reason = str(status.reason) || phase;
  for (const cond of arr(status.conditions)) if (cond.type === 'PodScheduled' && cond.reason === 'SchedulingGated') reason = 'SchedulingGated';
  const finishedAt = (cs: Json) => {
    const t = Date.parse(str(obj(obj(cs.lastState).terminated).finishedAt));
    return Number.isNaN(t) ? 0 : t;
  };

  let initializing = false;
  const initStatuses = arr(status.initContainerStatuses);
  for (let i = 0; i < initStatuses.length; i++) {
    const cs = initStatuses[i];
    const state = obj(cs.state);
    const terminated = state.terminated === undefined ? undefined : obj(state.terminated);
    const waiting = state.waiting === undefined ? undefined : obj(state.waiting);
    restarts += num(cs.restartCount);
    lastRestart = Math.max(lastRestart, finishedAt(cs));
    const sidecar = isRestartableInit(initSpecs.get(str(cs.name)));
    if (sidecar) {
      sidecarRestarts += num(cs.restartCount);
      lastSidecarRestart = Math.max(lastSidecarRestart, finishedAt(cs));
    }
    if (terminated && num(terminated.exitCode) === 0) continue;
    if (sidecar && cs.started === true) {
      if (cs.ready === true) readyContainers++;
      continue;
    }
    if (terminated) {
      if (!str(terminated.reason)) reason = num(terminated.signal) !== 0 ? `Init:Signal:${num(terminated.signal)}` : `Init:ExitCode:${num(terminated.exitCode)}`;
      else reason = `Init:${str(terminated.reason)}`;
    } else if (waiting && str(waiting.reason) && waiting.reason !== 'PodInitializing') reason = `Init:${str(waiting.reason)}`;
    else reason = `Init:${i}/${initSpecs.size}`;
    initializing = true;
    break;
  }

  const initialized = arr(status.conditions).some((x) => x.type === 'Initialized' && x.status === 'True');
  if (!initializing || initialized) {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const statuses = arr(status.containerStatuses);
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = statuses[i];
      const state = obj(cs.state);
      restarts += num(cs.restartCount);
      lastRestart = Math.max(lastRestart, finishedAt(cs));
      const waiting = state.waiting === undefined ? undefined : obj(state.waiting);
      const terminated = state.terminated === undefined ? undefined : obj(state.terminated);
      if (waiting && str(waiting.reason)) reason = str(waiting.reason);
      else if (terminated && str(terminated.reason)) reason = str(terminated.reason);
      else if (terminated) reason = num(terminated.signal) !== 0 ? `Signal:${num(terminated.signal)}` : `ExitCode:${num(terminated.exitCode)}`;
      else if (cs.ready === true && state.running !== undefined) {
        hasRunning = true;
        readyContainers++;
      }
    }
    if (reason === 'Completed' && hasRunning) reason = arr(status.conditions).some((x) => x.type === 'Ready' && x.status === 'True') ? 'Running' : 'NotReady';
  }
  if (pod.metadata.deletionTimestamp && status.reason === 'NodeLost') reason = 'Unknown';
  else if (pod.metadata.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating';
  const restartText = restarts !== 0 && lastRestart !== 0 ? `${restarts} (${humanDuration(now - lastRestart)} ago)` : String(restarts);
  return { ready: `${readyContainers}/${total}`, reason, restarts: restartText };
}

function podColumns(): ReturnType<typeof c>[] {
  return [
    nameCol(),
    c('Ready', 'string', (o, now) => podSummary(o, now).ready, 0, 'The aggregate readiness state of this pod for accepting traffic.'),
    c('Status', 'string', (o, now) => podSummary(o, now).reason, 0, 'The aggregate status of the containers in this pod.'),
    c('Restarts', 'string', (o, now) => podSummary(o, now).restarts, 0, 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
    ageCol(),
    c('IP', 'string', (o) => str(arr(obj(o.status).podIPs)[0]?.ip) || '<none>', 1),
    c('Node', 'string', (o) => str(obj(o.spec).nodeName) || '<none>', 1),
    c('Nominated Node', 'string', (o) => str(obj(o.status).nominatedNodeName) || '<none>', 1),
    c('Readiness Gates', 'string', (o) => {
      const gates = arr(obj(o.spec).readinessGates);
      if (gates.length === 0) return '<none>';
      const conds = arr(obj(o.status).conditions);
      const ok = gates.filter((g) => conds.find((x) => x.type === g.conditionType)?.status === 'True').length;
      return `${ok}/${gates.length}`;
    }, 1),
  ];
}

const templateSpec = (o: KubeObject) => obj(obj(obj(o.spec).template).spec);
const wideTemplate = (spec: (o: KubeObject) => unknown, selector: (o: KubeObject) => string) => [
  c('Containers', 'string', (o) => containerCells(spec(o))[0], 1, 'Names of each container in the template.'),
  c('Images', 'string', (o) => containerCells(spec(o))[1], 1, 'Images referenced by each container in the template.'),
  c('Selector', 'string', selector, 1),
];

/** `printService`'s EXTERNAL-IP (`getServiceExternalIP`, wide: load-balancer ingress unclipped). */
function serviceExternalIP(o: KubeObject): string {
  const spec = obj(o.spec);
  const externalIPs = Array.isArray(spec.externalIPs) ? spec.externalIPs.map(String) : [];
  switch (spec.type) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = [...new Set(arr(obj(obj(o.status).loadBalancer).ingress).map((x) => str(x.ip) || str(x.hostname)).filter(Boolean))].sort();
      const all = [...lb, ...externalIPs];
      return all.length ? all.join(',') : '<pending>';
    }
    case 'ExternalName':
      return str(spec.externalName);
  }
  return '<unknown>';
}

/** `makePortString`: `port/PROTO` or `port:nodePort/PROTO`, comma-joined; `<none>` when empty. */
function servicePorts(o: KubeObject): string {
  const s = arr(obj(o.spec).ports)
    .map((p) => (num(p.nodePort) > 0 ? `${num(p.port)}:${num(p.nodePort)}/${str(p.protocol)}` : `${num(p.port)}/${str(p.protocol)}`))
    .join(',');
  return s || '<none>';
}

/** `listWithMoreString`: up to `max` entries, then ` + N more...`; `<unset>` when empty. */
function listWithMore(list: string[], max: number): string {
  const shown = list.slice(0, max).join(',');
  if (list.length > max) return `${shown} + ${list.length - max} more...`;
  return shown || '<unset>';
}

/** A CertificateSigningRequest's CONDITION: Denied, else Approved, else Pending; then `,Failed` and `,Issued` (once it has a certificate). */
function csrCondition(o: KubeObject): string {
  const status = obj(o.status);
  const types = new Set(arr(status.conditions).map((x) => str(x.type)));
  let out = types.has('Denied') ? 'Denied' : types.has('Approved') ? 'Approved' : 'Pending';
  if (types.has('Failed')) out += ',Failed';
  if (str(status.certificate) !== '') out += ',Issued';
  return out;
}

function jobCompletions(spec: Json, status: Json): string {
  if (typeof spec.completions === 'number') return `${num(status.succeeded)}/${spec.completions}`;
  const parallelism = num(spec.parallelism);
  return parallelism > 1 ? `${num(status.succeeded)}/1 of ${parallelism}` : `${num(status.succeeded)}/1`;
}

function jobStatus(o: KubeObject): string {
  const conds = arr(obj(o.status).conditions);
  const has = (type: string) => conds.find((x) => x.type === type)?.status === 'True';
  if (has('Complete')) return 'Complete';
  if (has('Failed')) return 'Failed';
  if (o.metadata.deletionTimestamp) return 'Terminating';
  if (has('Suspended')) return 'Suspended';
  if (has('FailureTarget')) return 'FailureTarget';
  return 'Running';
}

function jobDuration(o: KubeObject, now: number): string {
  const status = obj(o.status);
  const start = Date.parse(str(status.startTime));
  if (Number.isNaN(start)) return '';
  const end = Date.parse(str(status.completionTime));
  return humanDuration((Number.isNaN(end) ? now : end) - start);
}

/** Human value of an IntOrString (`minAvailable`, `maxUnavailable`). */
const intOrString = (v: unknown) => (v === undefined || v === null ? 'N/A' : String(v));

/** `formatHPAMetrics`, for the metric source types autoscaling/v2 has. */
function hpaTargets(o: KubeObject): string {
  const specs = arr(obj(o.spec).metrics);
  if (specs.length === 0) return '<none>';
  const statuses = arr(obj(o.status).currentMetrics);
  const list = specs.map((spec, i) => {
    const st = statuses[i];
    const type = str(spec.type);
    const key = type === 'ContainerResource' ? 'containerResource' : type.charAt(0).toLowerCase() + type.slice(1);
    const source = obj(spec[key]);
    const target = obj(source.target);
    const current = st ? obj(obj(st[key]).current) : undefined;
    const hasCurrent = st !== undefined && st[key] !== undefined;
    switch (type) {
      case 'External':
      case 'Object':
        if (target.averageValue !== undefined) return `${hasCurrent && current?.averageValue !== undefined ? String(current.averageValue) : '<unknown>'}/${String(target.averageValue)} (avg)`;
        return `${hasCurrent ? String(current?.value ?? '') : '<unknown>'}/${String(target.value ?? '')}`;
      case 'Pods':
        return `${hasCurrent ? String(current?.averageValue ?? '') : '<unknown>'}/${String(target.averageValue ?? '')}`;
      case 'Resource':
      case 'ContainerResource': {
        const name = str(source.name);
        if (target.averageValue !== undefined) return `${name}: ${hasCurrent ? String(current?.averageValue ?? '') : '<unknown>'}/${String(target.averageValue)}`;
        const cur = hasCurrent && typeof current?.averageUtilization === 'number' ? `${current.averageUtilization}%` : '<unknown>';
        const tgt = typeof target.averageUtilization === 'number' ? `${target.averageUtilization}%` : '<auto>';
        return `${name}: ${cur}/${tgt}`;
      }
      default:
        return '<unknown type>';
    }
  });
  return list.length > 2 ? `${list.slice(0, 2).join(', ')} + ${list.length - 2} more...` : list.join(', ');
}

/** Event first/last seen as printEvent derives them (eventTime and series for events.k8s.io-style writers). */
function eventTimes(o: KubeObject, now: number): { first: string; last: string; count: number } {
  const first = o.firstTimestamp ? since(o.firstTimestamp, now) : since(o.eventTime, now);
  let last = o.lastTimestamp ? since(o.lastTimestamp, now) : first;
  let count = num(o.count);
  const series = o.series === undefined || o.series === null ? undefined : obj(o.series);
  if (series) {
    last = since(series.lastObservedTime, now);
    count = num(series.count);
  } else if (count === 0) count = 1;
  return { first, last, count };
}

const eventSource = (o: KubeObject) => {
  const source = obj(o.source);
  const component = str(source.component) || str(o.reportingComponent);
  const instance = str(source.host) || str(o.reportingInstance);
  return instance ? `${component}, ${instance}` : component;
};

/** Column builders of the built-in kinds, by `group/Kind` (`/Pod` for core). */
/** `Created At` (a date column) of kinds upstream prints without an age: CRDs, Roles, LimitRanges. */
const createdAtCol = () =>
  c('Created At', 'date', (o) => (o.metadata.creationTimestamp ? new Date(Date.parse(o.metadata.creationTimestamp)).toISOString().replace(/\.\d{3}Z$/, 'Z') : null), 0, AGE_DOC);

/** RoleBinding / ClusterRoleBinding: `Role` as `<Kind>/<name>`; -o wide adds the subjects by kind. */
function bindingColumns(): ReturnType<typeof c>[] {
  const subjects = (o: KubeObject, kind: string) =>
    arr(o.subjects)
      .filter((s) => s.kind === kind)
      .map((s) => (kind === 'ServiceAccount' ? `${str(s.namespace)}/${str(s.name)}` : str(s.name)))
      .join(', ');
  return [
    nameCol(),
    c('Role', 'string', (o) => `${str(obj(o.roleRef).kind)}/${str(obj(o.roleRef).name)}`),
    ageCol(),
    c('Users', 'string', (o) => subjects(o, 'User'), 1),
    c('Groups', 'string', (o) => subjects(o, 'Group'), 1),
    c('ServiceAccounts', 'string', (o) => subjects(o, 'ServiceAccount'), 1),
  ];
}

/** ResourceQuota `Request` / `Limit` from the status the quota controller writes: `<resource>: <used>/<hard>` per hard limit, sorted; `limits.*` in Limit. */
function quotaUsage(o: KubeObject, limits: boolean): string {
  const hard = obj(obj(o.status).hard);
  const used = obj(obj(o.status).used);
  return Object.keys(hard)
    .filter((r) => r.startsWith('limits.') === limits)
    .sort()
    .map((r) => `${r}: ${String(used[r] ?? 0)}/${String(hard[r])}`)
    .join(', ');
}

const PRINTERS: Record<string, () => ReturnType<typeof c>[]> = {
  '/Pod': podColumns,
  '/Namespace': () => [nameCol(), c('Status', 'string', (o) => str(obj(o.status).phase), 0, 'The status of the namespace'), ageCol()],
  '/ConfigMap': () => [nameCol(), c('Data', 'string', (o) => Object.keys(o.data ?? {}).length + Object.keys(o.binaryData ?? {}).length), ageCol()],
  '/Secret': () => [nameCol(), c('Type', 'string', (o) => str(o.type)), c('Data', 'string', (o) => Object.keys(o.data ?? {}).length), ageCol()],
  '/ServiceAccount': () => [nameCol(), c('Secrets', 'string', (o) => arr(o.secrets).length), ageCol()],
  '/Service': () => [
    nameCol(),
    c('Type', 'string', (o) => str(obj(o.spec).type)),
    c('Cluster-IP', 'string', (o) => {
      const ips = obj(o.spec).clusterIPs;
      return Array.isArray(ips) && ips.length ? String(ips[0]) : '<none>';
    }),
    c('External-IP', 'string', serviceExternalIP),
    c('Port(s)', 'string', servicePorts),
    ageCol(),
    c('Selector', 'string', (o) => formatLabels(obj(o.spec).selector), 1),
  ],
  '/Node': () => [
    nameCol(),
    c('Status', 'string', (o) => {
      const ready = arr(obj(o.status).conditions).find((x) => x.type === 'Ready');
      const status = ready ? [ready.status === 'True' ? 'Ready' : 'NotReady'] : ['Unknown'];
      if (obj(o.spec).unschedulable === true) status.push('SchedulingDisabled');
      return status.join(',');
    }, 0, 'The status of the node'),
    c('Roles', 'string', (o) => {
      const roles = new Set<string>();
      for (const [k, v] of Object.entries(o.metadata.labels ?? {})) {
        if (k.startsWith('node-role.kubernetes.io/') && k.length > 'node-role.kubernetes.io/'.length) roles.add(k.slice('node-role.kubernetes.io/'.length));
        else if (k === 'kubernetes.io/role' && v) roles.add(v);
      }
      return [...roles].sort().join(',') || '<none>';
    }, 0, 'The roles of the node'),
    ageCol(),
    c('Version', 'string', (o) => str(obj(obj(o.status).nodeInfo).kubeletVersion)),
    c('Internal-IP', 'string', (o) => str(arr(obj(o.status).addresses).find((a) => a.type === 'InternalIP')?.address) || '<none>', 1),
    c('External-IP', 'string', (o) => str(arr(obj(o.status).addresses).find((a) => a.type === 'ExternalIP')?.address) || '<none>', 1),
    c('OS-Image', 'string', (o) => str(obj(obj(o.status).nodeInfo).osImage) || '<unknown>', 1),
    c('Kernel-Version', 'string', (o) => str(obj(obj(o.status).nodeInfo).kernelVersion) || '<unknown>', 1),
    c('Container-Runtime', 'string', (o) => str(obj(obj(o.status).nodeInfo).containerRuntimeVersion) || '<unknown>', 1),
  ],
  '/Event': () => [
    c('Last Seen', 'string', (o, now) => eventTimes(o, now).last),
    c('Type', 'string', (o) => str(o.type)),
    c('Reason', 'string', (o) => str(o.reason)),
    c('Object', 'string', (o) => {
      const inv = obj(o.involvedObject);
      return str(inv.name) ? `${str(inv.kind).toLowerCase()}/${str(inv.name)}` : str(inv.kind).toLowerCase();
    }),
    c('Subobject', 'string', (o) => str(obj(o.involvedObject).fieldPath), 1),
    c('Source', 'string', eventSource, 1),
    c('Message', 'string', (o) => str(o.message).trim()),
    c('First Seen', 'string', (o, now) => eventTimes(o, now).first, 1),
    c('Count', 'string', (o, now) => eventTimes(o, now).count, 1),
    c('Name', 'string', (o) => o.metadata.name, 1, NAME_DOC, 'name'),
  ],
  '/Endpoints': () => [
    nameCol(),
    c('Endpoints', 'string', (o) => {
      const subsets = arr(o.subsets);
      if (subsets.length === 0) return '<none>';
      const list: string[] = [];
      for (const ss of subsets) {
        const addrs = arr(ss.addresses).map((a) => str(a.ip));
        const ports = arr(ss.ports);
        if (ports.length === 0) list.push(...addrs);
        else for (const p of ports) for (const ip of addrs) list.push(ip.includes(':') ? `[${ip}]:${num(p.port)}` : `${ip}:${num(p.port)}`);
      }
      return list.length > 3 ? `${list.slice(0, 3).join(',')} + ${list.length - 3} more...` : list.join(',');
    }),
    ageCol(),
  ],
  '/PersistentVolumeClaim': () => [
    nameCol(),
    c('Status', 'string', (o) => (o.metadata.deletionTimestamp ? 'Terminating' : str(obj(o.status).phase))),
    c('Volume', 'string', (o) => str(obj(o.spec).volumeName)),
    c('Capacity', 'string', (o) => (str(obj(o.spec).volumeName) ? String(obj(obj(o.status).capacity).storage ?? '') : '')),
    c('Access Modes', 'string', (o) => (str(obj(o.spec).volumeName) ? accessModes(obj(o.status).accessModes) : '')),
    c('StorageClass', 'string', (o) => str(obj(o.spec).storageClassName) || str(o.metadata.annotations?.['volume.beta.kubernetes.io/storage-class'])),
    c('VolumeAttributesClass', 'string', (o) => str(obj(o.spec).volumeAttributesClassName) || '<unset>'),
    ageCol(),
    c('VolumeMode', 'string', (o) => str(obj(o.spec).volumeMode) || '<unset>', 1),
  ],
  'apps/Deployment': () => [
    nameCol(),
    c('Ready', 'string', (o) => `${num(obj(o.status).readyReplicas)}/${num(obj(o.spec).replicas)}`, 0, 'Number of the pod with ready state'),
    c('Up-to-date', 'string', (o) => num(obj(o.status).updatedReplicas)),
    c('Available', 'string', (o) => num(obj(o.status).availableReplicas)),
    ageCol(),
    ...wideTemplate(templateSpec, (o) => labelSelectorString(obj(o.spec).selector)),
  ],
  'apps/ReplicaSet': () => [
    nameCol(),
    c('Desired', 'integer', (o) => num(obj(o.spec).replicas)),
    c('Current', 'integer', (o) => num(obj(o.status).replicas)),
    c('Ready', 'integer', (o) => num(obj(o.status).readyReplicas)),
    ageCol(),
    ...wideTemplate(templateSpec, (o) => formatLabelSelector(obj(o.spec).selector)),
  ],
  'batch/Job': () => [
    nameCol(),
    c('Status', 'string', jobStatus, 0, 'Status of the job.'),
    c('Completions', 'string', (o) => jobCompletions(obj(o.spec), obj(o.status))),
    c('Duration', 'string', jobDuration, 0, 'Time required to complete the job.'),
    ageCol(),
    ...wideTemplate(templateSpec, (o) => formatLabelSelector(obj(o.spec).selector)),
  ],
  'batch/CronJob': () => [
    nameCol(),
    c('Schedule', 'string', (o) => str(obj(o.spec).schedule)),
    c('Timezone', 'string', (o) => str(obj(o.spec).timeZone) || '<none>'),
    c('Suspend', 'boolean', (o) => obj(o.spec).suspend === true),
    c('Active', 'integer', (o) => arr(obj(o.status).active).length),
    c('Last Schedule', 'string', (o, now) => (obj(o.status).lastScheduleTime ? since(obj(o.status).lastScheduleTime, now) : '<none>')),
    ageCol(),
    ...wideTemplate(
      (o) => obj(obj(obj(obj(o.spec).jobTemplate).spec).template).spec,
      (o) => formatLabelSelector(obj(obj(obj(o.spec).jobTemplate).spec).selector),
    ),
  ],
  'policy/PodDisruptionBudget': () => [
    nameCol(),
    c('Min Available', 'string', (o) => intOrString(obj(o.spec).minAvailable), 0, 'The minimum number of pods that must be available.'),
    c('Max Unavailable', 'string', (o) => intOrString(obj(o.spec).maxUnavailable), 0, 'The maximum number of pods that may be unavailable.'),
    c('Allowed Disruptions', 'integer', (o) => num(obj(o.status).disruptionsAllowed), 0, 'Calculated number of pods that may be disrupted at this time.'),
    ageCol(),
  ],
  'discovery.k8s.io/EndpointSlice': () => [
    nameCol(),
    c('AddressType', 'string', (o) => str(o.addressType)),
    c('Ports', 'string', (o) => listWithMore(arr(o.ports).map((p) => (typeof p.port === 'number' ? String(p.port) : str(p.name) || '*')), 3)),
    c('Endpoints', 'string', (o) => listWithMore(arr(o.endpoints).flatMap((e) => (Array.isArray(e.addresses) ? e.addresses.map(String) : [])), 3)),
    ageCol(),
  ],
  'networking.k8s.io/NetworkPolicy': () => [nameCol(), c('Pod-Selector', 'string', (o) => formatLabelSelector(obj(o.spec).podSelector)), ageCol()],
  'autoscaling/HorizontalPodAutoscaler': () => [
    nameCol(),
    c('Reference', 'string', (o) => `${str(obj(obj(o.spec).scaleTargetRef).kind)}/${str(obj(obj(o.spec).scaleTargetRef).name)}`),
    c('Targets', 'string', hpaTargets),
    c('MinPods', 'string', (o) => (typeof obj(o.spec).minReplicas === 'number' ? String(obj(o.spec).minReplicas) : '<unset>')),
    c('MaxPods', 'string', (o) => num(obj(o.spec).maxReplicas)),
    c('Replicas', 'string', (o) => num(obj(o.status).currentReplicas)),
    ageCol(),
  ],
  'apps/StatefulSet': () => [
    nameCol(),
    c('Ready', 'string', (o) => `${num(obj(o.status).readyReplicas)}/${num(obj(o.spec).replicas)}`, 0, 'Number of the pod with ready state'),
    ageCol(),
    ...wideTemplate(templateSpec, () => '').slice(0, 2),
  ],
  'apps/DaemonSet': () => [
    nameCol(),
    c('Desired', 'integer', (o) => num(obj(o.status).desiredNumberScheduled)),
    c('Current', 'integer', (o) => num(obj(o.status).currentNumberScheduled)),
    c('Ready', 'integer', (o) => num(obj(o.status).numberReady)),
    c('Up-to-date', 'integer', (o) => num(obj(o.status).updatedNumberScheduled)),
    c('Available', 'integer', (o) => num(obj(o.status).numberAvailable)),
    c('Node Selector', 'string', (o) => formatLabels(obj(templateSpec(o)).nodeSelector)),
    ageCol(),
    ...wideTemplate(templateSpec, (o) => formatLabelSelector(obj(o.spec).selector)),
  ],
  'apps/ControllerRevision': () => [
    nameCol(),
    c('Controller', 'string', (o) => {
      const owner = (o.metadata.ownerReferences ?? []).find((r) => r.controller === true);
      if (!owner) return '<none>';
      const group = owner.apiVersion.includes('/') ? owner.apiVersion.split('/')[0] : '';
      return `${owner.kind.toLowerCase()}${group ? `.${group}` : ''}/${owner.name}`;
    }),
    c('Revision', 'integer', (o) => num(o.revision)),
    ageCol(),
  ],
  '/ReplicationController': () => [
    nameCol(),
    c('Desired', 'integer', (o) => num(obj(o.spec).replicas)),
    c('Current', 'integer', (o) => num(obj(o.status).replicas)),
    c('Ready', 'integer', (o) => num(obj(o.status).readyReplicas)),
    ageCol(),
    ...wideTemplate(templateSpec, (o) => formatLabels(obj(o.spec).selector)),
  ],
  'certificates.k8s.io/CertificateSigningRequest': () => [
    nameCol(),
    ageCol(),
    c('SignerName', 'string', (o) => str(obj(o.spec).signerName)),
    c('Requestor', 'string', (o) => str(obj(o.spec).username)),
    c('RequestedDuration', 'string', (o) => {
      const s = obj(o.spec).expirationSeconds;
      return typeof s === 'number' ? humanDuration(s * 1000) : '<none>';
    }),
    c('Condition', 'string', csrCondition),
  ],
  '/PodTemplate': () => [
    nameCol(),
    ...wideTemplate((o) => obj(obj(o).template).spec, () => '').slice(0, 2).map((col) => ({ ...col, priority: 0 })),
    c('Pod Labels', 'string', (o) => formatLabels(obj(obj(obj(o).template).metadata).labels)),
  ],
  'rbac.authorization.k8s.io/Role': () => [nameCol(), createdAtCol()],
  'rbac.authorization.k8s.io/ClusterRole': () => [nameCol(), createdAtCol()],
  'rbac.authorization.k8s.io/RoleBinding': () => bindingColumns(),
  'rbac.authorization.k8s.io/ClusterRoleBinding': () => bindingColumns(),
  'networking.k8s.io/Ingress': () => [
    nameCol(),
    c('Class', 'string', (o) => str(obj(o.spec).ingressClassName) || '<none>'),
    c('Hosts', 'string', (o) => listWithMore(arr(obj(o.spec).rules).map((r) => str(r.host) || '*'), 4) || '*'),
    c('Address', 'string', (o) => arr(obj(obj(o.status).loadBalancer).ingress).map((i) => str(i.ip) || str(i.hostname)).filter(Boolean).join(',')),
    c('Ports', 'string', (o) => (arr(obj(o.spec).tls).length ? '80, 443' : '80')),
    ageCol(),
  ],
  'networking.k8s.io/IngressClass': () => [
    nameCol(),
    c('Controller', 'string', (o) => str(obj(o.spec).controller)),
    c('Parameters', 'string', (o) => {
      const p = obj(obj(o.spec).parameters);
      if (!p.kind) return '<none>';
      return `${str(p.kind)}.${str(p.apiGroup)}/${str(p.name)}`;
    }),
    ageCol(),
  ],
  'scheduling.k8s.io/PriorityClass': () => [
    nameCol(),
    c('Value', 'integer', (o) => num(o.value)),
    c('Global-Default', 'boolean', (o) => o.globalDefault === true),
    ageCol(),
    c('PreemptionPolicy', 'string', (o) => str(o.preemptionPolicy) || 'PreemptLowerPriority'),
  ],
  '/ResourceQuota': () => [
    nameCol(),
    ageCol(),
    c('Request', 'string', (o) => quotaUsage(o, false)),
    c('Limit', 'string', (o) => quotaUsage(o, true)),
  ],
  '/LimitRange': () => [nameCol(), createdAtCol()],
  'storage.k8s.io/StorageClass': () => [
    c('Name', 'string', (o) => `${o.metadata.name}${o.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true' ? ' (default)' : ''}`, 0, NAME_DOC, 'name'),
    c('Provisioner', 'string', (o) => str(o.provisioner)),
    c('ReclaimPolicy', 'string', (o) => str(o.reclaimPolicy) || 'Delete'),
    c('VolumeBindingMode', 'string', (o) => str(o.volumeBindingMode) || 'Immediate'),
    c('AllowVolumeExpansion', 'string', (o) => String(o.allowVolumeExpansion === true)),
    ageCol(),
  ],
  '/PersistentVolume': () => [
    nameCol(),
    c('Capacity', 'string', (o) => String(obj(obj(o.spec).capacity).storage ?? '')),
    c('Access Modes', 'string', (o) => accessModes(obj(o.spec).accessModes)),
    c('Reclaim Policy', 'string', (o) => str(obj(o.spec).persistentVolumeReclaimPolicy)),
    c('Status', 'string', (o) => (o.metadata.deletionTimestamp ? 'Terminating' : str(obj(o.status).phase))),
    c('Claim', 'string', (o) => {
      const ref = obj(obj(o.spec).claimRef);
      return ref.name ? `${str(ref.namespace)}/${str(ref.name)}` : '';
    }),
    c('StorageClass', 'string', (o) => str(obj(o.spec).storageClassName)),
    c('VolumeAttributesClass', 'string', (o) => str(obj(o.spec).volumeAttributesClassName) || '<unset>'),
    c('Reason', 'string', (o) => str(obj(o.status).reason)),
    ageCol(),
    c('VolumeMode', 'string', (o) => str(obj(o.spec).volumeMode) || 'Filesystem', 1),
  ],
  'coordination.k8s.io/Lease': () => [nameCol(), c('Holder', 'string', (o) => str(obj(o.spec).holderIdentity)), ageCol()],
  'apiextensions.k8s.io/CustomResourceDefinition': () => [nameCol(), createdAtCol()],
  // kube-aggregator's APIService table: the backing Service (`Local` for the API server's own groups) and the Available condition.
  'apiregistration.k8s.io/APIService': () => [
    nameCol(),
    c('Service', 'string', (o) => {
      const svc = obj(obj(o.spec).service);
      return svc.name ? `${str(svc.namespace)}/${str(svc.name)}` : 'Local';
    }, 0, 'The reference to the service that hosts this API endpoint.'),
    c('Available', 'string', (o) => {
      const cond = arr(obj(o.status).conditions).find((x) => x.type === 'Available');
      if (!cond) return 'Unknown';
      return cond.status === 'True' || !str(cond.reason) ? str(cond.status) : `${str(cond.status)} (${str(cond.reason)})`;
    }, 0, 'Whether this service is available.'),
    ageCol(),
  ],
};

/** `helper.GetAccessModesAsString`: RWO, ROX, RWX, RWOP in that order, comma-joined. */
function accessModes(modes: unknown): string {
  const have = new Set(Array.isArray(modes) ? modes.map(String) : []);
  return [
    ['ReadWriteOnce', 'RWO'],
    ['ReadOnlyMany', 'ROX'],
    ['ReadWriteMany', 'RWX'],
    ['ReadWriteOncePod', 'RWOP'],
  ]
    .filter(([m]) => have.has(m))
    .map(([, s]) => s)
    .join(',');
}

/** The kinds with a printer here, as `group/Kind`. */
export const PRINTED_KINDS: readonly string[] = Object.keys(PRINTERS);

/**
 * The columns of a built-in kind as kube-apiserver's printer defines them, with cells evaluated at
 * `now` (ms since epoch); undefined for kinds without a printer here (callers fall back to Name + Age).
 */
export function builtinColumns(group: string, kind: string, now: number): ColumnSpec[] | undefined {
  const build = PRINTERS[`${group}/${kind}`];
  if (!build) return undefined;
  return build().map(({ cellAt, ...col }) => ({ ...col, cell: (o: KubeObject) => cellAt(o, now) }));
}
