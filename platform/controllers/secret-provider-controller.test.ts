import { describe, expect, it } from 'vitest';
import { externalStoreEndpoints, storeEgressMember } from './secret-provider-controller.ts';

const hostPorts = (provider: Record<string, unknown>) => externalStoreEndpoints(provider).map((e) => `${e.host}:${e.port}`);

describe('SecretProvider external store endpoints (reference SecretProviderSpec::external_endpoints)', () => {
  it('reads vault.server, webhook.url and barbican.url with the scheme default ports', () => {
    expect(hostPorts({ vault: { server: 'https://vault.example.com:8200', path: 'secret' } })).toEqual(['vault.example.com:8200']);
    expect(hostPorts({ vault: { server: 'https://vault.example.com' } })).toEqual(['vault.example.com:443']);
    expect(hostPorts({ webhook: { url: 'http://webhook.example.com:9090/path' } })).toEqual(['webhook.example.com:9090']);
    expect(hostPorts({ webhook: { url: 'http://webhook.example.com/secret/{{ .remoteRef.key }}' } })).toEqual(['webhook.example.com:80']);
    expect(hostPorts({ barbican: { url: 'https://barbican.example.com' } })).toEqual(['barbican.example.com:443']);
  });

  it('leaves out cluster-local hosts (*.svc, *.svc.cluster.local), other provider types and unparseable or missing URLs', () => {
    expect(hostPorts({ webhook: { url: 'http://my-webhook.lattice-system.svc:8787/secret' } })).toEqual([]);
    expect(hostPorts({ vault: { server: 'https://vault.vault.svc.cluster.local:8200' } })).toEqual([]);
    expect(hostPorts({ aws: { service: 'SecretsManager', region: 'us-east-1' } })).toEqual([]);
    expect(hostPorts({ vault: { server: 'ftp://vault.example.com' } })).toEqual([]);
    expect(hostPorts({ vault: { path: 'secret' } })).toEqual([]);
    expect(hostPorts({})).toEqual([]);
  });
});

describe('storeEgressMember (reference ensure_external_egress_lmm)', () => {
  it('is egress-sp-<name> in external-secrets, selecting ESO with its service account, one TCP rule per endpoint (IP ⇒ CIDR /32)', () => {
    const m = storeEgressMember('corp', { vault: { server: 'https://172.18.0.9:8200' } });
    expect(m?.metadata).toEqual({ name: 'egress-sp-corp', namespace: 'external-secrets', labels: { 'app.kubernetes.io/managed-by': 'secret-provider-controller', 'lattice.dev/secrets-provider': 'corp' } });
    expect(m?.spec).toEqual({
      target: { selector: { 'app.kubernetes.io/name': 'external-secrets' } },
      ports: [],
      allowedCallers: [],
      dependencies: [],
      egress: [{ target: { cidr: '172.18.0.9/32' }, ports: [8200], protocol: 'TCP' }],
      allowPeerTraffic: false,
      dependsAll: false,
      serviceAccount: 'external-secrets',
      ambient: true,
    });
    expect(storeEgressMember('corp', { vault: { server: 'https://vault.example.com:8200' } })?.spec.egress).toEqual([{ target: { fqdn: 'vault.example.com' }, ports: [8200], protocol: 'TCP' }]);
  });

  it('is undefined without an external endpoint (the controller deletes the member)', () => {
    expect(storeEgressMember('lattice-local', { webhook: { url: 'http://lattice-local-secrets.lattice-system.svc:8787/secret' } })).toBeUndefined();
    expect(storeEgressMember('aws', { aws: { service: 'SecretsManager', region: 'eu-west-1' } })).toBeUndefined();
  });
});
