import { describe, expect, it } from 'vitest';
import { StatusError } from './api/index.ts';
import type { KubeObject } from './api/index.ts';
import { ApiServer } from './apiserver.ts';
import type { ValidatingAdmissionRequest } from './apiserver.ts';
import { manualClock } from './testing/manual-clock.ts';

const cm = (name: string, data: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data } as KubeObject);

function server() {
  const seen: ValidatingAdmissionRequest[] = [];
  const s = new ApiServer({ clock: manualClock() });
  const off = s.addValidatingAdmission({
    name: 'validate.example.dev',
    matches: (r) => r.kind === 'ConfigMap',
    admit: (r) => {
      seen.push(r);
      return (r.object as { data?: Record<string, string> }).data?.mode === 'bad'
        ? { allowed: false, message: 'data.mode: must not be bad', causes: [{ reason: 'FieldValueInvalid', message: 'must not be bad', field: 'data.mode' }] }
        : { allowed: true };
    },
  });
  return { s, seen, off };
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

describe('validating admission extensions (webhook semantics, anchors-apiserver.md §3.21)', () => {
  it('denies a CREATE as kube-apiserver words a webhook denial: 403 Forbidden, admission webhook "<name>" denied the request: <message>, nothing stored', () => {
    const { s } = server();
    const err = refusal(() => s.create(cm('a', { mode: 'bad' })));
    expect(err.status).toMatchObject({ code: 403, reason: 'Forbidden', message: 'admission webhook "validate.example.dev" denied the request: data.mode: must not be bad' });
    expect(err.status.details).toMatchObject({ group: '', kind: 'configmaps', name: 'a', causes: [{ field: 'data.mode' }] });
    expect(s.list({ apiVersion: 'v1', kind: 'ConfigMap' }).items).toEqual([]);
  });

  it('sees UPDATEs with the old object, not status writes or kinds it does not match; an unchanged store after a denial', () => {
    const { s, seen } = server();
    const a = s.create(cm('a', { mode: 'ok' }));
    const err = refusal(() => s.update({ ...a, data: { mode: 'bad' } } as KubeObject));
    expect(err.status.code).toBe(403);
    expect(seen.map((r) => r.operation)).toEqual(['CREATE', 'UPDATE']);
    expect((seen[1].oldObject as unknown as { data: Record<string, string> }).data.mode).toBe('ok');
    expect((s.get({ apiVersion: 'v1', kind: 'ConfigMap' }, { namespace: 'default', name: 'a' }) as unknown as { data: Record<string, string> }).data.mode).toBe('ok');
    s.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'default' } });
    expect(seen).toHaveLength(2);
  });

  it('takes the code a denial gives, says "without explanation" when it gives no message, and fails closed (500) when the extension throws', () => {
    const s = new ApiServer({ clock: manualClock() });
    s.addValidatingAdmission({ name: 'a.dev', admit: (r) => (r.name === 'x' ? { allowed: false, code: 422 } : { allowed: true }) });
    s.addValidatingAdmission({ name: 'b.dev', admit: (r) => { if (r.name === 'y') throw new Error('connection refused'); return { allowed: true }; } });
    expect(refusal(() => s.create(cm('x', {}))).status).toMatchObject({ code: 422, reason: 'Invalid', message: 'admission webhook "a.dev" denied the request without explanation' });
    expect(refusal(() => s.create(cm('y', {}))).status).toMatchObject({ code: 500, message: 'Internal error occurred: failed calling webhook "b.dev": connection refused' });
  });

  it('stops asking an extension once unregistered', () => {
    const { s, off } = server();
    off();
    expect(s.create(cm('a', { mode: 'bad' })).metadata.name).toBe('a');
  });
});
