/**
 * Admission webhooks, conversion webhooks and deprecated CRD versions held against the real kubectl
 * v1.35 (see kubectl.test.ts for how the binary is obtained): webhook warnings and deprecation warnings
 * reach kubectl's stderr as `Warning: …`, a denial is kubectl's `Error from server (Forbidden)`, a read at
 * the non-storage version is converted.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookServer } from '../admission/testing/webhook-server.ts';
import type { RunningWebhookServer } from '../admission/testing/webhook-server.ts';
import type { AdmissionReview } from '../admission/types.ts';
import { ApiServer } from '../apiserver.ts';
import type { Clock, KubeObject } from '../api/index.ts';
import type { ConversionReview } from '../conversion/conversion.ts';
import { writeKubeconfig } from './kubeconfig.ts';
import { startHttpServer } from './server.ts';
import type { RunningHttpServer } from './server.ts';
import { extractKubectl, runKubectl } from './testing/kubectl.ts';

const wallClock: Clock = { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)), setTimer: (ms, fn) => ({ cancel: clearTimeout.bind(null, setTimeout(fn, ms)) }) };
const runnable = process.platform === 'linux' && process.arch === 'x64';

let api: ApiServer;
let http: RunningHttpServer;
let hooks: RunningWebhookServer;
let bin: string;
let env: NodeJS.ProcessEnv;

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
  const dir = mkdtempSync(join(tmpdir(), 'lattice-sim-kubectl-webhooks-'));
  bin = extractKubectl(dir);
  hooks = await startWebhookServer(validate);
  api = new ApiServer({ clock: wallClock });
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
  http = await startHttpServer(api);
  const kubeconfig = join(dir, 'kubeconfig');
  writeKubeconfig(kubeconfig, { server: http.url });
  env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, KUBECONFIG: kubeconfig };
});
afterAll(async () => {
  await http?.close();
  await hooks?.close();
});

const kubectl = (args: string[], stdin?: string) => runKubectl(bin, args, env, stdin);
const configMap = (name: string, mode: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: default\ndata:\n  mode: ${mode}\n`;

describe.skipIf(!runnable)('kubectl v1.35: webhooks and deprecated versions', () => {
  it('prints an admission webhook warning as "Warning: …" and a denial as Error from server (Forbidden)', async () => {
    const good = await kubectl(['create', '-f', '-'], configMap('fine', 'ok'));
    expect(good.code, good.stderr).toBe(0);
    expect(good.stderr).toContain('Warning: mode is checked by validate.example.dev');
    expect(good.stdout).toContain('configmap/fine created');
    const bad = await kubectl(['create', '-f', '-'], configMap('bad', 'bad'));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('Error from server (Forbidden): error when creating "STDIN": admission webhook "validate.example.dev" denied the request: mode must not be bad');
    expect(hooks.received.map((r) => (r.body as AdmissionReview).request!.name)).toEqual(['fine', 'bad']);
  });

  it('warns on every request at a deprecated CRD version (upstream default wording) and reads converted at the other', async () => {
    const created = await kubectl(['create', '-f', '-'], 'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n  namespace: default\nspec:\n  color: red\n');
    expect(created.code, created.stderr).toBe(0);
    expect(created.stderr).toContain('Warning: example.com/v1 Widget is deprecated; use example.com/v2 Widget');
    const v1 = await kubectl(['get', 'widgets.v1.example.com', 'w', '-o', 'json']);
    expect(v1.code, v1.stderr).toBe(0);
    expect(v1.stderr).toContain('Warning: example.com/v1 Widget is deprecated; use example.com/v2 Widget');
    expect(JSON.parse(v1.stdout)).toMatchObject({ apiVersion: 'example.com/v1', spec: { color: 'red' } });
    const v2 = await kubectl(['get', 'widgets.v2.example.com', 'w', '-o', 'json']);
    expect(v2.code, v2.stderr).toBe(0);
    expect(v2.stderr).not.toContain('deprecated');
    expect(JSON.parse(v2.stdout)).toMatchObject({ apiVersion: 'example.com/v2', spec: { colour: 'red' } });
  });
});
