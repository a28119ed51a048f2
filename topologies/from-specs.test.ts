import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../fake-apiserver/api/index.ts';
import { topologyFromSpecs } from './from-specs.ts';
import { allowedPairs, oracle } from './oracle.ts';
import { validateTopology } from './validate.ts';

const WEBAPP_DIR = fileURLToPath(new URL('../../shared/fixtures/reference/webapp/', import.meta.url));
const readYamlDir = (dir: string): KubeObject[] =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => d.toJS() as KubeObject))
    .filter((o) => o !== null);

const ls = (name: string, workload: Record<string, unknown>, namespace = 'app'): KubeObject => ({
  apiVersion: 'lattice.dev/v1alpha1',
  kind: 'LatticeService',
  metadata: { name, namespace },
  spec: { workload: { containers: { main: { image: 'x', command: ['/x'] } }, ...workload } },
});
const http = { service: { ports: { http: { port: 80, targetPort: 8080 } } } };

describe('topologyFromSpecs on the reference webapp fixture', () => {
  const present = existsSync(WEBAPP_DIR);
  it.skipIf(!present)(`allows exactly the six declared bilateral edges and denies the other 14 ordered pairs${present ? '' : ` (skipped: ${WEBAPP_DIR} is absent)`}`, () => {
    const t = topologyFromSpecs(readYamlDir(WEBAPP_DIR), 'webapp');
    expect(validateTopology(t)).toEqual([]);
    expect(t.services.map((s) => s.name)).toEqual(['api', 'frontend', 'postgres', 'redis', 'worker']);
    const expected = oracle(t);
    expect(expected).toHaveLength(20);
    expect(allowedPairs(expected)).toEqual(
      ['frontend->api', 'api->postgres', 'api->redis', 'worker->api', 'worker->postgres', 'worker->redis'].map((p) => p.replace(/(\w+)->(\w+)/, 'webapp/$1->webapp/$2')).sort(),
    );
    expect(expected.filter((p) => p.expected === 'deny')).toHaveLength(14);
    expect(t.services.find((s) => s.name === 'worker')).toMatchObject({ layer: 0, ports: [] });
    expect(expected.find((p) => p.to === 'webapp/api')?.port).toBe(3000);
  });
});

describe('topologyFromSpecs', () => {
  it('reads outbound (the default direction), inbound, both, id and namespace of service resources', () => {
    const t = topologyFromSpecs(
      [
        ls('a', { ...http, resources: { b: {}, 'c-alias': { type: 'service', direction: 'both', id: 'c' }, remote: { direction: 'outbound', namespace: 'other', id: 'r' } } }),
        ls('b', { ...http, resources: { a: { direction: 'inbound' } } }),
        ls('c', { ...http, resources: { a: { direction: 'both' } } }),
        ls('r', { ...http, resources: { a: { direction: 'inbound', namespace: 'app' } } }, 'other'),
      ],
      'demo',
    );
    const a = t.services.find((s) => s.name === 'a')!;
    expect(a.outbound).toEqual(['app/b', 'app/c', 'other/r']);
    expect(a.inbound).toEqual(['app/c']);
    expect(allowedPairs(oracle(t))).toEqual(['app/a->app/b', 'app/a->app/c', 'app/a->other/r', 'app/c->app/a']);
  });

  it('turns id "*" inbound into a wildcard and id "*" outbound into depends-all, which reaches the wildcard callee', () => {
    const t = topologyFromSpecs([ls('open', { ...http, resources: { 'any-caller': { direction: 'inbound', id: '*' } } }), ls('all', { resources: { everyone: { id: '*' } } })], 'w');
    expect(t.services.find((s) => s.name === 'open')).toMatchObject({ wildcardInbound: true, inbound: [] });
    expect(t.services.find((s) => s.name === 'all')).toMatchObject({ outbound: [], layer: 0, dependsAll: true });
    expect(allowedPairs(oracle(t))).toEqual(['app/all->app/open']);
  });

  it('reads hand-written LatticeMeshMembers over a Deployment: ports, callers, dependencies, depends-all, service account, ambient, replicas of the Deployment its selector matches', () => {
    const lmm = (name: string, spec: Record<string, unknown>, extra: Record<string, unknown> = {}): KubeObject =>
      ({ apiVersion: 'lattice.dev/v1alpha1', kind: 'LatticeMeshMember', metadata: { name, namespace: 'app', ...extra }, spec }) as KubeObject;
    const t = topologyFromSpecs(
      [
        lmm('db', {
          target: { selector: { app: 'db' } },
          ports: [{ port: 5432, servicePort: 15432, name: 'pg' }],
          allowedCallers: [{ name: 'api' }, { name: 'x', namespace: 'other' }],
          serviceAccount: 'db-runner',
          ambient: false,
          egress: [
            { target: { fqdn: 'backup.example' }, ports: [443] },
            { target: { cidr: '10.0.0.0/8' }, ports: [5432, 5433] },
            { target: { entity: 'world' }, ports: [80] },
          ],
        }),
        lmm('api', { target: { selector: { app: 'api' } }, ports: [{ port: 8080, name: 'http' }], dependencies: [{ name: 'db' }], dependsAll: true }),
        { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'db-pods', namespace: 'app' }, spec: { replicas: 2, template: { metadata: { labels: { app: 'db', tier: 'x' } } } } },
        { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', namespace: 'app' }, spec: { template: { metadata: { labels: { app: 'api' } } } } },
        // Skipped: no Deployment runs pods for it (declarations without a workload cannot be probed).
        lmm('ghost', { target: { selector: { app: 'ghost' } }, ports: [{ port: 80, name: 'http' }], allowedCallers: [{ name: 'api' }] }),
        // Skipped: one generated for a LatticeService (its LatticeService declares), and a namespace target.
        lmm('gen', { target: { selector: { app: 'gen' } }, ports: [] }, { ownerReferences: [{ apiVersion: 'lattice.dev/v1alpha1', kind: 'LatticeService', name: 'gen', uid: 'u' }] }),
        lmm('whole-ns', { target: { namespace: 'app' }, ports: [] }),
      ],
      'm',
    );
    expect(validateTopology(t)).toEqual([]);
    expect(t.services.map((s) => s.name)).toEqual(['api', 'db']);
    expect(t.services[1]).toEqual({
      namespace: 'app',
      name: 'db',
      layer: 1,
      ports: [{ name: 'pg', port: 15432, targetPort: 5432 }],
      outbound: [],
      inbound: ['app/api'],
      wildcardInbound: false,
      kind: 'mesh-member',
      serviceAccount: 'db-runner',
      ambient: false,
      replicas: 2,
      egress: [
        { fqdn: 'backup.example', port: 443 },
        { cidr: '10.0.0.0/8', port: 5432 },
      ],
    });
    expect(t.services[0]).toMatchObject({ kind: 'mesh-member', outbound: ['app/db'], dependsAll: true, ports: [{ name: 'http', port: 8080 }] });
    expect(oracle(t).find((p) => p.from === 'app/api' && p.to === 'app/db')).toMatchObject({ expected: 'allow', reason: 'active edge to a non-ambient callee: direct Cilium path to its target ports (reference §4.5b, §4.6)' });
  });

  it('ignores external services, secrets, volumes and other kinds; drops declarations naming services not in the specs', () => {
    const t = topologyFromSpecs(
      [
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'app' } },
        ls('a', {
          resources: {
            web: { type: 'external-service', direction: 'outbound', params: { endpoints: { default: 'https://example.com' } } },
            db: { type: 'secret', id: 'app/db', params: { provider: 'lattice-local' } },
            data: { type: 'volume', params: { size: '1Gi' } },
            ghost: { type: 'service' },
          },
        }),
      ],
      'x',
    );
    expect(t.services).toEqual([{ namespace: 'app', name: 'a', layer: 0, ports: [], outbound: [], inbound: [], wildcardInbound: false }]);
    expect(t.probes).toEqual([]);
  });

  it('sorts services by key and probes every ordered pair of distinct services', () => {
    const t = topologyFromSpecs([ls('b', http), ls('a', {}), ls('c', http, 'aa')], 'x');
    expect(t.services.map((s) => `${s.namespace}/${s.name}`)).toEqual(['aa/c', 'app/a', 'app/b']);
    expect(t.probes).toHaveLength(6);
    expect(t.services.map((s) => s.layer)).toEqual([1, 0, 1]);
  });
});
