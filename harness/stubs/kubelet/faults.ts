/**
 * Injectable pod faults (STYLE rule 12: faults are data, opt-in per target). A fault selects pods by
 * namespace and label selector; the kubelet applies the first fault that matches a pod. `crash-loop`:
 * each container of a matching pod exits with `exitCode` (default 1) after running `runMs`
 * (simulated ms; default the profile's `kubelet.crashRun`), and is restarted under the kubelet's
 * back-off (CrashLoopBackOff) as its restartPolicy allows.
 */
import type { KubeObject, LabelSelector } from '../../../fake-apiserver/api/index.ts';
import { matchesSelector } from '../../../fake-apiserver/api/index.ts';

/** One fault (profile `kubelet.faults[]` or `World.injectPodFault`). */
export interface PodFault {
  fault: 'crash-loop';
  /** Only pods of this namespace (every namespace when absent). */
  namespace?: string;
  /** Only pods whose labels match (every pod when absent). */
  selector?: LabelSelector;
  /** Exit code of each crash (default 1). */
  exitCode?: number;
  /** Run time before each crash (simulated ms). */
  runMs?: number;
}

/** The first fault of `faults` that selects `pod`. */
export function faultFor(faults: readonly PodFault[], pod: KubeObject): PodFault | undefined {
  return faults.find((f) => (f.namespace === undefined || f.namespace === pod.metadata.namespace) && matchesSelector(f.selector, pod.metadata.labels));
}
