/**
 * Kthena's ModelServing controller (volcano-sh/kthena `pkg/controller/model-serving`), reduced to what the
 * platform meets, for `workload.serving.volcano.sh/v1alpha1` ModelServings:
 * - `spec.replicas` serving groups `<ms>-<g>`; in each, per role and role replica `i`, one entry pod
 *   `<ms>-<g>-<role>-<i>-0` from `entryTemplate` and `workerReplicas` worker pods `<ms>-<g>-<role>-<i>-<k>`
 *   (k ≥ 1) from `workerTemplate`, owned by the ModelServing, labelled with the template's labels and
 *   Kthena's `modelserving.volcano.sh/{name, group-name, role, role-id, entry}`; `schedulerName` from the
 *   ModelServing (default `volcano`).
 * - With the Volcano scheduler, one PodGroup per serving group (name = group name, owned by the
 *   ModelServing): minMember = Σ over roles of min(gangPolicy.minRoleReplicas[role], replicas) × (1 +
 *   workerReplicas), minTaskMember per role replica, queue `default`; pods carry
 *   `scheduling.k8s.io/group-name`, so Volcano's gang scheduling places a serving group all or nothing.
 * - Scale: pods beyond the current role replicas / worker counts are deleted, missing ones created.
 * - Status: `replicas`, `availableReplicas` (serving groups whose every pod is Ready), conditions
 *   `Available` (True when every serving group is available; reason `AllGroupsReady` / `GroupsNotReady`)
 *   and `Progressing`. Failed pods are recreated (recoveryPolicy is not modelled beyond that).
 * Reads from the informer cache; pods it created count as present until the cache shows them.
 */
import type { InformerCache, KubeClient, KubeObject, ObjectKey } from '../../../fake-apiserver/api/index.ts';
import { ignoreNotFound, isAlreadyExists, rfc3339 } from '../../../fake-apiserver/api/index.ts';
import type { Clock } from '../../../fake-apiserver/api/index.ts';
import type { ControllerDefinition } from '../../../platform/runtime/index.ts';
import { done } from '../../../platform/runtime/index.ts';
import { CoreTypes, StubTypes } from '../third-party-crds.ts';
import { controllerRef, ownerKeys, podReady } from '../owners.ts';
import { podRequests } from '../scheduler/fit.ts';
import { DEFAULT_QUEUE, GROUP_NAME_ANNOTATION, PodGroupType, VOLCANO_SCHEDULER } from '../volcano/vocabulary.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

/** Kthena's pod labels (`workloadv1alpha1` label keys). */
export const KthenaLabels = {
  name: 'modelserving.volcano.sh/name',
  groupName: 'modelserving.volcano.sh/group-name',
  role: 'modelserving.volcano.sh/role',
  roleId: 'modelserving.volcano.sh/role-id',
  entry: 'modelserving.volcano.sh/entry',
} as const;

interface Role {
  name: string;
  replicas?: number;
  workerReplicas?: number;
  entryTemplate: Json;
  workerTemplate?: Json;
}

/** One pod the ModelServing wants: its name, labels and template. */
interface WantedPod {
  name: string;
  group: string;
  role: string;
  entry: boolean;
  roleId: string;
  template: Json;
}

const rolesOf = (ms: KubeObject): Role[] => (ms.spec?.template?.roles ?? []) as Role[];

/** Every pod a ModelServing wants, in a stable order (group, role, role replica, entry then workers). */
export function wantedPods(ms: KubeObject): WantedPod[] {
  const out: WantedPod[] = [];
  for (let g = 0; g < (ms.spec?.replicas ?? 1); g++) {
    const group = `${ms.metadata.name}-${g}`;
    for (const role of rolesOf(ms)) {
      for (let i = 0; i < (role.replicas ?? 1); i++) {
        const roleId = `${role.name}-${i}`;
        out.push({ name: `${group}-${role.name}-${i}-0`, group, role: role.name, entry: true, roleId, template: role.entryTemplate });
        for (let k = 1; k <= (role.workerReplicas ?? 0); k++) out.push({ name: `${group}-${role.name}-${i}-${k}`, group, role: role.name, entry: false, roleId, template: role.workerTemplate ?? role.entryTemplate });
      }
    }
  }
  return out;
}

function buildPod(ms: KubeObject, w: WantedPod, scheduler: string): KubeObject {
  const t = w.template ?? {};
  const labels = {
    ...t.metadata?.labels,
    [KthenaLabels.name]: ms.metadata.name,
    [KthenaLabels.groupName]: w.group,
    [KthenaLabels.role]: w.role,
    [KthenaLabels.roleId]: w.roleId,
    [KthenaLabels.entry]: String(w.entry),
  };
  const annotations: Json = { ...t.metadata?.annotations };
  if (scheduler === VOLCANO_SCHEDULER) annotations[GROUP_NAME_ANNOTATION] = w.group;
  return {
    ...CoreTypes.Pod,
    metadata: { name: w.name, namespace: ms.metadata.namespace, labels, annotations, ownerReferences: [controllerRef(ms)] },
    spec: { ...structuredClone(t.spec ?? {}), schedulerName: scheduler },
  };
}

/** The ModelServing controller as a runner definition (primary: ModelServing; pods map to their owner). */
export function kthenaModelServingController(client: KubeClient, clock: Clock, cache: InformerCache): ControllerDefinition {
  const created = new Map<string, Set<string>>();
  const expected = (key: string) => created.get(key) ?? created.set(key, new Set()).get(key)!;

  async function ensurePodGroup(ms: KubeObject, group: string, wanted: WantedPod[]): Promise<void> {
    const ns = ms.metadata.namespace!;
    if (await cache.get(PodGroupType, { namespace: ns, name: group }).catch(ignoreNotFound)) return;
    const min = ms.spec?.template?.gangPolicy?.minRoleReplicas as Record<string, number> | undefined;
    const minTaskMember: Record<string, number> = {};
    let minMember = 0;
    for (const role of rolesOf(ms)) {
      const replicas = role.replicas ?? 1;
      const n = Math.min(min?.[role.name] ?? replicas, replicas);
      for (let i = 0; i < n; i++) {
        minTaskMember[`${role.name}-${i}`] = 1 + (role.workerReplicas ?? 0);
        minMember += 1 + (role.workerReplicas ?? 0);
      }
    }
    const totals: Record<string, number> = {};
    for (const w of wanted.filter((x) => x.group === group && minTaskMember[x.roleId] !== undefined)) {
      for (const [k, v] of Object.entries(podRequests({ ...CoreTypes.Pod, metadata: { name: w.name }, spec: w.template?.spec ?? {} }))) totals[k] = (totals[k] ?? 0) + v;
    }
    const minResources = Object.fromEntries(Object.entries(totals).map(([k, v]) => [k, k === 'cpu' ? `${v}m` : String(v)]));
    await client
      .create({ ...PodGroupType, metadata: { name: group, namespace: ns, ownerReferences: [controllerRef(ms)] }, spec: { minMember, minTaskMember, minResources, queue: DEFAULT_QUEUE } })
      .catch((err) => {
        if (!isAlreadyExists(err)) throw err;
      });
    await client.patchStatus(PodGroupType, { namespace: ns, name: group }, 'merge', { status: { phase: 'Pending' } }).catch(ignoreNotFound);
  }

  async function reconcile(key: ObjectKey) {
    const id = `${key.namespace}/${key.name}`;
    const ms = await cache.get(StubTypes.ModelServing, key).catch(ignoreNotFound);
    if (!ms || ms.metadata.deletionTimestamp) {
      created.delete(id);
      return done();
    }
    const ns = ms.metadata.namespace!;
    const scheduler = ms.spec?.schedulerName ?? VOLCANO_SCHEDULER;
    const wanted = wantedPods(ms);
    const wantedNames = new Set(wanted.map((w) => w.name));
    const pods = (await cache.list(CoreTypes.Pod, { namespace: ns })).items.filter((p) => ownerKeys(p, 'ModelServing').some((k) => k.name === ms.metadata.name));
    const byName = new Map(pods.map((p) => [p.metadata.name, p]));
    const exp = expected(id);
    for (const n of [...exp]) if (byName.has(n)) exp.delete(n);

    if (scheduler === VOLCANO_SCHEDULER) for (const group of new Set(wanted.map((w) => w.group))) await ensurePodGroup(ms, group, wanted);
    for (const p of pods) {
      const gone = !wantedNames.has(p.metadata.name) || p.status?.phase === 'Failed';
      if (gone && !p.metadata.deletionTimestamp) await client.delete(CoreTypes.Pod, { namespace: ns, name: p.metadata.name }).catch(ignoreNotFound);
    }
    for (const w of wanted) {
      if (byName.has(w.name) || exp.has(w.name)) continue;
      await client.create(buildPod(ms, w, scheduler)).catch((err) => {
        if (!isAlreadyExists(err)) throw err;
      });
      exp.add(w.name);
    }

    // Status: a serving group is available when every one of its pods is Ready.
    const groups = [...new Set(wanted.map((w) => w.group))];
    const available = groups.filter((g) => wanted.filter((w) => w.group === g).every((w) => byName.has(w.name) && podReady(byName.get(w.name)!))).length;
    const all = groups.length > 0 && available === groups.length;
    const now = rfc3339(clock.now());
    const prev = (ms.status?.conditions ?? []) as Json[];
    const cond = (type: string, status: string, reason: string, message: string): Json => {
      const old = prev.find((c) => c.type === type);
      return { type, status, reason, message, lastTransitionTime: old && old.status === status ? old.lastTransitionTime : now };
    };
    const conditions = [
      cond('Available', all ? 'True' : 'False', all ? 'AllGroupsReady' : 'GroupsNotReady', `${available}/${groups.length} serving groups are ready`),
      cond('Progressing', all ? 'False' : 'True', all ? 'Ready' : 'Creating', all ? 'every serving group is ready' : 'waiting for serving group pods'),
    ];
    const status = { observedGeneration: ms.metadata.generation ?? null, replicas: groups.length, availableReplicas: available, conditions };
    const cur = ms.status ?? {};
    const same = JSON.stringify([cur.observedGeneration ?? null, cur.replicas, cur.availableReplicas, cur.conditions]) === JSON.stringify([status.observedGeneration, status.replicas, status.availableReplicas, status.conditions]);
    if (!same) await client.patchStatus(StubTypes.ModelServing, key, 'merge', { status }).catch(ignoreNotFound);
    return done();
  }

  return {
    name: 'kthena-model-serving-controller',
    primary: StubTypes.ModelServing,
    watches: [{ type: CoreTypes.Pod, map: (p) => ownerKeys(p, 'ModelServing') }],
    reconciler: { reconcile },
  };
}
