/**
 * LatticePackage, the pure part (reference §1.5): golden pairs over our own packages
 * (`testdata/packages/<name>.yaml` → `__golden__/packages/<name>.yaml`; `UPDATE_GOLDEN=1 npx vitest run
 * platform/compiler/package-compiler.test.ts` rewrites them), `$secret` directives, the AccessSecret gate
 * with principal kind `package`, and the admission rules.
 */
import { describe, expect, test } from 'vitest';
import { goldenPairs, loadExample } from './golden-pairs.ts';
import type { LatticePackage } from '../crds/model-types.ts';
import { packageProblems } from '../validation/index.ts';
import { compilePackage } from './index.ts';
import { allowAll, denyWhere, expectOk } from './testing.ts';

const ctx = { authorizer: allowAll(), clusterName: 'sim' };

const example = (name: string): LatticePackage => loadExample<LatticePackage>('packages', name);
const ok = expectOk;

describe('golden: our example LatticePackages', () => {
  goldenPairs<LatticePackage>('packages', (x) => compilePackage(x, ctx), true);
});

describe('$secret directives', () => {
  test('each directive is replaced by its Secret name and becomes one ExternalSecret of its store; both ref forms read', () => {
    const r = ok(compilePackage(example('kv-cache'), ctx));
    const auth = r.values.auth.existingSecret as string;
    const tls = r.values.tls[0].secretName as string;
    expect(auth).toMatch(/^kvc-[0-9a-f]{8}$/);
    expect(r.directives.map((d) => d.path)).toEqual(['auth.existingSecret', 'tls[0].secretName']);
    const byName = new Map(r.externalSecrets.map((e) => [e.metadata.name, e]));
    expect(byName.get(auth)!.spec).toEqual({
      secretStoreRef: { name: 'lattice-local', kind: 'ClusterSecretStore' },
      target: { name: auth },
      data: [
        { secretKey: 'admin', remoteRef: { key: 'cache/kvc-token', property: 'admin' } },
        { secretKey: 'token', remoteRef: { key: 'cache/kvc-token', property: 'token' } },
      ],
    });
    expect(byName.get(tls)!.spec.secretStoreRef.name).toBe('vault');
    expect(r.namespace).toBe('cache-data');
  });

  test('AccessSecret asked with principal kind package for referenced resources only; a denial is all-or-nothing', () => {
    const authz = allowAll();
    const p = example('kv-cache');
    const unused = { ...p, spec: { ...p.spec, resources: { ...p.spec.resources, spare: { type: 'secret', id: 'x/y', params: { provider: 'vault' } } } } };
    ok(compilePackage(unused, { authorizer: authz, clusterName: 'sim' }));
    expect(authz.asked.map((q) => [q.principal, q.subject])).toEqual([
      [{ namespace: 'cache', name: 'kvc', kind: 'package' }, 'tls'],
      [{ namespace: 'cache', name: 'kvc', kind: 'package' }, 'token'],
    ]);
    const r = compilePackage(p, { authorizer: denyWhere((q) => q.subject === 'tls'), clusterName: 'sim' });
    expect(r).toMatchObject({ ok: false, reason: 'denied', gate: 'AccessSecret' });
    expect(!r.ok && r.message).toMatch(/^secret access denied: 'tls'/);
  });

  test('invalid directives name the path: undeclared resource, undeclared key, not a secret, mixed stores, refs outside a directive', () => {
    const p = example('kv-cache');
    const withValues = (values: object) => compilePackage({ ...p, spec: { ...p.spec, values } } as LatticePackage, ctx);
    expect(withValues({ a: { $secret: { k: '${nope.k}' } } })).toMatchObject({ ok: false, reason: 'invalid', message: "resource 'nope' referenced in $secret directive at 'a' is not declared" });
    expect(withValues({ a: { $secret: { k: '${token.other}' } } })).toMatchObject({ ok: false, message: "$secret at 'a': resource 'token' does not declare key 'other' (available: token, admin)" });
    expect(withValues({ a: { $secret: { k: '${token.token}', c: '${tls.crt}' } } })).toMatchObject({ ok: false, message: "$secret at 'a' references resources from multiple stores ('vault' and 'lattice-local')" });
    expect(withValues({ a: '${secret.token.token}' })).toMatchObject({ ok: false, message: "values at 'a': secret references are only allowed inside a $secret directive" });
    const notSecret = { ...p, spec: { ...p.spec, resources: { db: { type: 'service' } }, values: { a: { $secret: { k: '${db.x}' } } } } } as LatticePackage;
    expect(compilePackage(notSecret, ctx)).toMatchObject({ ok: false, message: "resource 'db' referenced in $secret directive at 'a' is not type: secret" });
  });
});

describe('packageProblems (admission)', () => {
  const p = (repository: string, version: string, namespace = 'cache', targetNamespace?: string) => ({ metadata: { name: 'x', namespace }, spec: { chart: { repository, name: 'c', version }, ...(targetNamespace ? { targetNamespace } : {}) } });
  test('HTTPS and OCI repositories with exact versions are admitted', () => {
    expect(packageProblems(p('oci://ghcr.io/acme/charts', '1.2.3'))).toEqual([]);
    expect(packageProblems(p('https://charts.acme.dev', 'v2.0.0-rc.1'))).toEqual([]);
  });
  test('each rule names its field', () => {
    expect(packageProblems(p('http://charts.acme.dev', '1.0.0')).map((x) => x.field)).toEqual(['spec.chart.repository']);
    expect(packageProblems(p('oci://r.dev/c', 'latest')).map((x) => x.field)).toEqual(['spec.chart.version']);
    expect(packageProblems(p('oci://r.dev/c', '~1.2')).map((x) => x.field)).toEqual(['spec.chart.version']);
    expect(packageProblems(p('oci://r.dev/c', '1.0.0', 'kube-system')).map((x) => x.field)).toEqual(['metadata.namespace']);
    expect(packageProblems(p('oci://r.dev/c', '1.0.0', 'cache', 'istio-system')).map((x) => x.field)).toEqual(['spec.targetNamespace']);
  });
  test('the allowlist admits an entry and what lies below it, nothing else', () => {
    const allowed = ['oci://ghcr.io/acme'];
    expect(packageProblems(p('oci://ghcr.io/acme/charts', '1.0.0'), { allowedRepositories: allowed })).toEqual([]);
    expect(packageProblems(p('oci://ghcr.io/acmeevil', '1.0.0'), { allowedRepositories: allowed })).toEqual([{ field: 'spec.chart.repository', message: "'oci://ghcr.io/acmeevil' is not an allowed chart repository" }]);
  });
});
