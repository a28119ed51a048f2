/**
 * Admission webhooks, conversion webhooks and deprecated CRD versions held against the real kubectl
 * v1.35 (see kubectl.test.ts for how the binary is obtained): webhook warnings and deprecation warnings
 * reach kubectl's stderr as `Warning: …`, a denial is kubectl's `Error from server (Forbidden)`, a read at
 * the non-storage version is converted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookServer } from '../admission/testing/webhook-server.ts';
import type { RunningWebhookServer } from '../admission/testing/webhook-server.ts';
import type { AdmissionReview } from '../admission/types.ts';
import type { KubeObject } from '../api/index.ts';
import type { ConversionReview } from '../conversion/conversion.ts';
import { startKubectlHarness } from './testing/kubectl.ts';
import type { KubectlHarness } from './testing/kubectl.ts';

// The layer ships a linux/amd64 binary (AWS Lambda x86_64); elsewhere the suite is skipped, saying why.
const runnable = process.platform === 'linux' && process.arch === 'x64';

let h: KubectlHarness;
let hooks: RunningWebhookServer;

/** Validating webhook (by URL): warns on every ConfigMap, denies `data.mode: bad`. */
function validate(body: unknown): unknown {
  const { request } = body as AdmissionReview;
  const mode = (request!.object as { data?: { mode?: string } }).data?.mode;
  const response = mode === 'bad' ? { uid: request!.uid, allowed: false, status: { code: 403, reason: 'Forbidden', message: 'mode must not be bad' } } : { uid: request!.uid, allowed: true, warnings: ['mode is checked by validate.example.dev'] };
  return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response };
}

/** Conversion webhook (in-process Service): Widget v1 `spec.color` ⇄ v2 `spec.colour`. */
function convert(body: unknown): unknown {
  const { request } = body as ConversionReview;
  const toV2 = request!.desiredAPIVersion.endsWith('/v2');
  const convertedObjects = request!.objects.map((o) => {
    const { color, colour } = (o.spec ?? {}) as Record<string, string>;
    return { ...o, apiVersion: request!.desiredAPIVersion, spec: toV2 ? { colour: color } : { color: colour } };
  });
  return { apiVersion: 'apiextensions.k8s.io/v1', kind: 'ConversionReview', response: { uid: request!.uid, convertedObjects, result: { status: 'Success' } } };
}

beforeAll(async () => {
  if (!runnable) return;
  hooks = await startWebhookServer(validate);
  // The server is already listening, but nothing calls it before beforeAll ends.
  h = await startKubectlHarness();
  const { api } = h;
  api.registerWebhookService('conv', 'widgets', convert);
  api.create({
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: { name: 'validate' },
    webhooks: [
      {
        name: 'validate.example.dev',
        clientConfig: { url: `${hooks.url}/validate` },
        rules: [{ operations: ['CREATE', 'UPDATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'] }],
        sideEffects: 'None',
        admissionReviewVersions: ['v1'],
      },
    ],
  } as KubeObject);
  const schema = (field: string) => ({ openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { [field]: { type: 'string' } } } } } });
  api.create({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com' },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { kind: 'Widget', plural: 'widgets', singular: 'widget' },
      conversion: { strategy: 'Webhook', webhook: { clientConfig: { service: { namespace: 'conv', name: 'widgets', path: '/convert' } }, conversionReviewVersions: ['v1'] } },
      versions: [
        { name: 'v1', served: true, storage: true, deprecated: true, schema: schema('color') },
        { name: 'v2', served: true, storage: false, schema: schema('colour') },
      ],
    },
  } as KubeObject);
});
afterAll(async () => {
  await h?.close();
  await hooks?.close();
});

const configMap = (name: string, mode: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: default\ndata:\n  mode: ${mode}\n`;

describe.skipIf(!runnable)('kubectl v1.35: webhooks and deprecated versions', () => {
  it('prints an admission webhook warning as "Warning: …" and a denial as Error from server (Forbidden)', async () => {
    const good = await h.kubectl(['create', '-f', '-'], configMap('fine', 'ok'));
    expect(good.code, good.stderr).toBe(0);
    expect(good.stderr).toContain('Warning: mode is checked by validate.example.dev');
    expect(good.stdout).toContain('configmap/fine created');
    const bad = await h.kubectl(['create', '-f', '-'], configMap('bad', 'bad'));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('Error from server (Forbidden): error when creating "STDIN": admission webhook "validate.example.dev" denied the request: mode must not be bad');
    expect(hooks.received.map((r) => (r.body as AdmissionReview).request!.name)).toEqual(['fine', 'bad']);
  });

  it('warns on every request at a deprecated CRD version (upstream default wording) and reads converted at the other', async () => {
    const created = await h.kubectl(['create', '-f', '-'], 'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n  namespace: default\nspec:\n  color: red\n');
    expect(created.code, created.stderr).toBe(0);
    expect(created.stderr).toContain('Warning: example.com/v1 Widget is deprecated; use example.com/v2 Widget');
    const v1 = await h.kubectl(['get', 'widgets.v1.example.com', 'w', '-o', 'json']);
    expect(v1.code, v1.stderr).toBe(0);
    expect(v1.stderr).toContain('Warning: example.com/v1 Widget is deprecated; use example.com/v2 Widget');
    expect(JSON.parse(v1.stdout)).toMatchObject({ apiVersion: 'example.com/v1', spec: { color: 'red' } });
    const v2 = await h.kubectl(['get', 'widgets.v2.example.com', 'w', '-o', 'json']);
    expect(v2.code, v2.stderr).toBe(0);
    expect(v2.stderr).not.toContain('deprecated');
    expect(JSON.parse(v2.stdout)).toMatchObject({ apiVersion: 'example.com/v2', spec: { colour: 'red' } });
  });
});
