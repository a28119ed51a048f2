/**
 * `lattice-sim connectivity`: state directories under testdata/connectivity/ run through `main()`;
 * the verdict, layer, policy and reason are printed (text or --json) with exit 0 whatever the verdict;
 * bad input exits 2 naming the file, document, object and field, without a stack trace.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../main.ts';

const dir = (name: string) => new URL(`./testdata/connectivity/${name}`, import.meta.url).pathname;

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['connectivity', ...args], { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

async function json(args: string[]): Promise<{ verdict: string; layer: string; policy: string | null; reason: string }> {
  const r = await cli([...args, '--json']);
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out);
}

describe('lattice-sim connectivity', () => {
  it('picks the first ready pod of a workload and prints verdict, layer, policy and reason (exit 0)', async () => {
    const r = await cli(['--state', dir('shop'), '--from', 'shop/checkout', '--to', 'payments/ledger:80']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('shop/checkout-7d9c-b → payments/ledger:80 (GET /)');
    expect(r.out).toContain('verdict: allow');
    expect(r.out).toContain('policy:  CiliumNetworkPolicy payments/ledger-ingress');
    expect(r.out).toMatch(/reason: {2}allowed: .*wire TCP 8080 to payments\/ledger-0/);
    expect(r.err).toContain('skipped objects of kinds outside the dataplane view: Deployment (1)');
  });

  it('a deny is still exit 0, and --json prints exactly verdict, layer, policy, reason', async () => {
    const r = await cli(['--state', dir('shop'), '--from', 'shop/cart-0', '--to', 'payments/ledger:80', '--json']);
    expect(r.code).toBe(0);
    const v = JSON.parse(r.out);
    expect(Object.keys(v)).toEqual(['verdict', 'layer', 'policy', 'reason']);
    expect(v).toMatchObject({ verdict: 'deny', layer: 'cilium-ingress', policy: null });
    expect(v.reason).toContain('default deny: no ingress rule of CiliumNetworkPolicy payments/ledger-ingress allows TCP 8080 from shop/cart-0');
  });

  it('derives endpoints from the Service selector: a named source pod that is not ready is refused at layer none', async () => {
    expect(await json(['--state', dir('shop'), '--from', 'shop/checkout-7d9c-a', '--to', 'payments/ledger:80'])).toMatchObject({ verdict: 'deny', layer: 'none' });
  });

  it('ambient: ztunnel decides with the AuthorizationPolicies (a DENY with methods applies at L4)', async () => {
    const state = ['--state', dir('ambient')];
    expect(await json([...state, '--from', 'front/web', '--to', 'back/api:80'])).toMatchObject({ verdict: 'allow', layer: 'none', policy: 'AuthorizationPolicy back/api-allow-web' });
    for (const method of ['POST', 'GET']) {
      const v = await json([...state, '--from', 'front/admin', '--to', 'back/api:80', '--method', method]);
      expect(v).toMatchObject({ verdict: 'deny', layer: 'ztunnel', policy: 'AuthorizationPolicy back/api-deny-post' });
    }
  });

  it('waypoint: a Service enrolled in a waypoint Gateway is judged by its L7 policy (403 at the waypoint)', async () => {
    const state = ['--state', dir('ambient'), '--from', 'front/web', '--to', 'back/orders:80'];
    expect(await json(state)).toMatchObject({ verdict: 'allow', policy: 'AuthorizationPolicy back/orders-get-only' });
    expect(await json([...state, '--method', 'DELETE'])).toMatchObject({ verdict: 'deny', layer: 'waypoint', policy: 'AuthorizationPolicy back/orders-get-only' });
  });

  it('a Service that does not exist is a verdict (NXDOMAIN), not an input error', async () => {
    expect(await json(['--state', dir('ambient'), '--from', 'front/web-0', '--to', 'back/nope:80'])).toMatchObject({ verdict: 'deny', layer: 'none' });
  });

  it('gives the same output twice', async () => {
    const args = ['--state', dir('ambient'), '--from', 'front/admin', '--to', 'back/api:80'];
    expect((await cli(args)).out).toBe((await cli(args)).out);
  });

  it.each([
    ['a field of the wrong value', ['--state', dir('bad-field'), '--from', 'front/web-0', '--to', 'back/api:80'], /state\.yaml \(document 2\) Service back\/api: spec\.ports\[0\]\.port: Invalid value: 99999/],
    ['an unsupported enum value', ['--state', dir('bad-field'), '--from', 'front/web-0', '--to', 'back/api:80'], /\(document 3\) AuthorizationPolicy back\/p: spec\.action: Unsupported value: "REJECT"/],
    ['invalid YAML', ['--state', dir('bad-yaml'), '--from', 'front/web-0', '--to', 'back/api:80'], /state\.yaml \(document 1\): invalid YAML/],
    ['a missing state directory', ['--state', '/nonexistent/lattice-state', '--from', 'front/web-0', '--to', 'back/api:80'], /\/nonexistent\/lattice-state: cannot read: ENOENT/],
    ['a target without a port', ['--state', dir('shop'), '--from', 'shop/cart-0', '--to', 'payments/ledger'], /--to "payments\/ledger": expected ns\/name:port/],
    ['a port out of range', ['--state', dir('shop'), '--from', 'shop/cart-0', '--to', 'payments/ledger:70000'], /port 70000 must be between 1 and 65535/],
    ['an unknown source', ['--state', dir('shop'), '--from', 'shop/nobody', '--to', 'payments/ledger:80'], /--from shop\/nobody: no pod named nobody and no pod labelled app\.kubernetes\.io\/name=nobody or app=nobody/],
    ['a path without a leading slash', ['--state', dir('shop'), '--from', 'shop/cart-0', '--to', 'payments/ledger:80', '--path', 'x'], /--path "x"/],
  ])('exits 2 on %s, naming where, without a stack trace', async (_what, args, message) => {
    const r = await cli(args);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(r.out).toBe('');
  });

  it('exits 2 naming the file of a policy Cilium would reject, and of a duplicate object', async () => {
    const state = mkdtempSync(join(tmpdir(), 'lattice-connectivity-'));
    const pod = 'apiVersion: v1\nkind: Pod\nmetadata: { name: web-0, namespace: front }\nspec: { containers: [{ name: main }] }\n';
    writeFileSync(join(state, 'a.yaml'), `${pod}---\napiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: { name: odd, namespace: front }\nspec:\n  endpointSelector: { matchExpressions: [{ key: app, operator: Near, values: [x] }] }\n  ingress: [{}]\n`);
    let r = await cli(['--state', state, '--from', 'front/web-0', '--to', 'front/web:80']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/a\.yaml \(document 2\) CiliumNetworkPolicy front\/odd: rejected .*unknown selector operator Near/);
    writeFileSync(join(state, 'a.yaml'), pod);
    writeFileSync(join(state, 'b.yaml'), pod);
    r = await cli(['--state', state, '--from', 'front/web-0', '--to', 'front/web:80']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/b\.yaml \(document 1\) Pod front\/web-0: metadata\.name: Duplicate value: Pod front\/web-0 is already defined in .*a\.yaml \(document 1\)/);
  });

  it('enforces Kubernetes NetworkPolicy objects (a policyTypes Ingress policy with no rule isolates the pod)', async () => {
    const state = mkdtempSync(join(tmpdir(), 'lattice-connectivity-'));
    const objects = [
      'apiVersion: v1\nkind: Pod\nmetadata: { name: web-0, namespace: front }',
      'apiVersion: v1\nkind: Pod\nmetadata: { name: api-0, namespace: back, labels: { app: api } }\nspec: { containers: [{ name: main, ports: [{ containerPort: 8080 }] }] }',
      'apiVersion: v1\nkind: Service\nmetadata: { name: api, namespace: back }\nspec: { selector: { app: api }, ports: [{ port: 80, targetPort: 8080 }] }',
      'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: isolate, namespace: back }\nspec: { podSelector: {}, policyTypes: [Ingress] }',
    ];
    writeFileSync(join(state, 'state.yaml'), objects.join('\n---\n'));
    const r = await cli(['--state', state, '--from', 'front/web-0', '--to', 'back/api:80', '--json']);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ verdict: 'deny', layer: 'cilium-ingress', reason: 'default deny: no ingress rule of NetworkPolicy back/isolate allows TCP 8080 from front/web-0' });
  });
});
