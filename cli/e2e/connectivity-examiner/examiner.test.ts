/**
 * The outside examiner's connectivity set (issue #10): policy cases written from the Cilium, Istio
 * ambient and Kubernetes NetworkPolicy documentation and anchors-netpol.md §1/§3, without sight of
 * the evaluator's own conformance table. Each `cases/<id>/` holds `state/` (the YAML objects handed
 * to `--state`) and `case.yaml` (from, to, optional method/path, the expected verdict, layer and,
 * where the documentation makes it unambiguous, the deciding policy, plus the documented rule).
 * Every case runs the CLI's default path, `main(['connectivity', ..., '--json'])`, exit 0 expected.
 */
import { cpSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { main } from '../../main.ts';

interface ExaminerCase {
  title: string;
  from: string;
  to: string;
  method?: string;
  path?: string;
  expect: { verdict: 'allow' | 'deny'; layer: string; policy?: string | null };
  rule: string;
}

const root = new URL('./cases/', import.meta.url).pathname;
const cases = readdirSync(root)
  .sort()
  .map((id) => ({ id, dir: join(root, id), spec: parse(readFileSync(join(root, id, 'case.yaml'), 'utf8')) as ExaminerCase }));

async function connectivity(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['connectivity', ...args], { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('connectivity examiner: documented semantics through `lattice-sim connectivity --json`', () => {
  it('has at least 60 cases, each citing the rule it checks, both verdicts represented', () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
    for (const c of cases) expect(c.spec.rule, c.id).toMatch(/\S{10,}/);
    const verdicts = new Set(cases.map((c) => c.spec.expect.verdict));
    expect([...verdicts].sort()).toEqual(['allow', 'deny']);
  });

  it.each(cases.map((c) => [c.id, c] as const))('%s', async (_id, c) => {
    const args = ['--state', join(c.dir, 'state'), '--from', c.spec.from, '--to', c.spec.to, '--json'];
    if (c.spec.method) args.push('--method', c.spec.method);
    if (c.spec.path) args.push('--path', c.spec.path);
    const r = await connectivity(args);
    expect(r.code, `${c.spec.title}\n${r.err}`).toBe(0);
    const v = JSON.parse(r.out) as { verdict: string; layer: string; policy: string | null; reason: string };
    const got = { verdict: v.verdict, layer: v.layer, ...(c.spec.expect.policy !== undefined ? { policy: v.policy } : {}) };
    expect(got, `${c.spec.title}\nrule: ${c.spec.rule}\nreason: ${v.reason}`).toEqual(c.spec.expect);
  });
});

/** Bad objects an examiner may hand over, each added to a valid state: exit 2 naming file, object and field. */
const BAD_INPUTS: [string, string, RegExp][] = [
  ['a Cilium port out of range', 'apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: { name: p, namespace: b }\nspec: { endpointSelector: {}, ingress: [{ toPorts: [{ ports: [{ port: 99999 }] }] }] }\n', /CiliumNetworkPolicy b\/p: spec\.ingress\[0\]\.toPorts\[0\]\.ports\[0\]\.port: Invalid value: 99999/],
  ['a malformed CIDR', 'apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: { name: p, namespace: a }\nspec: { endpointSelector: {}, egress: [{ toCIDRSet: [{ cidr: 10.0.0.0/33 }] }] }\n', /CiliumNetworkPolicy a\/p: spec\.egress\[0\]\.toCIDRSet\[0\]\.cidr: Invalid value: "10\.0\.0\.0\/33"/],
  ['an unknown entity', 'apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: { name: p, namespace: b }\nspec: { endpointSelector: {}, ingress: [{ fromEntities: [everyone] }] }\n', /spec\.ingress\[0\]\.fromEntities\[0\]: Unsupported value: "everyone"/],
  ['a null rule element', 'apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: { name: p, namespace: b }\nspec: { endpointSelector: {}, ingress: [null] }\n', /spec\.ingress\[0\]: Invalid value: must be an object/],
  ['a named AuthorizationPolicy port', 'apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: { name: p, namespace: b }\nspec: { rules: [{ to: [{ operation: { ports: [http] } }] }] }\n', /AuthorizationPolicy b\/p: spec\.rules\[0\]\.to\[0\]\.operation\.ports\[0\]: Invalid value: "http"/],
  ['principals as a string', 'apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: { name: p, namespace: b }\nspec: { rules: [{ from: [{ source: { principals: cluster.local/ns/a/sa/client } }] }] }\n', /spec\.rules\[0\]\.from\[0\]\.source\.principals: Invalid value: .*must be a list/],
  ['a NetworkPolicy ipBlock that is not a CIDR', 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: p, namespace: b }\nspec: { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: somewhere } }] }] }\n', /NetworkPolicy b\/p: spec\.ingress\[0\]\.from\[0\]\.ipBlock\.cidr: Invalid value: "somewhere"/],
  ['a NetworkPolicy endPort with a named port', 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: p, namespace: b }\nspec: { podSelector: {}, ingress: [{ ports: [{ port: http, endPort: 9000 }] }] }\n', /spec\.ingress\[0\]\.ports\[0\]\.endPort: Invalid value: 9000/],
  ['a List whose items is not a list', 'apiVersion: v1\nkind: List\nitems: 5\n', /\(document 1\) List: items: Invalid value: 5/],
  ['a PeerAuthentication mtls that is not an object', 'apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: { name: p, namespace: b }\nspec: { mtls: STRICT }\n', /PeerAuthentication b\/p: spec\.mtls: Invalid value: must be an object/],
];

describe('connectivity examiner: bad input exits 2 naming file, object and field, never a stack trace', () => {
  const valid = join(root, 'cnp-peer-with-namespace-key', 'state');
  it.each(BAD_INPUTS)('%s', async (_what, yaml, message) => {
    const dir = mkdtempSync(join(tmpdir(), 'examiner-bad-'));
    cpSync(valid, dir, { recursive: true });
    writeFileSync(join(dir, 'zz-bad.yaml'), yaml);
    const r = await connectivity(['--state', dir, '--from', 'a/client', '--to', 'b/web:80', '--json']);
    expect(r.code, r.out).toBe(2);
    expect(r.err).toContain('zz-bad.yaml (document 1)');
    expect(r.err).toMatch(message);
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(r.out).toBe('');
  });
});
