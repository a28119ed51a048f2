/**
 * The bootstrap RBAC policy kube-apiserver creates at start (k8s.io/kubernetes
 * plugin/pkg/auth/authorizer/rbac/bootstrappolicy, its testdata/cluster-roles.yaml and
 * cluster-role-bindings.yaml): the user-facing roles `cluster-admin`, `admin`, `edit`, `view`
 * (the last three aggregated from the `system:aggregate-to-*` roles by label), `system:discovery`,
 * `system:basic-user`, `system:public-info-viewer`, `system:auth-delegator`, and their bindings
 * (`cluster-admin` to `system:masters`; discovery, basic-user and public-info to every
 * authenticated user, public-info to unauthenticated ones too). The controller roles
 * (`system:controller:*`, `system:node`, …) are not created: nothing here runs as them.
 *
 * And the clusterrole-aggregation controller (k8s.io/kubernetes pkg/controller/clusterroleaggregation):
 * a ClusterRole with an `aggregationRule` gets as its `rules` the rules of every other ClusterRole its
 * selectors match, in name order, each rule once; kept up to date as ClusterRoles change.
 */
import { matchesSelector } from '../api/index.ts';
import type { KubeObject, LabelSelector } from '../api/index.ts';
import type { ApiServer } from '../apiserver.ts';
import { CLUSTER_ROLE } from './rbac.ts';
import type { PolicyRule } from './rbac.ts';
import { SYSTEM_AUTHENTICATED, SYSTEM_MASTERS, SYSTEM_UNAUTHENTICATED } from './user.ts';

const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update'];
const READ_WRITE = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const AGGREGATE_TO = (role: 'admin' | 'edit' | 'view') => `rbac.authorization.k8s.io/aggregate-to-${role}`;
const RBAC_V1 = 'rbac.authorization.k8s.io/v1';

const rule = (verbs: string[], apiGroups: string[], resources: string[]): PolicyRule => ({ apiGroups, resources, verbs });

function meta(name: string, labels: Record<string, string> = {}): KubeObject['metadata'] {
  return { name, labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults', ...labels }, annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' } };
}

function clusterRole(name: string, rules: PolicyRule[], labels?: Record<string, string>): KubeObject {
  return { apiVersion: RBAC_V1, kind: 'ClusterRole', metadata: meta(name, labels), rules };
}

function aggregated(name: string, from: 'admin' | 'edit' | 'view', labels?: Record<string, string>): KubeObject {
  return { apiVersion: RBAC_V1, kind: 'ClusterRole', metadata: meta(name, labels), aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [AGGREGATE_TO(from)]: 'true' } }] }, rules: [] };
}

/** The bootstrap ClusterRoles, as upstream's testdata lists them (name order). */
export function bootstrapClusterRoles(): KubeObject[] {
  return [
    aggregated('admin', 'admin'),
    clusterRole('cluster-admin', [rule(['*'], ['*'], ['*']), { nonResourceURLs: ['*'], verbs: ['*'] }]),
    aggregated('edit', 'edit', { [AGGREGATE_TO('admin')]: 'true' }),
    clusterRole(
      'system:aggregate-to-admin',
      [rule(['create'], ['authorization.k8s.io'], ['localsubjectaccessreviews']), rule(READ_WRITE, ['rbac.authorization.k8s.io'], ['rolebindings', 'roles'])],
      { [AGGREGATE_TO('admin')]: 'true' },
    ),
    clusterRole(
      'system:aggregate-to-edit',
      [
        rule(READ, [''], ['pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy', 'secrets', 'services/proxy']),
        rule(['impersonate'], [''], ['serviceaccounts']),
        rule(WRITE, [''], ['pods', 'pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy']),
        rule(['create'], [''], ['pods/eviction']),
        rule(WRITE, [''], ['configmaps', 'events', 'persistentvolumeclaims', 'replicationcontrollers', 'replicationcontrollers/scale', 'secrets', 'serviceaccounts', 'services', 'services/proxy']),
        rule(['create'], [''], ['serviceaccounts/token']),
        rule(WRITE, ['apps'], ['daemonsets', 'deployments', 'deployments/rollback', 'deployments/scale', 'replicasets', 'replicasets/scale', 'statefulsets', 'statefulsets/scale']),
        rule(WRITE, ['autoscaling'], ['horizontalpodautoscalers']),
        rule(WRITE, ['batch'], ['cronjobs', 'jobs']),
        rule(WRITE, ['extensions'], ['daemonsets', 'deployments', 'deployments/rollback', 'deployments/scale', 'ingresses', 'networkpolicies', 'replicasets', 'replicasets/scale', 'replicationcontrollers/scale']),
        rule(WRITE, ['policy'], ['poddisruptionbudgets']),
        rule(WRITE, ['networking.k8s.io'], ['ingresses', 'networkpolicies']),
        rule(READ_WRITE, ['coordination.k8s.io'], ['leases']),
      ],
      { [AGGREGATE_TO('edit')]: 'true' },
    ),
    clusterRole(
      'system:aggregate-to-view',
      [
        rule(READ, [''], ['configmaps', 'endpoints', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'pods', 'replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/status']),
        rule(READ, [''], ['bindings', 'events', 'limitranges', 'namespaces/status', 'pods/log', 'pods/status', 'replicationcontrollers/status', 'resourcequotas', 'resourcequotas/status']),
        rule(READ, [''], ['namespaces']),
        rule(READ, ['discovery.k8s.io'], ['endpointslices']),
        rule(READ, ['apps'], ['controllerrevisions', 'daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'replicasets', 'replicasets/scale', 'replicasets/status', 'statefulsets', 'statefulsets/scale', 'statefulsets/status']),
        rule(READ, ['autoscaling'], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
        rule(READ, ['batch'], ['cronjobs', 'cronjobs/status', 'jobs', 'jobs/status']),
        rule(READ, ['extensions'], ['daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'ingresses', 'ingresses/status', 'networkpolicies', 'replicasets', 'replicasets/scale', 'replicasets/status', 'replicationcontrollers/scale']),
        rule(READ, ['policy'], ['poddisruptionbudgets', 'poddisruptionbudgets/status']),
        rule(READ, ['networking.k8s.io'], ['ingresses', 'ingresses/status', 'networkpolicies']),
      ],
      { [AGGREGATE_TO('view')]: 'true' },
    ),
    clusterRole('system:auth-delegator', [rule(['create'], ['authentication.k8s.io'], ['tokenreviews']), rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews'])]),
    clusterRole('system:basic-user', [rule(['create'], ['authorization.k8s.io'], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews']), rule(['create'], ['authentication.k8s.io'], ['selfsubjectreviews'])]),
    clusterRole('system:discovery', [{ nonResourceURLs: ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'], verbs: ['get'] }]),
    clusterRole('system:public-info-viewer', [{ nonResourceURLs: ['/healthz', '/livez', '/readyz', '/version', '/version/'], verbs: ['get'] }]),
    aggregated('view', 'view', { [AGGREGATE_TO('edit')]: 'true' }),
  ];
}

function groupBinding(name: string, role: string, groups: string[]): KubeObject {
  return {
    apiVersion: RBAC_V1,
    kind: 'ClusterRoleBinding',
    metadata: meta(name),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
    subjects: groups.map((g) => ({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: g })),
  };
}

/** The bootstrap ClusterRoleBindings of those roles. */
export function bootstrapClusterRoleBindings(): KubeObject[] {
  return [
    groupBinding('cluster-admin', 'cluster-admin', [SYSTEM_MASTERS]),
    groupBinding('system:basic-user', 'system:basic-user', [SYSTEM_AUTHENTICATED]),
    groupBinding('system:discovery', 'system:discovery', [SYSTEM_AUTHENTICATED]),
    groupBinding('system:public-info-viewer', 'system:public-info-viewer', [SYSTEM_AUTHENTICATED, SYSTEM_UNAUTHENTICATED]),
  ];
}

/**
 * The rules an aggregated ClusterRole should have now: the rules of every other ClusterRole one of
 * its selectors matches, ClusterRoles in name order, each rule once (clusterroleaggregation controller).
 */
export function aggregatedRules(role: KubeObject, all: readonly KubeObject[]): PolicyRule[] {
  const selectors = ((role.aggregationRule as { clusterRoleSelectors?: LabelSelector[] } | undefined)?.clusterRoleSelectors ?? []);
  const out: PolicyRule[] = [];
  const seen = new Set<string>();
  for (const selector of selectors) {
    const matched = all.filter((r) => r.metadata.name !== role.metadata.name && matchesSelector(selector, r.metadata.labels ?? {})).sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0));
    for (const r of matched)
      for (const rl of (r.rules ?? []) as PolicyRule[]) {
        const key = JSON.stringify(rl);
        if (seen.has(key)) continue;
        seen.add(key);
        out.push(rl);
      }
  }
  return out;
}

/**
 * One pass of the aggregation controller over every aggregated ClusterRole, repeated until nothing
 * changes (aggregated roles may aggregate each other: admin ← edit ← view). @returns the number of updates.
 */
export function reconcileAggregation(api: ApiServer): number {
  let updates = 0;
  for (let pass = 0; pass < 10; pass++) {
    let changed = false;
    const all = api.list(CLUSTER_ROLE).items;
    for (const role of all) {
      if (!role.aggregationRule) continue;
      const current = api.get(CLUSTER_ROLE, { name: role.metadata.name });
      const rules = aggregatedRules(current, api.list(CLUSTER_ROLE).items);
      if (JSON.stringify(rules) === JSON.stringify(current.rules ?? [])) continue;
      api.update({ ...current, rules }, { fieldManager: 'clusterrole-aggregation-controller' });
      changed = true;
      updates++;
    }
    if (!changed) break;
  }
  return updates;
}

/**
 * Creates the bootstrap ClusterRoles and ClusterRoleBindings that are missing, fills the aggregated
 * roles, and starts the aggregation controller (a ClusterRole watch). @returns a function stopping it.
 */
export function installBootstrapPolicy(api: ApiServer): () => void {
  for (const o of [...bootstrapClusterRoles(), ...bootstrapClusterRoleBindings()]) {
    const type = { apiVersion: o.apiVersion, kind: o.kind };
    if (!api.has(type, { name: o.metadata.name })) api.create(o, { fieldManager: 'kube-apiserver' });
  }
  reconcileAggregation(api);
  let stopped = false;
  const handle = api.watch(CLUSTER_ROLE, { resourceVersion: String(api.revision) }, (e) => {
    if (stopped || e.type === 'BOOKMARK' || e.type === 'ERROR') return;
    reconcileAggregation(api);
  });
  return () => {
    stopped = true;
    handle.stop();
  };
}
