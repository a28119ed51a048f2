/**
 * Test fixture for bug tests (shared fakes live in `testing/`, STYLE.md rule 25): an in-process API
 * server with the stubbed third-party CRDs and the platform installed, object builders, and a way to
 * run the real LatticeMeshMember, LatticeService or LatticeJob reconcile once through any client. Not used by
 * production code.
 */
import { ApiServer, InProcessClient } from '../../../fake-apiserver/index.ts';
import type { KubeClient, KubeObject } from '../../../fake-apiserver/api/index.ts';
import {
  CedarLoader,
  CedarPolicyType,
  LATTICE_SYSTEM_NAMESPACE,
  LatticeMeshMemberType,
  LatticeServiceType,
  installPlatform,
  jobController,
  meshMemberController,
  serviceController,
} from '../../../platform/index.ts';
import type { LatticeMeshMemberSpec, LatticeServiceSpec } from '../../../platform/index.ts';
import { InformerFactory } from '../../client/index.ts';
import { VirtualClock } from '../../clock/index.ts';
import { thirdPartyCrds } from '../../stubs/third-party-crds.ts';
import type { BugSeams } from '../types.ts';

/** Trust domain the fixture's mesh-member controller compiles with. */
export const TEST_TRUST_DOMAIN = 'lattice.test';

/** A fresh cluster: `client` is the unwrapped one (what the store really holds), `seams` what a bug wraps. */
export interface BugTestCluster {
  clock: VirtualClock;
  server: ApiServer;
  client: KubeClient;
  seams: BugSeams;
}

/** Builds a {@link BugTestCluster} with namespaces `namespaces` created (default `['ns']`). */
export async function bugTestCluster(namespaces: readonly string[] = ['ns']): Promise<BugTestCluster> {
  const clock = new VirtualClock();
  const server = new ApiServer({ clock });
  const client = new InProcessClient(server);
  for (const crd of thirdPartyCrds()) await client.create(crd);
  await installPlatform(client);
  for (const name of namespaces) await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  return { clock, server, client, seams: { platformClient: client, stubsClient: client } };
}

/**
 * A LatticeMeshMember `ns/name` targeting `{app.kubernetes.io/name: <name>}`, one Strict port `http`
 * 8080 (service port 80), with `spec` overriding those defaults. No uid: the API server assigns it.
 */
export function member(ns: string, name: string, spec: Partial<LatticeMeshMemberSpec> = {}): KubeObject {
  return {
    ...LatticeMeshMemberType,
    metadata: { name, namespace: ns },
    spec: { target: { selector: { 'app.kubernetes.io/name': name } }, ports: [{ name: 'http', port: 8080, servicePort: 80 }], ...spec },
  };
}

/** Runs the platform's LatticeMeshMember reconcile once for `ns/name`, with `platformClient` as its only client. */
export async function reconcileMember(cluster: BugTestCluster, platformClient: KubeClient, ns: string, name: string): Promise<void> {
  const controller = meshMemberController({ client: platformClient, cedar: new CedarLoader(platformClient), trustDomain: TEST_TRUST_DOMAIN });
  await controller.reconciler.reconcile({ namespace: ns, name }, { clock: cluster.clock, log: { info: () => {}, warn: () => {} } });
}

/** Runs the platform's LatticeService reconcile once for `ns/name`, with `platformClient` as its only client. */
export async function reconcileService(cluster: BugTestCluster, platformClient: KubeClient, ns: string, name: string): Promise<void> {
  const controller = serviceController({ client: platformClient, cedar: new CedarLoader(platformClient), clusterName: 'test' });
  await controller.reconciler.reconcile({ namespace: ns, name }, { clock: cluster.clock, log: { info: () => {}, warn: () => {} } });
}

/** Runs the platform's LatticeJob reconcile once for `ns/name`, with `platformClient` as its only client. */
export async function reconcileJob(cluster: BugTestCluster, platformClient: KubeClient, ns: string, name: string): Promise<void> {
  const controller = jobController({ client: platformClient, cedar: new CedarLoader(platformClient), clusterName: 'test' });
  await controller.reconciler.reconcile({ namespace: ns, name }, { clock: cluster.clock, log: { info: () => {}, warn: () => {} } });
}

/**
 * A LatticeService `ns/name`: one nginx server container (absolute command, so no Cedar gate) and
 * Service port `http` 80 → 8080, with `spec` overriding those defaults.
 */
export function service(ns: string, name: string, spec: Partial<LatticeServiceSpec> = {}): KubeObject {
  return {
    ...LatticeServiceType,
    metadata: { name, namespace: ns },
    spec: {
      replicas: 1,
      workload: {
        // Limits are mandatory (reference ContainerSpec::validate): without them the service fails validation.
        containers: { main: { image: 'nginxinc/nginx-unprivileged:1.27-alpine', command: ['/usr/sbin/nginx', '-g', 'daemon off;'], resources: { limits: { cpu: '200m', memory: '128Mi' } } } },
        service: { ports: { http: { port: 80, targetPort: 8080 } } },
      },
      ...spec,
    },
  };
}

/** A CedarPolicy `name` in `lattice-system` holding `policies` (Cedar text). */
export function cedarPolicy(name: string, policies: string): KubeObject {
  return { ...CedarPolicyType, metadata: { name, namespace: LATTICE_SYSTEM_NAMESPACE }, spec: { policies } };
}

/** The stored `status` of object `ns/name` of `type` (empty when it has none). */
export async function storedStatus(client: KubeClient, type: { apiVersion: string; kind: string }, ns: string, name: string): Promise<Record<string, unknown>> {
  return ((await client.get(type, { namespace: ns, name })).status ?? {}) as Record<string, unknown>;
}

/** Objects of `type` stored in namespace `ns` (as the dataplane would see them), by name. */
export async function storedIn(client: KubeClient, type: { apiVersion: string; kind: string }, ns: string): Promise<KubeObject[]> {
  return (await client.list(type, { namespace: ns })).items;
}

/**
 * The ports each AuthorizationPolicy whose name starts with `prefix` allows, one list per policy
 * (its rules' `to[].operation.ports`, in order): what the port bugs' tests compare.
 */
export function authorizationPolicyPorts(aps: readonly KubeObject[], prefix: string): string[][] {
  return aps
    .filter((o) => o.metadata.name.startsWith(prefix))
    .map((o) => o.spec.rules.flatMap((r: { to?: { operation: { ports: string[] } }[] }) => (r.to ?? []).flatMap((t) => t.operation.ports)));
}

/** Shared informers over the cluster's real client, for the stubs a stubs bug wraps (stop them at the end of the test). */
export function stubInformers(cluster: BugTestCluster): InformerFactory {
  return new InformerFactory({ client: cluster.client, clock: cluster.clock, log: { info: () => {}, warn: () => {} } });
}

/**
 * Resolves once `done()` holds, letting queued watch deliveries (microtasks) and the handlers they
 * start run between checks; rejects after `turns` event-loop turns. For tests of stubs driven by
 * watch events, which run outside simulated time.
 */
export async function eventually(done: () => boolean | Promise<boolean>, turns = 200): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (await done()) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  throw new Error(`condition not reached after ${turns} event-loop turns`);
}
