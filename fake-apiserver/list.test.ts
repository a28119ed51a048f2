import { describe, expect, it } from 'vitest';
import { StatusError } from './api/index.ts';
import type { KubeList, KubeObject, ListOptions, WatchEvent } from './api/index.ts';
import { ApiServer } from './apiserver.ts';
import { CONTINUE_EXPIRED, decodeContinue, encodeContinue } from './list.ts';
import { manualClock, manualDelivery } from './testing/manual-clock.ts';

const CM = { apiVersion: 'v1', kind: 'ConfigMap' };
const cm = (name: string, namespace = 'default', labels: Record<string, string> = {}): KubeObject => ({ ...CM, metadata: { name, namespace, labels }, data: { v: name } });
const names = (l: KubeList) => l.items.map((o) => `${o.metadata.namespace}/${o.metadata.name}`);
const failure = (f: () => unknown): StatusError['status'] => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(StatusError);
    return (e as StatusError).status;
  }
  throw new Error('expected a StatusError');
};

function seeded(historyLimit?: number) {
  const d = manualDelivery();
  const s = new ApiServer({ clock: manualClock(), deliver: d.deliver, historyLimit });
  for (const n of ['a', 'b', 'c', 'd', 'e']) s.create(cm(n, 'default', { app: n < 'c' ? 'x' : 'y' }));
  s.create(cm('f', 'kube-system'));
  return { s, d };
}

/** Every chunk of a list, following continue tokens. */
function allChunks(s: ApiServer, opts: ListOptions): KubeList[] {
  const out = [s.list(CM, opts)];
  while (out[out.length - 1].metadata.continue) out.push(s.list(CM, { ...opts, continue: out[out.length - 1].metadata.continue }));
  return out;
}

describe('list chunking (limit / continue)', () => {
  it('pages through every item in order, with remainingItemCount and one resourceVersion', () => {
    const { s } = seeded();
    const chunks = allChunks(s, { limit: 2 });
    expect(chunks.map(names)).toEqual([['default/a', 'default/b'], ['default/c', 'default/d'], ['default/e', 'kube-system/f']]);
    expect(chunks.map((c) => c.metadata.remainingItemCount)).toEqual([4, 2, undefined]);
    expect(new Set(chunks.map((c) => c.metadata.resourceVersion))).toEqual(new Set([String(s.revision)]));
    expect(chunks[2].metadata.continue).toBeUndefined();
  });

  it('serves later chunks at the first chunk revision, however the kind changed since', () => {
    const { s } = seeded();
    const first = s.list(CM, { namespace: 'default', limit: 2 });
    const rv = first.metadata.resourceVersion;
    s.delete(CM, { namespace: 'default', name: 'c' });
    s.create(cm('cc'));
    s.update({ ...s.get(CM, { namespace: 'default', name: 'd' }), data: { v: 'changed' } });
    const rest = s.list(CM, { namespace: 'default', limit: 10, continue: first.metadata.continue });
    expect(names(rest)).toEqual(['default/c', 'default/d', 'default/e']);
    expect(rest.items[1].data).toEqual({ v: 'd' });
    expect(rest.items[1].metadata.resourceVersion).not.toBe(s.get(CM, { namespace: 'default', name: 'd' }).metadata.resourceVersion);
    expect(rest.metadata.resourceVersion).toBe(rv);
  });

  it('fills chunks with matching items only and gives no remainingItemCount under a selector', () => {
    const { s } = seeded();
    const chunks = allChunks(s, { labelSelector: 'app=y', limit: 2 });
    expect(chunks.map(names).flat()).toEqual(['default/c', 'default/d', 'default/e']);
    expect(chunks.every((c) => c.metadata.remainingItemCount === undefined)).toBe(true);
  });

  it('answers a compacted continue token with 410 Expired carrying a token that goes on from the newest state', () => {
    const { s } = seeded();
    const first = s.list(CM, { namespace: 'default', limit: 2 });
    s.create(cm('bb'));
    s.create(cm('ca'));
    s.compact();
    const st = failure(() => s.list(CM, { namespace: 'default', limit: 2, continue: first.metadata.continue }));
    expect(st).toMatchObject({ code: 410, reason: 'Expired', message: CONTINUE_EXPIRED });
    const token = (st.metadata as { continue?: string }).continue;
    expect(decodeContinue(token ?? '')).toEqual({ revision: -1, namespace: 'default', name: 'b' });
    const inconsistent = s.list(CM, { namespace: 'default', limit: 10, continue: token });
    expect(names(inconsistent)).toEqual(['default/bb', 'default/c', 'default/ca', 'default/d', 'default/e']);
    expect(inconsistent.metadata.resourceVersion).toBe(String(s.revision));
  });

  it('refuses bad tokens and a resourceVersion with continue (400)', () => {
    const { s } = seeded();
    expect(failure(() => s.list(CM, { limit: 1, continue: 'not-a-token' }))).toMatchObject({ code: 400, message: 'invalid continue token: continue key is not valid: server does not recognize this encoding' });
    const token = encodeContinue(3, 'default', 'a');
    expect(failure(() => s.list(CM, { limit: 1, continue: token, resourceVersion: '3' }))).toMatchObject({ code: 400, message: 'specifying resource version is not allowed when using continue' });
  });
});

describe('list resourceVersion semantics', () => {
  it('reads an exact revision from history (Exact, or N with a limit) and the newest state otherwise', () => {
    const { s } = seeded();
    const before = String(s.revision);
    s.delete(CM, { namespace: 'default', name: 'a' });
    s.create(cm('z'));
    expect(names(s.list(CM, { namespace: 'default', resourceVersion: before, resourceVersionMatch: 'Exact' }))).toEqual(['default/a', 'default/b', 'default/c', 'default/d', 'default/e']);
    expect(s.list(CM, { namespace: 'default', resourceVersion: before, resourceVersionMatch: 'Exact' }).metadata.resourceVersion).toBe(before);
    expect(names(s.list(CM, { namespace: 'default', resourceVersion: before, limit: 1 }))).toEqual(['default/a']);
    expect(names(s.list(CM, { namespace: 'default', resourceVersion: before }))).toContain('default/z');
    expect(names(s.list(CM, { namespace: 'default', resourceVersion: before, resourceVersionMatch: 'NotOlderThan', limit: 10 }))).toContain('default/z');
    expect(names(s.list(CM, { namespace: 'default', resourceVersion: '0', limit: 10 }))).toContain('default/z');
  });

  it('answers a compacted exact revision with 410 and a revision not reached with 504', () => {
    const { s } = seeded(2);
    expect(failure(() => s.list(CM, { resourceVersion: '3', resourceVersionMatch: 'Exact' }))).toMatchObject({ code: 410, reason: 'Expired', message: 'The resourceVersion for the provided list is too old.' });
    const ahead = String(s.revision + 5);
    expect(failure(() => s.list(CM, { resourceVersion: ahead }))).toMatchObject({
      code: 504,
      reason: 'Timeout',
      message: `Timeout: Too large resource version: ${ahead}, current: ${s.revision}`,
      details: { retryAfterSeconds: 1 },
    });
  });

  it('validates resourceVersionMatch as upstream ListOptions validation (422)', () => {
    const { s } = seeded();
    expect(failure(() => s.list(CM, { resourceVersionMatch: 'Exact' }))).toMatchObject({
      code: 422,
      message: 'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided',
    });
    expect(failure(() => s.list(CM, { resourceVersion: '0', resourceVersionMatch: 'Exact' })).message).toContain('resourceVersionMatch "exact" is forbidden for resourceVersion "0"');
    expect(failure(() => s.list(CM, { resourceVersion: '1', resourceVersionMatch: 'Newest' as 'Exact' })).message).toContain('Unsupported value: "Newest": supported values: "Exact", "NotOlderThan", ""');
  });
});

describe('deleteCollection', () => {
  it('deletes what the selectors match in one namespace and returns the list as read', () => {
    const { s } = seeded();
    s.patch(CM, { namespace: 'default', name: 'd' }, 'merge', { metadata: { finalizers: ['x/hold'] } });
    const out = s.deleteCollection(CM, { namespace: 'default', labelSelector: 'app=y' });
    expect(names(out)).toEqual(['default/c', 'default/d', 'default/e']);
    expect(names(s.list(CM, {}))).toEqual(['default/a', 'default/b', 'default/d', 'kube-system/f']);
    expect(s.get(CM, { namespace: 'default', name: 'd' }).metadata.deletionTimestamp).toBeDefined();
    expect(failure(() => s.deleteCollection(CM, {})).code).toBe(400);
  });
});

describe('watch-list (sendInitialEvents) and timeoutSeconds', () => {
  it('sends ADDED for the current state, then one BOOKMARK annotated k8s.io/initial-events-end, then changes', () => {
    const { s, d } = seeded();
    const events: WatchEvent[] = [];
    s.watch(CM, { namespace: 'default', labelSelector: 'app=x', sendInitialEvents: true, resourceVersionMatch: 'NotOlderThan', allowWatchBookmarks: true }, (e) => events.push(e));
    const rv = String(s.revision);
    s.create(cm('aa', 'default', { app: 'x' }));
    d.drain();
    expect(events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED a', 'ADDED b', 'BOOKMARK ', 'ADDED aa']);
    expect(events[2].object).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: '', resourceVersion: rv, annotations: { 'k8s.io/initial-events-end': 'true' } } });
  });

  it('sends no bookmark without allowWatchBookmarks, and nothing initial with sendInitialEvents=false', () => {
    const { s, d } = seeded();
    const a: string[] = [];
    const b: string[] = [];
    s.watch(CM, { namespace: 'default', sendInitialEvents: true, resourceVersionMatch: 'NotOlderThan' }, (e) => a.push(e.type));
    s.watch(CM, { namespace: 'default', sendInitialEvents: false, resourceVersionMatch: 'NotOlderThan' }, (e) => b.push(`${e.type} ${e.object.metadata.name}`));
    s.create(cm('g'));
    d.drain();
    expect(a).toEqual(['ADDED', 'ADDED', 'ADDED', 'ADDED', 'ADDED', 'ADDED']);
    expect(b).toEqual(['ADDED g']);
  });

  it('validates watch options as upstream (422)', () => {
    const { s } = seeded();
    expect(failure(() => s.watch(CM, { sendInitialEvents: true }, () => {})).message).toBe(
      'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan',
    );
    expect(failure(() => s.watch(CM, { resourceVersionMatch: 'NotOlderThan' }, () => {})).message).toContain('resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided');
  });

  it('ends a watch after timeoutSeconds on the server clock', () => {
    const clock = manualClock();
    const d = manualDelivery();
    const s = new ApiServer({ clock, deliver: d.deliver });
    let closed = 0;
    s.watch(CM, { timeoutSeconds: 5 }, () => {}, () => void closed++);
    clock.advance(4999);
    d.drain();
    expect(closed).toBe(0);
    clock.advance(1);
    d.drain();
    expect(closed).toBe(1);
  });
});
