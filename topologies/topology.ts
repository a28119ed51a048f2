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
