import { describe, expect, it } from 'vitest';
import type { KubeObject, TypeRef } from '../../../fake-apiserver/api/index.ts';
import { World } from '../../world.ts';
import { CoreTypes, StubTypes } from '../third-party-crds.ts';
import { parseRefreshInterval } from './external-secrets.ts';

const VAULT = { vault: { server: 'https://vault.test:8200', path: 'secret', version: 'v2', auth: { kubernetes: { mountPath: 'kubernetes', role: 'r' } } } };
const EventType = { apiVersion: 'v1', kind: 'Event' };
const starts = new WeakMap<World, number>();

/** A World with namespace `ns` and the valid ClusterSecretStore `vault`; its start instant is recorded for {@link at}. */
async function world(): Promise<World> {
  const w = await World.create({ seed: 11 });
  starts.set(w, w.clock.now());
  await w.client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns' } });
  await w.client.create({ ...StubTypes.ClusterSecretStore, metadata: { name: 'vault' }, spec: { provider: VAULT } });
  return w;
}

/** Runs `w` until `ms` simulated ms after its start. */
const at = (w: World, ms: number) => w.clock.run({ untilMs: starts.get(w)! + ms });

function es(name: string, spec: Record<string, unknown>): KubeObject {
  return { ...StubTypes.ExternalSecret, metadata: { name, namespace: 'ns' }, spec: { secretStoreRef: { name: 'vault', kind: 'ClusterSecretStore' }, target: { name }, ...spec } };
}

const secretOf = (w: World, name: string) => w.server.list(CoreTypes.Secret, { namespace: 'ns' }).items.find((s) => s.metadata.name === name);
const plain = (s: KubeObject | undefined) => Object.fromEntries(Object.entries((s?.data ?? {}) as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
const ready = (w: World, name: string, kind: TypeRef = StubTypes.ExternalSecret, namespace: string | undefined = 'ns') =>
  w.server.list(kind, namespace ? { namespace } : {}).items.find((o) => o.metadata.name === name)?.status?.conditions?.find((c: { type: string }) => c.type === 'Ready');
const events = (w: World, name: string) => w.server.list(EventType, { namespace: 'ns' }).items.filter((e) => e.involvedObject?.name === name);

describe('parseRefreshInterval', () => {
  it('reads Go durations, 0 = never, undefined = 1h, and refuses other text', () => {
    expect(parseRefreshInterval(undefined)).toBe(3_600_000);
    expect(parseRefreshInterval('0')).toBe(0);
    expect(parseRefreshInterval('1h0m0s')).toBe(3_600_000);
    expect(parseRefreshInterval('1m30s')).toBe(90_000);
    expect(parseRefreshInterval('1.5h')).toBe(5_400_000);
    expect(parseRefreshInterval('500ms')).toBe(500);
    expect(() => parseRefreshInterval('1 hour')).toThrow(/not a Go duration/);
  });
});

describe('ESO stub: ExternalSecret data, dataFrom and templates', () => {
  it('writes data[], dataFrom.extract and a v2 template with pipelines, metadata and type', async () => {
    const w = await world();
    w.secretBackends.putKey('vault', 'app/db', { username: 'app', password: 'pw1' });
    w.secretBackends.putKey('vault', 'app/extra', { region: 'eu', tier: 'gold' });
    await w.apply([
      es('plain', { data: [{ secretKey: 'user', remoteRef: { key: 'app/db', property: 'username' } }], dataFrom: [{ extract: { key: 'app/extra' } }] }),
      es('tpl', {
        data: [
          { secretKey: 'user', remoteRef: { key: 'app/db', property: 'username' } },
          { secretKey: 'pass', remoteRef: { key: 'app/db', property: 'password' } },
        ],
        target: {
          name: 'tpl',
          template: {
            engineVersion: 'v2',
            type: 'kubernetes.io/basic-auth',
            metadata: { labels: { team: '{{ .user | upper }}' } },
            data: { url: 'postgres://{{ .user }}:{{ .pass | b64enc }}@db/{{`{{`}}x{{`}}`}}', username: '{{ .user }}' },
          },
        },
      }),
    ]);
    await at(w, 10_000);
    expect(plain(secretOf(w, 'plain'))).toEqual({ user: 'app', region: 'eu', tier: 'gold' });
    const tpl = secretOf(w, 'tpl')!;
    expect(plain(tpl)).toEqual({ url: `postgres://app:${Buffer.from('pw1').toString('base64')}@db/{{x}}`, username: 'app' });
    expect(tpl.type).toBe('kubernetes.io/basic-auth');
    expect(tpl.metadata.labels?.team).toBe('APP');
    expect(tpl.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'ExternalSecret', name: 'tpl', controller: true });
    expect(ready(w, 'tpl')).toMatchObject({ status: 'True', reason: 'SecretSynced' });
    w.stop();
  });

  it('renders templateFrom ConfigMap items, and mergePolicy Merge keeps the provider keys beside the template ones', async () => {
    const w = await world();
    w.secretBackends.putKey('vault', 'app/db', { username: 'app', password: 'pw1' });
    await w.client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'tpl', namespace: 'ns' }, data: { 'config.yaml': 'user: {{ .username }}\npass: {{ .password | quote }}\n' } });
    await w.apply([
      es('from', {
        dataFrom: [{ extract: { key: 'app/db' } }],
        target: { name: 'from', template: { mergePolicy: 'Merge', templateFrom: [{ configMap: { name: 'tpl', items: [{ key: 'config.yaml' }] } }] } },
      }),
    ]);
    await at(w, 10_000);
    expect(plain(secretOf(w, 'from'))).toEqual({ username: 'app', password: 'pw1', 'config.yaml': 'user: app\npass: "pw1"\n' });
    w.stop();
  });

  it('an unsupported template construct is a SecretSyncedError and writes no Secret', async () => {
    const w = await world();
    await w.apply([es('bad', { data: [{ secretKey: 'u', remoteRef: { key: 'k', property: 'p' } }], target: { name: 'bad', template: { data: { x: '{{ if .u }}yes{{ end }}' } } } })]);
    await at(w, 10_000);
    expect(secretOf(w, 'bad')).toBeUndefined();
    expect(ready(w, 'bad')).toMatchObject({ status: 'False', reason: 'SecretSyncedError' });
    expect(ready(w, 'bad').message).toMatch(/^could not apply template: 'if' is not supported/);
    w.stop();
  });

  it('a missing remote key is a SecretSyncedError with no Secret, an UpdateFailed Event naming the key and no value', async () => {
    const w = await world();
    w.secretBackends.removeKey('vault', 'app/gone');
    await w.apply([es('m', { data: [{ secretKey: 'a', remoteRef: { key: 'app/ok', property: 'p' } }, { secretKey: 'b', remoteRef: { key: 'app/gone', property: 'p' } }] })]);
    await at(w, 30_000);
    expect(secretOf(w, 'm')).toBeUndefined();
    expect(ready(w, 'm')).toMatchObject({ status: 'False', reason: 'SecretSyncedError', message: 'could not get secret data from provider' });
    const [ev] = events(w, 'm');
    expect(ev).toMatchObject({ type: 'Warning', reason: 'UpdateFailed' });
    expect(ev!.message).toBe('error retrieving secret at .data[1], key: app/gone, err: Secret does not exist');
    expect(ev!.count).toBeGreaterThan(1); // retried with backoff, aggregated into one Event
    const value = w.secretBackends.value('vault', 'app/ok', 'p');
    expect(ev!.message).not.toContain(value);
    expect(w.logs.some((l) => l.message.includes('key: app/gone, err: Secret does not exist'))).toBe(true); // the retries are logged ...
    expect(w.logs.some((l) => l.message.includes(value))).toBe(false); // ... without a value
    w.stop();
  });
});

describe('ESO stub: refresh, outages, rotation, policies', () => {
  it('an outage during a refresh keeps the old Secret, then the sync recovers after the window', async () => {
    const w = await world();
    await w.apply([es('o', { refreshInterval: '1m', data: [{ secretKey: 'a', remoteRef: { key: 'k', property: 'p' } }] })]);
    await at(w, 10_000);
    const before = secretOf(w, 'o')!;
    w.secretBackends.outage('vault', 50_000, 200_000);
    await at(w, 150_000);
    expect(ready(w, 'o')).toMatchObject({ status: 'False', reason: 'SecretSyncedError' });
    expect(events(w, 'o')[0]!.message).toMatch(/Vault is sealed/);
    expect(secretOf(w, 'o')!.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    await at(w, 900_000);
    expect(ready(w, 'o')).toMatchObject({ status: 'True', reason: 'SecretSynced' });
    expect(secretOf(w, 'o')!.metadata.resourceVersion).toBe(before.metadata.resourceVersion); // same data: no write
    w.stop();
  });

  it('with refreshInterval 1m a rotated value reaches the Secret within a minute; CreatedOnce and refreshInterval 0 never refresh', async () => {
    const w = await world();
    w.secretBackends.rotate('vault', 'app/api', { atMs: [125_000] });
    const ref = { secretKey: 'token', remoteRef: { key: 'app/api', property: 'token' } };
    await w.apply([
      es('r', { refreshInterval: '1m', data: [ref] }),
      es('once', { refreshInterval: '1m', refreshPolicy: 'CreatedOnce', data: [ref] }),
      es('never', { refreshInterval: '0', data: [ref] }),
    ]);
    await at(w, 10_000);
    const v1 = plain(secretOf(w, 'r')).token;
    const rv1 = secretOf(w, 'r')!.metadata.resourceVersion;
    const t1 = w.server.list(StubTypes.ExternalSecret, { namespace: 'ns' }).items.find((o) => o.metadata.name === 'r')!.status.refreshTime;
    await at(w, 124_000);
    expect(secretOf(w, 'r')!.metadata.resourceVersion).toBe(rv1); // refreshes without a change leave the Secret's resourceVersion
    await at(w, 185_000);
    const s = secretOf(w, 'r')!;
    expect(plain(s).token).not.toBe(v1);
    expect(plain(s).token).toBe(w.secretBackends.value('vault', 'app/api', 'token'));
    expect(s.metadata.resourceVersion).not.toBe(rv1);
    const status = w.server.list(StubTypes.ExternalSecret, { namespace: 'ns' }).items.find((o) => o.metadata.name === 'r')!.status;
    expect(Date.parse(status.refreshTime)).toBeGreaterThan(Date.parse(t1));
    expect(plain(secretOf(w, 'once')).token).toBe(v1);
    expect(plain(secretOf(w, 'never')).token).toBe(v1);
    w.stop();
  });

  it('deletionPolicy Delete removes the Secret when the remote key disappears; Retain keeps it', async () => {
    const w = await world();
    const data = [{ secretKey: 'a', remoteRef: { key: 'app/tmp', property: 'p' } }];
    await w.apply([es('del', { refreshInterval: '1m', data, target: { name: 'del', deletionPolicy: 'Delete' } }), es('keep', { refreshInterval: '1m', data })]);
    await at(w, 10_000);
    expect(secretOf(w, 'del')).toBeDefined();
    w.secretBackends.removeKey('vault', 'app/tmp');
    await at(w, 80_000);
    expect(secretOf(w, 'del')).toBeUndefined();
    expect(ready(w, 'del')).toMatchObject({ status: 'True', reason: 'SecretDeleted' });
    expect(secretOf(w, 'keep')).toBeDefined();
    expect(ready(w, 'keep')).toMatchObject({ status: 'False', reason: 'SecretSyncedError' });
    w.stop();
  });

  it('creationPolicy Orphan writes no owner, Merge needs an existing Secret, None writes nothing', async () => {
    const w = await world();
    const data = [{ secretKey: 'a', remoteRef: { key: 'k', property: 'p' } }];
    await w.client.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'mine', namespace: 'ns' }, data: { own: Buffer.from('x').toString('base64') } });
    await w.apply([
      es('orphan', { data, target: { name: 'orphan', creationPolicy: 'Orphan' } }),
      es('merge', { data, target: { name: 'mine', creationPolicy: 'Merge' } }),
      es('merge-none', { data, target: { name: 'absent', creationPolicy: 'Merge' } }),
      es('none', { data, target: { name: 'none', creationPolicy: 'None' } }),
    ]);
    await at(w, 10_000);
    expect(secretOf(w, 'orphan')!.metadata.ownerReferences ?? []).toEqual([]);
    expect(Object.keys(plain(secretOf(w, 'mine'))).sort()).toEqual(['a', 'own']);
    expect(secretOf(w, 'absent')).toBeUndefined();
    expect(ready(w, 'merge-none')).toMatchObject({ status: 'False', reason: 'SecretSyncedError', message: 'could not update Secret' });
    expect(secretOf(w, 'none')).toBeUndefined();
    expect(ready(w, 'none')).toMatchObject({ status: 'True', reason: 'SecretSynced' });
    w.stop();
  });
});

describe('ESO stub: SecretStore and ClusterSecretStore', () => {
  it('secretStoreRef defaults to a SecretStore in the ExternalSecret namespace; a missing store is a SecretSyncedError', async () => {
    const w = await world();
    await w.client.create({ ...StubTypes.SecretStore, metadata: { name: 'local', namespace: 'ns' }, spec: { provider: VAULT } });
    await w.apply([
      es('ns-store', { secretStoreRef: { name: 'local' }, data: [{ secretKey: 'a', remoteRef: { key: 'k', property: 'p' } }] }),
      es('no-store', { secretStoreRef: { name: 'vault' }, data: [{ secretKey: 'a', remoteRef: { key: 'k', property: 'p' } }] }),
    ]);
    await at(w, 10_000);
    expect(ready(w, 'local', StubTypes.SecretStore)).toMatchObject({ status: 'True', reason: 'Valid' });
    expect(secretOf(w, 'ns-store')).toBeDefined();
    // No kind: a SecretStore named vault in ns, which does not exist (the ClusterSecretStore vault does not count).
    expect(secretOf(w, 'no-store')).toBeUndefined();
    expect(events(w, 'no-store')[0]!.message).toBe('could not get SecretStore "vault", secretstores.external-secrets.io "vault" not found');
    w.stop();
  });

  it('an ill-formed provider config makes the store InvalidProviderConfig, naming the field, and its ExternalSecrets fail', async () => {
    const w = await world();
    await w.client.create({ ...StubTypes.ClusterSecretStore, metadata: { name: 'broken' }, spec: { provider: { vault: { auth: { kubernetes: { role: 'r' } } } } } });
    await w.client.create({ ...StubTypes.ClusterSecretStore, metadata: { name: 'aws' }, spec: { provider: { aws: { service: 'SecretsManager' } } } });
    await w.apply([es('b', { secretStoreRef: { name: 'broken', kind: 'ClusterSecretStore' }, data: [{ secretKey: 'a', remoteRef: { key: 'k', property: 'p' } }] })]);
    await at(w, 10_000);
    expect(ready(w, 'broken', StubTypes.ClusterSecretStore, undefined)).toMatchObject({ status: 'False', reason: 'InvalidProviderConfig', message: 'unable to create client: spec.provider.vault.server: Required value' });
    expect(ready(w, 'aws', StubTypes.ClusterSecretStore, undefined)?.message).toBe('unable to create client: spec.provider.aws.region: Required value');
    expect(ready(w, 'vault', StubTypes.ClusterSecretStore, undefined)).toMatchObject({ status: 'True', reason: 'Valid' });
    expect(secretOf(w, 'b')).toBeUndefined();
    expect(events(w, 'b')[0]!.message).toBe('ClusterSecretStore "broken" is not ready');
    w.stop();
  });
});
