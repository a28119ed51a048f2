/**
 * CustomResourceDefinitions of the components the platform talks to but the simulator stubs
 * (Cilium, Istio, Gateway API, External Secrets Operator, KEDA, Volcano, Tetragon, the VictoriaMetrics
 * operator, Kthena). Their schemas preserve unknown
 * fields: the stubs read these objects, the real projects validate them (Kthena's declare upstream's
 * top-level spec fields, required ones and enums). Installing them through
 * the API server is what registers the kinds (Kubernetes API concepts: CRDs).
 */
import type { KubeObject } from '../../fake-apiserver/api/index.ts';

const KINDS: [group: string, version: string, kind: string, plural: string, scope: 'Namespaced' | 'Cluster'][] = [
  ['cilium.io', 'v2', 'CiliumNetworkPolicy', 'ciliumnetworkpolicies', 'Namespaced'],
  ['cilium.io', 'v2', 'CiliumClusterwideNetworkPolicy', 'ciliumclusterwidenetworkpolicies', 'Cluster'],
  ['security.istio.io', 'v1', 'AuthorizationPolicy', 'authorizationpolicies', 'Namespaced'],
  ['security.istio.io', 'v1', 'PeerAuthentication', 'peerauthentications', 'Namespaced'],
  ['networking.istio.io', 'v1', 'ServiceEntry', 'serviceentries', 'Namespaced'],
  ['gateway.networking.k8s.io', 'v1', 'HTTPRoute', 'httproutes', 'Namespaced'],
  ['gateway.networking.k8s.io', 'v1', 'GRPCRoute', 'grpcroutes', 'Namespaced'],
  ['gateway.networking.k8s.io', 'v1alpha2', 'TCPRoute', 'tcproutes', 'Namespaced'],
  ['cert-manager.io', 'v1', 'Certificate', 'certificates', 'Namespaced'],
  ['external-secrets.io', 'v1', 'ExternalSecret', 'externalsecrets', 'Namespaced'],
  ['external-secrets.io', 'v1', 'ClusterSecretStore', 'clustersecretstores', 'Cluster'],
  ['external-secrets.io', 'v1', 'SecretStore', 'secretstores', 'Namespaced'],
  ['keda.sh', 'v1alpha1', 'ScaledObject', 'scaledobjects', 'Namespaced'],
  ['batch.volcano.sh', 'v1alpha1', 'Job', 'jobs', 'Namespaced'],
  ['batch.volcano.sh', 'v1alpha1', 'CronJob', 'cronjobs', 'Namespaced'],
  ['scheduling.volcano.sh', 'v1beta1', 'PodGroup', 'podgroups', 'Namespaced'],
  ['scheduling.volcano.sh', 'v1beta1', 'Queue', 'queues', 'Cluster'],
  // Tetragon (cilium/tetragon install/kubernetes CRDs: cilium.io/v1alpha1, namespaced, plural tracingpoliciesnamespaced).
  ['cilium.io', 'v1alpha1', 'TracingPolicyNamespaced', 'tracingpoliciesnamespaced', 'Namespaced'],
  // VictoriaMetrics operator (operator.victoriametrics.com/v1beta1 VMServiceScrape, plural vmservicescrapes).
  ['operator.victoriametrics.com', 'v1beta1', 'VMServiceScrape', 'vmservicescrapes', 'Namespaced'],
];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Schema = Record<string, any>;
const open: Schema = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
const str: Schema = { type: 'string' };
const int: Schema = { type: 'integer' };
const obj = (properties: Schema, required: string[] = []): Schema => ({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true, ...(required.length > 0 ? { required } : {}), properties });
const arr = (items: Schema): Schema => ({ type: 'array', items });
const condition = obj({ type: str, status: str, reason: str, message: str, lastTransitionTime: str }, ['type', 'status']);

/**
 * Kthena (volcano-sh/kthena v0.2, `pkg/apis/{workload,networking}/v1alpha1`): the top of each spec as
 * upstream declares it (required fields, types, enums), nested pod templates and policies kept open.
 */
const KTHENA: [group: string, version: string, kind: string, plural: string, spec: Schema][] = [
  [
    'workload.serving.volcano.sh',
    'v1alpha1',
    'ModelServing',
    'modelservings',
    obj(
      {
        schedulerName: str,
        replicas: { ...int, minimum: 0 },
        recoveryPolicy: { ...str, enum: ['ServingGroupRecreate', 'RoleRecreate', 'None'] },
        template: obj(
          {
            restartGracePeriodSeconds: int,
            gangPolicy: obj({ minRoleReplicas: { type: 'object', additionalProperties: int } }),
            networkTopology: open,
            roles: arr(obj({ name: str, replicas: { ...int, minimum: 0 }, workerReplicas: { ...int, minimum: 0 }, entryTemplate: open, workerTemplate: open }, ['name', 'entryTemplate'])),
          },
          ['roles'],
        ),
      },
      ['template'],
    ),
  ],
  ['workload.serving.volcano.sh', 'v1alpha1', 'AutoscalingPolicy', 'autoscalingpolicies', obj({ metrics: arr(obj({ metricName: str, targetValue: { 'x-kubernetes-int-or-string': true } }, ['metricName', 'targetValue'])), tolerancePercent: int, behavior: open }, ['metrics'])],
  [
    'workload.serving.volcano.sh',
    'v1alpha1',
    'AutoscalingPolicyBinding',
    'autoscalingpolicybindings',
    obj({ policyRef: obj({ name: str }, ['name']), homogeneousTarget: obj({ target: obj({ targetRef: obj({ kind: str, name: str }, ['name']), subTargets: obj({ kind: str, name: str }), metricEndpoint: open }, ['targetRef']), minReplicas: int, maxReplicas: int }, ['target', 'maxReplicas']), heterogeneousTarget: open }, ['policyRef']),
  ],
  [
    'networking.serving.volcano.sh',
    'v1alpha1',
    'ModelServer',
    'modelservers',
    obj({ model: str, inferenceEngine: { ...str, enum: ['vLLM', 'SGLang'] }, workloadSelector: obj({ matchLabels: { type: 'object', additionalProperties: str }, pdGroup: open }), workloadPort: obj({ port: int, protocol: str }, ['port']), trafficPolicy: open, kvConnector: obj({ type: str }) }, ['inferenceEngine', 'workloadSelector', 'workloadPort']),
  ],
  ['networking.serving.volcano.sh', 'v1alpha1', 'ModelRoute', 'modelroutes', obj({ modelName: str, loraAdapters: arr(open), parentRefs: arr(open), rules: arr(obj({ name: str, modelMatch: open, targetModels: arr(obj({ modelServerName: str, weight: int }, ['modelServerName'])) }, ['targetModels'])), rateLimit: open }, ['rules'])],
];

function crd(group: string, version: string, kind: string, plural: string, scope: 'Namespaced' | 'Cluster', schema: Schema): KubeObject {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      scope,
      names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
      versions: [{ name: version, served: true, storage: true, subresources: { status: {} }, schema: { openAPIV3Schema: schema } }],
    },
  };
}

/** One CRD object per stubbed kind (apiextensions.k8s.io/v1, status subresource; preserve-unknown-fields schemas, Kthena's with upstream's top-level fields). */
export function thirdPartyCrds(): KubeObject[] {
  return [
    ...KINDS.map(([group, version, kind, plural, scope]) => crd(group, version, kind, plural, scope, open)),
    // Gateway API declares `spec.listeners` a map keyed by name: server-side apply merges the listeners of several field managers.
    crd('gateway.networking.k8s.io', 'v1', 'Gateway', 'gateways', 'Namespaced', obj({ spec: obj({ listeners: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'], items: obj({ name: str }, ['name']) } }) })),
    ...KTHENA.map(([group, version, kind, plural, spec]) => crd(group, version, kind, plural, 'Namespaced', { type: 'object', properties: { spec, status: obj({ conditions: arr(condition) }) } })),
  ];
}

/** TypeRefs of the stubbed kinds, by kind name. */
export const StubTypes = {
  CiliumNetworkPolicy: { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy' },
  CiliumClusterwideNetworkPolicy: { apiVersion: 'cilium.io/v2', kind: 'CiliumClusterwideNetworkPolicy' },
  AuthorizationPolicy: { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy' },
  PeerAuthentication: { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication' },
  ExternalSecret: { apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret' },
  ClusterSecretStore: { apiVersion: 'external-secrets.io/v1', kind: 'ClusterSecretStore' },
  SecretStore: { apiVersion: 'external-secrets.io/v1', kind: 'SecretStore' },
  ScaledObject: { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject' },
  VolcanoJob: { apiVersion: 'batch.volcano.sh/v1alpha1', kind: 'Job' },
  VolcanoCronJob: { apiVersion: 'batch.volcano.sh/v1alpha1', kind: 'CronJob' },
  PodGroup: { apiVersion: 'scheduling.volcano.sh/v1beta1', kind: 'PodGroup' },
  Queue: { apiVersion: 'scheduling.volcano.sh/v1beta1', kind: 'Queue' },
  TracingPolicyNamespaced: { apiVersion: 'cilium.io/v1alpha1', kind: 'TracingPolicyNamespaced' },
  VMServiceScrape: { apiVersion: 'operator.victoriametrics.com/v1beta1', kind: 'VMServiceScrape' },
  Gateway: { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway' },
  HTTPRoute: { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute' },
  GRPCRoute: { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GRPCRoute' },
  TCPRoute: { apiVersion: 'gateway.networking.k8s.io/v1alpha2', kind: 'TCPRoute' },
  Certificate: { apiVersion: 'cert-manager.io/v1', kind: 'Certificate' },
  ModelServing: { apiVersion: 'workload.serving.volcano.sh/v1alpha1', kind: 'ModelServing' },
  AutoscalingPolicy: { apiVersion: 'workload.serving.volcano.sh/v1alpha1', kind: 'AutoscalingPolicy' },
  AutoscalingPolicyBinding: { apiVersion: 'workload.serving.volcano.sh/v1alpha1', kind: 'AutoscalingPolicyBinding' },
  ModelServer: { apiVersion: 'networking.serving.volcano.sh/v1alpha1', kind: 'ModelServer' },
  ModelRoute: { apiVersion: 'networking.serving.volcano.sh/v1alpha1', kind: 'ModelRoute' },
} as const;

/** Built-in kinds the stubs use. */
export const CoreTypes = {
  Namespace: { apiVersion: 'v1', kind: 'Namespace' },
  Pod: { apiVersion: 'v1', kind: 'Pod' },
  Service: { apiVersion: 'v1', kind: 'Service' },
  Secret: { apiVersion: 'v1', kind: 'Secret' },
  ConfigMap: { apiVersion: 'v1', kind: 'ConfigMap' },
  ServiceAccount: { apiVersion: 'v1', kind: 'ServiceAccount' },
  PersistentVolumeClaim: { apiVersion: 'v1', kind: 'PersistentVolumeClaim' },
  Node: { apiVersion: 'v1', kind: 'Node' },
  Deployment: { apiVersion: 'apps/v1', kind: 'Deployment' },
  ReplicaSet: { apiVersion: 'apps/v1', kind: 'ReplicaSet' },
  PodDisruptionBudget: { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget' },
  EndpointSlice: { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice' },
  Endpoints: { apiVersion: 'v1', kind: 'Endpoints' },
  Lease: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease' },
} as const;
