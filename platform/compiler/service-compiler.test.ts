import { describe, expect, test } from 'vitest';
import type { LatticeService, LatticeServiceSpec } from '../crds/types.ts';
import { compileService, type CompiledService } from './index.ts';
import { allowAll, denyWhere, expectOk } from './testing.ts';

const ctx = { authorizer: allowAll(), clusterName: 'sim' };

function service(spec: Partial<LatticeServiceSpec> = {}): LatticeService {
  return {
    apiVersion: 'lattice.dev/v1beta1', // the version the controller reads and hands the compiler
    kind: 'LatticeService',
    metadata: { name: 'web', namespace: 'shop', uid: 'uid-web' },
    spec: {
      workload: {
        containers: { main: { image: 'web:1', command: ['/web'], variables: { A: '1' }, files: { '/etc/x': { content: 'x' } } } },
        service: { ports: { http: { port: 80, targetPort: 8080, protocol: 'TCP' } } },
        resources: {
          creds: { type: 'secret', id: 'shop/creds', params: { provider: 'vault', keys: ['k'] } },
          data: { type: 'volume', params: { size: '1Gi' } },
        },
      },
      ...spec,
    },
  };
}

const ok = expectOk;

const kinds = (r: CompiledService) => r.layers.infrastructure.map((o) => `${o.kind}/${o.metadata.name}`);

describe('compileService', () => {
  test('produces the layered objects in apply order', () => {
    const r = ok(compileService(service(), ctx));
    expect(kinds(r)).toEqual([
      'ServiceAccount/web',
      'PersistentVolumeClaim/web-data',
      'ConfigMap/web-main-env',
      'ConfigMap/web-main-files',
      'Service/web',
      'ExternalSecret/web-creds',
      'LatticeMeshMember/web',
      'TracingPolicyNamespaced/allow-binaries-web',
    ]);
    expect(r.layers.workload.map((o) => o.kind)).toEqual(['Deployment']);
    expect(r.layers.scaling).toEqual([]);
    expect(r.externalSecretNames).toEqual(['web-creds']);
    const svc = r.layers.infrastructure.find((o) => o.kind === 'Service')!;
    expect(svc.spec).toEqual({ selector: { 'app.kubernetes.io/name': 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] });
    expect(r.layers.infrastructure[0].automountServiceAccountToken).toBe(false);
  });

  test('every object, the mesh member included, is owned by the LatticeService as controller', () => {
    const r = ok(compileService(service({ replicas: 3, autoscaling: { max: 5 } }), ctx));
    const all = [...r.layers.infrastructure, ...r.layers.workload, ...r.layers.scaling];
    for (const o of all) {
      expect(o.metadata.ownerReferences, `${o.kind}/${o.metadata.name}`).toEqual([
        { apiVersion: 'lattice.dev/v1beta1', kind: 'LatticeService', name: 'web', uid: 'uid-web', controller: true, blockOwnerDeletion: true },
      ]);
    }
    expect(r.meshMember.metadata.ownerReferences).toHaveLength(1);
  });

  test('a PodDisruptionBudget exists only for replicas >= 2, with minAvailable max(replicas-1, 1)', () => {
    const pdb = (replicas?: number) => ok(compileService(service(replicas === undefined ? {} : { replicas }), ctx)).layers.infrastructure.find((o) => o.kind === 'PodDisruptionBudget');
    expect(pdb()).toBeUndefined();
    expect(pdb(1)).toBeUndefined();
    expect(pdb(2)?.spec).toEqual({ minAvailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': 'web' } } });
    expect(pdb(5)?.spec.minAvailable).toBe(4);
    expect(pdb(5)?.apiVersion).toBe('policy/v1');
  });

  test('autoscaling yields a KEDA ScaledObject with a default cpu 80 trigger; canary changes the strategy', () => {
    const r = ok(compileService(service({ replicas: 2, autoscaling: { max: 6 }, deploy: { strategy: 'canary' } }), ctx));
    expect(r.layers.scaling[0]).toMatchObject({
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledObject',
      spec: { scaleTargetRef: { name: 'web' }, minReplicaCount: 2, maxReplicaCount: 6, triggers: [{ type: 'cpu', metricType: 'Utilization', metadata: { value: '80' } }] },
    });
    const dep = r.layers.workload[0];
    expect(dep.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '100%' } });
    expect(dep.spec.replicas).toBe(2);
    expect(dep.spec.template.metadata.annotations['lattice.dev/config-hash']).toBe(r.configHash);
  });

  test('a denied gate yields no layers and the reference message', () => {
    const r = compileService(service(), { authorizer: denyWhere((q) => q.action === 'AccessSecret'), clusterName: 'sim' });
    expect(r).toEqual(expect.objectContaining({ ok: false, reason: 'denied', gate: 'AccessSecret' }));
    expect('layers' in r).toBe(false);
    expect(!r.ok && r.message).toBe("secret access denied: 'creds': no permit policy for this service and resource");
  });

  test('wrapper-level errors are invalid with a clear message', () => {
    expect(compileService({ ...service(), metadata: { name: 'web', namespace: 'shop' } }, ctx)).toMatchObject({ ok: false, reason: 'invalid', message: expect.stringContaining('metadata.uid') });
    expect(compileService(service({ autoscaling: { max: 3, metrics: [{ metric: 'queue_depth', target: 5 }] } }), ctx)).toMatchObject({ reason: 'invalid', message: expect.stringContaining('queue_depth') });
    const lb = service({ ingress: { routes: { r: { hosts: ['a'] } } } });
    lb.spec.workload.service = { ...lb.spec.workload.service!, serviceType: 'LoadBalancer' };
    expect(compileService(lb, ctx)).toMatchObject({ reason: 'invalid', message: expect.stringContaining('mutually exclusive') });
  });

  test('objects are plain JSON: no undefined values anywhere', () => {
    const r = ok(compileService(service({ replicas: 2, advertise: { allowedServices: ['*'] } }), ctx));
    const walk = (v: unknown, path: string): void => {
      expect(v, path).not.toBeUndefined();
      if (v && typeof v === 'object') for (const [k, c] of Object.entries(v)) walk(c, `${path}.${k}`);
    };
    walk(r.layers, 'layers');
    expect(JSON.parse(JSON.stringify(r.layers))).toEqual(r.layers);
    expect(r.layers.infrastructure.find((o) => o.kind === 'Service')!.metadata.labels?.['istio.io/global']).toBe('true');
  });
});
