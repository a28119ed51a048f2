/**
 * Stable randomness (DESIGN.md "Randomness"): draws are keyed by object and purpose, uids by
 * identity, and watch delivery by commit time, so removing one unrelated service — what a
 * fast-check shrink step does — changes no other object's timings, names or uids.
 */
import { describe, expect, it } from 'vitest';
import type { KubeObject, TypeRef } from '../../fake-apiserver/api/index.ts';
import { ApiServer } from '../../fake-apiserver/index.ts';
import { manualClock } from '../../fake-apiserver/testing/manual-clock.ts';
import { CedarPolicyType, LATTICE_SYSTEM_NAMESPACE, LatticeServiceType } from '../../platform/index.ts';
import type { LatticeService } from '../../platform/index.ts';
import { World } from '../world.ts';
import { SimulatedTrafficGenerator } from '../traffic/generator.ts';
import { CoreTypes, StubTypes } from '../stubs/third-party-crds.ts';
import { DeliverySchedule, SeededRng, stableUid } from './rng.ts';

const NS = 'app';

/** A LatticeService: a server (port 80 → 8080) unless `ports` is false, with optional secret and peers. */
function service(name: string, opts: { server: boolean; secret?: boolean; peers?: Record<string, 'inbound' | 'outbound'> }): LatticeService {
  const resources: Record<string, unknown> = {};
  for (const [peer, direction] of Object.entries(opts.peers ?? {})) resources[peer] = { type: 'service', direction };
  if (opts.secret) resources.creds = { type: 'secret', id: `${NS}/${name}-creds`, params: { provider: 'lattice-local', keys: ['password'] } };
  return {
    ...LatticeServiceType,
    metadata: { name, namespace: NS },
    spec: {
      replicas: 1,
      workload: {
        containers: {
          main: {
            image: opts.server ? 'nginxinc/nginx-unprivileged:1.27-alpine' : 'curlimages/curl:8.11.1',
            command: opts.server ? ['/usr/sbin/nginx', '-g', 'daemon off;'] : ['/bin/sh', '-c', 'sleep infinity'],
            ...(opts.secret ? { variables: { PASSWORD: '${secret.creds.password}' } } : {}),
            ...(opts.server ? { volumes: { '/var/cache/nginx': {}, '/tmp': {} } } : {}),
            resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
          },
        },
        ...(Object.keys(resources).length ? { resources } : {}),
        ...(opts.server ? { service: { ports: { http: { port: 80, targetPort: 8080 } } } } : {}),
      },
    },
  } as unknown as LatticeService;
}

const secretsPolicy: KubeObject = {
  ...CedarPolicyType,
  metadata: { name: 'app-secrets', namespace: LATTICE_SYSTEM_NAMESPACE },
  spec: {
    description: 'app services may read their own secrets',
    priority: 50,
    policies: [
      'permit (',
      '  principal is Lattice::Service,',
      '  action == Lattice::Action::"AccessSecret",',
      '  resource is Lattice::SecretPath',
      ')',
      'when { principal.namespace == "app" && resource.provider == "lattice-local" && resource.path like "app/*" };',
      '',
    ].join('\n'),
  },
};

/** web → api → db (bilateral), plus `extra`: a server with its own secret and generator and no edges. */
function inputs(withExtra: boolean): { objects: KubeObject[]; generators: Record<string, string[]> } {
  const objects: KubeObject[] = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
    secretsPolicy,
    service('web', { server: false, peers: { api: 'outbound' } }),
    service('api', { server: true, secret: true, peers: { web: 'inbound', db: 'outbound' } }),
    service('db', { server: true, secret: true, peers: { api: 'inbound' } }),
  ];
  const generators: Record<string, string[]> = { [`${NS}/web`]: [`${NS}/api`], [`${NS}/api`]: [`${NS}/db`] };
  if (withExtra) {
    objects.push(service('extra', { server: true, secret: true }));
    generators[`${NS}/extra`] = [`${NS}/extra`];
  }
  return { objects, generators };
}

const WATCHED: TypeRef[] = [
  LatticeServiceType,
  CoreTypes.Deployment,
  CoreTypes.ReplicaSet,
  CoreTypes.Pod,
  CoreTypes.Service,
  CoreTypes.EndpointSlice,
  CoreTypes.Secret,
  StubTypes.ExternalSecret,
];

/** What one run shows of each object: uid, and every watch event as `TYPE@ms` (+ Ready for pods); and each generator's cycles. */
interface Observed {
  objects: Map<string, { uid: string; events: string[] }>;
  cycles: Map<string, string[]>;
  readyPods: number;
}

async function observe(seed: number, withExtra: boolean): Promise<Observed> {
  const world = await World.create({ seed });
  const t0 = world.clock.now();
  const objects = new Map<string, { uid: string; events: string[] }>();
  for (const type of WATCHED) {
    world.server.watch(type, { namespace: NS }, (ev) => {
      if (ev.type === 'BOOKMARK' || ev.type === 'ERROR') return;
      const key = `${type.kind} ${ev.object.metadata.namespace}/${ev.object.metadata.name}`;
      const entry = objects.get(key) ?? { uid: ev.object.metadata.uid!, events: [] };
      const ready = type === CoreTypes.Pod && ev.object.status?.conditions?.some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True');
      entry.events.push(`${ev.type}${ready ? '(Ready)' : ''}@${world.clock.now() - t0}`);
      objects.set(key, entry);
    });
  }
  const { objects: input, generators } = inputs(withExtra);
  expect(await world.apply(input)).toEqual([]);
  const gens = Object.entries(generators).map(([from, targets]) => {
    const name = from.split('/')[1];
    const g = new SimulatedTrafficGenerator(
      from,
      targets.map((to) => ({ to, port: 80 })),
      {
        clock: world.clock,
        latency: world.rng.stream(`traffic/${from}`), // as run-case.ts wires it
        timing: world.options.profile.traffic,
        findPod: () => world.readyPodOf(NS, name),
        probe: () => ({ decision: 'allow', layer: 'none', policy: null, reason: 'timing test' }),
      },
    );
    g.start();
    return g;
  });
  await world.clock.run({ untilMs: t0 + 90_000 });
  for (const g of gens) g.stop();
  world.stop();
  const readyPods = world.server.list(CoreTypes.Pod, { namespace: NS }).items.filter((p) => p.status?.conditions?.some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True')).length;
  return { objects, cycles: new Map(gens.map((g) => [g.from, g.cycles.map((c) => `${c.startMs - t0}-${c.endMs - t0}`)])), readyPods };
}

describe('stable randomness', () => {
  it('removing one unrelated service changes no other object’s timings, names or uids, nor other generators’ cycles', async () => {
    const full = await observe(7, true);
    const shrunk = await observe(7, false);
    // Sanity: the worlds did what we compare (pods Ready, secrets synced, generators cycling).
    expect(full.readyPods).toBe(4);
    expect(shrunk.readyPods).toBe(3);
    expect([...full.objects.keys()].some((k) => k.startsWith('ExternalSecret app/extra'))).toBe(true);
    expect([...shrunk.objects.keys()].filter((k) => k.startsWith('ExternalSecret '))).toHaveLength(2);
    expect(shrunk.cycles.get('app/web')!.length).toBeGreaterThan(3);

    const isExtra = (key: string) => key.split(' ')[1].startsWith(`${NS}/extra`);
    const others = (o: Observed) => new Map([...o.objects].filter(([k]) => !isExtra(k)));
    expect(others(full)).toEqual(shrunk.objects);
    expect(full.cycles.get('app/web')).toEqual(shrunk.cycles.get('app/web'));
    expect(full.cycles.get('app/api')).toEqual(shrunk.cycles.get('app/api'));
  });

  it('gives a different seed different timings (the streams are seeded, not constant)', async () => {
    const a = await observe(7, false);
    const b = await observe(8, false);
    expect(a.objects).not.toEqual(b.objects);
  });
});

describe('SeededRng', () => {
  it('keys streams by name: one stream’s draws do not depend on draws of another', () => {
    const a = new SeededRng(1);
    const b = new SeededRng(1);
    for (let i = 0; i < 50; i++) b.stream('kubelet/start/ns/other').int(0, 1000);
    expect(Array.from({ length: 5 }, () => a.stream('kubelet/start/ns/p').int(0, 1_000_000))).toEqual(
      Array.from({ length: 5 }, () => b.stream('kubelet/start/ns/p').int(0, 1_000_000)),
    );
  });

  it('starts unrelated streams for names that differ in one character', () => {
    const r = new SeededRng(1);
    const first = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((c) => r.stream(`kubelet/ready/ns/web-${c}`).int(0, 1_000_000));
    expect(new Set(first).size).toBe(first.length);
    expect(Math.max(...first) - Math.min(...first)).toBeGreaterThan(100_000);
  });

  it('forget drops a cached stream, and the name starts afresh', () => {
    const r = new SeededRng(3);
    const first = r.stream('x').int(0, 1_000_000);
    r.stream('x').int(0, 1_000_000);
    expect(r.size).toBe(1);
    r.forget('x');
    expect(r.size).toBe(0);
    expect(r.stream('x').int(0, 1_000_000)).toBe(first);
  });
});

describe('stableUid', () => {
  const id = { group: 'apps', kind: 'Deployment', namespace: 'ns', name: 'web', incarnation: 0 };
  it('is a UUID-shaped hash of seed and identity; a new incarnation or seed gives a new uid', () => {
    expect(stableUid(1, id)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(stableUid(1, id)).toBe(stableUid(1, { ...id }));
    expect(stableUid(1, { ...id, incarnation: 1 })).not.toBe(stableUid(1, id));
    expect(stableUid(2, id)).not.toBe(stableUid(1, id));
  });

  it('the API server counts incarnations: delete + re-create gives a new uid, other objects keep theirs', () => {
    const server = (withOther: boolean) => {
      const s = new ApiServer({ clock: manualClock(), newUid: (i) => stableUid(1, i) });
      const cm = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' } });
      if (withOther) s.create(cm('other'));
      const first = s.create(cm('a')).metadata.uid;
      s.delete({ apiVersion: 'v1', kind: 'ConfigMap' }, { namespace: 'default', name: 'a' });
      const second = s.create(cm('a')).metadata.uid;
      return { first, second };
    };
    const withOther = server(true);
    expect(withOther.second).not.toBe(withOther.first);
    expect(server(false)).toEqual(withOther);
  });
});

describe('DeliverySchedule', () => {
  it('delivers within [delayMs, delayMs + jitterMs] of commit, never earlier for a later commit', () => {
    const d = new DeliverySchedule(5, { delayMs: 5, jitterMs: 20 });
    let prev = -Infinity;
    const waits = new Set<number>();
    for (let t = 1_000_000; t < 1_002_000; t += 3) {
      const due = d.dueMs(t);
      expect(due - t).toBeGreaterThanOrEqual(5);
      expect(due - t).toBeLessThanOrEqual(25);
      expect(due).toBeGreaterThanOrEqual(prev);
      prev = due;
      waits.add(due - t);
    }
    expect(waits.size).toBeGreaterThan(10); // jittered, not constant
  });

  it('without jitter delivers exactly delayMs after commit', () => {
    expect(new DeliverySchedule(1, { delayMs: 7 }).dueMs(100)).toBe(107);
  });
});
