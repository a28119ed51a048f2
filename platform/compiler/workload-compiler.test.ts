import { describe, expect, test } from 'vitest';
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import type { WorkloadSpec } from '../crds/types.ts';
import { volumeOwnerIndex, type GateRequest } from '../cedar/index.ts';
import { compileWorkload, esoContentHash, type CompiledWorkload, type WorkloadCompileInput } from './index.ts';
import { allowAll, denyWhere, expectOk } from './testing.ts';

const ctx = { authorizer: allowAll(), clusterName: 'sim' };

function workload(overrides: Partial<WorkloadSpec> = {}): WorkloadSpec {
  return {
    containers: { main: { image: 'app:1.0', command: ['/app'], variables: { PORT: '8080' } } },
    service: { ports: { http: { port: 80, targetPort: 8080 } } },
    resources: {
      db: { type: 'secret', id: 'team/db', params: { provider: 'vault', keys: ['password', 'user'] } },
      postgres: { type: 'service', direction: 'outbound' },
      web: { type: 'service', direction: 'inbound' },
    },
    ...overrides,
  };
}

function input(w: WorkloadSpec, extra: Partial<WorkloadCompileInput> = {}): WorkloadCompileInput {
  return { name: 'svc', namespace: 'team', kind: 'service', workload: w, ...extra };
}

const ok = expectOk;

function allObjects(r: CompiledWorkload): KubeObject[] {
  return [...r.persistentVolumeClaims, ...r.configMaps, ...r.secrets, ...r.externalSecrets];
}

describe('Cedar gates: all-or-nothing', () => {
  test('one denied secret gate yields zero objects and a message naming the resource', () => {
    const authorizer = denyWhere((r) => r.action === 'AccessSecret');
    const result = compileWorkload(input(workload()), { authorizer, clusterName: 'sim' });
    expect(result.ok).toBe(false);
    if (result.ok || result.reason !== 'denied') throw new Error('expected a denial');
    expect(result.gate).toBe('AccessSecret');
    expect(result.denials).toHaveLength(1);
    expect(result.message).toBe("secret access denied: 'db': no permit policy for this service and resource");
    expect(Object.keys(result).sort()).toEqual(['denials', 'gate', 'message', 'ok', 'reason']);
  });

  test('gates run in the reference order and the first failing gate aborts with its own denials only (fidelity row "Order of the Cedar gates")', () => {
    const w = workload({
      containers: { main: { image: 'app:1.0', security: { capabilities: ['NET_ADMIN'] } } },
      resources: {
        db: { type: 'secret', id: 'team/db', params: { provider: 'vault' } },
        api: { type: 'external-service', params: { endpoints: { default: 'https://api.example.com' } } },
      },
    });
    // Secrets pass, overrides are denied: the external-endpoint gate is never asked.
    const authorizer = denyWhere((r) => r.action !== 'AccessSecret');
    const result = compileWorkload(input(w), { authorizer, clusterName: 'sim' });
    if (result.ok || result.reason !== 'denied') throw new Error('expected a denial');
    expect(authorizer.asked.map((r) => `${r.action}:${r.subject}`)).toEqual(['AccessSecret:db', 'OverrideSecurity:allowedBinary:*', 'OverrideSecurity:capability:NET_ADMIN']);
    expect(result.gate).toBe('OverrideSecurity');
    expect(result.denials.map((d) => d.request.subject)).toEqual(['allowedBinary:*', 'capability:NET_ADMIN']);
    expect(result.message).not.toContain('external endpoint');
    // Everything denied: only the secret gate is asked and reported.
    const all = denyWhere(() => true);
    const first = compileWorkload(input(w), { authorizer: all, clusterName: 'sim' });
    if (first.ok || first.reason !== 'denied') throw new Error('expected a denial');
    expect(all.asked.map((r) => r.action)).toEqual(['AccessSecret']);
    expect(first.message).toBe("secret access denied: 'db': no permit policy for this service and resource");
  });

  test('image trust is the last gate: unsigned images are asked of SkipImageVerification, a denial names each with the verifier and Cedar reasons (fidelity row "Gates the port asks")', () => {
    const w = workload({
      containers: { main: { image: 'ghcr.io/team/app:1.0', command: ['/app'] }, tools: { image: 'ghcr.io/team/tools:2', command: ['/t'] }, proxy: { image: 'docker.io/envoy:1', command: ['/e'] } },
      resources: {},
    });
    const trust = {
      'ghcr.io/team/app:1.0': { status: 'unsigned' as const, reasons: ['release: no valid signature for ghcr.io/team/app:1.0: no matching signatures'] },
      'ghcr.io/team/tools:2': { status: 'verified' as const, authority: 'release' },
    };
    const imageVerification = (image: string) => trust[image as keyof typeof trust] ?? { status: 'not-enforced' as const };
    // Cedar denies: only the unsigned image is asked, after the other gates; nothing is produced.
    const deny = denyWhere((r) => r.action === 'SkipImageVerification');
    const denied = compileWorkload(input(w), { authorizer: deny, clusterName: 'sim', imageVerification });
    if (denied.ok || denied.reason !== 'denied') throw new Error('expected a denial');
    expect(deny.asked.map((r) => `${r.action}:${r.subject}`)).toEqual(['SkipImageVerification:ghcr.io/team/app:1.0']);
    expect(deny.asked[0].resource).toEqual({ type: 'ImageRef', image: 'ghcr.io/team/app:1.0', registry: 'ghcr.io/team', name: 'app', tag: '1.0' });
    expect(denied.gate).toBe('SkipImageVerification');
    expect(denied.message).toBe(
      'image verification denied: image signature verification failed: ghcr.io/team/app:1.0 [verify: release: no valid signature for ghcr.io/team/app:1.0: no matching signatures] [cedar: no permit policy for this service and resource]',
    );
    // Cedar permits skipping: the compile succeeds. Without imageVerification the gate is not asked.
    const allow = allowAll();
    expect(compileWorkload(input(w), { authorizer: allow, clusterName: 'sim', imageVerification }).ok).toBe(true);
    expect(allow.asked.map((r) => r.action)).toContain('SkipImageVerification');
    const none = allowAll();
    expect(compileWorkload(input(w), { authorizer: none, clusterName: 'sim' }).ok).toBe(true);
    expect(none.asked.map((r) => r.action)).not.toContain('SkipImageVerification');
    // An earlier gate's denial wins; a verifier failure is a compile error, not a denial.
    const secretsFirst = denyWhere(() => true);
    const withSecret = workload({ ...w, resources: { db: { type: 'secret', id: 'team/db', params: { provider: 'vault' } } } });
    const first = compileWorkload(input(withSecret), { authorizer: secretsFirst, clusterName: 'sim', imageVerification });
    expect(first.ok || first.reason !== 'denied' ? undefined : first.gate).toBe('AccessSecret');
    const broken = compileWorkload(input(w), { authorizer: allowAll(), clusterName: 'sim', imageVerification: () => ({ status: 'error', message: 'image verification error for x (authority release): registry unreachable' }) });
    expect(broken).toMatchObject({ ok: false, reason: 'invalid', message: 'image verification error for x (authority release): registry unreachable' });
  });

  test('a file with source and a volume mount naming no volume resource are refused, naming the field (deliberate divergences: the reference drops both silently)', () => {
    const file = compileWorkload(input(workload({ containers: { main: { image: 'app:1.0', command: ['/app'], files: { '/etc/app.conf': { source: 'https://example.com/app.conf' } } } } })), ctx);
    expect(file).toEqual({
      ok: false,
      reason: 'invalid',
      message: expect.stringMatching(/^container 'main' file '\/etc\/app\.conf'.*: file source is refused: the platform would mount nothing for it \(the reference drops such a file silently\); use content or binaryContent$/),
    });
    const mount = compileWorkload(input(workload({ containers: { main: { image: 'app:1.0', command: ['/app'], volumes: { '/data': { source: '${resources.nope}' } } } } })), ctx);
    expect(mount).toEqual({ ok: false, reason: 'invalid', message: "container 'main' volume '/data': source '${resources.nope}' must be ${resources.NAME} naming a type: volume resource" });
  });

  test('a secret resource without id is the reference compile error before any gate, with no objects (fidelity row "Secret resource without id")', () => {
    const w = workload({ resources: { creds: { type: 'secret', params: { provider: 'lattice-local', keys: ['password'] } } } });
    const authorizer = denyWhere(() => true);
    const result = compileWorkload(input(w), { authorizer, clusterName: 'sim' });
    expect(result).toEqual({ ok: false, reason: 'invalid', message: "invalid secret config: secret resource 'creds': missing 'id' field (remote key for secret store)" });
    expect(authorizer.asked).toEqual([]);
  });

  test('an unparseable external endpoint is an invalid spec, not a crash', () => {
    const w = workload({ resources: { api: { type: 'external-service', params: { endpoints: { default: 'ftp://x' } } } } });
    const result = compileWorkload(input(w), ctx);
    expect(result).toMatchObject({ ok: false, reason: 'invalid' });
  });
});

describe('secret routes', () => {
  test('a pure secret variable becomes an env secretKeyRef to <workload>-<resource>', () => {
    const r = ok(compileWorkload(input(workload({ containers: { main: { image: 'a:1', command: ['/a'], variables: { PW: ' ${secret.db.password} ' } } } })), ctx));
    const main = r.podTemplate.spec.containers[0];
    expect(main.env).toEqual([{ name: 'PW', valueFrom: { secretKeyRef: { name: 'svc-db', key: 'password' } } }]);
    expect(r.secretNames).toEqual(['svc-db']);
    const base = r.externalSecrets.find((e) => e.metadata.name === 'svc-db')!;
    expect(base.spec.data).toEqual([
      { secretKey: 'password', remoteRef: { key: 'team/db', property: 'password' } },
      { secretKey: 'user', remoteRef: { key: 'team/db', property: 'user' } },
    ]);
    expect(base.metadata.labels).toEqual({ 'app.kubernetes.io/name': 'svc-db', 'app.kubernetes.io/managed-by': 'lattice', 'lattice.dev/service': 'svc' });
  });

  test('a secret key not declared in params.keys is an invalid spec naming the variable and key', () => {
    const result = compileWorkload(input(workload({ containers: { main: { image: 'a:1', variables: { PW: '${secret.db.token}' } } } })), ctx);
    expect(result).toMatchObject({ ok: false, reason: 'invalid' });
    expect(!result.ok && result.message).toMatch(/variable 'PW'.*key 'token' is not declared/);
  });

  test('a reference to a resource that is not a secret is invalid', () => {
    const result = compileWorkload(input(workload({ containers: { main: { image: 'a:1', variables: { PW: '${secret.postgres.x}' } } } })), ctx);
    expect(result).toMatchObject({ ok: false, reason: 'invalid' });
  });

  test('a mixed-content variable becomes an env-eso ExternalSecret with a Go template, attached by envFrom', () => {
    const w = workload({ containers: { main: { image: 'a:1', variables: { DSN: 'postgres://${secret.db.user}:${secret.db.password}@${resources.postgres.host}/x {{raw}}' } } } });
    const r = ok(compileWorkload(input(w), ctx));
    const es = r.externalSecrets.find((e) => e.metadata.name === 'svc-main-env-eso')!;
    expect(es.spec.target.template).toEqual({
      engineVersion: 'v2',
      data: { DSN: 'postgres://{{ .db_user }}:{{ .db_password }}@postgres.team.svc.cluster.local/x {{`{{`}}raw{{`}}`}}' },
    });
    expect(es.spec.data).toEqual([
      { secretKey: 'db_password', remoteRef: { key: 'team/db', property: 'password' } },
      { secretKey: 'db_user', remoteRef: { key: 'team/db', property: 'user' } },
    ]);
    expect(es.spec.refreshInterval).toBe('1h');
    expect(r.podTemplate.spec.containers[0].envFrom).toEqual([{ secretRef: { name: 'svc-main-env-eso' } }]);
  });

  test('a file with a secret becomes a file ExternalSecret mounted from a secret volume with subPath', () => {
    const w = workload({ containers: { main: { image: 'a:1', files: { '/etc/app/conf.ini': { content: 'pw=${secret.db.password}\nname=${metadata.name}\n', mode: '0440' } } } } });
    const r = ok(compileWorkload(input(w), ctx));
    const es = r.externalSecrets.find((e) => e.metadata.name === 'svc-main-file-etc-app-conf-ini')!;
    expect(es.spec.target.template.data).toEqual({ 'etc-app-conf.ini': 'pw={{ .db_password }}\nname=svc\n' });
    expect(r.podTemplate.spec.volumes).toContainEqual({ name: 'svc-main-file-etc-app-conf-ini', secret: { secretName: 'svc-main-file-etc-app-conf-ini', defaultMode: 0o440 } });
    expect(r.podTemplate.spec.containers[0].volumeMounts).toContainEqual({ name: 'svc-main-file-etc-app-conf-ini', mountPath: '/etc/app/conf.ini', subPath: 'etc-app-conf.ini', readOnly: true });
    expect(r.configMaps.some((c) => c.metadata.name === 'svc-main-files')).toBe(false);
  });

  test('envFrom of a bulk secret resource uses dataFrom.extract and a secretRef', () => {
    const w = workload({
      containers: { main: { image: 'a:1', envFrom: ['bulk'] } },
      resources: { bulk: { type: 'secret', id: 'team/all', params: { provider: 'vault', refreshInterval: '30m', secretType: 'kubernetes.io/basic-auth' } } },
    });
    const r = ok(compileWorkload(input(w), ctx));
    expect(r.externalSecrets[0].spec).toEqual({
      secretStoreRef: { name: 'vault', kind: 'ClusterSecretStore' },
      target: { name: 'svc-bulk', template: { engineVersion: 'v2', type: 'kubernetes.io/basic-auth' } },
      dataFrom: [{ extract: { key: 'team/all' } }],
      refreshInterval: '30m',
    });
    expect(r.podTemplate.spec.containers[0].envFrom).toEqual([{ secretRef: { name: 'svc-bulk' } }]);
  });

  test('no secret value appears anywhere in the output, even when the ESO content hash is folded in', () => {
    const value = 'Zq8#vR2!mT7$wK4pL9xN';
    const synced: KubeObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'svc-db' }, data: { password: Buffer.from(value).toString('base64') } };
    const w = workload({
      containers: { main: { image: 'a:1', variables: { PW: '${secret.db.password}', DSN: 'x:${secret.db.password}' }, files: { '/f': { content: '${secret.db.password}' } } } },
    });
    const r = ok(compileWorkload(input(w, { esoContentHash: esoContentHash([synced]) }), ctx));
    const text = JSON.stringify(r);
    for (const form of [value, Buffer.from(value).toString('base64'), Buffer.from(value).toString('hex')]) expect(text).not.toContain(form);
  });
});

describe('config hash', () => {
  const hash = (vars: Record<string, string>, eso?: string) =>
    ok(compileWorkload(input(workload({ containers: { main: { image: 'a:1', variables: vars } } }), { esoContentHash: eso }), ctx)).podTemplate.metadata.annotations['lattice.dev/config-hash'];

  test('is 16 hex digits and stable for the same spec', () => {
    expect(hash({ A: '1' })).toMatch(/^[0-9a-f]{16}$/);
    expect(hash({ A: '1' })).toBe(hash({ A: '1' }));
  });

  test('changes when a variable changes, and when the synced ESO content changes', () => {
    expect(hash({ A: '1' })).not.toBe(hash({ A: '2' }));
    expect(hash({ A: '1' }, 'aaaa')).not.toBe(hash({ A: '1' }, 'bbbb'));
  });
});

describe('generated LatticeMeshMember', () => {
  test('callers come from inbound/both service resources and dependencies from outbound/both, both sorted', () => {
    const w = workload({
      resources: {
        zeta: { type: 'service', direction: 'inbound' },
        alpha: { type: 'service', direction: 'both', namespace: 'other' },
        beta: { type: 'service', direction: 'inbound', id: 'b-svc' },
        out2: { type: 'service' },
        out1: { type: 'service', direction: 'outbound', id: 'aaa' },
      },
    });
    const lmm = ok(compileWorkload(input(w), ctx)).meshMember;
    expect(lmm.spec.allowedCallers).toEqual([
      { name: 'alpha', namespace: 'other' },
      { name: 'b-svc', namespace: 'team' },
      { name: 'zeta', namespace: 'team' },
    ]);
    expect(lmm.spec.dependencies).toEqual([
      { name: 'alpha', namespace: 'other' },
      { name: 'aaa', namespace: 'team' },
      { name: 'out2', namespace: 'team' },
    ]);
    expect(lmm.spec.target).toEqual({ selector: { 'app.kubernetes.io/name': 'svc' } });
    expect(lmm.spec.ports).toEqual([{ port: 8080, servicePort: 80, name: 'http', peerAuth: 'Strict' }]);
    expect(lmm.spec.ambient).toBe(true);
    expect(lmm.metadata.ownerReferences).toBeUndefined();
  });

  test('a wildcard caller collapses allowedCallers to [{name: "*"}], plus the ingress caller when routes exist', () => {
    const w = workload({ resources: { any: { type: 'service', direction: 'inbound', id: '*' }, web: { type: 'service', direction: 'inbound' } } });
    const lmm = ok(compileWorkload(input(w, { ingress: { routes: { public: { hosts: ['a.example'] } } } }), ctx)).meshMember;
    expect(lmm.spec.allowedCallers).toEqual([{ name: '*' }, { name: 'team-ingress-istio' }]);
    expect(lmm.spec.ingress).toEqual({ routes: { public: { hosts: ['a.example'] } } });
  });

  test('NodePort and LoadBalancer ports are Permissive; outbound external services become egress rules', () => {
    const w = workload({
      service: { serviceType: 'LoadBalancer', ports: { http: { port: 80 } } },
      resources: {
        vpn: { type: 'external-service', params: { endpoints: { wg: 'udp://79.127.187.214:51820' } } },
        web: { type: 'external-service', params: { endpoints: { a: 'https://api.example.com', b: 'db.example.com:5432' } } },
        world: { type: 'external-service', id: 'entity:world:8443' },
      },
    });
    const lmm = ok(compileWorkload(input(w), ctx)).meshMember;
    expect(lmm.spec.ports).toEqual([{ port: 80, name: 'http', peerAuth: 'Permissive' }]);
    expect(lmm.spec.egress).toEqual([
      { target: { cidr: '79.127.187.214/32' }, ports: [51820], protocol: 'UDP' },
      { target: { fqdn: 'api.example.com' }, ports: [443], protocol: 'TCP' },
      { target: { fqdn: 'db.example.com' }, ports: [5432], protocol: 'TCP' },
      { target: { entity: 'world' }, ports: [8443], protocol: 'TCP' },
    ]);
  });

  test('an entity id whose last part is not a port names the whole rest, on port 443 (reference from_entity_id; fidelity row "Entity id with a non-numeric port")', () => {
    const egressOf = (id: string) => ok(compileWorkload(input(workload({ resources: { e: { type: 'external-service', id } } })), ctx)).meshMember.spec.egress;
    expect(egressOf('entity:a:b')).toEqual([{ target: { entity: 'a:b' }, ports: [443], protocol: 'TCP' }]);
    expect(egressOf('entity:kube-apiserver:6443')).toEqual([{ target: { entity: 'kube-apiserver' }, ports: [6443], protocol: 'TCP' }]);
    expect(egressOf('entity:world')).toEqual([{ target: { entity: 'world' }, ports: [443], protocol: 'TCP' }]);
    expect(egressOf('entity:a:70000')).toEqual([{ target: { entity: 'a:70000' }, ports: [443], protocol: 'TCP' }]);
  });
});

describe('outbound edge cases of the generated LatticeMeshMember (fidelity rows "Egress skipped …", "Outbound type: service with id: *")', () => {
  const ext = (host: string, extra: object = {}) => ({ type: 'external-service' as const, params: { endpoints: { default: `https://${host}` } }, ...extra });
  const hosts = (lmm: CompiledWorkload['meshMember']) => (lmm.spec.egress ?? []).map((e) => (e.target as { fqdn: string }).fqdn);

  test('an external-service whose id, else its key, names a graph node of the own namespace (any node type) gets no egress; the resource namespace and the service lookup do not count', () => {
    const w = workload({
      resources: {
        api: ext('api.example.com'), // key `api` is a node of team: shadowed
        pay: ext('pay.example.com', { id: 'payments' }), // id `payments` is a node: shadowed
        queue: ext('queue.example.com', { id: 'mq' }), // key `queue` is a node, but the id `mq` is what counts: kept
        other: ext('other.example.com', { namespace: 'elsewhere' }), // elsewhere/other is a node, but the own namespace counts: kept
        web: ext('web.example.com'), // a LatticeService with ports (the service lookup), not a node: kept
      },
    });
    const nodes = new Set(['team/api', 'team/payments', 'team/queue', 'elsewhere/other']);
    const lmm = ok(compileWorkload(input(w), { ...ctx, graphHasNode: (ns, name) => nodes.has(`${ns}/${name}`), serviceLookup: (ns, name) => (ns === 'team' && name === 'web' ? { ports: { http: { port: 80 } } } : undefined) })).meshMember;
    expect(hosts(lmm)).toEqual(['other.example.com', 'queue.example.com', 'web.example.com']);
    expect(hosts(ok(compileWorkload(input(w), ctx)).meshMember)).toEqual(['api.example.com', 'other.example.com', 'pay.example.com', 'queue.example.com', 'web.example.com']);
  });

  test('an outbound service wildcard is dependsAll by default and an ordinary dependency named * with outboundServiceWildcard "dependency"', () => {
    const w = workload({ resources: { all: { type: 'service', id: '*' }, far: { type: 'service', id: '*', namespace: 'other', direction: 'both' }, postgres: { type: 'service' } } });
    for (const setting of [undefined, 'dependsAll' as const]) {
      const lmm = ok(compileWorkload(input(w), { ...ctx, outboundServiceWildcard: setting })).meshMember;
      expect(lmm.spec).toMatchObject({ dependsAll: true, dependencies: [{ name: 'postgres', namespace: 'team' }], allowedCallers: [{ name: '*' }] });
    }
    const lmm = ok(compileWorkload(input(w), { ...ctx, outboundServiceWildcard: 'dependency' })).meshMember;
    expect(lmm.spec).toMatchObject({
      dependsAll: false,
      dependencies: [
        { name: '*', namespace: 'other' },
        { name: '*', namespace: 'team' },
        { name: 'postgres', namespace: 'team' },
      ],
      allowedCallers: [{ name: '*' }],
    });
  });
});

describe('pod template', () => {
  test('applies restricted security defaults, image pull policy and topology spread by provider', () => {
    const r = ok(compileWorkload(input(workload({ containers: { main: { image: 'busybox' }, side: { image: 'x:1.2', security: { runAsUser: 0 } } } })), { ...ctx, providerType: 'aws' }));
    const [main, side] = r.podTemplate.spec.containers;
    expect(main.imagePullPolicy).toBe('Always');
    expect(side.imagePullPolicy).toBe('IfNotPresent');
    expect(main.securityContext).toEqual({
      capabilities: { drop: ['ALL'] },
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      seccompProfile: { type: 'RuntimeDefault' },
      appArmorProfile: { type: 'RuntimeDefault' },
    });
    expect(side.securityContext.runAsNonRoot).toBe(false);
    expect(r.podTemplate.spec.securityContext).toMatchObject({ runAsNonRoot: false, fsGroup: 0 });
    expect(r.podTemplate.spec.topologySpreadConstraints[0].topologyKey).toBe('topology.kubernetes.io/zone');
    expect(main.ports).toEqual([{ name: 'http', containerPort: 8080 }]);
  });

  test('owned volumes create a PVC and mounts; unsourced mounts become emptyDirs; init sidecars become initContainers', () => {
    const w = workload({
      containers: { main: { image: 'a:1', volumes: { '/data': { source: '${resources.data}', path: 'sub' }, '/tmp': { medium: 'Memory' } } } },
      resources: { data: { type: 'volume', id: 'shared', params: { size: '5Gi', storageClass: 'fast' } } },
    });
    const r = ok(compileWorkload(input(w, { runtime: { sidecars: { setup: { image: 'b:1', init: true, command: ['/init'], readinessProbe: { exec: { command: ['x'] } } } } } }), ctx));
    expect(r.persistentVolumeClaims[0]).toMatchObject({ metadata: { name: 'vol-shared' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '5Gi' } }, storageClassName: 'fast' } });
    expect(r.podTemplate.metadata.labels['lattice.io/vol-shared']).toBe('true');
    expect(r.podTemplate.spec.volumes).toEqual([
      { name: 'data', persistentVolumeClaim: { claimName: 'vol-shared' } },
      { name: 'emptydir-tmp', emptyDir: { medium: 'Memory' } },
    ]);
    expect(r.podTemplate.spec.initContainers.map((c: { name: string }) => c.name)).toEqual(['setup']);
    expect(r.podTemplate.spec.initContainers[0].readinessProbe).toBeUndefined();
  });

  test('ownerReferences given as input are stamped on every produced object except the mesh member', () => {
    const ref = { apiVersion: 'lattice.dev/v1alpha1', kind: 'LatticeJob', name: 'j', uid: 'u1', controller: true };
    const w = workload({ containers: { main: { image: 'a:1', variables: { A: '1', B: 'x${secret.db.user}' }, files: { '/a': { content: 'x' } } } } });
    const r = ok(compileWorkload(input(w, { ownerReferences: [ref] }), ctx));
    const objs = allObjects(r);
    expect(objs.length).toBeGreaterThanOrEqual(4);
    for (const o of objs) expect(o.metadata.ownerReferences, o.metadata.name).toEqual([ref]);
  });

});

describe('GPU resources (reference §2.5, pod_template.rs)', () => {
  const gpuWorkload = (params: Record<string, unknown>, extra: Partial<WorkloadSpec> = {}) =>
    workload({
      containers: {
        a: { image: 'trainer:1', resources: { limits: { cpu: '1' } } },
        b: { image: 'side:1' },
      },
      resources: { accel: { type: 'gpu', params } },
      ...extra,
    });

  test('vGPU limits on the first container only, toleration, model nodeSelector, runtimeClassName nvidia, dshm at /dev/shm, scheduler volcano', () => {
    const spec = ok(compileWorkload(input(gpuWorkload({ count: 2, memory: '20Gi', compute: 50, model: 'a100' })), ctx)).podTemplate.spec;
    expect(spec.containers[0].resources.limits).toEqual({ cpu: '1', 'volcano.sh/vgpu-number': '2', 'volcano.sh/vgpu-memory': '20480', 'volcano.sh/vgpu-cores': '50' });
    expect(spec.containers[1].resources).toBeUndefined();
    expect(spec.containers[0].volumeMounts).toContainEqual({ name: 'dshm', mountPath: '/dev/shm' });
    expect(spec.containers[1].volumeMounts ?? []).not.toContainEqual({ name: 'dshm', mountPath: '/dev/shm' });
    expect(spec.volumes).toContainEqual({ name: 'dshm', emptyDir: { medium: 'Memory' } });
    expect(spec.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(spec.nodeSelector).toEqual({ 'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-80GB' });
    expect(spec.runtimeClassName).toBe('nvidia');
    expect(spec.schedulerName).toBe('volcano');
  });

  test('a dedicated GPU without model or tolerations: vgpu-number only, no nodeSelector, no toleration', () => {
    const spec = ok(compileWorkload(input(gpuWorkload({ count: 8, tolerations: false })), ctx)).podTemplate.spec;
    expect(spec.containers[0].resources.limits).toEqual({ cpu: '1', 'volcano.sh/vgpu-number': '8' });
    expect(spec.nodeSelector).toBeUndefined();
    expect(spec.tolerations).toBeUndefined();
    expect(spec.schedulerName).toBe('volcano');
  });

  test('a declared memory-backed shm volume at /dev/shm is kept instead of adding dshm', () => {
    const w = gpuWorkload({ count: 1 });
    w.containers.a.volumes = { '/dev/shm': { medium: 'Memory' } };
    const spec = ok(compileWorkload(input(w), ctx)).podTemplate.spec;
    expect(spec.volumes.filter((v: { name: string }) => v.name === 'dshm')).toEqual([]);
    expect(spec.containers[0].volumeMounts.filter((m: { mountPath: string }) => m.mountPath === '/dev/shm')).toHaveLength(1);
  });

  test('a workload without a gpu resource gets none of it', () => {
    const spec = ok(compileWorkload(input(workload()), ctx)).podTemplate.spec;
    for (const field of ['schedulerName', 'runtimeClassName', 'tolerations', 'nodeSelector']) expect(spec[field], field).toBeUndefined();
  });

  test.each([
    [{}, "resource 'accel': gpu resource requires 'params' with 'count'"],
    [{ count: 0 }, "resource 'accel': gpu count must be greater than 0"],
    [{ count: 1, compute: 101 }, "resource 'accel': gpu compute must be between 1 and 100"],
    [{ count: 1, memory: '10Xi' }, "resource 'accel': invalid gpu memory: 10Xi, use Gi or Mi suffix"],
  ])('bad gpu params %j are invalid: %s', (params, message) => {
    expect(compileWorkload(input(gpuWorkload(params)), ctx)).toEqual({ ok: false, reason: 'invalid', message });
  });
});

describe('shared volume references (fidelity row "Shared volume reference (id without size)")', () => {
  const consumer = (extra: Record<string, unknown> = {}) =>
    workload({
      containers: { main: { image: 'app:1.0', command: ['/app'], volumes: { '/media': { source: '${resources.media}' } } } },
      resources: { media: { type: 'volume', id: 'media-storage', ...extra } },
    });
  const owner = (allowedConsumers?: string[]) => volumeOwnerIndex([{ namespace: 'team', name: 'jellyfin', resources: { media: { type: 'volume', id: 'media-storage', params: { size: '1Ti', ...(allowedConsumers ? { allowedConsumers } : {}) } } } }]);

  test('a consumer the owner lists is admitted, Cedar asked in permissive mode, and pinned to the owner by pod affinity', () => {
    const authorizer = denyWhere(() => true); // no permit anywhere: permissive mode still admits
    const r = ok(compileWorkload(input(consumer(), { runtime: {} }), { authorizer: denyWhere((q) => q.action !== 'AccessVolume'), clusterName: 'sim', volumeOwner: owner(['svc']) }));
    expect(r.podTemplate.spec.affinity).toEqual({
      podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { 'lattice.io/vol-media-storage': 'true' } }, topologyKey: 'kubernetes.io/hostname' }] },
    });
    expect(r.notModelled).toEqual([]);
    const plain = compileWorkload(input(workload({ resources: { media: { type: 'volume', id: 'media-storage' } }, containers: { main: { image: 'a:1', command: ['/a'] } } })), { authorizer, clusterName: 'sim', volumeOwner: owner(['team/svc']) });
    expect(plain.ok).toBe(true);
  });

  test('a consumer the owner does not list is denied on AccessVolume with the reference text and no objects', () => {
    const authorizer = allowAll();
    const result = compileWorkload(input(consumer()), { authorizer, clusterName: 'sim', volumeOwner: owner(['sonarr']) });
    if (result.ok || result.reason !== 'denied') throw new Error('expected a denial');
    expect(result.gate).toBe('AccessVolume');
    expect(result.message).toBe("volume access denied: 'media': not in allowedConsumers of volume 'media-storage' owned by 'team/jellyfin'");
    expect(authorizer.asked.map((q) => q.action)).toEqual([]); // consent fails before Cedar; no secret requests in this spec
    const none = compileWorkload(input(consumer()), { authorizer, clusterName: 'sim', volumeOwner: () => undefined });
    expect(none).toMatchObject({ ok: false, gate: 'AccessVolume', message: "volume access denied: 'media': no owner found for volume 'media-storage' in namespace 'team' (owner service may not exist or hasn't declared size)" });
  });

  test('with consent, an explicit Cedar forbid still denies; without an owner index Cedar must permit (CedarOnly)', () => {
    const forbid = { authorize: (reqs: readonly GateRequest[]) => reqs.map((request) => ({ request, allowed: request.action !== 'AccessVolume', reason: request.action === 'AccessVolume' ? 'access explicitly forbidden by policy' : '', policies: request.action === 'AccessVolume' ? ['p_0'] : [] })) };
    const result = compileWorkload(input(consumer()), { authorizer: forbid, clusterName: 'sim', volumeOwner: owner(['svc']) });
    expect(result).toMatchObject({ ok: false, gate: 'AccessVolume', message: "volume access denied: 'media' (volume 'media-storage'): access explicitly forbidden by policy" });
    const strict = compileWorkload(input(consumer()), { authorizer: denyWhere((q) => q.action === 'AccessVolume'), clusterName: 'sim' });
    expect(strict).toMatchObject({ ok: false, gate: 'AccessVolume' });
    const permitted = ok(compileWorkload(input(consumer()), { authorizer: allowAll(), clusterName: 'sim' }));
    expect(permitted.podTemplate.spec.affinity).toBeUndefined();
  });

  test('the volume gate runs after secrets and before security overrides (reference compiler.rs:441-502)', () => {
    const w = consumer();
    w.containers.main.security = { capabilities: ['NET_ADMIN'] };
    const result = compileWorkload(input(w), { authorizer: denyWhere((q) => q.action === 'OverrideSecurity'), clusterName: 'sim', volumeOwner: owner([]) });
    expect(result).toMatchObject({ ok: false, gate: 'AccessVolume' });
  });
});

describe('imagePullSecrets name ImageProviders (fidelity row "imagePullSecrets (names ImageProvider CRs)")', () => {
  const w = workload({ resources: {} });
  const creds = { id: 'registry/ghcr', provider: 'lattice-local' };

  test('each provider yields ExternalSecret <w>-<p>-credentials with a dockerconfigjson template, and the pod pulls with it', () => {
    const r = ok(compileWorkload(input(w, { runtime: { imagePullSecrets: ['default'] } }), { ...ctx, imageProviders: (p) => (p === 'default' ? creds : undefined) }));
    const es = r.externalSecrets.find((o) => o.metadata.name === 'svc-default-credentials');
    expect(es?.spec).toEqual({
      secretStoreRef: { name: 'lattice-local', kind: 'ClusterSecretStore' },
      target: { name: 'svc-default-credentials', template: { engineVersion: 'v2', type: 'kubernetes.io/dockerconfigjson', data: {} } },
      dataFrom: [{ extract: { key: 'registry/ghcr' } }],
    });
    expect(es?.metadata.labels?.['lattice.dev/service']).toBe('svc');
    expect(r.podTemplate.spec.imagePullSecrets).toEqual([{ name: 'svc-default-credentials' }]);
    expect(r.notModelled).toEqual([]);
  });

  test('an unknown provider fails the compile with the reference error and no objects', () => {
    const result = compileWorkload(input(w, { runtime: { imagePullSecrets: ['missing'] } }), { ...ctx, imageProviders: () => undefined });
    expect(result).toEqual({ ok: false, reason: 'invalid', message: "resource 'missing': imagePullSecrets references ImageProvider 'missing' which was not found" });
  });
});
