/**
 * The `pods/eviction` subresource (policy/v1 Eviction; kube-apiserver's eviction REST in
 * pkg/registry/core/pod/storage/eviction.go, and the Kubernetes docs "API-initiated Eviction"): a
 * pod is deleted only if its PodDisruptionBudget allows one more disruption, and the API server
 * itself takes that disruption from the budget (`status.disruptionsAllowed` − 1, the pod recorded
 * in `status.disruptedPods`) before deleting it. `kubectl drain` evicts through it.
 *
 * - A pod that is Succeeded, Failed, Pending or already terminating is deleted without a budget check.
 * - No budget selects the pod: deleted. More than one: 500, as upstream ("does not support").
 * - The budget's status is older than its spec (`observedGeneration` < `generation`), or it allows no
 *   disruption: 429 TooManyRequests with a DisruptionBudget cause saying why; a negative count: 403.
 * - An unready pod under `unhealthyPodEvictionPolicy: AlwaysAllow`, or under the default
 *   IfHealthyBudget while the budget is met, is deleted without taking a disruption.
 * - `dryRun` changes nothing. Answer: a Success Status (HTTP 201).
 */
import { statusError } from '../api/index.ts';
import type { DeleteOptions, KubeObject, StatusCause } from '../api/index.ts';
import type { ApiServer } from '../apiserver.ts';
import { buildMatcher } from '../internal/selectors.ts';

const POD = { apiVersion: 'v1', kind: 'Pod' };
const PDB = { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget' };

/** Message of a refused eviction (upstream wording). */
export const EVICTION_REFUSED = "Cannot evict pod as it would violate the pod's disruption budget.";

interface BudgetStatus {
  observedGeneration?: number;
  disruptionsAllowed?: number;
  currentHealthy?: number;
  desiredHealthy?: number;
  disruptedPods?: Record<string, string>;
}

function podReady(pod: KubeObject): boolean {
  const conditions = ((pod.status ?? {}) as { conditions?: { type: string; status: string }[] }).conditions ?? [];
  return conditions.some((c) => c.type === 'Ready' && c.status === 'True');
}

function refused(cause: StatusCause): never {
  throw statusError('TooManyRequests', EVICTION_REFUSED, { causes: [cause] });
}

/**
 * Evicts pod `namespace/name` as `POST …/pods/<name>/eviction` with `body` (an Eviction) does.
 * `nowIso` stamps the disrupted-pods entry (RFC 3339).
 * @returns the Success Status. Throws the pod's 404, the 429 / 403 / 500 above, or the delete's errors.
 */
export function evictPod(server: ApiServer, namespace: string, name: string, body: Record<string, unknown>, nowIso: string, dryRun: boolean): KubeObject {
  const pod = server.get(POD, { namespace, name });
  const bodyOptions = (typeof body.deleteOptions === 'object' && body.deleteOptions !== null ? body.deleteOptions : {}) as DeleteOptions & { dryRun?: string[] };
  const deleteOpts: DeleteOptions = { ...bodyOptions, dryRun: dryRun || (Array.isArray(bodyOptions.dryRun) && bodyOptions.dryRun.includes('All')) };
  const done = (): KubeObject => {
    server.delete(POD, { namespace, name }, deleteOpts);
    return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 } as unknown as KubeObject;
  };
  const phase = ((pod.status ?? {}) as { phase?: string }).phase;
  if (phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || pod.metadata.deletionTimestamp) return done();

  const budgets = server.list(PDB, { namespace }).items.filter((pdb) => {
    const selector = (pdb.spec as { selector?: unknown } | undefined)?.selector;
    // policy/v1: a null selector selects no pods, an empty one every pod.
    return selector !== undefined && selector !== null && buildMatcher({ labelSelector: selector as never }, '', 'Pod', false)(pod);
  });
  if (budgets.length === 0) return done();
  if (budgets.length > 1) throw statusError('InternalError', 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
  const pdb = budgets[0];
  const status = (pdb.status ?? {}) as BudgetStatus;
  const pdbName = pdb.metadata.name;
  if ((status.observedGeneration ?? 0) < (pdb.metadata.generation ?? 0))
    refused({ reason: 'DisruptionBudget', message: `The disruption budget ${pdbName} is still being processed by the server.` });
  const allowed = status.disruptionsAllowed ?? 0;
  if (allowed < 0) throw statusError('Forbidden', 'pdb disruptions allowed is negative');
  const policy = (pdb.spec as { unhealthyPodEvictionPolicy?: string }).unhealthyPodEvictionPolicy ?? 'IfHealthyBudget';
  const healthy = status.currentHealthy ?? 0;
  const desired = status.desiredHealthy ?? 0;
  if (!podReady(pod) && (policy === 'AlwaysAllow' || (healthy >= desired && desired > 0))) return done();
  if (allowed === 0) refused({ reason: 'DisruptionBudget', message: `The disruption budget ${pdbName} needs ${desired} healthy pods and has ${healthy} currently` });
  if (!deleteOpts.dryRun) {
    const disruptedPods = { ...(status.disruptedPods ?? {}), [name]: nowIso };
    server.updateStatus({ ...pdb, status: { ...status, disruptionsAllowed: allowed - 1, disruptedPods } }, { fieldManager: 'kube-apiserver' });
  }
  return done();
}

