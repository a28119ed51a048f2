import { describe, expect, it } from 'vitest';
import { ApiServer } from './apiserver.ts';
import { StatusError } from './api/index.ts';
import type { KubeObject } from './api/index.ts';
import { FaultInjector, validateFaultRule, withFaults } from './faults.ts';
import { InProcessClient } from './in-process-client.ts';
import { manualClock } from './testing/manual-clock.ts';

const CM = { apiVersion: 'v1', kind: 'ConfigMap' };
const cm = (name: string, namespace = 'default'): KubeObject => ({ ...CM, metadata: { name, namespace }, data: { a: '1' } });

function setup() {
  const clock = manualClock();
  const server = new ApiServer({ clock });
  const faults = new FaultInjector();
  const client = withFaults(new InProcessClient(server), faults, { resolve: (t) => server.registry.lookup(t), sleep: (ms) => clock.sleep(ms) });
  return { clock, server, faults, client };
}

async function statusOf(p: Promise<unknown>): Promise<{ code: number; reason: string; message: string; retryAfterSeconds?: number }> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(StatusError);
    const s = (e as StatusError).status;
    return { code: s.code, reason: s.reason, message: s.message, retryAfterSeconds: s.details?.retryAfterSeconds };
  }
  throw new Error('expected the call to fail');
}

describe('FaultInjector', () => {
  it('fails only the requests its verb, resource, namespace and name select, with the code and message given', async () => {
    const { faults, client, server } = setup();
    faults.add({ verbs: ['create'], resource: 'configmaps', namespace: 'default', name: 'a', error: { code: 503, message: 'etcd leader changed' } });
    expect(await statusOf(client.create(cm('a')))).toEqual({ code: 503, reason: 'ServiceUnavailable', message: 'etcd leader changed', retryAfterSeconds: undefined });
    await client.create(cm('b'));
    await client.create(cm('a', 'kube-system'));
    await client.get(CM, { namespace: 'kube-system', name: 'a' });
    expect(server.list(CM).items.map((o) => `${o.metadata.namespace}/${o.metadata.name}`)).toEqual(['default/b', 'kube-system/a']);
  });

  it('matches resource.group, and an absent group in the rule matches any group', async () => {
    const { faults, client } = setup();
    faults.add({ resource: 'deployments.apps', verbs: ['list'], error: { code: 500 } });
    expect((await statusOf(client.list({ apiVersion: 'apps/v1', kind: 'Deployment' }))).code).toBe(500);
    await client.list(CM);
  });

  it('answers 429 TooManyRequests with retryAfterSeconds, as priority and fairness does, for `times` requests only', async () => {
    const { faults, client } = setup();
    const id = faults.add({ verbs: ['get'], retryAfterSeconds: 3, times: 2 });
    await client.create(cm('a'));
    const first = await statusOf(client.get(CM, { namespace: 'default', name: 'a' }));
    expect(first).toEqual({ code: 429, reason: 'TooManyRequests', message: 'Too many requests, please try again later.', retryAfterSeconds: 3 });
    expect(faults.list()).toEqual([expect.objectContaining({ id, hits: 1 })]);
    await statusOf(client.get(CM, { namespace: 'default', name: 'a' }));
    expect(faults.list()).toEqual([]);
    expect((await client.get(CM, { namespace: 'default', name: 'a' })).metadata.name).toBe('a');
  });

  it('delays a request by latencyMs of the server clock (simulated time), and the write happens only after the wait', async () => {
    const { faults, client, server, clock } = setup();
    faults.add({ verbs: ['create'], latencyMs: 1500 });
    let done = false;
    const p = client.create(cm('slow')).then(() => void (done = true));
    await Promise.resolve();
    clock.advance(1499);
    await Promise.resolve();
    expect(done).toBe(false);
    expect(server.list(CM).items).toHaveLength(0);
    clock.advance(1);
    await p;
    expect(done).toBe(true);
    expect(server.list(CM).items).toHaveLength(1);
  });

  it('dropWatch closes a watch at once without events; other verbs pass', async () => {
    const { faults, client } = setup();
    faults.add({ resource: 'configmaps', dropWatch: true, times: 1 });
    await client.create(cm('a'));
    const events: string[] = [];
    let closed = 0;
    await client.watch(CM, {}, (e) => events.push(e.type), () => void closed++);
    await new Promise((r) => setTimeout(r, 0));
    expect([closed, events]).toEqual([1, []]);
    await client.watch(CM, {}, (e) => events.push(e.type), () => void closed++);
    await new Promise((r) => setTimeout(r, 0));
    expect([closed, events]).toEqual([1, ['ADDED']]);
  });

  it('status writes match the status subresource, apply matches the patch verb', async () => {
    const { faults, client } = setup();
    await client.create(cm('a'));
    faults.add({ verbs: ['patch'], subresource: 'status', error: { code: 409, reason: 'Conflict' } });
    await client.patch(CM, { namespace: 'default', name: 'a' }, 'merge', { data: { a: '2' } });
    faults.add({ verbs: ['patch'], subresource: '', error: { code: 500 } });
    expect((await statusOf(client.apply(cm('a'), { fieldManager: 'm' }))).code).toBe(500);
  });

  it('refuses a malformed rule naming every bad field', () => {
    const r = (x: unknown) => {
      try {
        validateFaultRule(x);
      } catch (e) {
        return (e as StatusError).status;
      }
      throw new Error('accepted');
    };
    const s = r({ verbs: ['poke'], error: { code: 200 }, latencyMs: -1, colour: 'red' });
    expect(s.code).toBe(400);
    expect(s.details?.causes?.map((c) => c.field).sort()).toEqual(['colour', 'error.code', 'latencyMs', 'verbs']);
    expect(r({ resource: 'pods' }).message).toBe('invalid fault rule: error: a rule needs an effect: error, retryAfterSeconds, latencyMs or dropWatch');
  });
});
