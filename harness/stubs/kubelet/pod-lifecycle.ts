/**
 * Pod lifecycle stub (scheduler + kubelet), KWOK-style: each pod passes three stages, each after a
 * delay drawn from the profile (`kubelet.schedule`, `containerStart`, `readiness`):
 * unscheduled → bound to a node (spec.nodeName) → Running with a podIP → Ready=True.
 * Pods tolerating `nvidia.com/gpu` go to the GPU pool, others to the CPU nodes; the node is picked
 * from the pod's own `kubelet/schedule/<ns>/<pod>` stream. Each stage's delay comes from the pod's
 * own stream `kubelet/<schedule|start|ready>/<ns>/<pod>`, so other pods never shift its timings.
 * Pod IPs are still handed out in order (unique; they carry no timing).
 * Pods are read from the informer cache; after each stage's write the stub waits for that write's
 * watch event (it never re-writes a stage it wrote, whatever a lagging cache shows).
 */
import type { Clock, InformerCache, KubeClient } from '../../../fake-apiserver/api/index.ts';
import { ignoreNotFound, rfc3339 } from '../../../fake-apiserver/api/index.ts';
import type { ControllerDefinition } from '../../../platform/runtime/index.ts';
import { done, requeueAfter } from '../../../platform/runtime/index.ts';
import type { StreamSource } from '../../rng/index.ts';
import type { SimulationProfile } from '../../profile.ts';
import { CoreTypes } from '../third-party-crds.ts';
import { DelayGate } from '../delay-gate.ts';
import { nodeNames } from '../nodes.ts';

/** The pod lifecycle stub as a runner definition. */
export function podLifecycle(client: KubeClient, clock: Clock, rng: StreamSource, profile: SimulationProfile, cache: InformerCache): ControllerDefinition {
  const schedule = new DelayGate(clock, rng, 'kubelet/schedule', profile.kubelet.schedule);
  const start = new DelayGate(clock, rng, 'kubelet/start', profile.kubelet.containerStart);
  const ready = new DelayGate(clock, rng, 'kubelet/ready', profile.kubelet.readiness);
  const { cpu, gpu } = nodeNames(profile);
  let nextIp = 0;
  // Stages this stub already wrote, by pod uid: the cache lags our own writes, and a stage must never
  // be written twice (a second bind would pick another node). The write's watch event re-triggers.
  const written = new Map<string, 'bound' | 'running' | 'ready'>();
  const rank = { bound: 1, running: 2, ready: 3 } as const;
  const wrote = (uid: string, stage: keyof typeof rank) => {
    const w = written.get(uid);
    return w !== undefined && rank[w] >= rank[stage];
  };
  return {
    name: 'kubelet',
    primary: CoreTypes.Pod,
    reconciler: {
      async reconcile(key) {
        const pod = await cache.get(CoreTypes.Pod, key).catch(ignoreNotFound);
        if (!pod) return done();
        const uid = pod.metadata.uid!;
        const id = `${pod.metadata.namespace}/${pod.metadata.name}`;
        if (pod.metadata.deletionTimestamp) {
          for (const g of [schedule, start, ready]) g.forget(id);
          written.delete(uid);
          return done();
        }
        if (!pod.spec?.nodeName) {
          if (wrote(uid, 'bound')) return done();
          const wait = schedule.remainingMs(id, uid);
          if (wait > 0) return requeueAfter(wait);
          const wantsGpu = (pod.spec?.tolerations ?? []).some((t: { key?: string }) => t.key === 'nvidia.com/gpu') && gpu.length > 0;
          const pool = wantsGpu ? gpu : cpu;
          const node = rng.stream(`kubelet/schedule/${id}`).pick(pool);
          await client.patch(CoreTypes.Pod, key, 'merge', { spec: { nodeName: node } });
          written.set(uid, 'bound');
          return done();
        }
        const conditions = (pod.status?.conditions ?? []) as { type: string; status: string }[];
        const isReady = conditions.some((c) => c.type === 'Ready' && c.status === 'True');
        if (pod.status?.phase !== 'Running') {
          if (wrote(uid, 'running')) return done();
          const wait = start.remainingMs(id, uid);
          if (wait > 0) return requeueAfter(wait);
          const n = nextIp++;
          const now = rfc3339(clock.now());
          await client.patchStatus(CoreTypes.Pod, key, 'merge', {
            status: {
              phase: 'Running',
              podIP: `10.244.${(n >> 8) & 255}.${(n & 255) + 1}`,
              hostIP: '172.18.0.2',
              startTime: now,
              conditions: [
                { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
                { type: 'Initialized', status: 'True', lastTransitionTime: now },
                { type: 'ContainersReady', status: 'False', lastTransitionTime: now },
                { type: 'Ready', status: 'False', lastTransitionTime: now },
              ],
              containerStatuses: (pod.spec?.containers ?? []).map((c: { name: string; image: string }) => ({
                name: c.name,
                image: c.image,
                ready: false,
                restartCount: 0,
                started: true,
                state: { running: { startedAt: now } },
              })),
            },
          });
          written.set(uid, 'running');
          return done();
        }
        if (!isReady) {
          if (wrote(uid, 'ready')) return done();
          const wait = ready.remainingMs(id, uid);
          if (wait > 0) return requeueAfter(wait);
          const now = rfc3339(clock.now());
          await client.patchStatus(CoreTypes.Pod, key, 'merge', {
            status: {
              conditions: conditions.map((c) => (c.type === 'Ready' || c.type === 'ContainersReady' ? { ...c, status: 'True', lastTransitionTime: now } : c)),
              containerStatuses: (pod.status?.containerStatuses ?? []).map((s: object) => ({ ...s, ready: true })),
            },
          });
          written.set(uid, 'ready');
        }
        return done();
      },
    },
  };
}
