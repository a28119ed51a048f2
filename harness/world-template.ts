/**
 * The installed cluster every World starts from: the CRDs of the stubbed components, the node pool,
 * the platform (its CRDs, namespaces and cluster-wide default-deny policies), Volcano's `default`
 * Queue and the `lattice-local` ClusterSecretStore. Installing them through the API server costs
 * tens of CPU ms per World (CRD validation and schema compilation, server-side apply of large
 * objects), and a run builds one World per topology and more while shrinking; so each process
 * installs once per distinct {@link ClusterInstall} into a template API server and starts every
 * World's server from that template's snapshot (`ApiServer.startFrom`).
 *
 * Starting from the template is observably the same as installing: the install draws nothing from
 * the World's seeded streams (no generated names) and sends no watch events (nothing watches yet),
 * so a World started from it has the same objects, resourceVersions, timestamps and managedFields,
 * and the uids its own seed derives for them. What differs is only the event history, which starts
 * at the installed revision (a watch from an older resourceVersion gets 410 Expired and relists).
 */
import { ApiServer, InProcessClient } from '../fake-apiserver/index.ts';
import type { ApiServerSnapshot } from '../fake-apiserver/index.ts';
import type { KubeClient, KubeObject } from '../fake-apiserver/api/index.ts';
import { ESO_NAMESPACE, LATTICE_WEBHOOK_SERVICE, installPlatform, latticeWebhookServer } from '../platform/index.ts';
import { VirtualClock } from './clock/index.ts';
import { StubTypes, thirdPartyCrds } from './stubs/third-party-crds.ts';
import { registerNode } from './stubs/nodes.ts';
import { defaultQueue } from './stubs/volcano/index.ts';

/** What a World's install writes depend on: the template is keyed by all of it. */
export interface ClusterInstall {
  /** The Node objects of the profile's pool (harness/stubs/nodes.ts `nodeObjects`), registered in order. */
  nodes: readonly KubeObject[];
  /** Install the Lattice platform and the `lattice-local` store (WorldOptions.platform). */
  platform: boolean;
  /** The API server's upstream defaulting of built-in kinds (WorldOptions.builtinDefaulting). */
  builtinDefaulting: boolean;
  /** Simulated instant of the install, ms since the Unix epoch (creationTimestamps and managedFields times). */
  startMs: number;
}

/** The built-in `lattice-local` store: a webhook provider backed by the operator (port 8787). */
const LATTICE_LOCAL_STORE: KubeObject = {
  ...StubTypes.ClusterSecretStore,
  metadata: { name: 'lattice-local', labels: { 'app.kubernetes.io/managed-by': 'lattice' } },
  spec: { provider: { webhook: { url: 'http://lattice-local-secrets.lattice-secrets.svc:8787/secret/{{ .remoteRef.key }}', method: 'GET', result: { jsonPath: '$' } } } },
};

/** Templates kept per process (a run uses one; `serve` and tests a few more): the oldest is dropped beyond this. */
const MAX_TEMPLATES = 8;
const templates = new Map<string, ApiServerSnapshot>();

/**
 * Brings `server`, a World's API server that has served nothing but its bootstrap and has its
 * webhook Services registered, to the installed state of `install`: from the process's template,
 * built on first use.
 * @throws StatusError when an install write is refused (a broken CRD or node pool); Error when `server` was already written to.
 */
export async function installCluster(server: ApiServer, install: ClusterInstall): Promise<void> {
  const key = JSON.stringify(install);
  let template = templates.get(key);
  if (!template) {
    template = await buildTemplate(install);
    if (templates.size >= MAX_TEMPLATES) templates.delete(templates.keys().next().value!);
    templates.set(key, template);
  }
  server.startFrom(template);
}

/**
 * Installs into a fresh API server and snapshots it. Its uids are placeholders (each World derives its
 * own); generated names and watch delivery would make the template depend on a World's seed, so the
 * template server refuses both.
 */
async function buildTemplate(install: ClusterInstall): Promise<ApiServerSnapshot> {
  const seedDependent = (what: string) => () => {
    throw new Error(`cluster template: the install must not use ${what} (it would depend on the World's seed)`);
  };
  const server = new ApiServer({
    clock: new VirtualClock(install.startMs),
    nameSuffix: seedDependent('generateName'),
    deliver: seedDependent('watch delivery'),
    builtinStrategies: { defaulting: install.builtinDefaulting, validation: true },
  });
  server.registerWebhookService(LATTICE_WEBHOOK_SERVICE.namespace, LATTICE_WEBHOOK_SERVICE.name, latticeWebhookServer);
  await writeInstall(new InProcessClient(server), install);
  return server.snapshot();
}

/**
 * The install's writes, in order (what a template holds): CRDs of the stubbed components, the
 * nodes (created, then their status), the platform, Volcano's `default` Queue, ESO's namespace, the `lattice-local` store.
 * @throws StatusError when the API server refuses one.
 */
export async function writeInstall(client: KubeClient, install: ClusterInstall): Promise<void> {
  for (const crd of thirdPartyCrds()) await client.create(crd);
  for (const node of install.nodes) await registerNode(client, node);
  if (install.platform) await installPlatform(client);
  // Volcano's install creates the `default` Queue (anchors-netpol.md §5.3).
  await client.create(defaultQueue());
  // ESO's install creates its namespace, where the platform enrols ESO's pods for egress to external
  // secret stores (LatticeMeshMember `egress-sp-<provider>`; the stub itself runs no pods).
  await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ESO_NAMESPACE } });
  // The reference operator creates the webhook ClusterSecretStore `lattice-local` at startup
  // (lattice-reference.md §1.7); platform/ does not yet, so the World stands in for that step.
  if (install.platform) await client.create(LATTICE_LOCAL_STORE);
}
