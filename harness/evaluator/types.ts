/**
 * Inputs and outputs of the enforcement evaluator (DESIGN.md "Probe / Verdict"). The evaluator sees
 * only what a dataplane sees (DESIGN.md rule 1): policies, pods, Services, EndpointSlices, namespaces.
 */
import type { KubeObject, ObjectKey } from '../../fake-apiserver/api/index.ts';

export type Decision = 'allow' | 'deny';

/** The layer that decided, in wire order. `none` = no policy decided (allowed through, or nothing to reach). */
export type DecidingLayer = 'cilium-egress' | 'cilium-ingress' | 'ztunnel' | 'waypoint' | 'none';

/** What the dataplane holds at one instant. Arrays hold the stored (frozen) objects. */
export interface DataplaneView {
  namespaces: readonly KubeObject[];
  pods: readonly KubeObject[];
  services: readonly KubeObject[];
  endpointSlices: readonly KubeObject[];
  ciliumNetworkPolicies: readonly KubeObject[];
  ciliumClusterwideNetworkPolicies: readonly KubeObject[];
  authorizationPolicies: readonly KubeObject[];
  peerAuthentications: readonly KubeObject[];
  /** Kubernetes NetworkPolicies (networking.k8s.io/v1), enforced by Cilium like namespaced Cilium rules. Absent = none. */
  networkPolicies?: readonly KubeObject[];
  /** Gateway API Gateways (gateway.networking.k8s.io/v1); those of class `istio-waypoint` are waypoints. Absent = none. */
  gateways?: readonly KubeObject[];
  /** SPIFFE trust domain of the mesh (principals are `<trustDomain>/ns/<ns>/sa/<sa>`). */
  trustDomain: string;
  /** Istio root namespace (mesh-wide policies), normally `istio-system`. */
  rootNamespace: string;
}

/** One connection attempt: from a pod to a Service by DNS name and Service port (HTTP GET / by default). */
export interface ProbeRequest {
  fromPod: ObjectKey;
  toService: ObjectKey;
  /** Service port (not the container port). */
  port: number;
  method?: string;
  path?: string;
}

/** The dataplane's answer, with the layer and policy that decided and a reason in words. */
export interface Verdict {
  decision: Decision;
  layer: DecidingLayer;
  /** `Kind ns/name` of the deciding policy, or null when no single policy decided (default deny, no endpoints...). */
  policy: string | null;
  reason: string;
}
