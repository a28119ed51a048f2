/**
 * kube-apiserver's health endpoints `/healthz`, `/livez` and `/readyz` (Kubernetes docs "Kubernetes
 * API health endpoints"; k8s.io/apiserver pkg/server/healthz): `ok` when every check passes; with
 * `?verbose` one `[+]<check> ok` line per check and then `<endpoint> check passed`; `?exclude=<check>`
 * (repeatable) marks a check `[+]<check> excluded: ok`; `/<endpoint>/<check>` runs that one check
 * (`ok`), and an unknown one is a 404 `404 page not found`. Every check of this in-memory server
 * passes: there is no etcd to lose, and the post-start hooks are done once it listens.
 */

/** The checks every endpoint runs, in upstream's order (the apiserver's own and its post-start hooks). */
const COMMON = [
  'ping',
  'log',
  'etcd',
  'poststarthook/start-apiserver-admission-initializer',
  'poststarthook/generic-apiserver-start-informers',
  'poststarthook/priority-and-fairness-config-consumer',
  'poststarthook/priority-and-fairness-filter',
  'poststarthook/storage-object-count-tracker-hook',
  'poststarthook/start-apiextensions-informers',
  'poststarthook/start-apiextensions-controllers',
  'poststarthook/crd-informer-synced',
  'poststarthook/start-system-namespaces-controller',
  'poststarthook/start-cluster-authentication-info-controller',
  'poststarthook/start-kube-apiserver-identity-lease-controller',
  'poststarthook/start-kube-apiserver-identity-lease-garbage-collector',
  'poststarthook/start-legacy-token-tracking-controller',
  'poststarthook/start-service-ip-repair-controllers',
  'poststarthook/rbac/bootstrap-roles',
  'poststarthook/scheduling/bootstrap-system-priority-classes',
  'poststarthook/priority-and-fairness-config-producer',
  'poststarthook/bootstrap-controller',
  'poststarthook/start-kube-aggregator-informers',
  'poststarthook/apiservice-status-local-available-controller',
  'poststarthook/apiservice-status-remote-available-controller',
  'poststarthook/apiservice-registration-controller',
  'poststarthook/apiservice-discovery-controller',
  'poststarthook/kube-apiserver-autoregistration',
  'autoregister-completion',
  'poststarthook/apiservice-openapi-controller',
  'poststarthook/apiservice-openapiv3-controller',
];

/** Checks of one endpoint: readyz adds etcd-readiness, informer-sync and shutdown. */
function checksOf(endpoint: string): string[] {
  if (endpoint !== 'readyz') return COMMON;
  const out = [...COMMON];
  out.splice(out.indexOf('etcd') + 1, 0, 'etcd-readiness', 'informer-sync');
  out.push('shutdown');
  return out;
}

/** A health answer: HTTP code and plain-text body. */
export interface HealthAnswer {
  code: number;
  text: string;
}

/**
 * The answer of `/<endpoint>[/<check>][?<search>]`.
 * @param endpoint `healthz`, `livez` or `readyz`.
 * @param check the path after the endpoint (`etcd`, `poststarthook/rbac/bootstrap-roles`), '' for all.
 * @param search the query string without `?` (`verbose`, `exclude=etcd`).
 */
export function healthAnswer(endpoint: string, check: string, search: string): HealthAnswer {
  const checks = checksOf(endpoint);
  if (check !== '') return checks.includes(check) ? { code: 200, text: 'ok' } : { code: 404, text: '404 page not found\n' };
  const q = new URLSearchParams(search);
  if (!q.has('verbose')) return { code: 200, text: 'ok' };
  const excluded = new Set(q.getAll('exclude'));
  const lines = checks.map((c) => (excluded.has(c) ? `[+]${c} excluded: ok` : `[+]${c} ok`));
  return { code: 200, text: `${lines.join('\n')}\n${endpoint} check passed\n` };
}
