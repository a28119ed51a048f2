import { describe, expect, it } from 'vitest';
import { StatusError } from '../api/index.ts';
import type { KubeObject } from '../api/index.ts';
import { ApiServer } from '../apiserver.ts';
import { InProcessClient } from '../in-process-client.ts';
import { manualClock } from '../testing/manual-clock.ts';
import type { AdmissionRequest, AdmissionReview, WebhookSpec } from './types.ts';

const CM = { apiVersion: 'v1', kind: 'ConfigMap' };
const cm = (name: string, data: Record<string, string> = {}, labels?: Record<string, string>, namespace = 'default'): KubeObject =>
  ({ ...CM, metadata: { name, namespace, ...(labels ? { labels } : {}) }, data }) as KubeObject;

const hook = (name: string, over: Partial<WebhookSpec> = {}): WebhookSpec => ({
  name,
  clientConfig: { service: { namespace: 'hooks', name: 'svc', path: `/${name}` } },
  rules: [{ operations: ['CREATE', 'UPDATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'] }],
  sideEffects: 'None',
  admissionReviewVersions: ['v1'],
  ...over,
});

const config = (kind: 'Validating' | 'Mutating', name: string, webhooks: WebhookSpec[]): KubeObject =>
  ({ apiVersion: 'admissionregistration.k8s.io/v1', kind: `${kind}WebhookConfiguration`, metadata: { name }, webhooks }) as KubeObject;

type Answer = Omit<NonNullable<AdmissionReview['response']>, 'uid'>;

/** A server with one in-process webhook Service `hooks/svc` answering per path; every request seen is kept. */
function setup(answer: (path: string, req: AdmissionRequest) => Answer) {
  const s = new ApiServer({ clock: manualClock() });
  const seen: { path: string; request: AdmissionRequest }[] = [];
  s.registerWebhookService('hooks', 'svc', (body, path) => {
    const request = (body as AdmissionReview).request!;
    seen.push({ path, request });
    return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: request.uid, ...answer(path, request) } };
  });
  return { s, seen };
}

const refusal = (fn: () => unknown): StatusError => {
  try {
    fn();
  } catch (err) {
    if (err instanceof StatusError) return err;
    throw err;
  }
  throw new Error('admitted');
};

const patch = (ops: unknown[]) => ({ patchType: 'JSONPatch' as const, patch: Buffer.from(JSON.stringify(ops)).toString('base64') });

describe('validating webhook configurations', () => {
  it('sends an AdmissionReview v1 request and fails a denied write with the webhook status and upstream wording; nothing is stored', () => {
    const { s, seen } = setup((_p, r) => ((r.object as { data?: { mode?: string } }).data?.mode === 'bad' ? { allowed: false, status: { code: 403, reason: 'Forbidden', message: 'mode must not be bad' } } : { allowed: true }));
    s.create(config('Validating', 'v', [hook('deny.example.dev')]));
    const err = refusal(() => s.create(cm('a', { mode: 'bad' })));
    expect(err.status).toMatchObject({ code: 403, reason: 'Forbidden', message: 'admission webhook "deny.example.dev" denied the request: mode must not be bad' });
    expect(s.list(CM, { namespace: 'default' }).items).toEqual([]);
    const r = seen[0].request;
    expect(seen[0].path).toBe('/deny.example.dev');
    expect(r).toMatchObject({
      kind: { group: '', version: 'v1', kind: 'ConfigMap' },
      resource: { group: '', version: 'v1', resource: 'configmaps' },
      requestKind: { group: '', version: 'v1', kind: 'ConfigMap' },
      requestResource: { group: '', version: 'v1', resource: 'configmaps' },
      name: 'a',
      namespace: 'default',
      operation: 'CREATE',
      userInfo: { username: 'system:admin' },
      oldObject: null,
      dryRun: false,
      options: { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions' },
    });
    expect(r.uid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(r.object).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap', data: { mode: 'bad' } });
  });

  it('sends UPDATEs with the stored object as oldObject; a denial without status is a 400 "without explanation"', () => {
    const { s, seen } = setup((_p, r) => (r.operation === 'UPDATE' ? { allowed: false } : { allowed: true }));
    s.create(config('Validating', 'v', [hook('v.example.dev')]));
    const a = s.create(cm('a', { k: '1' }));
    const err = refusal(() => s.update({ ...a, data: { k: '2' } } as KubeObject));
    expect(err.status).toMatchObject({ code: 400, message: 'admission webhook "v.example.dev" denied the request without explanation' });
    expect(seen[1].request.oldObject).toMatchObject({ data: { k: '1' }, metadata: { resourceVersion: a.metadata.resourceVersion } });
    expect(seen[1].request.object).toMatchObject({ data: { k: '2' } });
  });

  it('matches rules by operation, group, version, resource, subresource and scope', () => {
    const { s, seen } = setup(() => ({ allowed: true }));
    s.create(
      config('Validating', 'v', [
        hook('only-delete', { rules: [{ operations: ['DELETE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'] }] }),
        hook('star', { rules: [{ operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*'] }] }),
        hook('pod-status', { rules: [{ operations: ['UPDATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods/status'] }] }),
        hook('cluster-only', { rules: [{ operations: ['CREATE'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*'], scope: 'Cluster' }] }),
      ]),
    );
    s.create(cm('a'));
    expect(seen.map((x) => x.path)).toEqual(['/star']);
    const pod = s.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: {} });
    seen.length = 0;
    s.updateStatus({ ...pod, status: { phase: 'Running' } });
    expect(seen.map((x) => [x.path, x.request.subResource])).toEqual([['/pod-status', 'status']]);
    seen.length = 0;
    s.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n1' } });
    expect(seen.map((x) => x.path)).toEqual(['/star', '/cluster-only']);
    seen.length = 0;
    s.delete(CM, { namespace: 'default', name: 'a' });
    expect(seen.map((x) => [x.path, x.request.operation, x.request.object, x.request.oldObject?.metadata.name])).toEqual([
      ['/only-delete', 'DELETE', null, 'a'],
      ['/star', 'DELETE', null, 'a'],
    ]);
  });

  it('asks only for objects whose namespace matches namespaceSelector and whose labels (new or old) match objectSelector', () => {
    const { s, seen } = setup(() => ({ allowed: true }));
    s.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'prod', labels: { env: 'prod' } } });
    s.create(config('Validating', 'v', [hook('ns', { namespaceSelector: { matchLabels: { env: 'prod' } } }), hook('obj', { objectSelector: { matchExpressions: [{ key: 'team', operator: 'Exists' }] } })]));
    s.create(cm('a', {}, undefined, 'prod'));
    s.create(cm('b', {}, { team: 'x' }));
    s.create(cm('c'));
    expect(seen.map((x) => `${x.path} ${x.request.namespace}/${x.request.name}`)).toEqual(['/ns prod/a', '/obj default/b']);
    const b = s.get(CM, { namespace: 'default', name: 'b' });
    seen.length = 0;
    s.update({ ...b, metadata: { ...b.metadata, labels: {} } });
    expect(seen.map((x) => x.path)).toEqual(['/obj']);
  });

  it('fails closed (failurePolicy Fail, the default) and open (Ignore) when the webhook cannot be called', () => {
    const s = new ApiServer({ clock: manualClock() });
    s.create(config('Validating', 'v', [hook('open.example.dev', { failurePolicy: 'Ignore', clientConfig: { service: { namespace: 'hooks', name: 'missing' } } })]));
    expect(s.create(cm('a')).metadata.name).toBe('a');
    s.create(config('Validating', 'w', [hook('closed.example.dev', { clientConfig: { service: { namespace: 'hooks', name: 'missing', path: '/v' } } })]));
    expect(refusal(() => s.create(cm('b'))).status).toMatchObject({
      code: 500,
      reason: 'InternalError',
      message: 'Internal error occurred: failed calling webhook "closed.example.dev": failed to call webhook: Post "https://missing.hooks.svc:443/v?timeout=10s": service "missing" not found',
    });
  });

  it('refuses dry-run requests for webhooks with side effects and treats an answer with the wrong uid as a failed call', () => {
    const { s } = setup(() => ({ allowed: true }));
    s.create(config('Validating', 'v', [hook('fx.example.dev', { sideEffects: 'NoneOnDryRun' })]));
    expect(s.create(cm('a'), { dryRun: true }).metadata.name).toBe('a');
    const s2 = new ApiServer({ clock: manualClock() });
    s2.registerWebhookService('hooks', 'svc', () => ({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: 'nope', allowed: true } }));
    s2.create(config('Validating', 'v', [hook('uid.example.dev')]));
    expect(refusal(() => s2.create(cm('a'))).status.message).toMatch(/^Internal error occurred: failed calling webhook "uid.example.dev": expected response.uid="[0-9a-f-]+", got "nope"$/);
  });

  it('validates the configurations themselves (422 with field paths)', () => {
    const s = new ApiServer({ clock: manualClock() });
    const bad = config('Validating', 'bad', [{ name: 'x', clientConfig: {}, sideEffects: 'Some', admissionReviewVersions: ['v1beta1'], timeoutSeconds: 60 } as WebhookSpec]);
    const err = refusal(() => s.create(bad));
    expect(err.status.code).toBe(422);
    expect(err.status.details?.causes?.map((c) => c.field)).toEqual(['webhooks[0].clientConfig', 'webhooks[0].sideEffects', 'webhooks[0].admissionReviewVersions', 'webhooks[0].timeoutSeconds']);
  });
});

describe('matchPolicy', () => {
  it('Equivalent (the default) sends a request at another version of the resource converted to the version the rules name; Exact does not send it', () => {
    const { s, seen } = setup(() => ({ allowed: true }));
    const schema = { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } } } };
    s.create({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com' },
      spec: { group: 'example.com', scope: 'Namespaced', names: { kind: 'Widget', plural: 'widgets' }, versions: [{ name: 'v1', served: true, storage: true, schema }, { name: 'v2', served: true, storage: false, schema }] },
    });
    const rules = [{ operations: ['CREATE'], apiGroups: ['example.com'], apiVersions: ['v1'], resources: ['widgets'] }];
    s.create(config('Validating', 'v', [hook('equivalent', { rules }), hook('exact', { rules, matchPolicy: 'Exact' })]));
    s.create({ apiVersion: 'example.com/v2', kind: 'Widget', metadata: { name: 'w', namespace: 'default' }, spec: { size: 1 } });
    expect(seen.map((x) => x.path)).toEqual(['/equivalent']);
    expect(seen[0].request).toMatchObject({ kind: { version: 'v1', kind: 'Widget' }, resource: { version: 'v1', resource: 'widgets' }, requestKind: { version: 'v2' }, requestResource: { version: 'v2' }, object: { apiVersion: 'example.com/v1' } });
    seen.length = 0;
    s.create({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'x', namespace: 'default' }, spec: { size: 1 } });
    expect(seen.map((x) => x.path)).toEqual(['/equivalent', '/exact']);
  });
});

describe('mutating webhook configurations', () => {
  it('applies JSON patches in configuration-name order, passes warnings to onWarning, and stores the result', () => {
    const { s, seen } = setup((path) =>
      path === '/add-team' ? { allowed: true, warnings: ['team label defaulted'], ...patch([{ op: 'add', path: '/metadata/labels', value: { team: 'core' } }]) } : { allowed: true, ...patch([{ op: 'add', path: '/data/seen', value: 'yes' }]) },
    );
    s.create(config('Mutating', 'b-second', [hook('data')]));
    s.create(config('Mutating', 'a-first', [hook('add-team')]));
    const warnings: string[] = [];
    const out = s.create(cm('a', { k: 'v' }), { onWarning: (w) => warnings.push(w) });
    expect(seen.map((x) => x.path)).toEqual(['/add-team', '/data']);
    expect(seen[1].request.object?.metadata.labels).toEqual({ team: 'core' });
    expect(out).toMatchObject({ metadata: { labels: { team: 'core' } }, data: { k: 'v', seen: 'yes' } });
    expect(warnings).toEqual(['team label defaulted']);
  });

  it('reinvokes an IfNeeded webhook once when a later webhook changed the object', () => {
    const { s, seen } = setup((path, r) => {
      if (path === '/late') return { allowed: true, ...patch([{ op: 'add', path: '/data/late', value: '1' }]) };
      const n = Object.keys((r.object as { data?: object }).data ?? {}).length;
      return { allowed: true, ...patch([{ op: 'add', path: '/data/count', value: String(n) }]) };
    });
    s.create(config('Mutating', 'a', [hook('count', { reinvocationPolicy: 'IfNeeded' }), hook('late')]));
    const out = s.create(cm('a')) as KubeObject & { data: Record<string, string> };
    expect(seen.map((x) => x.path)).toEqual(['/count', '/late', '/count']);
    expect(out.data).toEqual({ count: '2', late: '1' });
  });

  it('runs mutating webhooks, then schema validation, then validating webhooks', () => {
    const { s, seen } = setup((path) => (path === '/strip' ? { allowed: true, ...patch([{ op: 'remove', path: '/spec/size' }]) } : { allowed: true }));
    s.create({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Namespaced',
        names: { kind: 'Widget', plural: 'widgets' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', required: ['size'], properties: { size: { type: 'integer' } } } } } } }],
      },
    });
    const rules = [{ operations: ['CREATE'], apiGroups: ['example.com'], apiVersions: ['v1'], resources: ['widgets'] }];
    s.create(config('Mutating', 'm', [hook('strip', { rules })]));
    s.create(config('Validating', 'v', [hook('check', { rules })]));
    const err = refusal(() => s.create({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'default' }, spec: { size: 1 } }));
    expect(err.status).toMatchObject({ code: 422, details: { causes: [{ field: 'spec.size', reason: 'FieldValueRequired' }] } });
    expect(seen.map((x) => x.path)).toEqual(['/strip']);
  });
});

describe('webhooks reached by URL from synchronous verbs', () => {
  it('fail per failurePolicy when called outside runWithWebhooks, and the InProcessClient awaits them', async () => {
    const s = new ApiServer({ clock: manualClock() });
    s.create(config('Validating', 'v', [hook('url.example.dev', { failurePolicy: 'Ignore', clientConfig: { url: 'http://127.0.0.1:9/' } })]));
    expect(s.create(cm('a')).metadata.name).toBe('a');
    s.create(config('Validating', 'w', [hook('url2.example.dev', { clientConfig: { url: 'http://127.0.0.1:9/' } })]));
    expect(refusal(() => s.create(cm('b'))).status.message).toContain('failed calling webhook "url2.example.dev": failed to call webhook: Post "http://127.0.0.1:9/?timeout=10s": a URL webhook cannot be called from a synchronous ApiServer verb');
    const err = await new InProcessClient(s).create(cm('c')).catch((e: unknown) => e as StatusError);
    expect((err as StatusError).status.message).toBe('Internal error occurred: failed calling webhook "url2.example.dev": failed to call webhook: Post "http://127.0.0.1:9/?timeout=10s": dial tcp 127.0.0.1:9: connect: connection refused');
  });
});
