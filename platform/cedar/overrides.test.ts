import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { ContainerSpec, LatticeService, LatticeServiceSpec, SecurityContext } from '../crds/types.ts';
import { DEFAULT_CONTAINER_CAPABILITIES, externalEndpointRequests, parseEndpointUrl, secretRequests, securityOverrideRequests } from './overrides.ts';
import type { CedarPrincipal, GateRequest } from './types.ts';

const p: CedarPrincipal = { namespace: 'n', name: 's', kind: 'service' };
const spec = (main: Partial<ContainerSpec>, extra: Partial<LatticeServiceSpec> = {}): LatticeServiceSpec => ({
  workload: { containers: { main: { image: 'x', command: ['/app'], ...main } } },
  ...extra,
});
const ids = (rs: GateRequest[]): string[] => rs.map((r) => (r.container ? `${r.container}:${r.subject}` : r.subject));
const withSecurity = (security: SecurityContext): string[] => ids(securityOverrideRequests(p, spec({ security })));

describe('securityOverrideRequests', () => {
  it('asks nothing for a container with a command and restricted defaults', () => {
    expect(securityOverrideRequests(p, spec({}))).toEqual([]);
  });

  it('asks pod-level overrides without a container when hostNetwork, shareProcessNamespace or automountServiceAccountToken are true', () => {
    const rs = securityOverrideRequests(p, spec({}, { hostNetwork: true, shareProcessNamespace: true, automountServiceAccountToken: true }));
    expect(ids(rs)).toEqual(['hostNetwork', 'shareProcessNamespace', 'automountServiceAccountToken']);
    expect(rs[0]).toEqual({ action: 'OverrideSecurity', principal: p, resource: { type: 'SecurityOverride', id: 'hostNetwork', category: 'pod' }, subject: 'hostNetwork' });
    expect(ids(securityOverrideRequests(p, spec({}, { hostNetwork: false, automountServiceAccountToken: false })))).toEqual([]);
  });

  it('asks allowedBinary:* for a container or sidecar without command and without allowedBinaries', () => {
    const rs = securityOverrideRequests(p, spec({ command: undefined }, { sidecars: { vpn: { image: 'wg' } } }));
    expect(ids(rs)).toEqual(['main:allowedBinary:*', 'vpn:allowedBinary:*']);
    expect(rs[0].resource).toEqual({ type: 'SecurityOverride', id: 'allowedBinary:*', category: 'binary' });
  });

  it('asks allowedBinary:<path> per allowedBinaries entry instead of the unknown-entrypoint one', () => {
    expect(ids(securityOverrideRequests(p, spec({ command: undefined, security: { allowedBinaries: ['/bin/cat', '/bin/printenv'] } })))).toEqual([
      'main:allowedBinary:/bin/cat',
      'main:allowedBinary:/bin/printenv',
    ]);
    expect(withSecurity({ allowedBinaries: ['*'] })).toEqual(['main:allowedBinary:*']);
  });

  it('treats command: [] as a known entrypoint, as the reference (command.is_none(); fidelity row "command: []")', () => {
    expect(ids(securityOverrideRequests(p, spec({ command: [] }, { sidecars: { vpn: { image: 'wg', command: [] } } })))).toEqual([]);
    expect(ids(securityOverrideRequests(p, spec({ command: undefined })))).toEqual(['main:allowedBinary:*']);
  });

  it('asks capability:<CAP> per added capability', () => {
    expect(withSecurity({ capabilities: ['NET_ADMIN', 'SYS_MODULE'] })).toEqual(['main:capability:NET_ADMIN', 'main:capability:SYS_MODULE']);
  });

  it('asks every kept default capability when dropCapabilities is set without ALL', () => {
    const kept = DEFAULT_CONTAINER_CAPABILITIES.filter((c) => c !== 'NET_RAW' && c !== 'CHOWN');
    expect(withSecurity({ dropCapabilities: ['NET_RAW'], capabilities: ['CHOWN'] })).toEqual(['main:capability:CHOWN', ...kept.map((c) => `main:capability:${c}`)]);
    expect(withSecurity({ dropCapabilities: ['ALL'] })).toEqual([]);
    expect(withSecurity({ dropCapabilities: ['NET_RAW'], privileged: true })).toEqual(['main:privileged']);
  });

  it('compares capability names case-insensitively, as the reference (fidelity row "dropCapabilities with all")', () => {
    expect(withSecurity({ dropCapabilities: ['all'] })).toEqual([]);
    expect(withSecurity({ dropCapabilities: ['All', 'NET_RAW'] })).toEqual([]);
    const kept = DEFAULT_CONTAINER_CAPABILITIES.filter((c) => c !== 'NET_RAW' && c !== 'CHOWN');
    expect(withSecurity({ dropCapabilities: ['net_raw'], capabilities: ['chown'] })).toEqual(['main:capability:chown', ...kept.map((c) => `main:capability:${c}`)]);
  });

  it('asks the container-level overrides privileged, runAsRoot, runAsRootGroup, readWriteRootFilesystem, allowPrivilegeEscalation', () => {
    expect(withSecurity({ privileged: true })).toEqual(['main:privileged']);
    expect(withSecurity({ runAsUser: 0 })).toEqual(['main:runAsRoot']);
    expect(withSecurity({ runAsNonRoot: false })).toEqual(['main:runAsRoot']);
    expect(withSecurity({ runAsUser: 0, runAsNonRoot: false })).toEqual(['main:runAsRoot']);
    expect(withSecurity({ runAsUser: 1000, runAsGroup: 0 })).toEqual(['main:runAsRootGroup']);
    expect(withSecurity({ readOnlyRootFilesystem: false })).toEqual(['main:readWriteRootFilesystem']);
    expect(withSecurity({ readOnlyRootFilesystem: true, runAsNonRoot: true, allowPrivilegeEscalation: false })).toEqual([]);
    expect(withSecurity({ allowPrivilegeEscalation: true })).toEqual(['main:allowPrivilegeEscalation']);
    expect(securityOverrideRequests(p, spec({ security: { privileged: true } }))[0].resource).toMatchObject({ category: 'container' });
  });

  it('asks seccomp and apparmor overrides for Unconfined and Localhost only', () => {
    expect(withSecurity({ seccompProfile: 'Unconfined', apparmorProfile: 'Localhost' })).toEqual(['main:seccomp:Unconfined', 'main:apparmor:Localhost']);
    expect(withSecurity({ seccompProfile: 'RuntimeDefault', apparmorProfile: 'RuntimeDefault' })).toEqual([]);
    expect(securityOverrideRequests(p, spec({ security: { apparmorProfile: 'Unconfined' } }))[0].resource).toMatchObject({ category: 'profile' });
  });
});

describe('secretRequests', () => {
  it('asks AccessSecret per secret resource with id and params.provider, subject = resource name', () => {
    const rs = secretRequests(p, {
      db: { type: 'secret', id: 'webapp/db', params: { provider: 'vault', keys: ['password'] } },
      noid: { type: 'secret', params: { provider: 'vault' } },
      noprovider: { type: 'secret', id: 'x', params: {} },
      svc: { type: 'service', id: 'x', params: { provider: 'vault' } },
    });
    expect(rs).toEqual([{ action: 'AccessSecret', principal: p, resource: { type: 'SecretPath', provider: 'vault', path: 'webapp/db' }, subject: 'db' }]);
  });
});

describe('external endpoints', () => {
  it('parse https, http, tcp, udp, grpc and bare host:port forms with default ports', () => {
    expect(parseEndpointUrl('https://api.stripe.com')).toEqual({ host: 'api.stripe.com', port: 443, protocol: 'https' });
    expect(parseEndpointUrl('https://api.stripe.com:8443/v1/charges?x=1')).toEqual({ host: 'api.stripe.com', port: 8443, protocol: 'https' });
    expect(parseEndpointUrl('http://example.com/')).toEqual({ host: 'example.com', port: 80, protocol: 'http' });
    expect(parseEndpointUrl('tcp://db.example.com:5432')).toEqual({ host: 'db.example.com', port: 5432, protocol: 'tcp' });
    expect(parseEndpointUrl('udp://10.0.0.1:51820')).toEqual({ host: '10.0.0.1', port: 51820, protocol: 'udp' });
    expect(parseEndpointUrl('grpc://otel:4317')).toEqual({ host: 'otel', port: 4317, protocol: 'grpc' });
    expect(parseEndpointUrl('api.nzbgeek.info:443')).toEqual({ host: 'api.nzbgeek.info', port: 443, protocol: 'tcp' });
    expect(parseEndpointUrl('https://[2001:db8::1]:9443')).toEqual({ host: '2001:db8::1', port: 9443, protocol: 'https' });
  });

  it('reject unknown schemes, missing ports without default, bad and out-of-range ports', () => {
    expect(() => parseEndpointUrl('ftp://x:21')).toThrow(/unsupported scheme 'ftp'/);
    expect(() => parseEndpointUrl('tcp://x')).toThrow(/tcp:\/\/ needs a port/);
    expect(() => parseEndpointUrl('example.com')).toThrow(/expected host:port/);
    expect(() => parseEndpointUrl('example.com:http')).toThrow(/invalid port 'http'/);
    expect(() => parseEndpointUrl('https://x:0')).toThrow(/out of range/);
    expect(() => parseEndpointUrl('https://:443')).toThrow(/missing host/);
    expect(() => parseEndpointUrl('a b:80')).toThrow(/whitespace in host/);
    expect(() => parseEndpointUrl('tcp://a:1:2')).toThrow(/an IPv6 host needs brackets/);
    expect(() => parseEndpointUrl('2001:db8::1:53')).toThrow(/an IPv6 host needs brackets/);
  });

  it('ask one AccessExternalEndpoint per endpoint of outbound external-service resources', () => {
    const rs = externalEndpointRequests(p, {
      meta: { type: 'external-service', params: { endpoints: { tmdb: 'api.themoviedb.org:443', omdb: 'https://www.omdbapi.com' } } },
      inbound: { type: 'external-service', direction: 'inbound', params: { endpoints: { a: 'a:1' } } },
      noparams: { type: 'external-service', id: 'x' },
      svc: { type: 'service' },
    });
    expect(rs.map((r) => [r.subject, r.resource])).toEqual([
      ['meta', { type: 'ExternalEndpoint', host: 'www.omdbapi.com', port: '443', protocol: 'https' }],
      ['meta', { type: 'ExternalEndpoint', host: 'api.themoviedb.org', port: '443', protocol: 'tcp' }],
    ]);
    expect(rs[0].action).toBe('AccessExternalEndpoint');
  });

  it('name the resource and endpoint when an endpoint does not parse', () => {
    expect(() => externalEndpointRequests(p, { ext: { type: 'external-service', params: { endpoints: { bad: 'nope' } } } })).toThrow(
      "resource 'ext' endpoint 'bad': invalid endpoint URL 'nope': expected host:port",
    );
  });
});

const webappDir = fileURLToPath(new URL('../../../shared/fixtures/reference/webapp/', import.meta.url));
const haveWebapp = existsSync(webappDir);
/** Appended to each reference-fixture test's name, so a skip says why. */
const absent = haveWebapp ? '' : ' (reference fixtures not present (../shared/fixtures/reference/webapp): skipped)';

describe('webapp reference fixtures', () => {
  if (!haveWebapp) it.skip(`reference fixtures not found at ${webappDir}; skipped`, () => {});

  it.skipIf(!haveWebapp)(`need exactly the reference gates: secrets for api, postgres, redis; allowedBinary:* for postgres and frontend; nothing for worker${absent}`, () => {
    const needs: Record<string, string[]> = {};
    for (const name of ['api', 'postgres', 'redis', 'frontend', 'worker']) {
      const svc = parse(readFileSync(`${webappDir}${name}.yaml`, 'utf8')) as LatticeService;
      const principal: CedarPrincipal = { namespace: svc.metadata.namespace!, name: svc.metadata.name, kind: 'service' };
      const rs = [
        ...secretRequests(principal, svc.spec.workload.resources),
        ...securityOverrideRequests(principal, svc.spec),
        ...externalEndpointRequests(principal, svc.spec.workload.resources),
      ];
      needs[name] = rs.map((r) => `${r.action} ${r.subject}`);
    }
    expect(needs).toEqual({
      api: ['AccessSecret db-credentials', 'AccessSecret redis-credentials'],
      postgres: ['AccessSecret db-credentials', 'OverrideSecurity allowedBinary:*'],
      redis: ['AccessSecret redis-credentials'],
      frontend: ['OverrideSecurity allowedBinary:*'],
      worker: [],
    });
  });
});
