/**
 * The Topology model (DESIGN.md "Core contracts"): services, namespaces, ports and the bilateral
 * declarations (outbound on the caller, inbound or wildcard on the callee). It is what the oracle
 * reads; it never contains generated policies. `render()` (render.ts) turns it into specs.
 */

/** A Service port of a topology service (`targetPort` = container port; defaults to `port`). */
export interface TopologyPort {
  name: string;
  port: number;
  targetPort?: number;
}

/** One workload of a topology. Keys (`"ns/name"`) identify services everywhere. */
export interface TopologyService {
  namespace: string;
  name: string;
  /** 0 = traffic generators (no ports, no Service); higher layers are servers. */
  layer: number;
  /** Empty for a traffic generator: no Kubernetes Service, so nothing can call it. */
  ports: TopologyPort[];
  /** Keys of callees this service declares `direction: outbound` to. */
  outbound: string[];
  /** Keys of callers this service declares `direction: inbound` from. */
  inbound: string[];
  /** `id: "*"` inbound: any caller that declares outbound is allowed (needs a Cedar AllowWildcard permit). */
  wildcardInbound: boolean;
  /**
   * What declares the service: absent or `service` = a LatticeService (the platform compiles its
   * workload and LatticeMeshMember); `mesh-member` = the escape hatch (reference §1.2): a plain
   * Deployment (+ Kubernetes Service when it has ports, + ServiceAccount) and a user-written
   * LatticeMeshMember selecting its pods, with the same declarations as `allowedCallers` / `dependencies`.
   */
  kind?: 'service' | 'mesh-member';
  /**
   * Kubernetes ServiceAccount the pods run as, hence the SPIFFE identity callees must name
   * (`<td>/ns/<ns>/sa/<sa>`, reference §4.5a). Absent = the service name. Only a mesh-member may differ
   * (LMM `serviceAccount`); a LatticeService's pods always run as its name (reference §2.5
   * `serviceAccountName = <workload>`).
   */
  serviceAccount?: string;
  /**
   * Ambient mesh member (default true). `false` = Cilium-only (reference §1.2, §4.6): the pods carry
   * `istio.io/dataplane-mode: none` and get direct L4 rules only. Only a mesh-member can be non-ambient
   * (a LatticeService's generated LMM is always ambient, reference §2.6).
   */
  ambient?: boolean;
  /**
   * Wildcard outbound (depends-all): LatticeService outbound resource `id: "*"` (the port compiles it
   * to `dependsAll`, platform-fidelity.md §5) or LMM `dependsAll: true`; needs an AllowWildcard permit
   * on `Lattice::Mesh::"outbound"`. The service then reaches every service that allows it (reference §4.2).
   */
  dependsAll?: boolean;
  /** Pod replicas (integer >= 1; absent = 1): LatticeService `spec.replicas` or the Deployment's. */
  replicas?: number;
  /**
   * Simulated ms after the case starts at which the service's objects are applied (integer >= 0;
   * absent = 0, with the Namespaces and CedarPolicies). Staggered creation: the platform must converge
   * whatever order services arrive in.
   */
  createdAtMs?: number;
}

/**
 * A probe the traffic generators run: from one service's pod to one Service port of another service
 * (`port`, one of the callee's `ports[].port`; absent = its `http` port, else its first).
 */
export interface TopologyProbe {
  from: string;
  to: string;
  port?: number;
}

/** A whole topology. `probes` are chosen with the topology, so shrinking keeps them consistent. */
export interface Topology {
  name: string;
  services: TopologyService[];
  probes: TopologyProbe[];
}

/** `"ns/name"` of a service. */
export const serviceKey = (s: Pick<TopologyService, 'namespace' | 'name'>): string => `${s.namespace}/${s.name}`;
