import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, relative } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import { loadPlatformCrds, platformCrdSchema, PLATFORM_CRD_FILES } from './index.ts';

const fixturesUrl = new URL('../../../shared/fixtures/reference/', import.meta.url);
const fixturesDir = fileURLToPath(fixturesUrl);
const haveFixtures = existsSync(fixturesDir);
/** Appended to each reference-fixture test's name, so a skip says why. */
const absent = haveFixtures ? '' : ' (reference fixtures not present (../shared/fixtures/reference): skipped)';

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) out.push(...yamlFiles(full));
    else if (/\.ya?ml$/.test(entry)) out.push(full);
  }
  return out;
}

function fixtureObjects(kind: string): { file: string; obj: KubeObject }[] {
  const found: { file: string; obj: KubeObject }[] = [];
  for (const file of yamlFiles(fixturesDir)) {
    for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
      const obj = doc.toJS() as KubeObject | null;
      if (obj?.kind === kind) found.push({ file: relative(fixturesDir, file), obj });
    }
  }
  return found;
}

function validator(kind: string): ValidateFunction {
  // Same options as the fake API server's admission.
  const ajv = new Ajv({ strict: false, allErrors: true, useDefaults: true });
  return ajv.compile(platformCrdSchema(kind));
}

const errorPaths = (errors: ErrorObject[] | null | undefined): string[] => (errors ?? []).map((e) => e.instancePath);

describe('platform CRD manifests', () => {
  it('load as the lattice.dev/v1alpha1 CRDs with a status subresource and a structural root', () => {
    const crds = loadPlatformCrds();
    expect(crds.map((c) => c.metadata.name)).toEqual([
      'latticeservices.lattice.dev',
      'latticemeshmembers.lattice.dev',
      'cedarpolicies.lattice.dev',
      'secretproviders.lattice.dev',
      'latticejobs.lattice.dev',
      'imageproviders.lattice.dev',
      'latticemodels.lattice.dev',
      'latticepackages.lattice.dev',
      'latticequotas.lattice.dev',
    ]);
    expect(crds).toHaveLength(PLATFORM_CRD_FILES.length);
    for (const crd of crds) {
      expect(crd.spec.group).toBe('lattice.dev');
      expect(crd.spec.scope).toBe('Namespaced');
      // LatticeService also serves v1beta1 (platform/versions) and stores it; every other CRD stores v1alpha1.
      const isService = crd.metadata.name === 'latticeservices.lattice.dev';
      expect(crd.spec.versions).toHaveLength(isService ? 2 : 1);
      const [v] = crd.spec.versions;
      expect(v).toMatchObject({ name: 'v1alpha1', served: true, storage: !isService, subresources: { status: {} } });
      expect(v.schema.openAPIV3Schema.type).toBe('object');
      expect(v.schema.openAPIV3Schema.properties.spec.type).toBe('object');
    }
    expect(crds[0].spec.names).toMatchObject({ kind: 'LatticeService', plural: 'latticeservices', shortNames: ['ls'] });
    expect(crds[1].spec.names).toMatchObject({ kind: 'LatticeMeshMember', plural: 'latticemeshmembers', shortNames: ['lmm'] });
    expect(crds[0].spec.versions[0].additionalPrinterColumns.map((c: { name: string }) => c.name)).toEqual(['Strategy', 'Phase', 'Age']);
    expect(crds[0].spec.versions[0]).toMatchObject({ deprecated: true });
    expect(crds[0].spec.versions[1]).toMatchObject({ name: 'v1beta1', served: true, storage: true, subresources: { status: {} } });
    expect(crds[0].spec.versions[1]).not.toHaveProperty('deprecated');
    expect(crds[0].spec.versions[1].schema.openAPIV3Schema.properties.spec.required).toEqual(['workload', 'replicas']);
    // Both versions carry the same cross-field CEL rules (the API server checks the request version's).
    const rules = (i: number) => crds[0].spec.versions[i].schema.openAPIV3Schema.properties.spec['x-kubernetes-validations'];
    expect(rules(0)).toHaveLength(2);
    expect(rules(1)).toEqual(rules(0));
    expect(crds[0].spec.conversion).toMatchObject({ strategy: 'Webhook', webhook: { clientConfig: { service: { namespace: 'lattice-system', name: 'lattice-webhook', path: '/convert' } } } });
  });

  it('are returned as the same frozen objects on every call', () => {
    const a = loadPlatformCrds();
    expect(loadPlatformCrds()).toBe(a);
    expect(Object.isFrozen(a[0].spec.versions[0].schema)).toBe(true);
  });

  it('give every property a type, or int-or-string, or preserve-unknown-fields (structural schema)', () => {
    const problems: string[] = [];
    const walk = (node: Record<string, unknown>, path: string): void => {
      if (!node.type && !node['x-kubernetes-int-or-string'] && !node['x-kubernetes-preserve-unknown-fields']) problems.push(path);
      for (const [key, child] of Object.entries((node.properties as Record<string, Record<string, unknown>>) ?? {})) walk(child, `${path}.${key}`);
      if (node.items) walk(node.items as Record<string, unknown>, `${path}[]`);
      if (node.additionalProperties && typeof node.additionalProperties === 'object') walk(node.additionalProperties as Record<string, unknown>, `${path}{}`);
    };
    for (const crd of loadPlatformCrds()) for (const v of crd.spec.versions) walk(v.schema.openAPIV3Schema, `${crd.spec.names.kind} ${v.name}`);
    expect(problems).toEqual([]);
  });
});

describe('LatticeService schema', () => {
  const validate = validator('LatticeService');

  it.skipIf(!haveFixtures)('accepts every reference LatticeService fixture (skipped when ../shared/fixtures is absent)', () => {
    const specs = fixtureObjects('LatticeService');
    expect(specs.length).toBeGreaterThanOrEqual(10);
    const failures = specs
      .map(({ file, obj }) => ({ file, ok: validate(structuredClone(obj)), errors: validate.errors }))
      .filter((r) => !r.ok)
      .map((r) => `${r.file}: ${JSON.stringify(r.errors)}`);
    expect(failures).toEqual([]);
  });

  it.skipIf(!haveFixtures)(`defaults replicas to 1 and resource direction to outbound on the webapp api fixture${absent}`, () => {
    const api = fixtureObjects('LatticeService').find((f) => f.file === join('webapp', 'api.yaml'));
    expect(api).toBeDefined();
    const obj = structuredClone(api!.obj);
    delete obj.spec.replicas;
    expect(validate(obj)).toBe(true);
    expect(obj.spec.replicas).toBe(1);
    expect(obj.spec.workload.resources['db-credentials'].direction).toBe('outbound');
    expect(obj.spec.workload.resources.frontend.direction).toBe('inbound');
    expect(obj.spec.workload.service.serviceType).toBe('ClusterIP');
  });

  if (!haveFixtures) it.skip(`reference fixtures not found at ${fixturesDir}; fixture tests skipped`, () => {});

  const minimal = (): KubeObject => ({
    apiVersion: 'lattice.dev/v1alpha1',
    kind: 'LatticeService',
    metadata: { name: 'a', namespace: 'n' },
    spec: { workload: { containers: { main: { image: 'busybox:1.37' } }, resources: { db: {} } } },
  });

  it('defaults replicas to 1, direction to outbound and deploy strategy to rolling on a minimal spec', () => {
    const obj = minimal();
    obj.spec.deploy = {};
    expect(validate(obj)).toBe(true);
    expect(obj.spec.replicas).toBe(1);
    expect(obj.spec.workload.resources.db.direction).toBe('outbound');
    expect(obj.spec.deploy.strategy).toBe('rolling');
  });

  it('rejects a container without image at /spec/workload/containers/main', () => {
    const obj = minimal();
    delete obj.spec.workload.containers.main.image;
    expect(validate(obj)).toBe(false);
    expect(validate.errors).toContainEqual(expect.objectContaining({ instancePath: '/spec/workload/containers/main', keyword: 'required', params: { missingProperty: 'image' } }));
  });

  it('rejects an unknown resource direction at /spec/workload/resources/db/direction', () => {
    const obj = minimal();
    obj.spec.workload.resources.db.direction = 'sideways';
    expect(validate(obj)).toBe(false);
    expect(errorPaths(validate.errors)).toEqual(['/spec/workload/resources/db/direction']);
    expect(validate.errors?.[0].keyword).toBe('enum');
  });

  it('rejects service ports 0 and 65536 at their port paths', () => {
    const obj = minimal();
    obj.spec.workload.service = { ports: { low: { port: 0 }, high: { port: 65536 }, ok: { port: 80, targetPort: 8080 } } };
    expect(validate(obj)).toBe(false);
    expect(errorPaths(validate.errors).sort()).toEqual(['/spec/workload/service/ports/high/port', '/spec/workload/service/ports/low/port']);
  });

  it('rejects an empty containers map and a missing workload', () => {
    const empty = minimal();
    empty.spec.workload.containers = {};
    expect(validate(empty)).toBe(false);
    expect(validate.errors).toContainEqual(expect.objectContaining({ instancePath: '/spec/workload/containers', keyword: 'minProperties' }));
    const none = minimal();
    delete none.spec.workload;
    expect(validate(none)).toBe(false);
    expect(validate.errors).toContainEqual(expect.objectContaining({ instancePath: '/spec', params: { missingProperty: 'workload' } }));
  });

  it('accepts integer and string cpu quantities and rejects a boolean one', () => {
    const obj = minimal();
    obj.spec.workload.containers.main.resources = { requests: { cpu: 1, memory: '64Mi' }, limits: { cpu: '500m' } };
    expect(validate(obj)).toBe(true);
    obj.spec.workload.containers.main.resources.limits.cpu = true;
    expect(validate(obj)).toBe(false);
    expect(errorPaths(validate.errors)).toContain('/spec/workload/containers/main/resources/limits/cpu');
  });

  it('rejects an unknown status phase and accepts null message and observedGeneration', () => {
    const obj = minimal();
    obj.status = { phase: 'Ready', message: null, observedGeneration: null, conditions: [{ type: 'Ready', status: 'True', reason: 'ServiceReady' }] };
    expect(validate(obj)).toBe(true);
    obj.status.phase = 'Done';
    expect(validate(obj)).toBe(false);
    expect(errorPaths(validate.errors)).toEqual(['/status/phase']);
  });
});

describe('LatticeMeshMember schema', () => {
  const validate = validator('LatticeMeshMember');
  const lmm = (target: unknown): KubeObject => ({
    apiVersion: 'lattice.dev/v1alpha1',
    kind: 'LatticeMeshMember',
    metadata: { name: 'm', namespace: 'n' },
    spec: { target, ports: [{ port: 8080, name: 'http' }], allowedCallers: [{ name: 'api' }] },
  });

  it('defaults peerAuth Strict, ambient true, allowPeerTraffic and dependsAll false', () => {
    const obj = lmm({ selector: { app: 'x' } });
    expect(validate(obj)).toBe(true);
    expect(obj.spec.ports[0].peerAuth).toBe('Strict');
    expect(obj.spec).toMatchObject({ ambient: true, allowPeerTraffic: false, dependsAll: false });
  });

  it('requires exactly one of target.selector and target.namespace', () => {
    expect(validate(lmm({ namespace: 'legacy' }))).toBe(true);
    expect(validate(lmm({}))).toBe(false);
    expect(validate(lmm({ selector: { a: 'b' }, namespace: 'n' }))).toBe(false);
    expect(errorPaths(validate.errors)).toEqual(['/spec/target']);
  });

  it('rejects a caller without name and a bad peerAuth', () => {
    const obj = lmm({ namespace: 'n' });
    obj.spec.allowedCallers = [{ namespace: 'x' }];
    obj.spec.ports[0].peerAuth = 'Mutual';
    expect(validate(obj)).toBe(false);
    expect(errorPaths(validate.errors).sort()).toEqual(['/spec/allowedCallers/0', '/spec/ports/0/peerAuth']);
  });

  it('accepts a null scope in status', () => {
    const obj = lmm({ namespace: 'n' });
    obj.status = { phase: 'Failed', scope: null, message: 'x', observedGeneration: 1, appliedResources: [{ kind: 'Service', name: 'a' }] };
    expect(validate(obj)).toBe(true);
  });
});

describe('CedarPolicy and SecretProvider schemas', () => {
  it('default CedarPolicy priority 0, enabled and propagate true, and require policies', () => {
    const validate = validator('CedarPolicy');
    const obj: KubeObject = { apiVersion: 'lattice.dev/v1alpha1', kind: 'CedarPolicy', metadata: { name: 'p', namespace: 'lattice-system' }, spec: { policies: 'permit(principal, action, resource);' } };
    expect(validate(obj)).toBe(true);
    expect(obj.spec).toMatchObject({ priority: 0, enabled: true, propagate: true });
    delete obj.spec.policies;
    expect(validate(obj)).toBe(false);
    expect(validate.errors?.[0]).toMatchObject({ instancePath: '/spec', params: { missingProperty: 'policies' } });
  });

  it.skipIf(!haveFixtures)(`accepts every reference CedarPolicy fixture${absent}`, () => {
    const validate = validator('CedarPolicy');
    const policies = fixtureObjects('CedarPolicy');
    expect(policies.length).toBeGreaterThan(0);
    for (const { obj } of policies) expect(validate(structuredClone(obj))).toBe(true);
  });

  it('require exactly one provider key in a SecretProvider', () => {
    const validate = validator('SecretProvider');
    const sp = (provider: unknown): KubeObject => ({ apiVersion: 'lattice.dev/v1alpha1', kind: 'SecretProvider', metadata: { name: 'v', namespace: 'lattice-system' }, spec: { provider } });
    expect(validate(sp({ vault: { server: 'https://vault:8200', path: 'secret' } }))).toBe(true);
    expect(validate(sp({}))).toBe(false);
    expect(validate(sp({ vault: {}, aws: {} }))).toBe(false);
    expect(errorPaths(validate.errors)).toEqual(['/spec/provider']);
  });
});

describe('ImageProvider CRD (reference crates/lattice-crd/src/crd/image_provider.rs)', () => {
  it('requires type and registry, and types credentials as {id, provider, keys?, refreshInterval?, secretType?}', () => {
    const schema = platformCrdSchema('ImageProvider') as { properties: { spec: { required: string[]; properties: Record<string, { required?: string[]; enum?: string[] }> } } };
    expect(schema.properties.spec.required).toEqual(['type', 'registry']);
    expect(schema.properties.spec.properties.type.enum).toEqual(['ghcr', 'dockerhub', 'ecr', 'gar', 'acr', 'harbor', 'generic']);
    expect(schema.properties.spec.properties.credentials.required).toEqual(['id', 'provider']);
  });
});

describe('LatticeJob schema', () => {
  const validate = validator('LatticeJob');

  it.skipIf(!haveFixtures)(`accepts every reference LatticeJob fixture${absent}`, () => {
    const specs = fixtureObjects('LatticeJob');
    expect(specs.length).toBeGreaterThanOrEqual(3);
    const failures = specs.filter(({ obj }) => !validate(structuredClone(obj))).map(({ file }) => `${file}: ${JSON.stringify(validate.errors)}`);
    expect(failures).toEqual([]);
  });

  it('defaults schedulerName to volcano and training to PyTorch with coordinator master; a task may be only replicas', () => {
    const obj: KubeObject = { apiVersion: 'lattice.dev/v1alpha1', kind: 'LatticeJob', metadata: { name: 'j', namespace: 'n' }, spec: { training: {}, tasks: { master: { replicas: 1 } } } };
    expect(validate(obj)).toBe(true);
    expect(obj.spec.schedulerName).toBe('volcano');
    expect(obj.spec.training).toEqual({ framework: 'PyTorch', coordinatorTask: 'master' });
  });

  it('refuses a job without tasks, an unknown policy event and a restartPolicy outside Never / OnFailure / Always', () => {
    const base = (spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'lattice.dev/v1alpha1', kind: 'LatticeJob', metadata: { name: 'j', namespace: 'n' }, spec });
    expect(validate(base({}))).toBe(false);
    expect(validate(base({ tasks: {} }))).toBe(false);
    expect(validate(base({ tasks: { a: {} }, policies: [{ event: 'PodCrashed', action: 'RestartJob' }] }))).toBe(false);
    expect(errorPaths(validate.errors)).toContain('/spec/policies/0/event');
    expect(validate(base({ tasks: { a: { restartPolicy: 'Sometimes' } } }))).toBe(false);
    expect(errorPaths(validate.errors)).toContain('/spec/tasks/a/restartPolicy');
  });
});

describe('LatticeModel schema', () => {
  const validate = validator('LatticeModel');
  const base = (spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'lattice.dev/v1alpha1', kind: 'LatticeModel', metadata: { name: 'm', namespace: 'n' }, spec });

  it.skipIf(!haveFixtures)(`accepts the reference LatticeModel fixture${absent}`, () => {
    const specs = fixtureObjects('LatticeModel');
    expect(specs.length).toBeGreaterThanOrEqual(1);
    const failures = specs.filter(({ obj }) => !validate(structuredClone(obj))).map(({ file }) => `${file}: ${JSON.stringify(validate.errors)}`);
    expect(failures).toEqual([]);
  });

  it('defaults schedulerName to volcano; a role may be only replicas', () => {
    const obj = base({ roles: { serve: { replicas: 1 } } });
    expect(validate(obj)).toBe(true);
    expect(obj.spec.schedulerName).toBe('volcano');
  });

  it('refuses a model without roles, an unknown inference engine, KV connector or autoscaling without max', () => {
    expect(validate(base({}))).toBe(false);
    expect(validate(base({ roles: {} }))).toBe(false);
    expect(validate(base({ roles: { a: {} }, routing: { inferenceEngine: 'TGI', model: 'x' } }))).toBe(false);
    expect(errorPaths(validate.errors)).toContain('/spec/routing/inferenceEngine');
    expect(validate(base({ roles: { a: {} }, routing: { inferenceEngine: 'vLLM', model: 'x', kvConnector: { type: 'rdma' } } }))).toBe(false);
    expect(errorPaths(validate.errors)).toContain('/spec/routing/kvConnector/type');
    expect(validate(base({ roles: { a: { autoscaling: { metrics: [] } } } }))).toBe(false);
    expect(errorPaths(validate.errors)).toContain('/spec/roles/a/autoscaling');
  });
});

describe('LatticePackage schema', () => {
  const validate = validator('LatticePackage');
  it.skipIf(!haveFixtures)(`accepts the reference LatticePackage fixture${absent}`, () => {
    const specs = fixtureObjects('LatticePackage');
    expect(specs.length).toBeGreaterThanOrEqual(1);
    expect(specs.filter(({ obj }) => !validate(structuredClone(obj))).map(({ file }) => `${file}: ${JSON.stringify(validate.errors)}`)).toEqual([]);
  });
  it('requires a chart with repository, name and version; defaults createNamespace, skipCrds, timeout, propagate', () => {
    const base = (spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'lattice.dev/v1alpha1', kind: 'LatticePackage', metadata: { name: 'p', namespace: 'n' }, spec });
    expect(validate(base({ chart: { repository: 'oci://r', name: 'c' } }))).toBe(false);
    expect(errorPaths(validate.errors)).toContain('/spec/chart');
    const ok = base({ chart: { repository: 'oci://r', name: 'c', version: '1.0.0' } });
    expect(validate(ok)).toBe(true);
    expect(ok.spec).toMatchObject({ createNamespace: false, skipCrds: false, timeout: '5m', propagate: false });
  });
});

describe('LatticeQuota CRD (reference crates/lattice-crd/src/crd/quota.rs)', () => {
  const validate = validator('LatticeQuota');
  const q = (spec: unknown): KubeObject => ({ apiVersion: 'lattice.dev/v1alpha1', kind: 'LatticeQuota', metadata: { name: 'ml-team-gpu-budget', namespace: 'lattice-system' }, spec });
  it('accepts the reference example and requires principal and limits', () => {
    expect(validate(q({ principal: 'Lattice::Group::"ml-team"', limits: { cpu: '128', memory: '512Gi', 'nvidia.com/gpu': '16' }, maxPerWorkload: { 'nvidia.com/gpu': '8' } }))).toBe(true);
    expect(validate(q({ limits: { cpu: '1' } }))).toBe(false);
    expect(validate(q({ principal: 'Lattice::Group::"ml-team"' }))).toBe(false);
    expect(validate(q({ principal: 'Lattice::Group::"ml-team"', limits: { cpu: 4 } }))).toBe(false);
    expect(errorPaths(validate.errors)).toEqual(['/spec/limits/cpu']);
  });
  it('prints Principal, Phase and Age, and defaults enabled to true', () => {
    const crd = loadPlatformCrds().find((c) => c.spec.names.kind === 'LatticeQuota')!;
    expect(crd.spec.versions[0].additionalPrinterColumns.map((c: { name: string }) => c.name)).toEqual(['Principal', 'Phase', 'Age']);
    expect(crd.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.enabled.default).toBe(true);
  });
});
