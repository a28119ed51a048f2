/**
 * Rewriting the `spec.workload.resources` of a LatticeService read (bugs that change what the
 * platform's compiler is given). Internal to harness/bugs.
 */
import type { KubeObject } from '../../../fake-apiserver/api/index.ts';
import type { LatticeService } from '../../../platform/index.ts';

/** One `spec.workload.resources` entry as the bugs read it. */
type ResourceSpec = NonNullable<LatticeService['spec']['workload']['resources']>[string];

/**
 * `ls` with each workload resource for which `select(resource, key)` holds replaced by
 * `update(resource, key)`: a new object when any resource is selected, `ls` itself (unchanged) otherwise.
 */
export function rewriteWorkloadResources(
  ls: KubeObject,
  select: (r: ResourceSpec, key: string) => boolean,
  update: (r: ResourceSpec, key: string) => ResourceSpec,
): KubeObject {
  const resources = (ls as LatticeService).spec?.workload?.resources ?? {};
  const keys = Object.keys(resources).filter((k) => resources[k] && select(resources[k], k));
  if (keys.length === 0) return ls;
  const next = structuredClone(ls) as LatticeService;
  for (const k of keys) next.spec.workload.resources![k] = update(next.spec.workload.resources![k], k);
  return next as KubeObject;
}
