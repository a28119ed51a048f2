/**
 * The compile-context set-up the three workload controllers share (LatticeService, LatticeJob,
 * LatticeModel: the book's shared WorkloadCompiler pipeline; reference service controller.rs:930-980,
 * job controller.rs:580-607, model controller.rs:395-418): image trust first (a missing enforcing key
 * ⇒ wait, nothing compiled), then the Cedar engine, the LatticeQuota budget and the service-graph
 * lookup. What differs per controller stays in the controller: which images and workloads, the quota
 * warning's word, the service-port lookup (service and job), shared-volume owners and ImageProvider
 * credentials (service), and what each does with a wait, a failure or a stale quota.
 */
import type { KubeClient, KubeObject } from '../../fake-apiserver/api/index.ts';
import { ignoreNotFound } from '../../fake-apiserver/api/index.ts';
import type { Authorizer } from '../cedar/types.ts';
import type { CompileContext, ServiceLookupResult } from '../compiler/index.ts';
import { LatticeServiceType, type LatticeService, type WorkloadSpec } from '../crds/types.ts';
import type { QuotaBudget } from '../quota/budget.ts';
import type { Logger } from '../runtime/index.ts';
import type { CedarLoader } from './cedar-loader.ts';
import { checkImageTrust, type ImageTrustCheck, type ImageVerifier } from './image-trust.ts';
import { workloadQuotaBudget } from './quota-budget.ts';
import { graphNodeLookup } from './service-graph-nodes.ts';

/** The workload a compile context is set up for. */
export interface WorkloadCompileSubject {
  /** The LatticeService, LatticeJob or LatticeModel: its namespace, name and annotations select the quota budget. */
  obj: KubeObject;
  /** The word of the reference's no-quota warning (`no quota matched this <what>`): `workload`, `job` or `model`. */
  what: string;
  /** Every image the compile will ask about (`workloadImages`, `jobImages`, `modelImages`). */
  images: readonly string[];
  /** Every workload spec the compile derives (for the service-graph lookup, {@link graphNodeLookup}). */
  workloads: readonly (Partial<WorkloadSpec> | undefined)[];
}

/** The compile-context fields every workload controller sets the same way. */
export interface SharedCompileContext extends Pick<CompileContext, 'graphHasNode' | 'imageVerification'> {
  authorizer: Authorizer;
  quotaBudget: QuotaBudget;
}

/**
 * `{waiting}`: an enforcing ImageProvider's key Secret is missing or empty (the status message to write;
 * nothing else was read). Otherwise the context to spread into the compile's {@link CompileContext}.
 * `trust` is the image-trust check either way (the service's `ImageVerified` condition reads it).
 */
export type WorkloadCompileSetup =
  | { waiting: string; trust: ImageTrustCheck }
  | { trust: Exclude<ImageTrustCheck, { waiting: string }>; context: SharedCompileContext };

/**
 * Sets up the shared part of a workload's compile context, in this order: {@link checkImageTrust}
 * (`verifier` asked only when some ImageProvider enforces trust; a missing key returns `{waiting}`
 * at once), `cedar.load()`, {@link workloadQuotaBudget} (logs the reference's warning through `log`
 * when quotas exist but none matches), {@link graphNodeLookup}. Reads through `client` (the informer
 * cache in the simulator); writes nothing. After a successful compile the caller checks the budget's
 * freshness itself (`quotasUnchanged(client, context.quotaBudget.snapshots)`).
 */
export async function workloadCompileContext(
  client: KubeClient,
  deps: { cedar: CedarLoader; verifier: ImageVerifier },
  subject: WorkloadCompileSubject,
  log: Logger,
): Promise<WorkloadCompileSetup> {
  const trust = await checkImageTrust(client, subject.images, deps.verifier);
  if ('waiting' in trust) return { waiting: trust.waiting, trust };
  const authorizer = await deps.cedar.load();
  const quotaBudget = await workloadQuotaBudget(client, subject.obj, subject.what, log);
  const graphHasNode = await graphNodeLookup(client, subject.workloads);
  return { trust, context: { authorizer, quotaBudget, graphHasNode, ...trust.context } };
}

/**
 * The `serviceLookup` of a compile (reference §2.2, `${resources.X.port|url}`): the ports of the
 * LatticeServices named by `ids` (`"ns/name"`, read in the order given, one get each from the cache);
 * a service that does not exist or declares no ports is unknown.
 */
export async function servicePortLookup(client: KubeClient, ids: readonly string[]): Promise<NonNullable<CompileContext['serviceLookup']>> {
  const known = new Map<string, ServiceLookupResult>();
  for (const id of ids) {
    const slash = id.indexOf('/');
    const other = (await client.get<LatticeService>(LatticeServiceType, { namespace: id.slice(0, slash), name: id.slice(slash + 1) }).catch(ignoreNotFound)) as LatticeService | undefined;
    const ports = other?.spec?.workload?.service?.ports;
    if (ports) known.set(id, { ports });
  }
  return (namespace, name) => known.get(`${namespace}/${name}`);
}
