/**
 * Server-side apply held against @kubernetes/client-node 1.4: PATCH with
 * `application/apply-patch+yaml` and `fieldManager` (typed CoreV1Api / AppsV1Api calls), the
 * managedFields read back per manager with FieldsV1 as upstream writes it, a 409 conflict
 * surfaced as an ApiException carrying the Status (causes per field), `force` taking ownership,
 * and the Update entry of a plain create named after the client's User-Agent.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiException, AppsV1Api, CoreV1Api, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { V1ManagedFieldsEntry } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiServer } from '../apiserver.ts';
import type { Clock } from '../api/index.ts';
import { writeKubeconfig } from './kubeconfig.ts';
import { startHttpServer } from './server.ts';
import type { RunningHttpServer } from './server.ts';

const wallClock: Clock = { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)), setTimer: (ms, fn) => ({ cancel: clearTimeout.bind(null, setTimeout(fn, ms)) }) };

let http: RunningHttpServer;
let core: CoreV1Api;
let apps: AppsV1Api;
const namespace = 'default';
const apply = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);

beforeAll(async () => {
  http = await startHttpServer(new ApiServer({ clock: wallClock }), { token: 'client-node' });
  const file = join(mkdtempSync(join(tmpdir(), 'lattice-sim-kc-ssa-')), 'kubeconfig');
  writeKubeconfig(file, { server: http.url, token: 'client-node' });
  const kc = new KubeConfig();
  kc.loadFromFile(file);
  core = kc.makeApiClient(CoreV1Api);
  apps = kc.makeApiClient(AppsV1Api);
});
afterAll(async () => {
  await http.close();
});

const byManager = (entries: V1ManagedFieldsEntry[] | undefined) => Object.fromEntries((entries ?? []).map((e) => [e.manager, e]));

const deployment = (replicas: number, containers: { name: string; image: string }[]) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'api', namespace },
  spec: { replicas, selector: { matchLabels: { app: 'api' } }, template: { metadata: { labels: { app: 'api' } }, spec: { containers } } },
});

describe('@kubernetes/client-node server-side apply against the HTTP front', () => {
  it('round-trips managedFields: one Apply entry per manager, FieldsV1 as upstream writes it', async () => {
    const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ssa', namespace, labels: { team: 'a' } }, data: { one: '1' } };
    const created = await core.patchNamespacedConfigMap({ name: 'ssa', namespace, fieldManager: 'deployer', body }, apply);
    expect(created.data).toEqual({ one: '1' });
    await core.patchNamespacedConfigMap({ name: 'ssa', namespace, fieldManager: 'tuner', body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ssa', namespace }, data: { two: '2' } } }, apply);
    const read = await core.readNamespacedConfigMap({ name: 'ssa', namespace });
    expect(read.data).toEqual({ one: '1', two: '2' });
    const m = byManager(read.metadata?.managedFields);
    expect(Object.keys(m).sort()).toEqual(['deployer', 'tuner']);
    expect(m.deployer).toMatchObject({ operation: 'Apply', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:one': {} }, 'f:metadata': { 'f:labels': { 'f:team': {} } } } });
    expect(m.tuner).toMatchObject({ operation: 'Apply', fieldsV1: { 'f:data': { 'f:two': {} } } });
    expect(m.deployer.time).toBeInstanceOf(Date);
  });

  it('merges containers by name across managers and reports a conflict as a 409 with one cause per field', async () => {
    await apps.patchNamespacedDeployment({ name: 'api', namespace, fieldManager: 'ci', body: deployment(2, [{ name: 'api', image: 'api:1' }]) }, apply);
    await apps.patchNamespacedDeployment({ name: 'api', namespace, fieldManager: 'mesh', body: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', namespace }, spec: { template: { spec: { containers: [{ name: 'proxy', image: 'proxy:1' }] } } } } }, apply);
    const merged = await apps.readNamespacedDeployment({ name: 'api', namespace });
    expect(merged.spec?.template.spec?.containers.map((c) => c.name)).toEqual(['api', 'proxy']);
    expect(byManager(merged.metadata?.managedFields).mesh.fieldsV1).toEqual({ 'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"proxy"}': { '.': {}, 'f:image': {}, 'f:name': {} } } } } } });

    const err = await apps.patchNamespacedDeployment({ name: 'api', namespace, fieldManager: 'mesh', body: deployment(4, [{ name: 'api', image: 'api:2' }]) }, apply).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiException);
    const ex = err as ApiException<string>;
    expect(ex.code).toBe(409);
    const status = JSON.parse(ex.body) as { reason: string; message: string; details: { causes: { reason: string; message: string; field: string }[] } };
    expect(status.reason).toBe('Conflict');
    expect(status.message).toBe('Apply failed with 2 conflicts: conflicts with "ci":\n- .spec.replicas\n- .spec.template.spec.containers[name="api"].image');
    expect(status.details.causes).toEqual([
      { reason: 'FieldManagerConflict', message: 'conflict with "ci"', field: '.spec.replicas' },
      { reason: 'FieldManagerConflict', message: 'conflict with "ci"', field: '.spec.template.spec.containers[name="api"].image' },
    ]);

    const forced = await apps.patchNamespacedDeployment({ name: 'api', namespace, fieldManager: 'mesh', force: true, body: deployment(4, [{ name: 'api', image: 'api:2' }]) }, apply);
    expect(forced.spec?.replicas).toBe(4);
    const m = byManager(forced.metadata?.managedFields);
    expect((m.ci.fieldsV1 as Record<string, Record<string, unknown>>)['f:spec']['f:replicas']).toBeUndefined();
    expect((m.mesh.fieldsV1 as Record<string, Record<string, unknown>>)['f:spec']['f:replicas']).toEqual({});
  });

  it('a plain create is an Update entry named after the client, with the fields it set', async () => {
    const created = await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'plain' }, data: { k: 'v' } } });
    expect(created.metadata?.managedFields).toHaveLength(1);
    const [e] = created.metadata!.managedFields!;
    expect(e).toMatchObject({ operation: 'Update', apiVersion: 'v1', fieldsV1: { 'f:data': { '.': {}, 'f:k': {} } } });
    expect(e.manager).toBe(USER_AGENT_PREFIX);
  });
});

/**
 * @kubernetes/client-node 1.4 sets no User-Agent of its own: node-fetch's default (`node-fetch/…`)
 * goes out, so kube-apiserver names its non-apply writes `node-fetch`, as this server does.
 */
const USER_AGENT_PREFIX = 'node-fetch';
