/**
 * Patch metadata of the built-in kinds for strategic merge patch: which lists merge (and by which
 * key) and which maps are replaced, per field of each Go struct. Transcribed from the
 * `patchStrategy:"…" patchMergeKey:"…"` struct tags of k8s.io/api (core/v1, apps/v1, batch/v1,
 * policy/v1, autoscaling/v2, networking/v1 `types.go`) and k8s.io/apimachinery
 * `pkg/apis/meta/v1/types.go` (ObjectMeta), as of Kubernetes 1.35. kubernetes-models carries only
 * compiled validators, not these tags, hence the table.
 *
 * Only fields on a path to a tagged field are listed; every other field is "no strategy": maps
 * merge key by key, lists are replaced whole (upstream's default). The `retainKeys` strategy only
 * shapes patches clients compute; the server honours a `$retainKeys` directive wherever it
 * appears, so it is not recorded here.
 */

/** Patch metadata of one field. */
export interface FieldPatchMeta {
  /** `merge`: a list merged element by element (by `mergeKey` for lists of objects, by value for primitives); `replace`: a map replaced whole. */
  strategy?: 'merge' | 'replace';
  /** Field of each list element that identifies it (lists of objects with strategy `merge`). */
  mergeKey?: string;
  /** Struct type (a key of {@link PATCH_STRUCTS}) of the value, or of each list element. */
  type?: string;
}

const merge = (mergeKey?: string, type?: string): FieldPatchMeta => ({ strategy: 'merge', ...(mergeKey ? { mergeKey } : {}), ...(type ? { type } : {}) });
const struct = (type: string): FieldPatchMeta => ({ type });
const conditions = { conditions: merge('type') };

/** Struct type name → field (JSON name) → patch metadata. */
export const PATCH_STRUCTS: Readonly<Record<string, Readonly<Record<string, FieldPatchMeta>>>> = {
  ObjectMeta: { finalizers: merge(), ownerReferences: merge('uid') },
  Object: { metadata: struct('ObjectMeta') },
  ConditionsStatus: conditions,

  // core/v1
  Container: { ports: merge('containerPort'), env: merge('name'), volumeMounts: merge('mountPath'), volumeDevices: merge('devicePath') },
  PodSpec: {
    volumes: merge('name'),
    initContainers: merge('name', 'Container'),
    containers: merge('name', 'Container'),
    ephemeralContainers: merge('name', 'Container'),
    imagePullSecrets: merge('name'),
    hostAliases: merge('ip'),
    topologySpreadConstraints: merge('topologyKey'),
    schedulingGates: merge('name'),
    resourceClaims: merge('name'),
    evictionResponders: merge('name'),
  },
  ContainerStatus: { volumeMounts: merge('mountPath'), allocatedResourcesStatus: merge('name') },
  NodeAllocatableResourceClaimStatus: { mapping: merge('name'), overhead: merge('name') },
  PodStatus: {
    conditions: merge('type'),
    hostIPs: merge('ip'),
    podIPs: merge('ip'),
    resourceClaimStatuses: merge('name'),
    nodeAllocatableResourceClaimStatuses: merge('resourceClaimName', 'NodeAllocatableResourceClaimStatus'),
  },
  Pod: { metadata: struct('ObjectMeta'), spec: struct('PodSpec'), status: struct('PodStatus') },
  PodTemplateSpec: { metadata: struct('ObjectMeta'), spec: struct('PodSpec') },
  PodTemplate: { metadata: struct('ObjectMeta'), template: struct('PodTemplateSpec') },
  TemplateSpec: { template: struct('PodTemplateSpec') },
  Workload: { metadata: struct('ObjectMeta'), spec: struct('TemplateSpec'), status: struct('ConditionsStatus') },
  ServiceSpec: { ports: merge('port') },
  Service: { metadata: struct('ObjectMeta'), spec: struct('ServiceSpec'), status: struct('ConditionsStatus') },
  ServiceAccount: { metadata: struct('ObjectMeta'), secrets: merge('name') },
  NodeSpec: { podCIDRs: merge() },
  NodeStatus: { conditions: merge('type'), addresses: merge('type') },
  Node: { metadata: struct('ObjectMeta'), spec: struct('NodeSpec'), status: struct('NodeStatus') },
  WithConditions: { metadata: struct('ObjectMeta'), status: struct('ConditionsStatus') },

  // batch/v1
  JobTemplateSpec: { metadata: struct('ObjectMeta'), spec: struct('TemplateSpec') },
  CronJobSpec: { jobTemplate: struct('JobTemplateSpec') },
  CronJob: { metadata: struct('ObjectMeta'), spec: struct('CronJobSpec') },

  // policy/v1
  PodDisruptionBudgetSpec: { selector: { strategy: 'replace' } },
  PodDisruptionBudget: { metadata: struct('ObjectMeta'), spec: struct('PodDisruptionBudgetSpec'), status: struct('ConditionsStatus') },
};

/** Root struct per kind (`group/Kind`, as registry `resourceKey`); any other built-in kind is `Object` (metadata only). */
export const PATCH_ROOTS: Readonly<Record<string, string>> = {
  '/Pod': 'Pod',
  '/PodTemplate': 'PodTemplate',
  '/ReplicationController': 'Workload',
  '/Service': 'Service',
  '/ServiceAccount': 'ServiceAccount',
  '/Node': 'Node',
  '/Namespace': 'WithConditions',
  '/PersistentVolumeClaim': 'WithConditions',
  'apps/Deployment': 'Workload',
  'apps/ReplicaSet': 'Workload',
  'apps/StatefulSet': 'Workload',
  'apps/DaemonSet': 'Workload',
  'batch/Job': 'Workload',
  'batch/CronJob': 'CronJob',
  'policy/PodDisruptionBudget': 'PodDisruptionBudget',
  'autoscaling/HorizontalPodAutoscaler': 'WithConditions',
  'networking.k8s.io/ServiceCIDR': 'WithConditions',
};

/** The root struct type of a built-in kind. */
export function patchRoot(group: string, kind: string): string {
  return PATCH_ROOTS[`${group}/${kind}`] ?? 'Object';
}

/** Patch metadata of `field` in struct `type` (no strategy when unlisted). */
export function lookupPatchMeta(type: string | undefined, field: string): FieldPatchMeta {
  return (type !== undefined ? PATCH_STRUCTS[type]?.[field] : undefined) ?? {};
}
