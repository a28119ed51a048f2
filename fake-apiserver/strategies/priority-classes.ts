/**
 * The PriorityClasses kube-apiserver creates at start (its post-start hook
 * `scheduling/bootstrap-system-priority-classes`; pkg/apis/scheduling `SystemPriorityClasses`):
 * `system-node-critical` (2000001000) and `system-cluster-critical` (2000000000), the two names pods
 * of the control plane and cluster add-ons use in `priorityClassName`.
 */
import type { KubeObject } from '../api/index.ts';

/** The two system PriorityClasses, as kube-apiserver writes them. */
export function systemPriorityClasses(): KubeObject[] {
  const pc = (name: string, value: number, description: string): KubeObject => ({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name }, value, description, globalDefault: false, preemptionPolicy: 'PreemptLowerPriority' }) as KubeObject;
  return [
    pc('system-node-critical', 2000001000, 'Used for system critical pods that must not be moved from their current node.'),
    pc('system-cluster-critical', 2000000000, 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.'),
  ];
}
