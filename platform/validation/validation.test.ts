import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import { loadReferenceObjects, REFERENCE_DIR } from '../compiler/testing.ts';
import type { LatticeJobSpec, LatticeMeshMemberSpec, LatticeServiceSpec } from '../crds/types.ts';
import {
  LATTICE_VALIDATING_WEBHOOK,
  admitLatticeObject,
  isReferenceDnsLabel,
  latticeJobProblems,
  latticeMeshMemberProblems,
  latticeServiceProblems,
  objectProblems,
  secretProviderProblems,
} from './index.ts';

/** A LatticeService spec the reference admits: absolute command, limits, a DNS-label port. */
function validSpec(): LatticeServiceSpec {
  return {
    replicas: 1,
    workload: {
      containers: { main: { image: 'nginx:1.27', command: ['/usr/sbin/nginx'], resources: { limits: { cpu: '200m', memory: '128Mi' } } } },
      service: { ports: { http: { port: 80, targetPort: 8080 } } },
    },
  };
}

type Edit = (s: LatticeServiceSpec) => void;
const main = (s: LatticeServiceSpec) => s.workload.containers.main;

/** One row per rule: the reference line it comes from, the edit that breaks it, the field named and the reference's words. */
const SERVICE_RULES: { rule: string; edit: Edit; field: string; message: string }[] = [
  { rule: 'workload/spec.rs:188 at least one container', edit: (s) => (s.workload.containers = {}), field: 'spec.workload.containers', message: 'service must have at least one container' },
  {
    rule: 'workload/spec.rs:195 container names are DNS labels',
    edit: (s) => (s.workload.containers = { Main: main(s) }),
    field: 'spec.workload.containers.Main',
    message: "container name 'Main' is not a valid DNS label (must be lowercase alphanumeric with hyphens, max 63 chars)",
  },
  {
    rule: 'workload/spec.rs:201 resource names are DNS labels',
    edit: (s) => (s.workload.resources = { '1db': { type: 'service' } }),
    field: 'spec.workload.resources.1db',
    message: "resource name '1db' is not a valid DNS label (must be lowercase alphanumeric with hyphens, max 63 chars)",
  },
  { rule: 'container.rs:472 image not empty', edit: (s) => (main(s).image = ''), field: 'spec.workload.containers.main.image', message: "container 'main': image cannot be empty" },
  { rule: 'container.rs:485 image without whitespace', edit: (s) => (main(s).image = 'nginx latest'), field: 'spec.workload.containers.main.image', message: "container 'main': image 'nginx latest' contains invalid characters" },
  { rule: 'container.rs:493 image without shell metacharacters', edit: (s) => (main(s).image = 'nginx;rm'), field: 'spec.workload.containers.main.image', message: "container 'main': image 'nginx;rm' contains shell metacharacters" },
  { rule: 'container.rs:522 command[0] absolute', edit: (s) => (main(s).command = ['node', 'server.js']), field: 'spec.workload.containers.main.command[0]', message: "'main': command[0] 'node' must be an absolute path (start with '/')" },
  { rule: 'container.rs:409 resources mandatory', edit: (s) => delete main(s).resources, field: 'spec.workload.containers.main.resources.limits', message: "container 'main' must have resource limits" },
  { rule: 'container.rs:415 limits mandatory', edit: (s) => (main(s).resources = { requests: { cpu: '1' } }), field: 'spec.workload.containers.main.resources.limits', message: "container 'main' must have resource limits" },
  {
    rule: 'resources.rs:975 cpu quantity',
    edit: (s) => (main(s).resources = { limits: { cpu: '1.5m' } }),
    field: 'spec.workload.containers.main.resources.limits.cpu',
    message: "container 'main' limits.cpu: invalid quantity '1.5m' (expected e.g., '100m', '1', '0.5')",
  },
  {
    rule: 'resources.rs:1002 memory quantity',
    edit: (s) => (main(s).resources = { requests: { memory: '12Xi' }, limits: { memory: '1Gi' } }),
    field: 'spec.workload.containers.main.resources.requests.memory',
    message: "container 'main' requests.memory: invalid quantity '12Xi' (expected e.g., '128Mi', '1Gi')",
  },
  {
    rule: 'container.rs:546 mode of 3-4 octal digits',
    edit: (s) => (main(s).files = { '/etc/app.conf': { content: 'x', mode: '64' } }),
    field: 'spec.workload.containers.main.files["/etc/app.conf"].mode',
    message: "container 'main' file '/etc/app.conf': mode '64' must be 3-4 octal digits (e.g., '0644')",
  },
  {
    rule: 'container.rs:553 mode octal',
    edit: (s) => (main(s).files = { '/etc/app.conf': { content: 'x', mode: '0689' } }),
    field: 'spec.workload.containers.main.files["/etc/app.conf"].mode',
    message: "container 'main' file '/etc/app.conf': mode '0689' contains non-octal digits",
  },
  {
    rule: 'container.rs:565 no setuid/setgid/sticky',
    edit: (s) => (main(s).files = { '/bin/tool': { content: 'x', mode: '4755' } }),
    field: 'spec.workload.containers.main.files["/bin/tool"].mode',
    message: "container 'main' file '/bin/tool': mode '4755' sets special bits (setuid/setgid/sticky) which are not allowed",
  },
  {
    rule: 'container.rs:573 not world-writable',
    edit: (s) => (main(s).files = { '/etc/app.conf': { content: 'x', mode: '0666' } }),
    field: 'spec.workload.containers.main.files["/etc/app.conf"].mode',
    message: "container 'main' file '/etc/app.conf': mode '0666' is world-writable which is not allowed",
  },
  {
    rule: 'container.rs:445 file content source',
    edit: (s) => (main(s).files = { '/etc/app.conf': { mode: '0644' } }),
    field: 'spec.workload.containers.main.files["/etc/app.conf"]',
    message: "container 'main' file '/etc/app.conf': must specify content, binary_content, or source",
  },
  {
    rule: 'ports.rs:77 port names are DNS labels',
    edit: (s) => (s.workload.service = { ports: { HTTP: { port: 80 } } }),
    field: 'spec.workload.service.ports.HTTP',
    message: "port name 'HTTP' is not a valid DNS label (must be lowercase alphanumeric with hyphens, max 63 chars)",
  },
  {
    rule: 'ports.rs:79 port names at most 15 characters',
    edit: (s) => (s.workload.service = { ports: { 'metrics-endpoint': { port: 80 } } }),
    field: 'spec.workload.service.ports.metrics-endpoint',
    message: "port name 'metrics-endpoint' exceeds 15 character IANA service name limit",
  },
  { rule: 'ports.rs:87 port not 0', edit: (s) => (s.workload.service = { ports: { http: { port: 0 } } }), field: 'spec.workload.service.ports.http.port', message: "service port 'http': port cannot be 0" },
  {
    rule: 'ports.rs:105 no duplicate port numbers',
    edit: (s) => (s.workload.service = { ports: { a: { port: 80 }, b: { port: 80 } } }),
    field: 'spec.workload.service.ports.b.port',
    message: 'duplicate service port number: 80',
  },
  { rule: 'service.rs:173 replicas <= autoscaling max', edit: (s) => ((s.replicas = 5), (s.autoscaling = { max: 3 })), field: 'spec.replicas', message: 'replicas cannot exceed autoscaling max' },
  {
    rule: 'scaling.rs:30 cpu target <= 100%',
    edit: (s) => (s.autoscaling = { max: 3, metrics: [{ metric: 'cpu', target: 150 }] }),
    field: 'spec.autoscaling.metrics[0].target',
    message: "autoscaling metric 'cpu' target cannot exceed 100%",
  },
  {
    rule: 'service.rs:162 external serviceType excludes ingress',
    edit: (s) => ((s.workload.service = { ports: { http: { port: 80 } }, serviceType: 'LoadBalancer' }), (s.ingress = { routes: {} })),
    field: 'spec.workload.service.serviceType',
    message: 'service.serviceType=LoadBalancer is mutually exclusive with spec.ingress; pick exactly one external-access path',
  },
  {
    rule: 'spec.rs:82 sidecar names are DNS labels',
    edit: (s) => (s.sidecars = { VPN: { image: 'wg:1', command: ['/usr/bin/wg'] } }),
    field: 'spec.sidecars.VPN',
    message: "sidecar name 'VPN' is not a valid DNS label (must be lowercase alphanumeric with hyphens, max 63 chars)",
  },
  {
    rule: 'container.rs:315 init sidecars name a command',
    edit: (s) => (s.sidecars = { setup: { image: 'busybox:1', init: true } }),
    field: 'spec.sidecars.setup.command',
    message: "sidecar 'setup': init containers must specify a command",
  },
  {
    rule: 'backup.rs:50 backup hook command absolute',
    edit: (s) => (s.backup = { hooks: { pre: [{ name: 'freeze', container: 'main', command: ['fsfreeze', '-f'] }] } }),
    field: 'spec.backup.hooks.pre[0].command[0]',
    message: "'backup hook 'freeze'': command[0] 'fsfreeze' must be an absolute path (start with '/')",
  },
];

describe('LatticeService spec validation (LatticeServiceSpec::validate, service.rs:153-187)', () => {
  it('admits the valid spec', () => expect(latticeServiceProblems(validSpec())).toEqual([]));
  it.each(SERVICE_RULES)('$rule', ({ edit, field, message }) => {
    const spec = validSpec();
    edit(spec);
    expect(latticeServiceProblems(spec)[0]).toEqual({ field, message });
  });
  it('lists every problem, in the reference order (the reference stops at the first)', () => {
    const spec = validSpec();
    main(spec).command = ['node'];
    delete main(spec).resources;
    expect(latticeServiceProblems(spec).map((p) => p.field)).toEqual(['spec.workload.containers.main.command[0]', 'spec.workload.containers.main.resources.limits']);
  });
  it('accepts what the reference accepts: "." image, octal 755 / 0644, quantities 0.5, 1e3, 100m, 1M', () => {
    const spec = validSpec();
    main(spec).image = '.';
    main(spec).files = { '/a': { content: 'x', mode: '755' }, '/b': { source: 'y', mode: '0644' } };
    main(spec).resources = { requests: { cpu: '0.5', memory: '1M' }, limits: { cpu: '100m', memory: '1e3Mi' } };
    expect(latticeServiceProblems(spec)).toEqual([]);
  });
  it('DNS labels as the reference sanitizer has them: a leading digit is refused, a trailing dash too', () => {
    expect(['http', 'grpc-web', 'a1'].map(isReferenceDnsLabel)).toEqual([true, true, true]);
    expect(['8080', 'http-', 'Http', 'h_t', 'a'.repeat(64)].map(isReferenceDnsLabel)).toEqual([false, false, false, false, false]);
  });
});

describe('LatticeMeshMember, SecretProvider, LatticeJob validation', () => {
  const lmm = (spec: Partial<LatticeMeshMemberSpec>): LatticeMeshMemberSpec => ({ target: { selector: { app: 'a' } }, ports: [{ name: 'http', port: 8080 }], ...spec });
  it('mesh_member.rs:326 port names are DNS labels', () =>
    expect(latticeMeshMemberProblems(lmm({ ports: [{ name: 'Web_1', port: 80 }] }))).toEqual([
      { field: 'spec.ports[0].name', message: "port name 'Web_1' is not a valid DNS label (must be lowercase alphanumeric with hyphens, max 63 chars)" },
    ]));
  it('mesh_member.rs:332 / :340 / :346 a target that selects something', () => {
    expect(latticeMeshMemberProblems(lmm({ target: { namespace: '' } }))[0].message).toBe('namespace target cannot be empty');
    expect(latticeMeshMemberProblems(lmm({ target: { selector: {} } }))[0].message).toBe('selector must have at least one label');
    expect(latticeMeshMemberProblems(lmm({ target: { selector: { '': 'x' } } }))[0].message).toBe('selector label key cannot be empty');
    expect(latticeMeshMemberProblems(lmm({}))).toEqual([]);
  });
  it('secrets_provider.rs:152-167 exactly one provider key', () => {
    expect(secretProviderProblems({ provider: {} })).toEqual([{ field: 'spec.provider', message: 'spec.provider must contain exactly one provider key' }]);
    expect(secretProviderProblems({ provider: { vault: {}, aws: {} } })[0].message).toBe('spec.provider must contain exactly one provider key, found 2: ["aws", "vault"]');
    expect(secretProviderProblems({ provider: { vault: { server: 'https://v' } } })).toEqual([]);
  });
  it('job.rs:375-430 tasks, training coordinator and commands, then every task container through ContainerSpec::validate', () => {
    const container = { image: 'trainer:1', command: ['/usr/bin/python'], resources: { limits: { cpu: '1' } } };
    const job = (spec: Partial<LatticeJobSpec>): LatticeJobSpec => ({ tasks: { master: { workload: { containers: { main: container } } } }, ...spec });
    expect(latticeJobProblems(job({}))).toEqual([]);
    expect(latticeJobProblems({ tasks: {} })[0].message).toBe('job has no tasks');
    expect(latticeJobProblems(job({ training: { coordinatorTask: 'lead' } }))[0].message).toBe("training coordinator task 'lead' not found in job tasks");
    const relative = job({ tasks: { worker: { workload: { containers: { main: { ...container, command: ['python'] } } } } } });
    expect(latticeJobProblems(relative)).toEqual([{ field: 'spec.tasks.worker.workload.containers.main.command[0]', message: "task 'worker': 'main': command[0] 'python' must be an absolute path (start with '/')" }]);
    // Defaults merge in first: limits given only in `defaults` count.
    const merged = job({ defaults: { workload: { containers: { main: { image: 'x', resources: { limits: { memory: '1Gi' } } } } } }, tasks: { master: { workload: { containers: { main: { image: 'y' } } } } } });
    expect(latticeJobProblems(merged)).toEqual([]);
  });
});

describe('the webhook (lattice-webhook validators, failurePolicy Fail)', () => {
  const ls = (namespace: string, spec: LatticeServiceSpec): KubeObject => ({ apiVersion: 'lattice.dev/v1alpha1', kind: 'LatticeService', metadata: { name: 'api', namespace }, spec });
  it('validators/mod.rs:21-33 refuses workload CRDs in a system namespace, before the spec', () => {
    expect(objectProblems(ls('kube-system', validSpec()))).toEqual([{ field: 'metadata.namespace', message: "workload CRDs cannot be deployed in system namespace 'kube-system'" }]);
    expect(objectProblems(ls('lattice-system', validSpec()))).toEqual([]);
    expect(objectProblems(ls('velero', validSpec()))[0].message).toContain("system namespace 'velero'");
  });
  it('denies CREATE and UPDATE with the first problem and lists every cause; allows DELETE and other kinds', () => {
    const spec = validSpec();
    main(spec).command = ['node'];
    const denied = admitLatticeObject({ operation: 'UPDATE', object: ls('shop', spec) });
    expect(denied).toMatchObject({ allowed: false, message: "spec.workload.containers.main.command[0]: 'main': command[0] 'node' must be an absolute path (start with '/')" });
    expect(admitLatticeObject({ operation: 'DELETE', oldObject: ls('shop', spec) })).toEqual({ allowed: true });
    expect(admitLatticeObject({ operation: 'CREATE', object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'kube-system' } } })).toEqual({ allowed: true });
    expect(LATTICE_VALIDATING_WEBHOOK).toMatchObject({ name: 'validate.lattice.dev', failurePolicy: 'Fail' });
  });
});

const WEBAPP = join(REFERENCE_DIR, 'webapp');
describe.skipIf(!existsSync(WEBAPP))('the reference webapp fixture (../shared/fixtures/reference/webapp)', () => {
  const problems = Object.fromEntries(
    loadReferenceObjects('webapp')
      .filter((r) => r.object.kind === 'LatticeService')
      .map((r) => [r.object.metadata.name, objectProblems(r.object)]),
  );
  it('refuses api (command node) and redis (command redis-server), as the reference webhook would; admits the other three', () => {
    expect(problems.api?.[0]).toEqual({ field: 'spec.workload.containers.main.command[0]', message: "'main': command[0] 'node' must be an absolute path (start with '/')" });
    expect(problems.redis?.[0]).toEqual({ field: 'spec.workload.containers.main.command[0]', message: "'main': command[0] 'redis-server' must be an absolute path (start with '/')" });
    expect(Object.keys(problems).sort()).toEqual(['api', 'frontend', 'postgres', 'redis', 'worker']);
    expect({ frontend: problems.frontend, postgres: problems.postgres, worker: problems.worker }).toEqual({ frontend: [], postgres: [], worker: [] });
  });
});
describe.runIf(!existsSync(WEBAPP))('the reference webapp fixture', () => {
  it.skip('skipped: ../shared/fixtures/reference/webapp is absent in this checkout', () => {});
});
