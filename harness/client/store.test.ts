import { describe, expect, it } from 'vitest';
import { INDEX_LABEL, INDEX_NAMESPACE, INDEX_OWNER_UID } from '../../fake-apiserver/api/index.ts';
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import { createStore, labelIndexValue } from './store.ts';

const pod = (ns: string, name: string, rv: string, labels: Record<string, string> = {}, owner?: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { namespace: ns, name, resourceVersion: rv, labels, ...(owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: owner, uid: owner }] } : {}) },
});
const names = (os: readonly KubeObject[]) => os.map((o) => `${o.metadata.namespace}/${o.metadata.name}@${o.metadata.resourceVersion}`);

describe('informer store', () => {
  it('an update replaces the object in the sorted list and moves it between index values only when they change', () => {
    const [reader, writer] = createStore();
    writer.replace([pod('b', 'x', '1', { app: 'web' }, 'rs1'), pod('a', 'z', '2', { app: 'web' }), pod('a', 'y', '3', { app: 'db' })], '3');
    expect(names(reader.items())).toEqual(['a/y@3', 'a/z@2', 'b/x@1']);
    // Same labels: the indexes are unchanged, the lists show the new version.
    expect(writer.apply(pod('a', 'z', '4', { app: 'web' }))?.metadata.resourceVersion).toBe('2');
    expect(names(reader.items())).toEqual(['a/y@3', 'a/z@4', 'b/x@1']);
    expect(names(reader.byIndex(INDEX_LABEL, labelIndexValue('a', 'app', 'web')))).toEqual(['a/z@4']);
    // Changed labels and owner: out of the old values, into the new ones.
    writer.apply(pod('b', 'x', '5', { app: 'db' }, 'rs2'));
    writer.apply(pod('a', 'y', '6', {}));
    expect(names(reader.items())).toEqual(['a/y@6', 'a/z@4', 'b/x@5']);
    expect(reader.byIndex(INDEX_LABEL, labelIndexValue('b', 'app', 'web'))).toEqual([]);
    expect(names(reader.byIndex(INDEX_LABEL, labelIndexValue('b', 'app', 'db')))).toEqual(['b/x@5']);
    expect(reader.byIndex(INDEX_LABEL, labelIndexValue('a', 'app', 'db'))).toEqual([]);
    expect(reader.byIndex(INDEX_OWNER_UID, 'rs1')).toEqual([]);
    expect(names(reader.byIndex(INDEX_OWNER_UID, 'rs2'))).toEqual(['b/x@5']);
    expect(names(reader.byIndex(INDEX_NAMESPACE, 'a'))).toEqual(['a/y@6', 'a/z@4']);
    // A new key and a delete re-sort.
    writer.apply(pod('a', 'a', '7'));
    writer.delete(pod('a', 'z', '4'));
    expect(names(reader.items())).toEqual(['a/a@7', 'a/y@6', 'b/x@5']);
  });

  it('a custom index added later follows updates too', () => {
    const [reader, writer] = createStore();
    writer.apply(pod('n', 'p', '1', { tier: 'a' }));
    writer.addIndexer('tier', (o) => [o.metadata.labels?.tier ?? 'none']);
    expect(names(reader.byIndex('tier', 'a'))).toEqual(['n/p@1']);
    writer.apply(pod('n', 'p', '2', {}));
    expect(reader.byIndex('tier', 'a')).toEqual([]);
    expect(names(reader.byIndex('tier', 'none'))).toEqual(['n/p@2']);
  });

  it('an update sharing the old labels and owners (the same frozen objects) keeps its index values; a new custom index is still asked', () => {
    const [reader, writer] = createStore();
    const first = pod('n', 'p', '1', { app: 'web' }, 'rs1');
    writer.apply(first);
    const calls: string[] = [];
    writer.addIndexer('seen', (o) => (calls.push(o.metadata.resourceVersion ?? ''), ['all']));
    // The labels and ownerReferences objects of the stored version, as a write that did not touch them leaves them.
    writer.apply({ ...first, metadata: { ...first.metadata, resourceVersion: '2' } });
    expect(names(reader.byIndex(INDEX_LABEL, labelIndexValue('n', 'app', 'web')))).toEqual(['n/p@2']);
    expect(names(reader.byIndex(INDEX_OWNER_UID, 'rs1'))).toEqual(['n/p@2']);
    expect(names(reader.byIndex(INDEX_NAMESPACE, 'n'))).toEqual(['n/p@2']);
    expect(calls).toEqual(['1', '2']);
    // Equal content in new objects is computed again, and a changed label moves.
    writer.apply(pod('n', 'p', '3', { app: 'db' }, 'rs1'));
    expect(reader.byIndex(INDEX_LABEL, labelIndexValue('n', 'app', 'web'))).toEqual([]);
    expect(names(reader.byIndex(INDEX_LABEL, labelIndexValue('n', 'app', 'db')))).toEqual(['n/p@3']);
    expect(names(reader.byIndex(INDEX_OWNER_UID, 'rs1'))).toEqual(['n/p@3']);
  });
});
