import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock, KubeObject } from '../api/index.ts';
import { startWebhookServer, unreachableUrl } from '../admission/testing/webhook-server.ts';
import type { RunningWebhookServer } from '../admission/testing/webhook-server.ts';
import type { AdmissionReview } from '../admission/types.ts';
import { ApiServer } from '../apiserver.ts';
import type { ConversionReview } from '../conversion/conversion.ts';
import { InProcessClient } from '../in-process-client.ts';
import { startHttpServer } from './server.ts';
import type { RunningHttpServer } from './server.ts';

const wallClock: Clock = { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)), setTimer: (ms, fn) => ({ cancel: clearTimeout.bind(null, setTimeout(fn, ms)) }) };

/** A real webhook server: /validate denies `data.mode: bad` (and warns), /mutate adds a label, /convert renames Widget color ⇄ colour. */
function webhookHandler(body: unknown, path: string): unknown {
  if (path === '/convert') {
    const { request } = body as ConversionReview;
    const toV2 = request!.desiredAPIVersion.endsWith('/v2');
    const convertedObjects = request!.objects.map((o) => {
      const { color, colour, ...rest } = (o.spec ?? {}) as Record<string, string>;
      return { ...o, apiVersion: request!.desiredAPIVersion, spec: { ...rest, ...(toV2 ? { colour: color } : { color: colour }) } };
    });
    return { apiVersion: 'apiextensions.k8s.io/v1', kind: 'ConversionReview', response: { uid: request!.uid, convertedObjects, result: { status: 'Success' } } };
  }
  const { request } = body as AdmissionReview;
  const data = (request!.object as { data?: Record<string, string> } | null)?.data ?? {};
  const response =
    path === '/mutate'
      ? { uid: request!.uid, allowed: true, patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify([{ op: 'add', path: '/metadata/labels/mutated', value: 'yes' }])).toString('base64') }
      : data.mode === 'bad'
        ? { uid: request!.uid, allowed: false, status: { code: 403, reason: 'Forbidden', message: 'mode must not be bad' } }
        : { uid: request!.uid, allowed: true, warnings: ['mode is fine, but watch it'] };
  return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response };
}

const rules = [{ operations: ['CREATE', 'UPDATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'] }];
const webhook = (name: string, url: string, failurePolicy: 'Fail' | 'Ignore' = 'Fail', objectSelector?: object) => ({
  name,
  clientConfig: { url },
  rules,
  failurePolicy,
  sideEffects: 'None',
  admissionReviewVersions: ['v1'],
  timeoutSeconds: 5,
  ...(objectSelector ? { objectSelector } : {}),
});

let hooks: RunningWebhookServer;
let api: ApiServer;
let http: RunningHttpServer;
let dead: string;
beforeAll(async () => {
  hooks = await startWebhookServer(webhookHandler);
  dead = await unreachableUrl();
  api = new ApiServer({ clock: wallClock });
  http = await startHttpServer(api, { port: 0 });
  const sel = (v: string) => ({ matchLabels: { case: v } });
  for (const obj of [
    { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: { name: 'mutate' }, webhooks: [webhook('mutate.example.dev', `${hooks.url}/mutate`, 'Fail', sel('real'))] },
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name: 'validate' },
      webhooks: [
        webhook('validate.example.dev', `${hooks.url}/validate`, 'Fail', sel('real')),
        webhook('dead-ignore.example.dev', dead, 'Ignore', sel('ignore')),
        webhook('dead-fail.example.dev', dead, 'Fail', sel('fail')),
      ],
    },
    {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Namespaced',
        names: { kind: 'Widget', plural: 'widgets' },
        conversion: { strategy: 'Webhook', webhook: { clientConfig: { url: `${hooks.url}/convert` }, conversionReviewVersions: ['v1'] } },
        versions: ['v1', 'v2'].map((name) => ({
          name,
          served: true,
          storage: name === 'v1',
          schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { [name === 'v1' ? 'color' : 'colour']: { type: 'string' } } } } } },
        })),
      },
    },
  ])
    api.create(obj as KubeObject);
});
afterAll(async () => {
  await http.close();
  await hooks.close();
});

const call = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${http.url}${path}`, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
  return { status: res.status, warning: res.headers.get('warning'), json: (await res.json()) as Record<string, unknown> & { metadata?: Record<string, unknown>; spec?: Record<string, string>; message?: string } };
};
const cm = (name: string, label: string, data: Record<string, string> = {}) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: { case: label } }, data });

describe('webhooks reached by URL through the HTTP front (a real webhook server on 127.0.0.1)', () => {
  it('sends AdmissionReviews over the socket: mutates, warns through the Warning header, and denies', async () => {
    const ok = await call('POST', '/api/v1/namespaces/default/configmaps', cm('fine', 'real', { mode: 'ok' }));
    expect(ok.status).toBe(201);
    expect(ok.json.metadata?.labels).toEqual({ case: 'real', mutated: 'yes' });
    expect(ok.warning).toBe('299 - "mode is fine, but watch it"');
    const denied = await call('POST', '/api/v1/namespaces/default/configmaps', cm('bad', 'real', { mode: 'bad' }));
    expect(denied.status).toBe(403);
    expect(denied.json.message).toBe('admission webhook "validate.example.dev" denied the request: mode must not be bad');
    expect(hooks.received.filter((r) => r.path !== '/convert').map((r) => `${r.path} ${(r.body as AdmissionReview).request!.name}`)).toEqual(['/mutate fine', '/validate fine', '/mutate bad', '/validate bad']);
  });

  it('with an unreachable URL: failurePolicy Ignore admits, Fail refuses with 500 "failed calling webhook"', async () => {
    expect((await call('POST', '/api/v1/namespaces/default/configmaps', cm('ignored', 'ignore'))).status).toBe(201);
    const failed = await call('POST', '/api/v1/namespaces/default/configmaps', cm('failed', 'fail'));
    expect(failed.status).toBe(500);
    const port = new URL(dead).port;
    expect(failed.json.message).toBe(`Internal error occurred: failed calling webhook "dead-fail.example.dev": failed to call webhook: Post "${dead}?timeout=5s": dial tcp 127.0.0.1:${port}: connect: connection refused`);
    expect((await call('GET', '/api/v1/namespaces/default/configmaps/failed')).status).toBe(404);
  });

  it('sends ConversionReviews over the socket for writes, reads, lists and watches at the non-storage version', async () => {
    const created = await call('POST', '/apis/example.com/v2/namespaces/default/widgets', { apiVersion: 'example.com/v2', kind: 'Widget', metadata: { name: 'w' }, spec: { colour: 'red' } });
    expect(created.status).toBe(201);
    expect(created.json.spec).toEqual({ colour: 'red' });
    expect(api.objects().find((o) => o.kind === 'Widget')).toMatchObject({ apiVersion: 'example.com/v1', spec: { color: 'red' } });
    expect((await call('GET', '/apis/example.com/v2/namespaces/default/widgets/w')).json.spec).toEqual({ colour: 'red' });
    expect((await call('GET', '/apis/example.com/v1/namespaces/default/widgets/w')).json.spec).toEqual({ color: 'red' });
    const list = (await call('GET', '/apis/example.com/v2/widgets')).json as unknown as { items: KubeObject[] };
    expect(list.items.map((o) => [o.apiVersion, o.spec])).toEqual([['example.com/v2', { colour: 'red' }]]);
    const res = await fetch(`${http.url}/apis/example.com/v2/namespaces/default/widgets?watch=true&timeoutSeconds=5`);
    const reader = res.body!.getReader();
    const { value } = await reader.read();
    await reader.cancel();
    expect(JSON.parse(new TextDecoder().decode(value).split('\n')[0])).toMatchObject({ type: 'ADDED', object: { apiVersion: 'example.com/v2', spec: { colour: 'red' } } });
    const reviews = hooks.received.filter((r) => r.path === '/convert').map((r) => (r.body as ConversionReview).request!.desiredAPIVersion);
    expect(reviews).toContain('example.com/v1');
    expect(reviews).toContain('example.com/v2');
  });

  it('the InProcessClient awaits URL webhooks too; the synchronous verb cannot reach them', async () => {
    const client = new InProcessClient(api);
    expect((await client.get({ apiVersion: 'example.com/v2', kind: 'Widget' }, { namespace: 'default', name: 'w' })).spec).toEqual({ colour: 'red' });
    expect(() => api.get({ apiVersion: 'example.com/v2', kind: 'Widget' }, { namespace: 'default', name: 'w' })).toThrow(/a URL webhook cannot be called from a synchronous ApiServer verb/);
    const warnings: string[] = [];
    const created = await client.create({ ...cm('via-client2', 'real', { mode: 'ok' }), metadata: { name: 'via-client2', namespace: 'default', labels: { case: 'real' } } } as KubeObject, { onWarning: (w) => warnings.push(w) });
    expect(created.metadata.labels).toEqual({ case: 'real', mutated: 'yes' });
    expect(warnings).toEqual(['mode is fine, but watch it']);
  });
});
