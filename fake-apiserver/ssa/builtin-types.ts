/**
 * Merge granularity of the built-in kinds this server serves, from the upstream API types' list
 * and struct annotations (`+listType`, `+listMapKey`, `+structType=atomic`, surfaced in the OpenAPI
 * as `x-kubernetes-list-type`, `x-kubernetes-list-map-keys`, `x-kubernetes-map-type`;
 * k8s.io/api core/v1, apps/v1, batch/v1, discovery/v1, networking/v1, policy/v1, autoscaling/v2,
 * apiextensions/v1 types.go). Lists not named here are atomic, as upstream's default; positions not
 * named here are structs of undeclared fields ({@link LENIENT}).
 */
import { LENIENT, OBJECT_META, SCALAR, STRING_MAP } from './schema.ts';
import type { TypeNode } from './schema.ts';

const byName = (items: TypeNode = LENIENT): TypeNode => ({ list: 'map', keys: ['name'], items });
const byType: TypeNode = { list: 'map', keys: ['type'], items: LENIENT };
const byIp: TypeNode = { list: 'map', keys: ['ip'], items: LENIENT };
const ATOMIC: TypeNode = { atomic: true };

/** metav1.LabelSelector is `+structType=atomic`. */
const LABEL_SELECTOR = ATOMIC;

const keySelectors: TypeNode = { fields: { configMapKeyRef: ATOMIC, secretKeyRef: ATOMIC, fieldRef: ATOMIC, resourceFieldRef: ATOMIC } };

const CONTAINER: TypeNode = {
  fields: {
    ports: { list: 'map', keys: ['containerPort', 'protocol'], keyDefaults: { protocol: 'TCP' }, items: LENIENT },
    env: byName({ fields: { valueFrom: keySelectors } }),
    volumeMounts: { list: 'map', keys: ['mountPath'], items: LENIENT },
    volumeDevices: { list: 'map', keys: ['devicePath'], items: LENIENT },
    resources: { fields: { limits: STRING_MAP, requests: STRING_MAP, claims: byName() } },
  },
};

const NODE_SELECTOR_TERMS = ATOMIC;

const POD_SPEC: TypeNode = {
  fields: {
    containers: byName(CONTAINER),
    initContainers: byName(CONTAINER),
    ephemeralContainers: byName(CONTAINER),
    volumes: byName(),
    imagePullSecrets: byName(ATOMIC),
    hostAliases: byIp,
    topologySpreadConstraints: { list: 'map', keys: ['topologyKey', 'whenUnsatisfiable'], items: { fields: { labelSelector: LABEL_SELECTOR } } },
    resourceClaims: byName(),
    schedulingGates: byName(),
    nodeSelector: STRING_MAP,
    overhead: STRING_MAP,
    affinity: { fields: { nodeAffinity: { fields: { requiredDuringSchedulingIgnoredDuringExecution: NODE_SELECTOR_TERMS } } } },
  },
};

const POD_TEMPLATE: TypeNode = { fields: { metadata: OBJECT_META, spec: POD_SPEC } };

const conditionsStatus: TypeNode = { fields: { conditions: byType } };

const root = (fields: Record<string, TypeNode>): TypeNode => ({ fields: { apiVersion: SCALAR, kind: SCALAR, metadata: OBJECT_META, ...fields } });

const WORKLOAD_SPEC: TypeNode = { fields: { selector: LABEL_SELECTOR, template: POD_TEMPLATE } };

/** Root type by `group/Kind` (resourceKey spelling: `/Pod` for the core group). */
export const BUILTIN_TYPES: Readonly<Record<string, TypeNode>> = {
  '/Namespace': root({ status: conditionsStatus }),
  '/Node': root({ status: { fields: { conditions: byType, addresses: byType, capacity: STRING_MAP, allocatable: STRING_MAP } } }),
  '/Pod': root({
    spec: POD_SPEC,
    status: { fields: { conditions: byType, podIPs: byIp, hostIPs: byIp, resourceClaimStatuses: byName() } },
  }),
  '/Service': root({
    spec: { fields: { ports: { list: 'map', keys: ['port', 'protocol'], keyDefaults: { protocol: 'TCP' }, items: LENIENT }, selector: STRING_MAP } },
    status: conditionsStatus,
  }),
  '/ConfigMap': root({ data: STRING_MAP, binaryData: STRING_MAP }),
  '/Secret': root({ data: STRING_MAP, stringData: STRING_MAP }),
  '/ServiceAccount': root({ secrets: { list: 'map', keys: ['name'], items: ATOMIC } }),
  '/PersistentVolumeClaim': root({ spec: { fields: { selector: LABEL_SELECTOR } }, status: { fields: { conditions: byType, capacity: STRING_MAP } } }),
  '/Event': root({}),
  '/Endpoints': root({}),
  'apps/Deployment': root({ spec: WORKLOAD_SPEC, status: conditionsStatus }),
  'apps/ReplicaSet': root({ spec: WORKLOAD_SPEC, status: conditionsStatus }),
  'policy/PodDisruptionBudget': root({ spec: { fields: { selector: LABEL_SELECTOR } }, status: { fields: { conditions: byType, disruptedPods: STRING_MAP } } }),
  'batch/Job': root({ spec: WORKLOAD_SPEC }),
  'batch/CronJob': root({ spec: { fields: { jobTemplate: { fields: { metadata: OBJECT_META, spec: WORKLOAD_SPEC } } } }, status: { fields: { active: { list: 'atomic' } } } }),
  'discovery.k8s.io/EndpointSlice': root({ endpoints: { list: 'atomic' }, ports: { list: 'atomic' } }),
  'networking.k8s.io/NetworkPolicy': root({ spec: { fields: { podSelector: LABEL_SELECTOR } } }),
  'autoscaling/HorizontalPodAutoscaler': root({ status: conditionsStatus }),
  'apiextensions.k8s.io/CustomResourceDefinition': root({ status: conditionsStatus }),
};

/** Root type of a built-in kind (`group/Kind`); kinds not in the table get ObjectMeta and {@link LENIENT} elsewhere. */
export function builtinType(resourceKey: string): TypeNode {
  return BUILTIN_TYPES[resourceKey] ?? root({});
}
