import { describe, expect, it } from 'vitest';
import { StatusError } from '../api/index.ts';
import type { KubeObject, WatchEvent } from '../api/index.ts';
import { ApiServer } from '../apiserver.ts';
import { manualClock } from '../testing/manual-clock.ts';
import { compareKubeAwareVersions, deprecationWarning } from './conversion.ts';
import type { ConversionReview, CrdConversion } from './conversion.ts';

const CRD = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition' };
const V1 = { apiVersion: 'example.com/v1', kind: 'Widget' };
const V2 = { apiVersion: 'example.com/v2', kind: 'Widget' };
const schema = (field: string) => ({ openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { [field]: { type: 'string' } } } } } });

/** Widgets: v1 `spec.color` (storage unless told), v2 `spec.colour`; conversion through Service `conv/widgets`. */
function widgetCrd(opts: { storage?: 'v1' | 'v2'; conversion?: CrdConversion; v1Deprecated?: { deprecationWarning?: string } } = {}): KubeObject {
  return {
    ...CRD,
    metadata: { name: 'widgets.example.com' },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { kind: 'Widget', plural: 'widgets' },
      conversion: opts.conversion ?? { strategy: 'Webhook', webhook: { clientConfig: { service: { namespace: 'conv', name: 'widgets', path: '/convert' } }, conversionReviewVersions: ['v1'] } },
      versions: [
        { name: 'v1', served: true, storage: (opts.storage ?? 'v1') === 'v1', schema: schema('color'), ...(opts.v1Deprecated ? { deprecated: true, ...opts.v1Deprecated } : {}) },
        { name: 'v2', served: true, storage: opts.storage === 'v2', schema: schema('colour') },
      ],
    },
  } as KubeObject;
}

type Spec = Record<string, string>;
/** The conversion webhook: renames the field; counts reviews and objects; `broken` makes it answer Failure. */
function converter(s: ApiServer) {
  const calls: number[] = [];
  const state = { broken: false };
  s.registerWebhookService('conv', 'widgets', (body, path) => {
    const { request } = body as ConversionReview;
    expect(path).toBe('/convert');
    calls.push(request!.objects.length);
    if (state.broken) return { apiVersion: 'apiextensions.k8s.io/v1', kind: 'ConversionReview', response: { uid: request!.uid, result: { status: 'Failure', message: 'colour wheel broken' } } };
    const convertedObjects = request!.objects.map((o) => {
      const spec = { ...(o.spec as Spec) };
      if (request!.desiredAPIVersion.endsWith('/v2')) {
        spec.colour = spec.color;
        delete spec.color;
      } else {
        spec.color = spec.colour;
        delete spec.colour;
      }
      return { ...o, apiVersion: request!.desiredAPIVersion, spec, metadata: { ...o.metadata, name: 'renamed', labels: { converted: 'yes' } } };
    });
    return { apiVersion: 'apiextensions.k8s.io/v1', kind: 'ConversionReview', response: { uid: request!.uid, convertedObjects, result: { status: 'Success' } } };
  });
  return { calls, state };
}

const widget = (type: typeof V1, name: string, spec: Spec): KubeObject => ({ ...type, metadata: { name, namespace: 'default' }, spec }) as KubeObject;
const refusal = (fn: () => unknown): StatusError => {
  try {
    fn();
  } catch (err) {
    if (err instanceof StatusError) return err;
    throw err;
  }
  throw new Error('no error');
};

describe('CRD conversion webhooks (ConversionReview v1)', () => {
  it('stores a write at a non-storage version converted to storage, and answers reads at each version converted', () => {
    const s = new ApiServer({ clock: manualClock() });
    const { calls } = converter(s);
    s.create(widgetCrd());
    const created = s.create(widget(V2, 'a', { colour: 'red' }));
    expect(created).toMatchObject({ apiVersion: 'example.com/v2', spec: { colour: 'red' }, metadata: { name: 'a', labels: { converted: 'yes' } } });
    const stored = s.objects().find((o) => o.kind === 'Widget')!;
    expect(stored).toMatchObject({ apiVersion: 'example.com/v1', spec: { color: 'red' }, metadata: { name: 'a', labels: { converted: 'yes' } } });
    expect(s.get(V1, { namespace: 'default', name: 'a' }).spec).toEqual({ color: 'red' });
    expect(s.get(V2, { namespace: 'default', name: 'a' }).spec).toEqual({ colour: 'red' });
    s.create(widget(V1, 'b', { color: 'blue' }));
    calls.length = 0;
    expect(s.list(V2).items.map((o) => [o.apiVersion, o.metadata.name, (o.spec as Spec).colour])).toEqual([
      ['example.com/v2', 'a', 'red'],
      ['example.com/v2', 'b', 'blue'],
    ]);
    expect(calls).toEqual([2]);
  });

  it('patches and updates at a non-storage version see and write that version', () => {
    const s = new ApiServer({ clock: manualClock() });
    converter(s);
    s.create(widgetCrd());
    s.create(widget(V1, 'a', { color: 'red' }));
    expect(s.patch(V2, { namespace: 'default', name: 'a' }, 'merge', { spec: { colour: 'green' } }).spec).toEqual({ colour: 'green' });
    expect(s.get(V1, { namespace: 'default', name: 'a' }).spec).toEqual({ color: 'green' });
    const v2 = s.get(V2, { namespace: 'default', name: 'a' });
    const unchanged = s.update(v2);
    expect(unchanged.metadata.resourceVersion).toBe(v2.metadata.resourceVersion);
  });

  it('converts watch events at a non-storage version; a failing conversion ends the watch with an ERROR event', async () => {
    const s = new ApiServer({ clock: manualClock() });
    const { state } = converter(s);
    s.create(widgetCrd());
    s.create(widget(V1, 'a', { color: 'red' }));
    const events: WatchEvent[] = [];
    let closed = false;
    s.watch(V2, {}, (e) => events.push(e), () => (closed = true));
    await Promise.resolve();
    state.broken = true;
    s.create(widget(V1, 'b', { color: 'blue' }));
    await new Promise((r) => setImmediate(r));
    expect(events.map((e) => [e.type, e.object.kind === 'Status' ? (e.object as unknown as { message: string }).message : (e.object.spec as Spec).colour])).toEqual([
      ['ADDED', 'red'],
      ['ERROR', 'conversion webhook for example.com/v1, Kind=Widget failed: colour wheel broken'],
    ]);
    expect(closed).toBe(true);
  });

  it('fails reads and writes with upstream wording when the webhook fails or is unreachable', () => {
    const s = new ApiServer({ clock: manualClock() });
    const { state } = converter(s);
    s.create(widgetCrd());
    s.create(widget(V1, 'a', { color: 'red' }));
    state.broken = true;
    expect(refusal(() => s.get(V2, { namespace: 'default', name: 'a' })).status).toMatchObject({ code: 500, message: 'conversion webhook for example.com/v1, Kind=Widget failed: colour wheel broken' });
    expect(refusal(() => s.create(widget(V2, 'b', { colour: 'x' }))).status.message).toBe('conversion webhook for example.com/v2, Kind=Widget failed: colour wheel broken');
    expect(s.list(V1).items).toHaveLength(1);
    const s2 = new ApiServer({ clock: manualClock() });
    s2.create(widgetCrd());
    s2.create(widget(V1, 'a', { color: 'red' }));
    expect(refusal(() => s2.list(V2)).status.message).toBe(
      'conversion webhook for example.com/v1, Kind=Widget failed: failed to call webhook: Post "https://widgets.conv.svc:443/convert?timeout=30s": service "widgets" not found',
    );
  });

  it('rejects an answer with the wrong number of objects or the wrong apiVersion', () => {
    const s = new ApiServer({ clock: manualClock() });
    let answer: (req: NonNullable<ConversionReview['request']>) => unknown[] = () => [];
    s.registerWebhookService('conv', 'widgets', (body) => {
      const { request } = body as ConversionReview;
      return { apiVersion: 'apiextensions.k8s.io/v1', kind: 'ConversionReview', response: { uid: request!.uid, convertedObjects: answer(request!), result: { status: 'Success' } } };
    });
    s.create(widgetCrd({ conversion: { strategy: 'None' } }));
    s.create(widget(V1, 'a', { color: 'red' }));
    s.update({ ...s.get(CRD, { name: 'widgets.example.com' }), spec: widgetCrd().spec } as KubeObject);
    expect(refusal(() => s.get(V2, { namespace: 'default', name: 'a' })).status.message).toBe('conversion webhook for example.com/v1, Kind=Widget returned 0 objects, expected 1');
    answer = (r) => r.objects;
    expect(refusal(() => s.get(V2, { namespace: 'default', name: 'a' })).status.message).toBe(
      'conversion webhook for example.com/v1, Kind=Widget failed: invalid converted object at index 0: expected example.com/v2, Kind=Widget, got example.com/v1, Kind=Widget',
    );
  });

  it('strategy None changes only apiVersion', () => {
    const s = new ApiServer({ clock: manualClock() });
    s.create(widgetCrd({ conversion: { strategy: 'None' } }));
    s.create(widget(V1, 'a', { color: 'red' }));
    expect(s.get(V2, { namespace: 'default', name: 'a' })).toMatchObject({ apiVersion: 'example.com/v2', spec: { color: 'red' } });
  });

  it('keeps every storage version ever used in status.storedVersions', () => {
    const s = new ApiServer({ clock: manualClock() });
    s.create(widgetCrd());
    expect(s.get(CRD, { name: 'widgets.example.com' }).status?.storedVersions).toEqual(['v1']);
    const crd = s.get(CRD, { name: 'widgets.example.com' });
    s.update({ ...crd, spec: widgetCrd({ storage: 'v2' }).spec } as KubeObject);
    expect(s.get(CRD, { name: 'widgets.example.com' }).status?.storedVersions).toEqual(['v1', 'v2']);
  });

  it('refuses a Webhook strategy without clientConfig or without v1 among conversionReviewVersions', () => {
    const s = new ApiServer({ clock: manualClock() });
    const err = refusal(() => s.create(widgetCrd({ conversion: { strategy: 'Webhook', webhook: { conversionReviewVersions: ['v1beta1'] } } })));
    expect(err.status.details?.causes?.map((c) => c.field)).toEqual(['spec.conversion.webhook', 'spec.conversion.webhook.conversionReviewVersions']);
  });
});

describe('deprecated versions', () => {
  it('warn on every write at that version, with upstream default wording or the CRD deprecationWarning', () => {
    const s = new ApiServer({ clock: manualClock() });
    converter(s);
    s.create(widgetCrd({ v1Deprecated: {} }));
    const warnings: string[] = [];
    s.create(widget(V1, 'a', { color: 'red' }), { onWarning: (w) => warnings.push(w) });
    s.patch(V1, { namespace: 'default', name: 'a' }, 'merge', { spec: { color: 'blue' } }, { onWarning: (w) => warnings.push(w) });
    s.patch(V2, { namespace: 'default', name: 'a' }, 'merge', { spec: { colour: 'green' } }, { onWarning: (w) => warnings.push(w) });
    expect(warnings).toEqual(['example.com/v1 Widget is deprecated; use example.com/v2 Widget', 'example.com/v1 Widget is deprecated; use example.com/v2 Widget']);
    expect(s.registry.lookup(V1).deprecationWarning).toBe('example.com/v1 Widget is deprecated; use example.com/v2 Widget');
    const s2 = new ApiServer({ clock: manualClock() });
    s2.create(widgetCrd({ conversion: { strategy: 'None' }, v1Deprecated: { deprecationWarning: 'v1 goes away in 2027' } }));
    expect(s2.registry.lookup(V1).deprecationWarning).toBe('v1 goes away in 2027');
  });

  it('name the newest served, non-deprecated, higher-priority version (kube-aware order)', () => {
    expect(['v1alpha1', 'v2', 'v1beta2', 'v1', 'v10', 'v1beta1', 'foo'].sort((a, b) => compareKubeAwareVersions(b, a))).toEqual(['v10', 'v2', 'v1', 'v1beta2', 'v1beta1', 'v1alpha1', 'foo']);
    const versions = [{ name: 'v1alpha1', deprecated: true }, { name: 'v1beta1' }, { name: 'v1beta2', deprecated: true }, { name: 'v1', served: false }];
    expect(deprecationWarning('g.dev', 'K', versions, 'v1alpha1')).toBe('g.dev/v1alpha1 K is deprecated; use g.dev/v1beta1 K');
    expect(deprecationWarning('g.dev', 'K', versions, 'v1beta2')).toBe('g.dev/v1beta2 K is deprecated');
    expect(deprecationWarning('g.dev', 'K', versions, 'v1beta1')).toBeUndefined();
  });
});
