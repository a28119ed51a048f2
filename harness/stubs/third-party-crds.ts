/**
 * CustomResourceDefinitions of the components the platform talks to but the simulator stubs
 * (Cilium, Istio, Gateway API, External Secrets Operator, KEDA, Volcano, Tetragon, the VictoriaMetrics
 * operator). Their schemas preserve unknown
 * fields: the stubs read these objects, the real projects validate them. Installing them through
 * the API server is what registers the kinds (Kubernetes API concepts: CRDs).
 */
import type { KubeObject } from '../../fake-apiserver/api/index.ts';

const KINDS: [group: string, version: string, kind: string, plural: string, scope: 'Namespaced' | 'Cluster'][] = [
  ['cilium.io', 'v2', 'CiliumNetworkPolicy', 'ciliumnetworkpolicies', 'Namespaced'],
  ['cilium.io', 'v2', 'CiliumClusterwideNetworkPolicy', 'ciliumclusterwidenetworkpolicies', 'Cluster'],
  ['security.istio.io', 'v1', 'AuthorizationPolicy', 'authorizationpolicies', 'Namespaced'],
  ['security.istio.io', 'v1', 'PeerAuthentication', 'peerauthentications', 'Namespaced'],
  ['networking.istio.io', 'v1', 'ServiceEntry', 'serviceentries', 'Namespaced'],
  ['gateway.networking.k8s.io', 'v1', 'Gateway', 'gateways', 'Namespaced'],
  ['gateway.networking.k8s.io', 'v1', 'HTTPRoute', 'httproutes', 'Namespaced'],
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

/** One CRD object per stubbed kind (apiextensions.k8s.io/v1, status subresource, preserve-unknown-fields schema). */
export function thirdPartyCrds(): KubeObject[] {
  return KINDS.map(([group, version, kind, plural, scope]) => ({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      scope,
      names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
      versions: [
        {
          name: version,
          served: true,
          storage: true,
          subresources: { status: {} },
          schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        },
      ],
    },
  }));
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
} as const;
