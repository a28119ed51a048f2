/**
 * `npm run bench` (evaluator part; standalone: `tsx cli/bench/evaluator.ts`): probes evaluated per
 * second by the enforcement evaluator on a platform-shaped view of 1,000 pods and 5,000 policies.
 *
 * The view: 200 ambient namespaces of 5 workloads (one pod each, own service account, Service port
 * 80 → named targetPort `http` 8080). Policies, as a Lattice-style platform writes them: per workload
 * one ingress CNP (HBONE from each declared caller), one egress CNP (DNS with an L7 rule, HBONE to
 * each declared callee), one ztunnel ALLOW AuthorizationPolicy naming its callers' principals, one
 * DENY AuthorizationPolicy with an HTTP method (degraded to L4), one L7 CNP on a metrics port; plus
 * cluster-wide a default-deny CCNP, a DNS CCNP, a mesh-wide STRICT PeerAuthentication, a
 * root-namespace allow-nothing AuthorizationPolicy; 5,004 objects in all. Each workload declares 3
 * callees (deterministic, seeded LCG); half the probes go from a workload to one of its callees (allowed),
 * half between random workloads (almost all denied, at Cilium egress).
 *
 * Printed: index build ms; probes per wall second and per CPU second (shared cores: wall time
 * overstates the cost), cold (first evaluation of each probe on a fresh index) and warm (the same probes
 * again: what the verifier's later cycles cost); the allow share (a sanity check that probes are not all
 * decided by the first layer). Never asserted.
 * Each number is the best of `BENCH_EVALUATOR_ROUNDS` rounds (default 3, a fresh index each round).
 * Environment: `BENCH_EVALUATOR_PROBES` (default 100,000).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import { evaluateIndexed, indexDataplane } from '../../harness/evaluator/index.ts';
import type { DataplaneView, ProbeRequest } from '../../harness/evaluator/index.ts';

const NAMESPACES = 200;
const WORKLOADS = 5;
const CALLEES = 3;
const PROBES = Number(process.env.BENCH_EVALUATOR_PROBES ?? 100_000);
const ROUNDS = Number(process.env.BENCH_EVALUATOR_ROUNDS ?? 3);

/** Deterministic 32-bit LCG (Numerical Recipes constants): the bench never uses Math.random. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

interface Workload {
  ns: string;
  name: string;
}

function buildView(): { view: DataplaneView; workloads: Workload[]; callees: Map<Workload, Workload[]> } {
  const rand = lcg(7);
  const workloads: Workload[] = [];
  for (let n = 0; n < NAMESPACES; n++) for (let w = 0; w < WORKLOADS; w++) workloads.push({ ns: `ns-${n}`, name: `svc-${w}` });
  const callees = new Map<Workload, Workload[]>();
  const callers = new Map<Workload, Workload[]>();
  for (const w of workloads) {
    const out: Workload[] = [];
    while (out.length < CALLEES) {
      const c = workloads[Math.floor(rand() * workloads.length)];
      if (c !== w && !out.includes(c)) out.push(c);
    }
    callees.set(w, out);
    for (const c of out) callers.set(c, [...(callers.get(c) ?? []), w]);
  }
  const ambient = { 'istio.io/dataplane-mode': 'ambient' };
  const sel = (w: Workload) => ({ matchLabels: { 'app.kubernetes.io/name': w.name } });
  const peer = (w: Workload) => ({ matchLabels: { 'app.kubernetes.io/name': w.name, 'k8s:io.kubernetes.pod.namespace': w.ns } });
  const hbone = [{ ports: [{ port: '15008', protocol: 'TCP' }] }];
  const kubeDns = { matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'kube-system', 'k8s:k8s-app': 'kube-dns' } };
  const namespaces: KubeObject[] = [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-system' } }, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'istio-system' } }];
  const pods: KubeObject[] = [];
  const services: KubeObject[] = [];
  const endpointSlices: KubeObject[] = [];
  const cnps: KubeObject[] = [];
  const aps: KubeObject[] = [];
  for (let n = 0; n < NAMESPACES; n++) namespaces.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `ns-${n}`, labels: { 'kubernetes.io/metadata.name': `ns-${n}`, ...ambient } } });
  workloads.forEach((w, i) => {
    const podName = `${w.name}-0`;
    pods.push({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: podName, namespace: w.ns, labels: { 'app.kubernetes.io/name': w.name, 'pod-template-hash': `h${i}` } },
      spec: { serviceAccountName: w.name, containers: [{ name: 'main', ports: [{ name: 'http', containerPort: 8080 }, { name: 'metrics', containerPort: 9090 }] }] },
      status: { phase: 'Running', podIP: `10.${Math.floor(i / 250)}.${i % 250}.1`, conditions: [{ type: 'Ready', status: 'True' }] },
    });
    services.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: w.name, namespace: w.ns }, spec: { selector: { 'app.kubernetes.io/name': w.name }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } });
    endpointSlices.push({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${w.name}-x`, namespace: w.ns, labels: { 'kubernetes.io/service-name': w.name } },
      endpoints: [{ addresses: ['10.0.0.1'], conditions: { ready: true }, targetRef: { kind: 'Pod', namespace: w.ns, name: podName } }],
    });
    const from = callers.get(w) ?? [];
    cnps.push({ apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name: `${w.name}-in`, namespace: w.ns }, spec: { endpointSelector: sel(w), ingress: from.length > 0 ? [{ fromEndpoints: from.map(peer), toPorts: hbone }] : [] } });
    cnps.push({
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumNetworkPolicy',
      metadata: { name: `${w.name}-out`, namespace: w.ns },
      spec: {
        endpointSelector: sel(w),
        egress: [
          { toEndpoints: [kubeDns], toPorts: [{ ports: [{ port: '53', protocol: 'UDP' }], rules: { dns: [{ matchPattern: '*.*.svc.cluster.local' }] } }] },
          { toEndpoints: (callees.get(w) ?? []).map(peer), toPorts: hbone },
        ],
      },
    });
    cnps.push({
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumNetworkPolicy',
      metadata: { name: `${w.name}-metrics`, namespace: w.ns },
      spec: { endpointSelector: sel(w), ingress: [{ fromEndpoints: [{ matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'monitoring' } }], toPorts: [{ ports: [{ port: 'metrics' }], rules: { http: [{ method: 'GET', path: '/metrics' }] } }] }] },
    });
    aps.push({
      apiVersion: 'security.istio.io/v1',
      kind: 'AuthorizationPolicy',
      metadata: { name: `${w.name}-allow`, namespace: w.ns },
      spec: { selector: { matchLabels: { 'app.kubernetes.io/name': w.name } }, action: 'ALLOW', rules: [{ from: [{ source: { principals: from.map((c) => `cluster.local/ns/${c.ns}/sa/${c.name}`) } }], to: [{ operation: { ports: ['8080'] } }] }] },
    });
    aps.push({
      apiVersion: 'security.istio.io/v1',
      kind: 'AuthorizationPolicy',
      metadata: { name: `${w.name}-deny-admin`, namespace: w.ns },
      spec: { selector: { matchLabels: { 'app.kubernetes.io/name': w.name } }, action: 'DENY', rules: [{ from: [{ source: { namespaces: ['untrusted'] } }], to: [{ operation: { methods: ['DELETE'], paths: ['/admin*'] } }] }] },
    });
  });
  const appPods = { matchExpressions: [{ key: 'k8s:io.kubernetes.pod.namespace', operator: 'NotIn', values: ['kube-system', 'istio-system'] }] };
  const ccnps: KubeObject[] = [
    { apiVersion: 'cilium.io/v2', kind: 'CiliumClusterwideNetworkPolicy', metadata: { name: 'default-deny' }, spec: { endpointSelector: appPods, egress: [{ toEntities: ['kube-apiserver'] }] } },
    {
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumClusterwideNetworkPolicy',
      metadata: { name: 'allow-dns' },
      spec: { endpointSelector: appPods, enableDefaultDeny: { egress: false, ingress: false }, egress: [{ toEndpoints: [kubeDns], toPorts: [{ ports: [{ port: '53', protocol: 'UDP' }], rules: { dns: [{ matchPattern: '*' }] } }] }] },
    },
  ];
  const peerAuthentications: KubeObject[] = [{ apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'mesh', namespace: 'istio-system' }, spec: { mtls: { mode: 'STRICT' } } }];
  aps.push({ apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'allow-nothing', namespace: 'istio-system' }, spec: {} });
  const view: DataplaneView = {
    namespaces,
    pods,
    services,
    endpointSlices,
    ciliumNetworkPolicies: cnps,
    ciliumClusterwideNetworkPolicies: ccnps,
    authorizationPolicies: aps,
    peerAuthentications,
    trustDomain: 'cluster.local',
    rootNamespace: 'istio-system',
  };
  return { view, workloads, callees };
}

function probesFor(workloads: Workload[], callees: Map<Workload, Workload[]>, n: number): ProbeRequest[] {
  const rand = lcg(11);
  const out: ProbeRequest[] = [];
  for (let i = 0; i < n; i++) {
    const a = workloads[Math.floor(rand() * workloads.length)];
    const declared = callees.get(a) ?? [];
    const b = i % 2 === 0 && declared.length > 0 ? declared[Math.floor(rand() * declared.length)] : workloads[Math.floor(rand() * workloads.length)];
    out.push({ fromPod: { namespace: a.ns, name: `${a.name}-0` }, toService: { namespace: b.ns, name: b.name }, port: 80 });
  }
  return out;
}

/** CPU ms (user + system) of this process since `start`: on shared cores wall time overstates cost. */
function cpuMsSince(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1000;
}

/** Runs the bench; returns the numbers (also printed and merged into reports/out/bench.json). */
export function benchEvaluator(): Record<string, number> {
  const { view, workloads, callees } = buildView();
  const policies = view.ciliumNetworkPolicies.length + view.ciliumClusterwideNetworkPolicies.length + view.authorizationPolicies.length + view.peerAuthentications.length;
  const probes = probesFor(workloads, callees, PROBES);
  // Best of ROUNDS (a fresh index each round): on shared cores the slowest rounds measure the neighbours.
  let indexMs = Infinity;
  let coldMs = Infinity;
  let coldCpuMs = Infinity;
  let warmMs = Infinity;
  let warmCpuMs = Infinity;
  let allowed = 0;
  let rejected = 0;
  for (let round = 0; round < ROUNDS; round++) {
    let t = performance.now();
    // A copy of the view: indexDataplane may hand back the last index for the very same view object.
    const index = indexDataplane({ ...view });
    indexMs = Math.min(indexMs, performance.now() - t);
    rejected = index.rejected.length;
    t = performance.now();
    let cpu = process.cpuUsage();
    allowed = 0;
    for (const p of probes) if (evaluateIndexed(index, p).decision === 'allow') allowed++;
    coldMs = Math.min(coldMs, performance.now() - t);
    coldCpuMs = Math.min(coldCpuMs, cpuMsSince(cpu));
    t = performance.now();
    cpu = process.cpuUsage();
    for (const p of probes) evaluateIndexed(index, p);
    warmMs = Math.min(warmMs, performance.now() - t);
    warmCpuMs = Math.min(warmCpuMs, cpuMsSince(cpu));
  }
  return {
    evaluatorPods: view.pods.length,
    evaluatorPolicies: policies,
    evaluatorRejectedPolicies: rejected,
    evaluatorRounds: ROUNDS,
    evaluatorIndexMs: Math.round(indexMs),
    evaluatorProbes: probes.length,
    evaluatorProbesPerSecCold: Math.round(probes.length / (coldMs / 1000)),
    evaluatorProbesPerSecWarm: Math.round(probes.length / (warmMs / 1000)),
    evaluatorProbesPerCpuSecCold: Math.round(probes.length / (coldCpuMs / 1000)),
    evaluatorProbesPerCpuSecWarm: Math.round(probes.length / (warmCpuMs / 1000)),
    evaluatorAllowedPercent: Math.round((allowed / probes.length) * 1000) / 10,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const results = benchEvaluator();
  console.log(JSON.stringify(results, null, 2));
  mkdirSync('reports/out', { recursive: true });
  let previous: Record<string, unknown>;
  try {
    previous = JSON.parse(readFileSync('reports/out/bench.json', 'utf8'));
  } catch {
    previous = {};
  }
  writeFileSync('reports/out/bench.json', `${JSON.stringify({ ...previous, evaluator: results }, null, 2)}\n`);
}
