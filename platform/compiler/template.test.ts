import { describe, expect, test } from 'vitest';
import { buildTemplateContext, expandTemplate, extractSecretRefs, parseEndpoint, parsePureSecretRef, renderFileText, sanitizeDnsLabel } from './template.ts';
import { parseEndpointUrl } from '../cedar/overrides.ts';

const ctx = buildTemplateContext({
  name: 'api',
  namespace: 'shop',
  annotations: { 'team.io/owner': 'alice' },
  clusterName: 'prod-1',
  resources: {
    'my-db': { type: 'service', id: 'postgres' },
    cache: { type: 'service', namespace: 'infra' },
    caller: { type: 'service', direction: 'inbound' },
    ext: { type: 'external-service', params: { endpoints: { default: 'https://pay.example.com:8443/v1', other: 'x:1' } } },
    data: { type: 'volume', params: { size: '1Gi' } },
  },
  serviceLookup: (ns, name) => (ns === 'shop' && name === 'postgres' ? { ports: { admin: { port: 9000 }, http: { port: 5432 } } } : undefined),
});

describe('expandTemplate', () => {
  test('resolves metadata, annotations, cluster and resource outputs, normalising hyphens', () => {
    expect(expandTemplate('${metadata.name}@${cluster.name} by ${metadata.annotations.team.io/owner}', ctx, 'v')).toBe('api@prod-1 by alice');
    expect(expandTemplate('${resources.my-db.url} ${resources.my_db.port}', ctx, 'v')).toBe('http://postgres.shop.svc.cluster.local:5432 5432');
    expect(expandTemplate('${resources.cache.host}', ctx, 'v')).toBe('cache.infra.svc.cluster.local');
    expect(expandTemplate('${resources.ext.host}:${resources.ext.port} ${resources.ext.url}', ctx, 'v')).toBe('pay.example.com:8443 https://pay.example.com:8443/v1');
    expect(expandTemplate('${resources.data.claim_name}', ctx, 'v')).toBe('shop-data');
  });

  test('host only when the lookup does not know the target; inbound resources give no outputs', () => {
    expect(() => expandTemplate('${resources.cache.port}', ctx, 'v')).toThrow(/unresolved variable '\$\{resources.cache.port\}' in v/);
    expect(() => expandTemplate('${resources.caller.host}', ctx, 'v')).toThrow(/unresolved/);
  });

  test('$${...} is a literal ${...} whose inner placeholders still expand; a bare $ is untouched', () => {
    expect(expandTemplate('$${PORT:-${resources.my-db.port}} $HOME $(x)', ctx, 'v')).toBe('${PORT:-5432} $HOME $(x)');
  });

  test('unknown paths and missing braces are errors with codes', () => {
    expect(() => expandTemplate('${port}', ctx, 'f')).toThrow(expect.objectContaining({ code: 'Unresolved' }));
    expect(() => expandTemplate('a ${metadata.name', ctx, 'f')).toThrow(expect.objectContaining({ code: 'UnclosedPlaceholder' }));
    expect(() => expandTemplate('${secret.onlyresource}', ctx, 'f')).toThrow(expect.objectContaining({ code: 'InvalidSecretRef' }));
  });

  test('secret references are left in place for routing', () => {
    expect(expandTemplate('x ${secret.db.pw}', ctx, 'v')).toBe('x ${secret.db.pw}');
  });
});

describe('secret reference helpers', () => {
  test('a pure reference is the whole (trimmed) value with a dot-free key', () => {
    expect(parsePureSecretRef(' ${secret.db-creds.pass-word} ')).toEqual({ resource: 'db-creds', key: 'pass-word', esoKey: 'db_creds_pass_word' });
    expect(parsePureSecretRef('x${secret.db.pw}')).toBeUndefined();
    expect(parsePureSecretRef('${secret.db.a.b}')).toBeUndefined();
  });

  test('extraction turns refs into Go refs and escapes user braces; reverse mode only takes $${secret...}', () => {
    expect(extractSecretRefs('{{x}} ${secret.a.b} ${secret.a.b}', false)).toEqual({ text: '{{`{{`}}x{{`}}`}} {{ .a_b }} {{ .a_b }}', refs: [{ resource: 'a', key: 'b', esoKey: 'a_b' }] });
    expect(extractSecretRefs('plain {{x}}', false)).toEqual({ text: 'plain {{x}}', refs: [] });
    const rev = extractSecretRefs('$${secret.a.b} ${secret.c.d}', true);
    expect(rev.text).toBe('{{ .a_b }} ${secret.c.d}');
    expect(renderFileText('${HOME} $${metadata.name}', ctx, false, true, 'f')).toBe('${HOME} api');
    expect(renderFileText('${anything', ctx, true, false, 'f')).toBe('${anything');
  });
});

describe('parseEndpoint and names', () => {
  test('parses the documented URL forms with default ports', () => {
    expect(parseEndpoint('https://repo.jellyfin.org')).toMatchObject({ host: 'repo.jellyfin.org', port: 443, protocol: 'TCP' });
    expect(parseEndpoint('http://h')).toMatchObject({ port: 80 });
    expect(parseEndpoint('udp://1.2.3.4:51820')).toMatchObject({ host: '1.2.3.4', port: 51820, protocol: 'UDP' });
    expect(parseEndpoint('api.themoviedb.org:443')).toEqual({ host: 'api.themoviedb.org', port: 443, protocol: 'TCP', url: 'tcp://api.themoviedb.org:443' });
    expect(parseEndpoint('tcp://nohost')).toBeUndefined();
    expect(parseEndpoint('ftp://h:21')).toBeUndefined();
  });

  test('reads endpoints as the Cedar gate does (one grammar): scheme case, bracketed IPv6, and what neither accepts', () => {
    expect(parseEndpoint('HTTPS://api.example.com')).toEqual({ host: 'api.example.com', port: 443, protocol: 'TCP', url: 'HTTPS://api.example.com' });
    expect(parseEndpoint('https://[2001:db8::1]:9443/v1')).toEqual({ host: '2001:db8::1', port: 9443, protocol: 'TCP', url: 'https://[2001:db8::1]:9443/v1' });
    expect(parseEndpoint('[2001:db8::1]:53')).toEqual({ host: '2001:db8::1', port: 53, protocol: 'TCP', url: 'tcp://[2001:db8::1]:53' });
    for (const text of ['a b:80', 'tcp://a:1:2', '2001:db8::1:53', 'https://']) {
      expect(parseEndpoint(text)).toBeUndefined();
      expect(() => parseEndpointUrl(text)).toThrow(/invalid endpoint URL/);
    }
  });

  test('sanitizes DNS labels: lowercase, dashes, leading non-letters and trailing dashes stripped, 63 max', () => {
    expect(sanitizeDnsLabel('1-Api_Main.file-')).toBe('api-main-file');
    expect(sanitizeDnsLabel('a'.repeat(70))).toHaveLength(63);
  });
});

describe('renderFileText bare identifiers', () => {
  test('keeps shell and JavaScript ${identifier} placeholders in file content but still fails dotted unknown paths', () => {
    const ctx = buildTemplateContext({ name: 'api', namespace: 'webapp', clusterName: 'sim', resources: {} });
    expect(renderFileText('console.log(`listening on :${port}`) ${metadata.name}', ctx, false, false, 'f')).toBe('console.log(`listening on :${port}`) api');
    expect(() => renderFileText('${missing.var}', ctx, false, false, 'f')).toThrow(/unresolved variable/);
    expect(() => expandTemplate('${port}', ctx, 'variables.PORT')).toThrow(/unresolved variable/);
  });
});
