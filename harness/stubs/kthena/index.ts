/**
 * The Kthena stub (volcano-sh/kthena, the reference's model-serving layer): the ModelServing controller
 * (`./model-serving-controller.ts`: serving groups → entry and worker pods through the scheduler and
 * kubelet, a Volcano PodGroup per serving group, `Available` condition) and the autoscaler
 * (`./autoscaler.ts`: AutoscalingPolicyBinding → role replicas from the World's simulated metrics).
 * ModelServer and ModelRoute are stored, not acted on (no router: the dataplane evaluator decides traffic).
 */
import type { Clock, InformerCache, KubeClient } from '../../../fake-apiserver/api/index.ts';
import type { ControllerDefinition } from '../../../platform/runtime/index.ts';
import type { SimulatedMetrics } from '../metrics.ts';
import { kthenaModelServingController } from './model-serving-controller.ts';
import { kthenaAutoscaler } from './autoscaler.ts';

export { KthenaLabels, kthenaModelServingController, wantedPods } from './model-serving-controller.ts';
export { DEFAULT_SCALE_PERIOD_MS, desiredReplicas, kthenaAutoscaler } from './autoscaler.ts';

/** Every Kthena controller as runner definitions. */
export function kthenaControllers(client: KubeClient, clock: Clock, cache: InformerCache, metrics: SimulatedMetrics): ControllerDefinition[] {
  return [kthenaModelServingController(client, clock, cache), kthenaAutoscaler(client, cache, metrics)];
}
