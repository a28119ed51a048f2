/**
 * Pre-indexed dataplane state (one {@link DataplaneView} at one instant): objects by namespace and key,
 * policies compiled once, and per-pod memos (identity, selecting Cilium rules, applicable
 * AuthorizationPolicies), so that the cost of a probe depends on the objects of the two namespaces
 * involved and on the cluster-wide policies, not on the size of the cluster.
 */
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import { matchesSelector } from '../../fake-apiserver/api/label-selector.ts';
import type { DataplaneView } from './types.ts';
import { compileCiliumPolicy, type CompiledRule } from './cilium.ts';
import { compileNetworkPolicy } from './network-policy.ts';
import { endpointIdentity, identityMatches, isCaptured, namedPorts, type EndpointIdentity, type NamedPort } from './identity.ts';
import { authzApplies, compileAuthorizationPolicy, compilePeerAuth, type CompiledAuthz, type CompiledPeerAuth } from './ztunnel.ts';

/** What the dataplane knows about one pod endpoint (memoised per pod). */
export interface EndpointInfo {
  pod: KubeObject;
  namespace: string;
  serviceAccount: string;
  identity: EndpointIdentity;
  namedPorts: readonly NamedPort[];
  captured: boolean;
  /** Cilium rules (CNP and NetworkPolicy of the pod's namespace, then CCNP) whose endpointSelector / podSelector selects the pod. */
  ciliumRules: readonly CompiledRule[];
}

/** A policy that could not be compiled (Cilium / istiod would reject it); it is left out of enforcement. */
export interface RejectedPolicy {
  policy: string;
  error: string;
}

const byName = (a: KubeObject, b: KubeObject) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0);

/**
 * Compiled policies by policy object, per compile function. Stored objects are deep-frozen and a write
 * makes a new object (DESIGN.md "Objects"), so a frozen policy compiles to the same rules forever: an
 * index rebuilt after an unrelated write (every store revision rebuilds it) recompiles only the
 * policies that changed. Unfrozen objects (test fixtures) are compiled every time. Weak: dropped with
 * the object.
 */
const compiledByFunction = new Map<(o: KubeObject) => unknown, WeakMap<KubeObject, { value: unknown } | { error: Error }>>();

function compileOnce<T>(f: (o: KubeObject) => T, o: KubeObject): T {
  if (!Object.isFrozen(o)) return f(o);
  let memo = compiledByFunction.get(f);
  if (!memo) compiledByFunction.set(f, (memo = new WeakMap()));
  let hit = memo.get(o);
  if (!hit) {
    try {
      hit = { value: f(o) };
    } catch (e) {
      hit = { error: e as Error };
    }
    memo.set(o, hit);
  }
  if ('error' in hit) throw hit.error;
  return hit.value as T;
}

function nested<T>(m: Map<string, Map<string, T>>, k: string): Map<string, T> {
  let inner = m.get(k);
  if (!inner) m.set(k, (inner = new Map()));
  return inner;
}

function push<T>(m: Map<string, T[]>, k: string, v: T): void {
  const l = m.get(k);
  if (l) l.push(v);
  else m.set(k, [v]);
}

/**
 * The index built by {@link import('./evaluate.ts').indexDataplane}. Read-only for callers; memo
 * tables fill lazily (deterministically: the memoised value does not depend on probe order).
 */
export class DataplaneIndex {
  /** The indexed view (trust domain, root namespace, raw objects). */
  readonly view: DataplaneView;
  /** Policies left out because they failed to compile. */
  readonly rejected: readonly RejectedPolicy[];
  private readonly namespaces = new Map<string, KubeObject>();
  /** Namespace → name → object (two lookups, no `ns/name` string built per probe). */
  private readonly pods = new Map<string, Map<string, KubeObject>>();
  private readonly podsByNs = new Map<string, KubeObject[]>();
  private readonly services = new Map<string, Map<string, KubeObject>>();
  private readonly servicesByNs = new Map<string, KubeObject[]>();
  private readonly slicesByService = new Map<string, KubeObject[]>();
  private readonly cnpByNs = new Map<string, CompiledRule[]>();
  private readonly ccnp: CompiledRule[] = [];
  private readonly authzByNs = new Map<string, CompiledAuthz[]>();
  private readonly peerAuthByNs = new Map<string, CompiledPeerAuth[]>();
  /** Keyed by the pod object (identity hashing: cheaper per probe than building an `ns/name` key). */
  private readonly endpointMemo = new Map<KubeObject, EndpointInfo>();
  private readonly authzMemo = new Map<KubeObject, CompiledAuthz[]>();
  private readonly serviceMemberMemo = new Map<string, boolean>();
  private kubeDnsMemo: EndpointInfo | null = null;

  /** Indexes `view`. Never throws: uncompilable policies are listed in {@link DataplaneIndex.rejected}. */
  constructor(view: DataplaneView) {
    this.view = view;
    const rejected: RejectedPolicy[] = [];
    for (const ns of view.namespaces) this.namespaces.set(ns.metadata.name, ns);
    for (const p of [...view.pods].sort(byName)) {
      const ns = p.metadata.namespace ?? '';
      nested(this.pods, ns).set(p.metadata.name, p);
      push(this.podsByNs, ns, p);
    }
    for (const s of [...view.services].sort(byName)) {
      const ns = s.metadata.namespace ?? '';
      nested(this.services, ns).set(s.metadata.name, s);
      push(this.servicesByNs, ns, s);
    }
    for (const es of [...view.endpointSlices].sort(byName)) {
      const svc = es.metadata.labels?.['kubernetes.io/service-name'];
      if (svc) push(this.slicesByService, `${es.metadata.namespace ?? ''}/${svc}`, es);
    }
    const compile = <T>(objs: readonly KubeObject[], f: (o: KubeObject) => T, sink: (o: KubeObject, v: T) => void) => {
      for (const o of [...objs].sort((a, b) => byName(a, b) || ((a.metadata.namespace ?? '') < (b.metadata.namespace ?? '') ? -1 : 1))) {
        try {
          sink(o, compileOnce(f, o));
        } catch (e) {
          rejected.push({ policy: `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`, error: (e as Error).message });
        }
      }
    };
    compile(view.ciliumNetworkPolicies, compileCiliumPolicy, (o, rules) => {
      for (const r of rules) push(this.cnpByNs, o.metadata.namespace ?? '', r);
    });
    compile(view.ciliumClusterwideNetworkPolicies, compileCiliumPolicy, (_o, rules) => this.ccnp.push(...rules));
    compile(view.networkPolicies ?? [], compileNetworkPolicy, (o, rules) => {
      for (const r of rules) push(this.cnpByNs, o.metadata.namespace ?? '', r);
    });
    compile(view.authorizationPolicies, compileAuthorizationPolicy, (o, p) => push(this.authzByNs, o.metadata.namespace ?? '', p));
    compile(view.peerAuthentications, compilePeerAuth, (o, p) => push(this.peerAuthByNs, o.metadata.namespace ?? '', p));
    this.rejected = rejected;
  }

  /** The Namespace object, if present. */
  namespace(name: string): KubeObject | undefined {
    return this.namespaces.get(name);
  }

  /** The pod `ns/name`, if present. */
  pod(namespace: string, name: string): KubeObject | undefined {
    return this.pods.get(namespace)?.get(name);
  }

  /** Pods of one namespace, sorted by name. */
  podsIn(namespace: string): readonly KubeObject[] {
    return this.podsByNs.get(namespace) ?? [];
  }

  /** The Service `ns/name`, if present. */
  service(namespace: string, name: string): KubeObject | undefined {
    return this.services.get(namespace)?.get(name);
  }

  /** EndpointSlices labelled `kubernetes.io/service-name=<name>` in `namespace`, sorted by name. */
  slicesOf(namespace: string, name: string): readonly KubeObject[] {
    return this.slicesByService.get(`${namespace}/${name}`) ?? [];
  }

  /** True when pod `pod` is selected by Service `ns/name` (used by Cilium `toServices`). */
  inService(pod: KubeObject, namespace: string, name: string): boolean {
    const key = `${pod.metadata.namespace}/${pod.metadata.name}|${namespace}/${name}`;
    let v = this.serviceMemberMemo.get(key);
    if (v === undefined) {
      const svc = this.service(namespace, name);
      const sel = svc?.spec?.selector;
      v = pod.metadata.namespace === namespace && !!sel && Object.keys(sel).length > 0 && matchesSelector({ matchLabels: sel }, pod.metadata.labels);
      this.serviceMemberMemo.set(key, v);
    }
    return v;
  }

  /** Endpoint information of a pod (identity, capture, selecting Cilium rules), memoised. */
  endpoint(pod: KubeObject): EndpointInfo {
    let info = this.endpointMemo.get(pod);
    if (!info) this.endpointMemo.set(pod, (info = this.buildEndpoint(pod)));
    return info;
  }

  private buildEndpoint(pod: KubeObject): EndpointInfo {
    const ns = pod.metadata.namespace ?? '';
    const nsObj = this.namespaces.get(ns);
    const sa = pod.spec?.serviceAccountName || pod.spec?.serviceAccount || 'default';
    const identity = endpointIdentity(pod.metadata.labels, ns, sa, nsObj?.metadata.labels);
    const selects = (r: CompiledRule) => r.subject !== null && identityMatches(r.subject, identity);
    const ciliumRules = [...(this.cnpByNs.get(ns) ?? []).filter(selects), ...this.ccnp.filter(selects)];
    return { pod, namespace: ns, serviceAccount: sa, identity, namedPorts: namedPorts(pod), captured: isCaptured(pod, nsObj), ciliumRules };
  }

  /**
   * The kube-dns endpoint used for DNS egress checks: the first `k8s-app=kube-dns` pod of `kube-system`
   * if one exists, else a synthetic pod with those labels, service account `coredns` and container
   * ports `dns` 53/UDP, `dns-tcp` 53/TCP, `metrics` 9153/TCP.
   */
  kubeDns(): EndpointInfo {
    if (this.kubeDnsMemo) return this.kubeDnsMemo;
    const real = this.podsIn('kube-system').find((p) => p.metadata.labels?.['k8s-app'] === 'kube-dns');
    const synthetic: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'kube-dns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } },
      spec: {
        serviceAccountName: 'coredns',
        containers: [
          {
            name: 'coredns',
            ports: [
              { name: 'dns', containerPort: 53, protocol: 'UDP' },
              { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' },
              { name: 'metrics', containerPort: 9153, protocol: 'TCP' },
            ],
          },
        ],
      },
    };
    this.kubeDnsMemo = this.buildEndpoint(real ?? synthetic);
    return this.kubeDnsMemo;
  }

  /** PeerAuthentications of one namespace, in name order. */
  peerAuthIn(namespace: string): readonly CompiledPeerAuth[] {
    return this.peerAuthByNs.get(namespace) ?? [];
  }

  /**
   * AuthorizationPolicies ztunnel applies to a workload: root-namespace (mesh-wide) and the pod's
   * namespace, minus targetRefs / CUSTOM / AUDIT policies, selector matched against the pod labels.
   * Sorted root namespace first, then by name. Memoised per pod.
   */
  authzFor(pod: KubeObject): readonly CompiledAuthz[] {
    const ns = pod.metadata.namespace ?? '';
    const hit = this.authzMemo.get(pod);
    if (hit) return hit;
    const root = this.view.rootNamespace;
    const candidates = ns === root ? (this.authzByNs.get(root) ?? []) : [...(this.authzByNs.get(root) ?? []), ...(this.authzByNs.get(ns) ?? [])];
    const out = candidates.filter((p) => authzApplies(p, pod.metadata.labels));
    this.authzMemo.set(pod, out);
    return out;
  }
}
