import { describe, expect, test } from 'vitest';
import type { LatticeService, LatticeServiceSpec } from '../crds/types.ts';
import { compileService, type CompiledService } from './index.ts';
import { allowAll, expectOk } from './testing.ts';

const ctx = { authorizer: allowAll(), clusterName: 'sim', trustDomain: 'lattice.test' };

function service(spec: Partial<LatticeServiceSpec> = {}, ports: Record<string, { port: number; targetPort?: number }> = { http: { port: 80 } }): LatticeService {
  return {
    apiVersion: 'lattice.dev/v1alpha1',
    kind: 'LatticeService',
    metadata: { name: 'web', namespace: 'shop', uid: 'uid-web' },
    spec: {
      workload: {
        containers: { main: { image: 'web:1', command: ['/app/web'], readinessProbe: { exec: { command: ['/bin/check', '-q'] } } } },
        service: { ports },
      },
      ...spec,
    },
  } as LatticeService;
}

const ok = expectOk;
const find = (r: CompiledService, kind: string) => r.layers.infrastructure.filter((o) => o.kind === kind);

describe('Tetragon TracingPolicyNamespaced allow-binaries-<svc> (reference lattice-tetragon-policy)', () => {
  test('allows exactly the entrypoints (commands, exec probes) and allowedBinaries, SIGKILLing any other exec', () => {
    const r = ok(compileService(service({ sidecars: { log: { image: 'log:1', command: ['/usr/bin/tail'], security: { allowedBinaries: ['/bin/gzip'] } } } }), ctx));
    const [tp] = find(r, 'TracingPolicyNamespaced');
    expect(tp.apiVersion).toBe('cilium.io/v1alpha1');
    expect(tp.metadata.name).toBe('allow-binaries-web');
    expect(tp.spec).toEqual({
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'web' } },
      kprobes: [
        {
          call: 'security_bprm_check',
          syscall: false,
          args: [{ index: 0, type: 'linux_binprm', label: 'filename' }],
          selectors: [{ matchActions: [{ action: 'Sigkill' }], matchArgs: [{ index: 0, operator: 'NotEqual', values: ['/app/web', '/bin/check', '/bin/gzip', '/usr/bin/tail'] }] }],
        },
      ],
    });
  });

  test('no policy when a container has no command and no allowedBinaries (unknown entrypoint), or allows "*"', () => {
    const noCommand = service();
    delete (noCommand.spec.workload.containers.main as { command?: string[] }).command;
    expect(find(ok(compileService(noCommand, ctx)), 'TracingPolicyNamespaced')).toEqual([]);
    const wildcard = service();
    wildcard.spec.workload.containers.main.security = { allowedBinaries: ['*'] };
    expect(find(ok(compileService(wildcard, ctx)), 'TracingPolicyNamespaced')).toEqual([]);
  });
});

describe('metrics scraping (reference vm_service_scrape.rs; book §8.6 VMServiceScrape)', () => {
  test('a port named metrics yields VMServiceScrape <svc>-scrape and vmagent access to that port only', () => {
    const r = ok(compileService(service({}, { http: { port: 80, targetPort: 8080 }, metrics: { port: 9090, targetPort: 9102 } }), ctx));
    const [scrape] = find(r, 'VMServiceScrape');
    expect(scrape).toMatchObject({
      apiVersion: 'operator.victoriametrics.com/v1beta1',
      metadata: { name: 'web-scrape', namespace: 'shop' },
      spec: { selector: { matchLabels: { 'app.kubernetes.io/name': 'web' } }, endpoints: [{ port: 'metrics', path: '/metrics', interval: '30s' }] },
    });
    const [ap] = find(r, 'AuthorizationPolicy');
    expect(ap.metadata.name).toBe('allow-scrape-web');
    expect(ap.spec).toEqual({
      selector: { matchLabels: { 'app.kubernetes.io/name': 'web' } },
      action: 'ALLOW',
      rules: [{ from: [{ source: { principals: ['lattice.test/ns/monitoring/sa/vmagent-lattice-metrics'] } }], to: [{ operation: { ports: ['9102'] } }] }],
    });
    const [cnp] = find(r, 'CiliumNetworkPolicy');
    expect(cnp.metadata.name).toBe('cnp-scrape-web');
    expect(cnp.spec.ingress).toEqual([
      { fromEndpoints: [{ matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'monitoring', 'k8s:app.kubernetes.io/name': 'vmagent' } }], toPorts: [{ ports: [{ port: '15008', protocol: 'TCP' }] }] },
    ]);
    for (const o of [scrape, ap, cnp]) expect(o.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'LatticeService', name: 'web', controller: true });
  });

  test('observability.metrics.port picks another port; nothing without a metrics port or with monitoring off', () => {
    const r = ok(compileService(service({ observability: { metrics: { port: 'http' } } }), ctx));
    expect(find(r, 'VMServiceScrape')[0].spec.endpoints).toEqual([{ port: 'http', path: '/metrics', interval: '30s' }]);
    expect(find(ok(compileService(service(), ctx)), 'VMServiceScrape')).toEqual([]);
    const off = ok(compileService(service({}, { metrics: { port: 9090 } }), { ...ctx, monitoring: false }));
    expect([...find(off, 'VMServiceScrape'), ...find(off, 'AuthorizationPolicy'), ...find(off, 'CiliumNetworkPolicy')]).toEqual([]);
  });

  test('a metrics port override naming no port, or mappings without a metrics port, are the reference compile errors (nothing produced)', () => {
    expect(compileService(service({ observability: { metrics: { port: 'prom' } } }), ctx)).toEqual({ ok: false, reason: 'invalid', message: "observability.metrics.port 'prom' not found in service.ports" });
    expect(compileService(service({ observability: { metrics: { mappings: { a: 'b' } } } }), ctx)).toEqual({
      ok: false,
      reason: 'invalid',
      message: "observability.metrics.mappings defined but no 'metrics' port in service.ports (add a port named 'metrics' or set observability.metrics.port)",
    });
  });
});
