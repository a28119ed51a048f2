/**
 * The Volcano stub (anchors-netpol.md §5): the job controller (`./job-controller.ts`: VCJob →
 * PodGroup, task pods once admitted, env / svc plugins, job status and lifecycle policies), the
 * CronJob controller (`./cronjob-controller.ts`), the PodGroup controller for Volcano pods without
 * a VCJob (`./podgroup-controller.ts`) and the
 * scheduler with the queue controller (`./scheduler.ts`: enqueue, all-or-nothing gang allocation,
 * PodGroup and Queue status), plus the `default` Queue Volcano installs.
 */
import type { Clock, InformerCache, KubeClient, KubeObject } from '../../../fake-apiserver/api/index.ts';
import type { ControllerDefinition, Logger } from '../../../platform/runtime/index.ts';
import type { SimulationProfile } from '../../profile.ts';
import { volcanoJobController } from './job-controller.ts';
import { volcanoPodGroupController } from './podgroup-controller.ts';
import { volcanoCronJobController } from './cronjob-controller.ts';
import { VOLCANO_DEFAULTS, volcanoScheduler, type VolcanoSettings } from './scheduler.ts';
import { DEFAULT_QUEUE, QueueType } from './vocabulary.ts';

export * from './vocabulary.ts';
export { buildTaskPod, minAvailableOf, podGroupName, podName, volcanoJobController } from './job-controller.ts';
export { VOLCANO_DEFAULTS, volcanoScheduler, type VolcanoSettings } from './scheduler.ts';
export { volcanoCronJobController } from './cronjob-controller.ts';
export { plainPodGroupName, QUEUE_NAME_ANNOTATION, volcanoPodGroupController } from './podgroup-controller.ts';
export { DeviceLedger, VGPU_DEVICES_ANNOTATION, vgpuRequest, withoutVgpu } from './deviceshare.ts';

/** The profile's `volcano` section with Volcano's defaults filled in (schedule period 1 s, overcommit factor 1.2). */
export function volcanoSettings(profile: SimulationProfile): VolcanoSettings {
  return { ...VOLCANO_DEFAULTS, ...profile.volcano };
}

/** The `default` Queue a Volcano install creates (weight 1, reclaimable, no capability). */
export function defaultQueue(): KubeObject {
  return { ...QueueType, metadata: { name: DEFAULT_QUEUE }, spec: { weight: 1, reclaimable: true } };
}

/** Every Volcano controller as runner definitions. */
export function volcanoControllers(client: KubeClient, clock: Clock, cache: InformerCache, profile: SimulationProfile, log?: Logger): ControllerDefinition[] {
  return [volcanoJobController(client, cache), volcanoCronJobController(client, clock, cache), volcanoPodGroupController(client, cache), volcanoScheduler(client, clock, cache, volcanoSettings(profile), log)];
}
