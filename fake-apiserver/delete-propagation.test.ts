import { describe, expect, it } from 'vitest';
import { ApiServer } from './apiserver.ts';
import { StatusError, isInvalid, isNotFound } from './api/index.ts';
import type { KubeObject } from './api/index.ts';
import { manualClock, manualDelivery } from './testing/manual-clock.ts';

const CM = { apiVersion: 'v1', kind: 'ConfigMap' };
const JOB = { apiVersion: 'batch/v1', kind: 'Job' };
const DEPLOY = { apiVersion: 'apps/v1', kind: 'Deployment' };
const key = (name: string) => ({ namespace: 'default', name });

function server(): ApiServer {
  return new ApiServer({ clock: manualClock(), deliver: manualDelivery().deliver });
}

function thrown(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (e) {
    if (e instanceof StatusError) return e;
    throw e;
  }
  throw new Error('expected a StatusError');
}

const cm = (name: string, finalizers?: string[]): KubeObject => ({ ...CM, metadata: { name, namespace: 'default', ...(finalizers ? { finalizers } : {}) }, data: { a: '1' } });
const job = (name: string): KubeObject => ({
  ...JOB,
  metadata: { name, namespace: 'default' },
  spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } },
});
const deploy = (name: string): KubeObject => ({
  ...DEPLOY,
  metadata: { name, namespace: 'default' },
  spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
});

describe('delete propagation (cascading deletion)', () => {
  it('removes at once under Background and under the apps/v1 default', () => {
    const s = server();
    s.create(deploy('bg'));
    s.create(deploy('dflt'));
    s.delete(DEPLOY, key('bg'), { propagationPolicy: 'Background' });
    s.delete(DEPLOY, key('dflt'));
    expect(isNotFound(thrown(() => s.get(DEPLOY, key('bg'))))).toBe(true);
    expect(isNotFound(thrown(() => s.get(DEPLOY, key('dflt'))))).toBe(true);
  });

  it('keeps a Foreground-deleted object with deletionTimestamp and foregroundDeletion, after its own finalizers', () => {
    const s = server();
    s.create(cm('f', ['example.com/keep']));
    const out = s.delete(CM, key('f'), { propagationPolicy: 'Foreground' });
    expect(out.metadata.deletionTimestamp).toBeDefined();
    expect(s.get(CM, key('f')).metadata.finalizers).toEqual(['example.com/keep', 'foregroundDeletion']);
  });

  it('orphans a batch/v1 Job by default and warns as kube-apiserver does; an explicit policy is not warned about', () => {
    const s = server();
    s.create(job('j'));
    s.create(job('k'));
    const warnings: string[] = [];
    s.delete(JOB, key('j'), { onWarning: (w) => warnings.push(w) });
    expect(s.get(JOB, key('j')).metadata.finalizers).toEqual(['orphan']);
    expect(warnings).toEqual([expect.stringContaining('child pods are preserved by default when jobs are deleted')]);
    s.delete(JOB, key('k'), { propagationPolicy: 'Background', onWarning: (w) => warnings.push(w) });
    expect(isNotFound(thrown(() => s.get(JOB, key('k'))))).toBe(true);
    expect(warnings).toHaveLength(1);
  });

  it('reads the deprecated orphanDependents and refuses it together with propagationPolicy (422 DeleteOptions)', () => {
    const s = server();
    s.create(cm('o'));
    s.create(job('j'));
    s.delete(CM, key('o'), { orphanDependents: true });
    expect(s.get(CM, key('o')).metadata.finalizers).toEqual(['orphan']);
    s.delete(JOB, key('j'), { orphanDependents: false });
    expect(isNotFound(thrown(() => s.get(JOB, key('j'))))).toBe(true);
    s.create(cm('both'));
    const e = thrown(() => s.delete(CM, key('both'), { orphanDependents: true, propagationPolicy: 'Foreground' }));
    expect(isInvalid(e)).toBe(true);
    expect(e.status.details?.kind).toBe('DeleteOptions');
    expect(e.message).toContain('orphanDependents and deletionPropagation cannot be both set');
  });

  it('lets a GC finalizer already on the object override the kind default', () => {
    const s = server();
    s.create({ ...job('pre'), metadata: { name: 'pre', namespace: 'default', finalizers: ['foregroundDeletion'] } });
    s.delete(JOB, key('pre'));
    expect(s.get(JOB, key('pre')).metadata.finalizers).toEqual(['foregroundDeletion']);
  });

  it('changes only the GC finalizers when an object already deleting is deleted again, and removes it when none remain', () => {
    const s = server();
    s.create(cm('x', ['example.com/keep']));
    s.delete(CM, key('x'), { propagationPolicy: 'Foreground' });
    const first = s.get(CM, key('x'));
    s.delete(CM, key('x'), { propagationPolicy: 'Orphan' });
    const second = s.get(CM, key('x'));
    expect(second.metadata.finalizers).toEqual(['example.com/keep', 'orphan']);
    expect(second.metadata.deletionTimestamp).toBe(first.metadata.deletionTimestamp);
    expect(s.delete(CM, key('x'))).toBe(second); // no policy, the object's own GC finalizer kept: nothing to write
    s.create(cm('y'));
    s.delete(CM, key('y'), { propagationPolicy: 'Orphan' });
    s.delete(CM, key('y'), { propagationPolicy: 'Background' });
    expect(isNotFound(thrown(() => s.get(CM, key('y'))))).toBe(true);
  });

  it('persists nothing when a repeated delete is a dry run', () => {
    const s = server();
    s.create(cm('d'));
    s.delete(CM, key('d'), { propagationPolicy: 'Orphan' });
    const rv = s.revision;
    const out = s.delete(CM, key('d'), { propagationPolicy: 'Background', dryRun: true });
    expect(out.metadata.finalizers).toBeUndefined();
    expect(s.revision).toBe(rv);
    expect(s.get(CM, key('d')).metadata.finalizers).toEqual(['orphan']);
  });
});
