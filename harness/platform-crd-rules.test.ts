/**
 * The platform CRDs' CEL rules (`x-kubernetes-validations`, platform/crds) through the in-memory
 * API server: they compile (the CRDs are accepted), refuse the cross-field mistakes they name with
 * the platform validation's words, and admit every reference fixture.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ApiServer, StatusError } from '../fake-apiserver/index.ts';
import type { KubeObject, StatusCause } from '../fake-apiserver/index.ts';
import { loadPlatformCrds } from '../platform/crds/index.ts';
import { LATTICE_WEBHOOK_SERVICE, latticeWebhookServer } from '../platform/versions/index.ts';
import { manualClock, manualDelivery } from '../fake-apiserver/testing/manual-clock.ts';

function server(): ApiServer {
  const s = new ApiServer({ clock: manualClock(), deliver: manualDelivery().deliver });
  // The conversion webhook Service, as the World registers it: a v1alpha1 LatticeService is converted to v1beta1 (storage).
  s.registerWebhookService(LATTICE_WEBHOOK_SERVICE.namespace, LATTICE_WEBHOOK_SERVICE.name, latticeWebhookServer);
  for (const crd of loadPlatformCrds()) s.create(crd);
  s.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
  return s;
}

function refused(s: ApiServer, obj: KubeObject): StatusCause[] {
  try {
    s.create(obj);
  } catch (e) {
    if (e instanceof StatusError && e.code === 422) return e.status.details?.causes ?? [];
    throw e;
  }
  throw new Error(`expected a 422 for ${obj.kind} ${obj.metadata.name}`);
}

const container = { image: 'nginx:1.27', command: ['/usr/sbin/nginx'], resources: { limits: { cpu: '1', memory: '256Mi' } } };
const service = (spec: Record<string, unknown>): KubeObject => ({
  apiVersion: 'lattice.dev/v1alpha1',
  kind: 'LatticeService',
  metadata: { name: 'api', namespace: 'shop' },
  spec: { workload: { containers: { main: container }, service: { ports: { http: { port: 80 } } } }, ...spec },
});
const job = (spec: Record<string, unknown>): KubeObject => ({
  apiVersion: 'lattice.dev/v1alpha1',
  kind: 'LatticeJob',
  metadata: { name: 'train', namespace: 'shop' },
  spec: { tasks: { master: { workload: { containers: { trainer: { ...container, command: ['/train'] } } } } }, ...spec },
});
const imageProvider = (spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'lattice.dev/v1alpha1', kind: 'ImageProvider', metadata: { name: 'reg', namespace: 'shop' }, spec });

describe('platform CRD CEL rules', () => {
  it('compile: the API server accepts all six CRDs', () => {
    expect(() => server()).not.toThrow();
  });

  it('LatticeService: replicas above autoscaling.max, at spec.replicas', () => {
    expect(refused(server(), service({ replicas: 5, autoscaling: { max: 3 } }))).toEqual([{ reason: 'FieldValueInvalid', message: 'Invalid value: replicas cannot exceed autoscaling max', field: 'spec.replicas' }]);
  });

  it('LatticeService: an external serviceType together with ingress', () => {
    const ls = service({ ingress: { routes: { web: {} } } });
    (ls.spec as { workload: { service: Record<string, unknown> } }).workload.service.serviceType = 'LoadBalancer';
    expect(refused(server(), ls)).toEqual([
      {
        reason: 'FieldValueInvalid',
        message: 'Invalid value: service.serviceType=LoadBalancer is mutually exclusive with spec.ingress; pick exactly one external-access path',
        field: 'spec.workload.service.serviceType',
      },
    ]);
  });

  it('LatticeService: autoscaling metric targets, per metric item', () => {
    const causes = refused(server(), service({ autoscaling: { max: 3, metrics: [{ metric: 'cpu', target: 150 }, { metric: 'rps', target: 0 }] } }));
    expect(causes).toEqual([
      { reason: 'FieldValueInvalid', message: "Invalid value: autoscaling metric 'cpu' target cannot exceed 100%", field: 'spec.autoscaling.metrics[0].target' },
      { reason: 'FieldValueInvalid', message: "Invalid value: autoscaling metric 'rps' target must be greater than 0", field: 'spec.autoscaling.metrics[1].target' },
    ]);
  });

  it('LatticeJob: the training coordinator (default master) must be a task, and training tasks never restart', () => {
    expect(refused(server(), job({ training: { coordinatorTask: 'chief' } }))).toEqual([
      { reason: 'FieldValueInvalid', message: "Invalid value: training coordinator task 'chief' not found in job tasks", field: 'spec.training.coordinatorTask' },
    ]);
    const twoTasks = { master: { workload: { containers: { trainer: { ...container, command: ['/train'] } } } }, worker: { restartPolicy: 'Always', workload: { containers: { trainer: { ...container, command: ['/train'] } } } } };
    expect(refused(server(), job({ training: {}, defaults: { restartPolicy: 'OnFailure' }, tasks: twoTasks }))).toEqual([
      { reason: 'FieldValueInvalid', message: "Invalid value: training task 'master' has restart_policy 'OnFailure', but training jobs require 'Never' so Volcano can manage gang restarts", field: 'spec' },
    ]);
    const s = server();
    expect(() => s.create(job({ training: {}, defaults: { restartPolicy: 'OnFailure' }, tasks: { master: { restartPolicy: 'Never', workload: { containers: { trainer: { ...container, command: ['/train'] } } } } } }))).not.toThrow();
  });

  it('ImageProvider: ecr config, credentials for credentialData, authorities when enforcing trust', () => {
    expect(refused(server(), imageProvider({ type: 'ecr', registry: '1.dkr.ecr.eu-west-1.amazonaws.com' }))).toEqual([
      { reason: 'FieldValueRequired', message: 'Required value: ecr config required when type is ecr', field: 'spec.ecr' },
    ]);
    expect(refused(server(), imageProvider({ type: 'ghcr', registry: 'ghcr.io/x', credentialData: { a: 'b' }, trust: { authorities: [] } })).map((c) => c.field)).toEqual([
      'spec.credentialData',
      'spec.trust.authorities',
    ]);
  });

  const fixturesDir = fileURLToPath(new URL('../../shared/fixtures/reference/', import.meta.url));
  const yamlFiles = (dir: string): string[] =>
    readdirSync(dir)
      .sort()
      .flatMap((e) => (statSync(join(dir, e)).isDirectory() ? yamlFiles(join(dir, e)) : /\.ya?ml$/.test(e) ? [join(dir, e)] : []));
  it.skipIf(!existsSync(fixturesDir))('admit every reference fixture of a platform kind', () => {
    const s = server();
    const kinds = new Set(loadPlatformCrds().map((c) => (c.spec as { names: { kind: string } }).names.kind));
    let admitted = 0;
    for (const file of yamlFiles(fixturesDir)) {
      for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
        const obj = doc.toJS() as KubeObject | null;
        if (!obj || !kinds.has(obj.kind)) continue;
        const ns = obj.metadata.namespace ?? 'default';
        if (!s.list({ apiVersion: 'v1', kind: 'Namespace' }).items.some((n) => n.metadata.name === ns)) s.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
        expect(() => s.create({ ...obj, metadata: { ...obj.metadata, namespace: ns } }, { dryRun: true }), file).not.toThrow();
        admitted++;
      }
    }
    expect(admitted).toBeGreaterThan(10);
  });
});
