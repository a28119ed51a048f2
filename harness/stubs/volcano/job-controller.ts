/**
 * Volcano's job controller (vc-controller-manager; anchors-netpol.md §5.1–5.2, §5.5), for
 * `batch.volcano.sh/v1alpha1` Jobs:
 * - PodGroup `<job>-<uid>` (owned by the Job): minMember = `spec.minAvailable` (default Σ replicas),
 *   minTaskMember per task (task minAvailable, default replicas), queue (default `default`),
 *   priorityClassName, minResources = summed requests of the first minAvailable pods in task order;
 *   status phase Pending, which the scheduler's enqueue action moves on.
 * - No pods while the PodGroup is Pending. Once it is Inqueue (or later) the task pods
 *   `<job>-<task>-<index>` are created, owned by the Job, with labels and annotations
 *   `volcano.sh/job-name`, `volcano.sh/job-namespace`, `volcano.sh/queue-name`, `volcano.sh/task-spec`,
 *   `volcano.sh/task-index`, `volcano.sh/job-version`, the annotation `scheduling.k8s.io/group-name`,
 *   and `schedulerName` from the template or the Job (default `volcano`).
 * - Plugins (`spec.plugins`): `env` adds VC_TASK_INDEX / VK_TASK_INDEX to every container; `ssh` creates
 *   the Secret `<job>-ssh` (id_rsa, id_rsa.pub, authorized_keys, config; a deterministic placeholder
 *   instead of a generated key pair) mounted at `--ssh-key-file-path` (default /root/.ssh, mode 0600);
 *   `pytorch` (`--master`, `--worker`, `--port`, defaults master / worker / 23456) adds MASTER_ADDR
 *   `<job>-<master>-0.<job>`, MASTER_PORT, WORLD_SIZE and RANK (master index, or master replicas +
 *   worker index) and the container port `pytorchjob-port`; `svc` sets
 *   hostname = pod name and subdomain = job name, adds VC_<TASK>_HOSTS / VC_<TASK>_NUM (from the
 *   ConfigMap `<job>-svc`, also mounted at /etc/volcano), creates that ConfigMap, the headless Service
 *   `<job>` (selector job-name + job-namespace, port `placeholder-volcano` 1,
 *   `--publish-not-ready-addresses`) and, unless `--disable-network-policy`, the NetworkPolicy `<job>`
 *   admitting ingress only from the job's own pods (created only when the API serves NetworkPolicy).
 * - Status: `state.phase` Pending → Running (running + succeeded + failed ≥ minAvailable) → Completed
 *   (every pod finished and succeeded ≥ minAvailable) or Failed; counts pending / running / succeeded /
 *   failed, minAvailable, retryCount, taskStatusCount. Lifecycle policies (task policies first, then
 *   the job's): on `PodFailed` (or `*`) RestartJob deletes every pod and counts a retry (Failed after
 *   `maxRetry`, default 3), RestartTask / RestartPod delete the failed task's pods / the pod, AbortJob →
 *   Aborted, TerminateJob → Terminated, CompleteJob → Completed; on `TaskCompleted` (every pod of a task
 *   succeeded) CompleteJob → Completed. Without a matching policy a failed pod just counts.
 * Reads from the informer cache; pods created or deleted are remembered until the cache shows them
 * (expectations), so a lagging cache never creates a pod twice.
 */
import { createHash } from 'node:crypto';
import type { InformerCache, KubeClient, KubeObject, ObjectKey } from '../../../fake-apiserver/api/index.ts';
import { INDEX_OWNER_UID, ignoreNotFound, isAlreadyExists, rfc3339 } from '../../../fake-apiserver/api/index.ts';
import type { ControllerDefinition, ReconcileContext } from '../../../platform/runtime/index.ts';
import { done } from '../../../platform/runtime/index.ts';
import { CoreTypes } from '../third-party-crds.ts';
import { controllerRef, ownerKeys } from '../owners.ts';
import { podRequests, type ResourceList } from '../scheduler/fit.ts';
import {
  DEFAULT_MAX_RETRY,
  DEFAULT_QUEUE,
  GROUP_NAME_ANNOTATION,
  JOB_NAME_KEY,
  JOB_NAMESPACE_KEY,
  JOB_VERSION_KEY,
  PodGroupType,
  QUEUE_NAME_KEY,
  TASK_INDEX_KEY,
  TASK_SPEC_KEY,
  VOLCANO_SCHEDULER,
  VolcanoJobType,
} from './vocabulary.ts';

const MANAGER = 'volcano-job-controller';
const NetworkPolicyType = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy' };

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

interface Task {
  name: string;
  replicas: number;
  minAvailable?: number;
  template: Json;
  policies?: { event?: string; events?: string[]; action: string }[];
}

/** Name of a VCJob's PodGroup (Volcano ≥ 1.9: `<job>-<uid>`). */
export function podGroupName(job: KubeObject): string {
  return `${job.metadata.name}-${job.metadata.uid}`;
}

/** Task pod name `<job>-<task>-<index>` (jobhelpers.MakePodName). */
export const podName = (job: string, task: string, index: number): string => `${job}-${task}-${index}`;

const tasksOf = (job: KubeObject): Task[] => (job.spec?.tasks ?? []) as Task[];
const totalReplicas = (job: KubeObject): number => tasksOf(job).reduce((n, t) => n + (t.replicas ?? 0), 0);
/** `spec.minAvailable`, defaulted to Σ replicas as Volcano's admission does. */
export const minAvailableOf = (job: KubeObject): number => job.spec?.minAvailable ?? totalReplicas(job);

/** A canonical ResourceList as quantity strings (cpu in millicores). */
function quantities(r: ResourceList): Record<string, string> {
  return Object.fromEntries(
    Object.keys(r)
      .sort()
      .map((k) => [k, k === 'cpu' ? `${r[k]}m` : String(r[k])]),
  );
}

/** Summed requests of the first `minAvailable` task pods, in task order. */
function minResources(job: KubeObject): Record<string, string> {
  const sum: ResourceList = {};
  let left = minAvailableOf(job);
  for (const t of tasksOf(job)) {
    const one = podRequests({ apiVersion: 'v1', kind: 'Pod', metadata: { name: t.name }, spec: t.template?.spec ?? {} });
    for (let i = 0; i < (t.replicas ?? 0) && left > 0; i++, left--) for (const [k, v] of Object.entries(one)) sum[k] = (sum[k] ?? 0) + v;
  }
  return quantities(sum);
}

/** svc plugin flags (`--publish-not-ready-addresses`, `--disable-network-policy`). */
function svcFlags(job: KubeObject): { enabled: boolean; publishNotReady: boolean; networkPolicy: boolean } {
  const args = job.spec?.plugins?.svc as string[] | undefined;
  return { enabled: args !== undefined, publishNotReady: (args ?? []).includes('--publish-not-ready-addresses'), networkPolicy: !(args ?? []).includes('--disable-network-policy') };
}

const envKey = (task: string) => task.replace(/-/g, '_');

/** The value of `--name=value` among plugin arguments. */
function flag(args: readonly string[] | undefined, name: string): string | undefined {
  const a = (args ?? []).find((x) => x.startsWith(`${name}=`));
  return a?.slice(name.length + 1);
}

/** The svc plugin's host table: `<task>.host` (newline list) and VC_<TASK>_HOSTS / VC_<TASK>_NUM. */
function hostTable(job: KubeObject): Record<string, string> {
  const data: Record<string, string> = {};
  for (const t of tasksOf(job)) {
    const hosts = Array.from({ length: t.replicas ?? 0 }, (_, i) => `${podName(job.metadata.name, t.name, i)}.${job.metadata.name}`);
    data[`${envKey(t.name)}.host`] = hosts.join('\n');
    data[`VC_${envKey(t.name).toUpperCase()}_HOSTS`] = hosts.join(',');
    data[`VC_${envKey(t.name).toUpperCase()}_NUM`] = String(hosts.length);
  }
  return data;
}

/** The task pod Volcano's job controller and plugins build. */
export function buildTaskPod(job: KubeObject, task: Task, index: number, pgName: string): KubeObject {
  const name = podName(job.metadata.name, task.name, index);
  const queue = job.spec?.queue || DEFAULT_QUEUE;
  const ids = { [JOB_NAME_KEY]: job.metadata.name, [JOB_NAMESPACE_KEY]: job.metadata.namespace!, [QUEUE_NAME_KEY]: queue, [TASK_SPEC_KEY]: task.name, [TASK_INDEX_KEY]: String(index), [JOB_VERSION_KEY]: '0' };
  const spec: Json = structuredClone(task.template?.spec ?? {});
  spec.schedulerName ||= job.spec?.schedulerName || VOLCANO_SCHEDULER;
  const plugins = (job.spec?.plugins ?? {}) as Record<string, string[]>;
  const addEnv = (env: Json[]) => {
    for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) c.env = [...(c.env ?? []), ...env];
  };
  if ('env' in plugins) {
    addEnv([
      { name: 'VC_TASK_INDEX', value: String(index) },
      { name: 'VK_TASK_INDEX', value: String(index) },
    ]);
  }
  if (svcFlags(job).enabled) {
    spec.hostname ||= name;
    spec.subdomain ||= job.metadata.name;
    const cm = `${job.metadata.name}-svc`;
    const names = tasksOf(job).flatMap((t) => [`VC_${envKey(t.name).toUpperCase()}_HOSTS`, `VC_${envKey(t.name).toUpperCase()}_NUM`]);
    addEnv(names.map((n) => ({ name: n, valueFrom: { configMapKeyRef: { name: cm, key: n } } })));
    spec.volumes = [...(spec.volumes ?? []), { name: cm, configMap: { name: cm } }];
    for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) c.volumeMounts = [...(c.volumeMounts ?? []), { name: cm, mountPath: '/etc/volcano' }];
  }
  if ('ssh' in plugins) {
    const secret = `${job.metadata.name}-ssh`;
    const path = flag(plugins.ssh, '--ssh-key-file-path') ?? '/root/.ssh';
    spec.volumes = [
      ...(spec.volumes ?? []),
      {
        name: secret,
        secret: {
          secretName: secret,
          defaultMode: 0o600,
          items: [
            { key: 'id_rsa', path: 'id_rsa' },
            { key: 'id_rsa.pub', path: 'id_rsa.pub' },
            { key: 'authorized_keys', path: 'authorized_keys' },
            { key: 'config', path: 'config' },
          ],
        },
      },
    ];
    for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) c.volumeMounts = [...(c.volumeMounts ?? []), { name: secret, mountPath: path }];
  }
  if ('pytorch' in plugins) {
    const master = flag(plugins.pytorch, '--master') ?? 'master';
    const worker = flag(plugins.pytorch, '--worker') ?? 'worker';
    const port = Number(flag(plugins.pytorch, '--port') ?? 23456);
    const masterTask = tasksOf(job).find((t) => t.name === master);
    const workerTask = tasksOf(job).find((t) => t.name === worker);
    if (masterTask && (task.name === master || task.name === worker)) {
      const rank = task.name === master ? index : index + masterTask.replicas;
      addEnv([
        { name: 'MASTER_ADDR', value: `${podName(job.metadata.name, master, 0)}.${job.metadata.name}` },
        { name: 'MASTER_PORT', value: String(port) },
        { name: 'WORLD_SIZE', value: String(masterTask.replicas + (workerTask?.replicas ?? 0)) },
        { name: 'RANK', value: String(rank) },
      ]);
      for (const c of spec.containers ?? []) if (!(c.ports ?? []).some((p: Json) => p.containerPort === port)) c.ports = [...(c.ports ?? []), { name: 'pytorchjob-port', containerPort: port }];
    }
  }
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: job.metadata.namespace,
      labels: { ...(task.template?.metadata?.labels ?? {}), ...ids },
      annotations: { ...(task.template?.metadata?.annotations ?? {}), ...ids, [GROUP_NAME_ANNOTATION]: pgName },
      ownerReferences: [controllerRef(job)],
    },
    spec,
  };
}

/** The first lifecycle action for `event` on `task` (task policies first, then the job's; `*` matches any event). */
function policyAction(job: KubeObject, task: Task | undefined, event: string): string | undefined {
  const matches = (p: { event?: string; events?: string[] }) => [p.event, ...(p.events ?? [])].some((e) => e === event || e === '*');
  return (task?.policies ?? []).find(matches)?.action ?? ((job.spec?.policies ?? []) as Task['policies'])!.find(matches)?.action;
}

const FINAL = new Set(['Completed', 'Failed', 'Aborted', 'Terminated']);

/** The Volcano job controller as a runner definition. */
export function volcanoJobController(client: KubeClient, cache: InformerCache): ControllerDefinition {
  const podInformer = cache.informerFor(CoreTypes.Pod);
  /** Pods created (by name) and deleted (by uid) per job uid, until the cache shows it. */
  const created = new Map<string, Set<string>>();
  const deleted = new Map<string, Set<string>>();
  /** PodGroups created per job uid (the cache lags our own create). */
  const groups = new Set<string>();
  /** Plugin objects already created per job uid. */
  const pluginsDone = new Set<string>();
  /** Status last written per job uid (a lagging cache must not make us go back). */
  const written = new Map<string, Json>();
  let networkPolicyServed: boolean | undefined;

  const createIgnoringExists = async (obj: KubeObject) => {
    await client.create(obj).catch((err) => {
      if (!isAlreadyExists(err)) throw err;
    });
  };

  async function ensurePlugins(job: KubeObject, ctx: ReconcileContext): Promise<void> {
    const uid = job.metadata.uid!;
    const svc = svcFlags(job);
    if (pluginsDone.has(uid)) return;
    const meta = (name: string) => ({ name, namespace: job.metadata.namespace, ownerReferences: [controllerRef(job)] });
    if ('ssh' in (job.spec?.plugins ?? {})) {
      // Volcano generates an RSA key pair; the simulator stores a labelled placeholder derived from the job uid (no crypto, deterministic).
      const key = `simulated-ssh-key-${createHash('sha256').update(uid).digest('hex').slice(0, 16)}`;
      const hosts = tasksOf(job).flatMap((t) => Array.from({ length: t.replicas ?? 0 }, (_, i) => podName(job.metadata.name, t.name, i)));
      const config = ['StrictHostKeyChecking no', 'UserKnownHostsFile /dev/null', ...hosts.flatMap((h) => [`Host ${h}`, `  HostName ${h}.${job.metadata.name}`])].join('\n');
      await createIgnoringExists({ apiVersion: 'v1', kind: 'Secret', metadata: meta(`${job.metadata.name}-ssh`), type: 'Opaque', stringData: { id_rsa: key, 'id_rsa.pub': `${key}.pub`, authorized_keys: `${key}.pub`, config } });
    }
    if (!svc.enabled) {
      pluginsDone.add(uid);
      return;
    }
    await createIgnoringExists({ apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(`${job.metadata.name}-svc`), data: hostTable(job) });
    const selector = { [JOB_NAME_KEY]: job.metadata.name, [JOB_NAMESPACE_KEY]: job.metadata.namespace! };
    await createIgnoringExists({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta(job.metadata.name),
      spec: { clusterIP: 'None', selector, publishNotReadyAddresses: svc.publishNotReady, ports: [{ name: 'placeholder-volcano', port: 1, protocol: 'TCP', targetPort: 1 }] },
    });
    if (svc.networkPolicy) {
      const policy = {
        ...NetworkPolicyType,
        metadata: meta(job.metadata.name),
        spec: { podSelector: { matchLabels: selector }, ingress: [{ from: [{ podSelector: { matchLabels: selector } }] }], policyTypes: ['Ingress'] },
      };
      if (networkPolicyServed !== false) {
        await client.create(policy).then(
          () => (networkPolicyServed = true),
          (err) => {
            if (isAlreadyExists(err)) return;
            // This API server serves no networking.k8s.io/v1 NetworkPolicy: nothing to create.
            networkPolicyServed = false;
            ctx.log.info(`volcano svc plugin: NetworkPolicy not served (${(err as Error).message}); job NetworkPolicies are not created`);
          },
        );
      }
    }
    pluginsDone.add(uid);
  }

  async function writeStatus(job: KubeObject, status: Json): Promise<void> {
    const uid = job.metadata.uid!;
    const prev = written.get(uid) ?? job.status;
    const strip = (s: Json | undefined) => JSON.stringify({ ...s, state: { ...s?.state, lastTransitionTime: undefined } });
    if (prev && strip(prev) === strip(status)) return;
    await client.patchStatus(VolcanoJobType, { namespace: job.metadata.namespace, name: job.metadata.name }, 'merge', { status }).catch(ignoreNotFound);
    written.set(uid, status);
  }

  async function deletePods(job: KubeObject, pods: KubeObject[]): Promise<void> {
    const gone = deleted.get(job.metadata.uid!) ?? deleted.set(job.metadata.uid!, new Set()).get(job.metadata.uid!)!;
    for (const p of pods) {
      if (gone.has(p.metadata.uid!)) continue;
      gone.add(p.metadata.uid!);
      await client.delete(CoreTypes.Pod, { namespace: p.metadata.namespace, name: p.metadata.name }).catch(ignoreNotFound);
    }
  }

  return {
    name: MANAGER,
    primary: VolcanoJobType,
    watches: [
      { type: PodGroupType, map: (pg) => ownerKeys(pg, 'Job') },
      { type: CoreTypes.Pod, map: (pod) => ownerKeys(pod, 'Job').filter(() => pod.metadata.labels?.[JOB_NAME_KEY] !== undefined) },
    ],
    reconciler: {
      async reconcile(key: ObjectKey, ctx: ReconcileContext) {
        const job = await cache.get(VolcanoJobType, key).catch(ignoreNotFound);
        if (!job || job.metadata.deletionTimestamp) return done();
        const uid = job.metadata.uid!;
        const ns = job.metadata.namespace!;
        const pgName = podGroupName(job);
        const now = rfc3339(ctx.clock.now());
        const minAvailable = minAvailableOf(job);

        // 1. PodGroup.
        const pg = await cache.get(PodGroupType, { namespace: ns, name: pgName }).catch(ignoreNotFound);
        if (!pg && !groups.has(uid)) {
          const tasks = tasksOf(job);
          const spec: Json = {
            minMember: minAvailable,
            minTaskMember: Object.fromEntries(tasks.map((t) => [t.name, t.minAvailable ?? t.replicas ?? 0])),
            queue: job.spec?.queue || DEFAULT_QUEUE,
            minResources: minResources(job),
          };
          if (job.spec?.priorityClassName) spec.priorityClassName = job.spec.priorityClassName;
          await createIgnoringExists({ ...PodGroupType, metadata: { name: pgName, namespace: ns, ownerReferences: [controllerRef(job)] }, spec });
          await client.patchStatus(PodGroupType, { namespace: ns, name: pgName }, 'merge', { status: { phase: 'Pending' } }).catch(ignoreNotFound);
          groups.add(uid);
        }
        await ensurePlugins(job, ctx);

        // 2. Pods of the job, as the controller must count them (cache + expectations).
        await podInformer.synced();
        const gone = deleted.get(uid) ?? new Set<string>();
        const owned = podInformer.byIndex(INDEX_OWNER_UID, uid).filter((p) => p.metadata.namespace === ns);
        for (const u of [...gone]) if (!owned.some((p) => p.metadata.uid === u)) gone.delete(u);
        const pods = owned.filter((p) => !gone.has(p.metadata.uid!) && !p.metadata.deletionTimestamp);
        const made = created.get(uid) ?? created.set(uid, new Set()).get(uid)!;
        for (const n of [...made]) if (owned.some((p) => p.metadata.name === n)) made.delete(n);

        const prevStatus = (written.get(uid) ?? job.status ?? {}) as Json;
        let phase: string = prevStatus.state?.phase ?? 'Pending';
        let retryCount: number = prevStatus.retryCount ?? 0;
        const count = (ps: KubeObject[], p: string) => ps.filter((x) => x.status?.phase === p).length;
        const tasks = tasksOf(job);
        const taskOf = (p: KubeObject) => tasks.find((t) => t.name === p.metadata.labels?.[TASK_SPEC_KEY]);

        if (!FINAL.has(phase)) {
          // 3. Lifecycle policies.
          let action: string | undefined;
          let failedPod: KubeObject | undefined;
          for (const p of pods) {
            if (p.status?.phase !== 'Failed') continue;
            const a = policyAction(job, taskOf(p), 'PodFailed');
            if (a) {
              action = a;
              failedPod = p;
              break;
            }
          }
          if (!action) {
            for (const t of tasks) {
              const ofTask = pods.filter((p) => taskOf(p) === t);
              if (t.replicas > 0 && ofTask.length === t.replicas && ofTask.every((p) => p.status?.phase === 'Succeeded')) {
                const a = policyAction(job, t, 'TaskCompleted');
                if (a) {
                  action = a;
                  break;
                }
              }
            }
          }
          switch (action) {
            case 'RestartJob': {
              retryCount += 1;
              await deletePods(job, pods);
              phase = retryCount >= (job.spec?.maxRetry ?? DEFAULT_MAX_RETRY) ? 'Failed' : 'Restarting';
              break;
            }
            case 'RestartTask':
              await deletePods(job, pods.filter((p) => taskOf(p) === taskOf(failedPod!)));
              break;
            case 'RestartPod':
              await deletePods(job, [failedPod!]);
              break;
            case 'AbortJob':
              phase = 'Aborted';
              break;
            case 'TerminateJob':
              phase = 'Terminated';
              break;
            case 'CompleteJob':
              phase = 'Completed';
              break;
          }
          if (FINAL.has(phase) && phase !== 'Completed') await deletePods(job, pods.filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed'));
          if (phase === 'Completed') await deletePods(job, pods.filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed'));
        }

        const live = pods.filter((p) => !(deleted.get(uid) ?? new Set()).has(p.metadata.uid!));
        // 4. Create missing pods once the PodGroup is admitted (never while Pending).
        const pgPhase = pg?.status?.phase as string | undefined;
        const admitted = pgPhase !== undefined && pgPhase !== 'Pending';
        if (!FINAL.has(phase) && admitted && phase !== 'Restarting') {
          for (const t of tasks) {
            for (let i = 0; i < (t.replicas ?? 0); i++) {
              const n = podName(job.metadata.name, t.name, i);
              if (live.some((p) => p.metadata.name === n) || made.has(n)) continue;
              made.add(n);
              await createIgnoringExists(buildTaskPod(job, t, i, pgName));
            }
          }
        }

        // 5. Status.
        const running = count(live, 'Running');
        const succeeded = count(live, 'Succeeded');
        const failed = count(live, 'Failed');
        const pending = live.length - running - succeeded - failed;
        if (phase === 'Restarting' && live.length === 0) phase = 'Pending';
        if (phase === 'Pending' && running + succeeded + failed >= minAvailable && minAvailable > 0) phase = 'Running';
        const total = totalReplicas(job);
        if (phase === 'Running' && live.length === total && succeeded + failed === total) phase = succeeded >= minAvailable ? 'Completed' : 'Failed';
        const taskStatusCount: Json = {};
        for (const t of tasks) {
          const phases: Record<string, number> = {};
          for (const p of live.filter((x) => taskOf(x) === t)) phases[p.status?.phase ?? 'Pending'] = (phases[p.status?.phase ?? 'Pending'] ?? 0) + 1;
          if (Object.keys(phases).length > 0) taskStatusCount[t.name] = { phase: phases };
        }
        const prevPhase = prevStatus.state?.phase;
        await writeStatus(job, {
          state: { phase, lastTransitionTime: prevPhase === phase ? (prevStatus.state?.lastTransitionTime ?? now) : now },
          minAvailable,
          pending,
          running,
          succeeded,
          failed,
          retryCount,
          taskStatusCount,
        });
        return done();
      },
    },
  };
}
