/**
 * Renders a Topology into the specs a platform team would write (reference §5.2 fixtures): one
 * Namespace per namespace, one LatticeService per service (servers: an unprivileged nginx on 8080
 * behind port `http` 80; generators: a curl container with no ports), and a CedarPolicy in
 * `lattice-system` permitting `AllowWildcard` inbound for every wildcard service. Containers carry an
 * absolute `command` and keep the restricted security defaults, so no other Cedar gate fires.
 */
import type { KubeObject } from '../fake-apiserver/api/index.ts';
import type { LatticeService, ResourceSpec } from '../platform/crds/types.ts';
import type { Topology, TopologyService } from './topology.ts';
import { serviceKey } from './topology.ts';

const resources = { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } };

function latticeService(s: TopologyService): LatticeService {
  const decl: Record<string, ResourceSpec> = {};
  const ref = (key: string): { name: string; namespace?: string } => {
    const [ns, name] = key.split('/');
    return ns === s.namespace ? { name } : { name, namespace: ns };
  };
  const keyFor = (r: { name: string; namespace?: string }, suffix: string) => (r.namespace ? `${r.namespace}-${r.name}${suffix}` : `${r.name}${suffix}`);
  for (const to of s.outbound) {
    const r = ref(to);
    const both = s.inbound.includes(to);
    decl[keyFor(r, '')] = { type: 'service', direction: both ? 'both' : 'outbound', ...(r.namespace ? { namespace: r.namespace, id: r.name } : {}) };
  }
  for (const from of s.inbound) {
    if (s.outbound.includes(from)) continue;
    const r = ref(from);
    decl[keyFor(r, '')] = { type: 'service', direction: 'inbound', ...(r.namespace ? { namespace: r.namespace, id: r.name } : {}) };
  }
  if (s.wildcardInbound) decl['any-caller'] = { type: 'service', direction: 'inbound', id: '*' };
  const server = s.ports.length > 0;
  return {
    apiVersion: 'lattice.dev/v1alpha1',
    kind: 'LatticeService',
    metadata: { name: s.name, namespace: s.namespace, labels: { 'lattice.dev/environment': s.namespace } },
    spec: {
      replicas: 1,
      workload: {
        containers: {
          main: server
            ? { image: 'nginxinc/nginx-unprivileged:1.27-alpine', command: ['/usr/sbin/nginx', '-g', 'daemon off;'], resources }
            : { image: 'curlimages/curl:8.11.1', command: ['/bin/sh', '-c', 'sleep infinity'], resources },
        },
        ...(Object.keys(decl).length ? { resources: decl } : {}),
        ...(server ? { service: { ports: Object.fromEntries(s.ports.map((p) => [p.name, { port: p.port, ...(p.targetPort ? { targetPort: p.targetPort } : {}) }])) } } : {}),
      },
    },
  };
}

/** The specs of `t`: Namespaces, the wildcard CedarPolicy (when any service is wildcard), LatticeServices. */
export function renderTopology(t: Topology): KubeObject[] {
  const namespaces = [...new Set(t.services.map((s) => s.namespace))].sort();
  const out: KubeObject[] = namespaces.map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }));
  const wildcards = t.services.filter((s) => s.wildcardInbound);
  if (wildcards.length > 0) {
    out.push({
      apiVersion: 'lattice.dev/v1alpha1',
      kind: 'CedarPolicy',
      metadata: { name: 'lattice-sim-wildcards', namespace: 'lattice-system' },
      spec: {
        description: 'Permits the wildcard inbound declarations of the generated topology',
        policies: wildcards
          .map((s) => `permit(principal == Lattice::Service::"${serviceKey(s)}", action == Lattice::Action::"AllowWildcard", resource == Lattice::Mesh::"inbound");`)
          .join('\n'),
      },
    });
  }
  out.push(...t.services.map(latticeService));
  return out;
}
