/**
 * A bare simulated cluster for kube-controller-manager tests: API server, virtual clock, shared
 * informers and a runner driving only the controllers a test passes (no kubelet unless given), so a
 * test can drive pod status itself. Test support only; the World wires the real set.
 */
import { ApiServer, InProcessClient } from '../../../fake-apiserver/index.ts';
import type { KubeClient, KubeObject, TypeRef } from '../../../fake-apiserver/api/index.ts';
import { rfc3339 } from '../../../fake-apiserver/api/index.ts';
import type { ControllerDefinition } from '../../../platform/runtime/index.ts';
import { VirtualClock } from '../../clock/index.ts';
import { InformerFactory } from '../../client/index.ts';
import { ControllerRunner } from '../../runner/index.ts';

/** The parts of a bare cluster. */
export interface TestCluster {
  clock: VirtualClock;
  server: ApiServer;
  client: KubeClient;
  cache: InformerFactory;
  /** Starts the controllers built from the cluster's client and cache. */
  start(build: (client: KubeClient, cache: InformerFactory) => ControllerDefinition[]): Promise<void>;
  /** Advances simulated time by `ms`. */
  advance(ms: number): Promise<void>;
  /** Items of a kind now in the store. */
  list(type: TypeRef, namespace?: string): readonly KubeObject[];
  stop(): void;
}

/** A bare cluster with namespaces `namespaces` created. */
export async function testCluster(namespaces: readonly string[] = ['ns']): Promise<TestCluster> {
  const clock = new VirtualClock();
  const server = new ApiServer({ clock });
  const client = new InProcessClient(server);
  for (const name of namespaces) await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  const log = { info: () => {}, warn: () => {} };
  const cache = new InformerFactory({ client, clock, log });
  const runner = new ControllerRunner({ clock, informers: cache, log });
  return {
    clock,
    server,
    client,
    cache,
    start: (build) => runner.start(build(client, cache)),
    advance: async (ms) => void (await clock.run({ untilMs: clock.now() + ms })),
    list: (type, namespace) => server.list(type, namespace ? { namespace } : {}).items,
    stop: () => {
      runner.stop();
      cache.stop();
    },
  };
}

/** Pod status `Running` and Ready=True since `nowMs` (what the kubelet would write). */
export function readyStatus(nowMs: number, ip = '10.0.0.1'): Record<string, unknown> {
  const t = rfc3339(nowMs);
  return { phase: 'Running', podIP: ip, conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: t }] };
}
