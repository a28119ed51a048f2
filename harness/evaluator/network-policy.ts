/**
 * Kubernetes NetworkPolicy (networking.k8s.io/v1) as Cilium enforces it: translated into the same
 * compiled rules as a CiliumNetworkPolicy of the policy's namespace (anchors-netpol §1.3; Kubernetes
 * documentation "Network Policies"; Cilium documentation "Kubernetes Network Policy" support):
 *
 * - subject: `podSelector` over the pods of the policy namespace (`{}` = all of them);
 * - `policyTypes`: Ingress always unless listed otherwise, Egress when listed or when an `egress`
 *   section is present; a listed direction is isolated even with no rule (deny all);
 * - a rule with `from`/`to` absent or empty matches every peer; `ports` absent or empty = all ports;
 * - peers: `podSelector` alone = pods of the policy namespace; `namespaceSelector` alone = pods of the
 *   namespaces whose labels match (`{}` = every namespace); both in one peer = AND; `ipBlock` = CIDR
 *   with `except` (addresses outside the cluster only, as Cilium's CIDR rules);
 * - ports: `protocol` defaults to TCP, `port` a number or a named port of the destination pod,
 *   `endPort` with a numeric port.
 */
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import type { Requirement } from '../../fake-apiserver/api/label-selector.ts';
import { policyRef, type CompiledRule, type PeerMatcher, type PortRule, type PortSpec, type RuleElement } from './cilium.ts';
import { NAMESPACE_LABELS_PREFIX, POD_NAMESPACE_LABEL, compileCiliumSelector } from './identity.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/** An isolated direction without any rule: an element whose (empty) peer list matches nothing. */
const NOTHING: RuleElement = { l3: [], toPorts: null, icmpOnly: false };

function namespaceRequirements(sel: Json): Requirement[] {
  const reqs = compileCiliumSelector(sel ?? {});
  // compileCiliumSelector prefixes unqualified keys with `any:`; namespace labels live under their own prefix.
  const onNamespace = reqs.map((r) => ({ ...r, key: `k8s:${NAMESPACE_LABELS_PREFIX}${r.key.replace(/^any:/, '')}` }));
  return [...onNamespace, { key: `k8s:${POD_NAMESPACE_LABEL}`, operator: 'Exists', values: [] }];
}

function peer(p: Json, ns: string): PeerMatcher {
  if (p?.ipBlock && typeof p.ipBlock.cidr === 'string') return { kind: 'cidr', cidr: p.ipBlock.cidr, except: Array.isArray(p.ipBlock.except) ? p.ipBlock.except.map(String) : [] };
  const pods = p?.podSelector !== undefined ? compileCiliumSelector(p.podSelector ?? {}) : [];
  if (p?.namespaceSelector !== undefined) return { kind: 'endpoints', reqs: [...pods, ...namespaceRequirements(p.namespaceSelector)] };
  if (p?.podSelector !== undefined) return { kind: 'endpoints', reqs: [...pods, { key: `k8s:${POD_NAMESPACE_LABEL}`, operator: 'In', values: [ns] }] };
  return { kind: 'never', field: 'peer' };
}

function ports(list: Json): PortRule[] | null {
  if (!Array.isArray(list) || list.length === 0) return null;
  const specs: PortSpec[] = list.map((p: Json): PortSpec => {
    const protocol = String(p?.protocol ?? 'TCP').toUpperCase();
    const raw = p?.port;
    if (raw === undefined || raw === null || raw === '') return { port: null, endPort: null, name: null, protocol };
    const n = typeof raw === 'number' ? raw : /^\d+$/.test(String(raw)) ? Number(raw) : NaN;
    if (Number.isNaN(n)) return { port: null, endPort: null, name: String(raw), protocol };
    const end = Number(p?.endPort ?? 0);
    return { port: n, endPort: end > n ? end : null, name: null, protocol };
  });
  return [{ ports: specs, dns: null, http: null }];
}

function elements(rules: Json, side: 'from' | 'to', ns: string): RuleElement[] {
  if (!Array.isArray(rules) || rules.length === 0) return [NOTHING];
  return rules.map((r: Json): RuleElement => {
    const peers = r?.[side];
    return { l3: Array.isArray(peers) && peers.length > 0 ? peers.map((p: Json) => peer(p, ns)) : null, toPorts: ports(r?.ports), icmpOnly: false };
  });
}

/**
 * Compiles a NetworkPolicy into one Cilium-style rule (its subject is matched within the policy
 * namespace by the index, like a CiliumNetworkPolicy). Throws InvalidSelectorError for selectors the
 * API server would reject.
 */
export function compileNetworkPolicy(obj: KubeObject): CompiledRule[] {
  const ns = obj.metadata.namespace ?? 'default';
  const spec = obj.spec ?? {};
  const types: string[] = Array.isArray(spec.policyTypes) && spec.policyTypes.length > 0 ? spec.policyTypes.map(String) : ['Ingress', ...(spec.egress !== undefined ? ['Egress'] : [])];
  return [
    {
      policy: policyRef(obj),
      subject: compileCiliumSelector(spec.podSelector ?? {}),
      ingress: types.includes('Ingress') ? elements(spec.ingress, 'from', ns) : [],
      ingressDeny: [],
      egress: types.includes('Egress') ? elements(spec.egress, 'to', ns) : [],
      egressDeny: [],
      defaultDeny: { ingress: true, egress: true },
    },
  ];
}
