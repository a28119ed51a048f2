/**
 * LatticeModel → Kthena (reference §2.10): golden pairs over our own example models
 * (`testdata/models/<name>.yaml` → `__golden__/models/<name>.yaml`; `UPDATE_GOLDEN=1 npx vitest run
 * platform/compiler/model-compiler.test.ts` rewrites them, review the diff), behaviour tests, and the
 * reference LatticeModel fixture (skipped when ../shared is absent).
 */
import { existsSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { goldenPairs, loadExample } from './golden-pairs.ts';
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import type { LatticeModel } from '../crds/model-types.ts';
import { compileModel, mergeRole, modelImages, modelServingName } from './index.ts';
import { allowAll, denyWhere, loadReferenceObjects, REFERENCE_DIR, expectOk } from './testing.ts';
import { resolveBudget } from '../quota/index.ts';

const ctx = { authorizer: allowAll(), clusterName: 'sim' };

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

const example = (name: string): LatticeModel => loadExample<LatticeModel>('models', name);

const ok = expectOk;

const named = (objs: KubeObject[], kind: string, name: string): Json => {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind} ${name} in [${objs.map((x) => `${x.kind}/${x.metadata.name}`).join(', ')}]`);
  return o;
};

describe('golden: our example LatticeModels', () => {
  goldenPairs<LatticeModel>('models', (x) => compileModel(x, ctx), true);
});

describe('ModelServing', () => {
  test('chat-pd: one role per model role, entry templates from the WorkloadCompiler with model labels, gang of 1 per role, named by the role set', () => {
    const r = ok(compileModel(example('chat-pd'), ctx));
    const [ms] = r.layers.serving;
    expect(ms).toMatchObject({ apiVersion: 'workload.serving.volcano.sh/v1alpha1', kind: 'ModelServing', metadata: { namespace: 'inference' } });
    expect(ms.metadata.name).toBe(r.servingName);
    expect(r.servingName).toMatch(/^chat-[0-9a-f]{8}$/);
    expect(ms.metadata.ownerReferences).toEqual([{ apiVersion: 'lattice.dev/v1alpha1', kind: 'LatticeModel', name: 'chat', uid: '<uid>', controller: true, blockOwnerDeletion: true }]);
    expect(ms.spec.schedulerName).toBe('volcano');
    expect(ms.spec.template.roles.map((x: Json) => [x.name, x.replicas, x.workerReplicas])).toEqual([
      ['decode', 2, 0],
      ['prefill', 1, 0],
    ]);
    expect(ms.spec.template.gangPolicy).toEqual({ minRoleReplicas: { decode: 1, prefill: 1 } });
    const decode = ms.spec.template.roles[0].entryTemplate;
    expect(decode.metadata.labels).toMatchObject({ 'app.kubernetes.io/name': 'chat-decode', 'lattice.dev/model': 'chat', 'istio.io/dataplane-mode': 'none' });
    // defaults merged: the engine container comes from `defaults`, the metrics port from the role.
    expect(decode.spec.containers.map((c: Json) => c.name)).toEqual(['engine']);
    // kvConnector without explicit topology: Soft, tier 2 for nixl.
    expect(ms.spec.template.networkTopology).toEqual({ groupPolicy: { mode: 'soft', highestTierAllowed: 2 } });
    expect(r.autoTopology).toEqual({ mode: 'Soft', maxTier: 2 });
  });

  test('the ModelServing name changes with the role set only', () => {
    const m = example('chat-pd');
    const more = { ...m, spec: { ...m.spec, roles: { ...m.spec.roles, extra: { replicas: 1 } } } };
    const scaled = { ...m, spec: { ...m.spec, roles: { ...m.spec.roles, prefill: { replicas: 3 } } } };
    expect(modelServingName(scaled)).toBe(modelServingName(m));
    expect(modelServingName(more)).not.toBe(modelServingName(m));
  });

  test('model download: cache volume, scratch, dshm, init container writing to <mount>/<hash>, read-only mounts, HF_HUB_OFFLINE for hf://', () => {
    const r = ok(compileModel(example('chat-pd'), ctx));
    const t = r.layers.serving[0].spec.template.roles[1].entryTemplate.spec;
    expect(t.volumes).toEqual(expect.arrayContaining([{ name: 'model-cache', emptyDir: { sizeLimit: '20Gi' } }, { name: 'model-downloader-scratch', emptyDir: {} }, { name: 'dshm', emptyDir: { medium: 'Memory' } }]));
    const init = t.initContainers.find((c: Json) => c.name === 'model-downloader');
    expect(init.image).toBe('ghcr.io/volcano-sh/downloader:latest');
    expect(init.args.slice(0, 3)).toEqual(['--source', 'hf://acme/chat-7b', '--output-dir']);
    expect(init.args[3]).toMatch(/^\/models\/[0-9a-f]{8}$/);
    expect(t.containers[0].volumeMounts).toEqual(expect.arrayContaining([{ name: 'model-cache', mountPath: '/models', readOnly: true }]));
    expect(t.containers[0].env).toEqual(expect.arrayContaining([{ name: 'HF_HUB_OFFLINE', value: '1' }]));
  });

  test('embedder: PVC cache, custom mount, token secret as envFrom, workers compiled as <model>-<role>-worker, explicit topology wins', () => {
    const r = ok(compileModel(example('embedder'), ctx));
    const [role] = r.layers.serving[0].spec.template.roles;
    expect(role).toMatchObject({ name: 'serve', replicas: 1, workerReplicas: 2 });
    expect(role.workerTemplate.metadata.labels['app.kubernetes.io/name']).toBe('embedder-serve-worker');
    expect(role.entryTemplate.spec.volumes).toEqual(expect.arrayContaining([{ name: 'model-cache', persistentVolumeClaim: { claimName: 'embed-cache' } }]));
    const init = role.workerTemplate.spec.initContainers.find((c: Json) => c.name === 'model-downloader');
    expect(init.envFrom).toEqual([{ secretRef: { name: 's3-credentials' } }]);
    expect(role.entryTemplate.spec.containers[0].env ?? []).not.toContainEqual({ name: 'HF_HUB_OFFLINE', value: '1' });
    expect(r.layers.serving[0].spec).toMatchObject({ recoveryPolicy: 'RoleRecreate', template: { restartGracePeriodSeconds: 20, networkTopology: { groupPolicy: { mode: 'hard', highestTierAllowed: 1 } } } });
    expect(r.autoTopology).toBeUndefined();
    expect(r.layers.routing).toEqual([]);
  });
});

describe('routing, P/D and mesh', () => {
  test('chat-pd: ModelServer with pdGroup and kvConnector, ModelRoute targeting the model server, peer Services with the side channel', () => {
    const r = ok(compileModel(example('chat-pd'), ctx));
    const server = named(r.layers.routing, 'ModelServer', 'chat');
    expect(server.apiVersion).toBe('networking.serving.volcano.sh/v1alpha1');
    expect(server.spec).toEqual({
      model: 'acme/chat-7b',
      inferenceEngine: 'vLLM',
      workloadSelector: {
        matchLabels: { 'modelserving.volcano.sh/name': r.servingName },
        pdGroup: { groupKey: 'modelserving.volcano.sh/group-name', prefillLabels: { 'modelserving.volcano.sh/role': 'prefill' }, decodeLabels: { 'modelserving.volcano.sh/role': 'decode' } },
      },
      workloadPort: { port: 8000 },
      kvConnector: { type: 'nixl' },
    });
    expect(named(r.layers.routing, 'ModelRoute', 'chat-chat').spec).toEqual({ modelName: 'acme/chat-7b', rules: [{ name: 'all', targetModels: [{ modelServerName: 'chat', weight: 100 }] }] });
    const peer = named(r.layers.infrastructure, 'Service', 'chat-prefill');
    expect(peer.spec.ports).toEqual([
      { name: 'inference', port: 8000, targetPort: 8000, protocol: 'TCP' },
      { name: 'kv-side-channel', port: 5557, targetPort: 5557, protocol: 'TCP' },
    ]);
    expect(peer.spec.selector).toEqual({ 'app.kubernetes.io/name': 'chat-prefill' });
  });

  test('mesh members: model selector, not ambient, kthena router on inference, autoscaler on metrics for the autoscaled role only, peer traffic for P/D, download egress on 443', () => {
    const r = ok(compileModel(example('chat-pd'), ctx));
    const decode = r.meshMembers.find((m) => m.metadata.name === 'chat-decode')!;
    const prefill = r.meshMembers.find((m) => m.metadata.name === 'chat-prefill')!;
    expect(decode.spec).toMatchObject({ target: { selector: { 'lattice.dev/model': 'chat' } }, ambient: false, allowPeerTraffic: true });
    expect(decode.spec.allowedCallers).toEqual([
      { namespace: 'kthena-system', name: 'kthena-autoscaler' },
      { namespace: 'kthena-system', name: 'kthena-router' },
    ]);
    expect(prefill.spec.allowedCallers).toEqual([{ namespace: 'kthena-system', name: 'kthena-router' }]);
    expect(decode.spec.ports.map((p) => [p.name, p.port])).toEqual(expect.arrayContaining([['inference', 8000], ['metrics', 9090]]));
    expect(prefill.spec.egress).toContainEqual({ target: { fqdn: 'huggingface.co' }, ports: [443] });
  });

  test('without the exact prefill/decode role names there is no P/D: no pdGroup, no peer Services, no peer traffic', () => {
    const m = example('chat-pd');
    const renamed = { ...m, spec: { ...m.spec, roles: { prefill: m.spec.roles.prefill, generate: m.spec.roles.decode } } };
    const r = ok(compileModel(renamed, ctx));
    expect(named(r.layers.routing, 'ModelServer', 'chat').spec.workloadSelector.pdGroup).toBeUndefined();
    expect(r.layers.infrastructure.filter((o) => o.kind === 'Service')).toEqual([]);
    expect(r.meshMembers.every((mm) => !mm.spec.allowPeerTraffic)).toBe(true);
  });
});

describe('autoscaling', () => {
  test('chat-pd: AutoscalingPolicy and Binding <model>-<role>-scaling on the KV-cache metric for decode only', () => {
    const r = ok(compileModel(example('chat-pd'), ctx));
    expect(r.layers.autoscalingPolicies.map((p) => p.metadata.name)).toEqual(['chat-decode-scaling']);
    const [policy] = r.layers.autoscalingPolicies;
    expect(policy.spec).toEqual({
      metrics: [{ metricName: 'gpu_kv_cache_usage', targetValue: '0.75' }],
      tolerancePercent: 10,
      behavior: { scaleUp: { stablePolicy: { stabilizationWindow: '30s', period: '15s' } }, scaleDown: { stabilizationWindow: '5m' } },
    });
    const [binding] = r.layers.autoscalingBindings;
    expect(binding.spec).toEqual({
      policyRef: { name: 'chat-decode-scaling' },
      homogeneousTarget: { target: { targetRef: { kind: 'ModelServing', name: r.servingName }, subTargets: { kind: 'Role', name: 'decode' }, metricEndpoint: { uri: '/metrics', port: 9090 } }, minReplicas: 2, maxReplicas: 6 },
    });
  });
});

describe('failures', () => {
  test('no roles, replicas above max, bad URI scheme, P/D without a port', () => {
    const m = example('chat-pd');
    expect(compileModel({ ...m, spec: { ...m.spec, roles: {} } }, ctx)).toMatchObject({ ok: false, reason: 'invalid', message: 'model has no roles' });
    const tooMany = { ...m, spec: { ...m.spec, roles: { ...m.spec.roles, decode: { ...m.spec.roles.decode, replicas: 7 } } } };
    expect(compileModel(tooMany, ctx)).toMatchObject({ ok: false, message: "role 'decode' replicas (7) exceeds autoscaling max (6)" });
    expect(compileModel({ ...m, spec: { ...m.spec, modelSource: { uri: 'http://x/y' } } }, ctx)).toMatchObject({ ok: false, message: 'unsupported model URI scheme (expected hf://, s3://, or gs://): http://x/y' });
    expect(compileModel({ ...m, spec: { ...m.spec, routing: { ...m.spec.routing!, port: undefined } } }, ctx)).toMatchObject({ ok: false, message: 'routing.port is required for prefill/decode disaggregation' });
  });

  test('a role over the LatticeQuota budget fails the model, each workload checked with replicas 1 (reference compile_workload with_quota_budget(budget, 1))', () => {
    const m = example('chat-pd');
    const quota = (cap: string) => ({ apiVersion: 'lattice.dev/v1alpha1', kind: 'LatticeQuota', metadata: { name: 'q', namespace: 'lattice-system' }, spec: { principal: `Lattice::Service::"${m.metadata.namespace}/${m.metadata.name}"`, limits: {}, maxPerWorkload: { cpu: cap } } });
    const over = compileModel(m, { ...ctx, quotaBudget: resolveBudget([quota('400m')], m.metadata.namespace!, m.metadata.name, {}, {}) });
    expect(over).toMatchObject({ ok: false, reason: 'quota-exceeded' });
    expect(!over.ok && over.message).toMatch(/^compilation failed for role '[a-z-]+': quota exceeded: cpu \(500m\) exceeds per-workload cap \(400m\)$/);
    // decode has 2 replicas of 500m, but each role workload is checked as one replica.
    expect(compileModel(m, { ...ctx, quotaBudget: resolveBudget([quota('500m')], m.metadata.namespace!, m.metadata.name, {}, {}) }).ok).toBe(true);
  });

  test('a Cedar denial in one role denies the whole model, naming the role', () => {
    const m = example('chat-pd');
    const withSecret = { ...m, spec: { ...m.spec, roles: { ...m.spec.roles, prefill: { replicas: 1, entryWorkload: { resources: { key: { type: 'secret', id: 'hf/token', params: { provider: 'vault', keys: ['token'] } } } } } } } };
    const r = compileModel(withSecret, { authorizer: denyWhere((req) => req.action === 'AccessSecret'), clusterName: 'sim' });
    expect(r).toMatchObject({ ok: false, reason: 'denied', gate: 'AccessSecret' });
    expect(!r.ok && r.message).toMatch(/^compilation failed for role 'prefill': /);
  });
});

test('mergeRole: defaults fill the role, the role wins per key, autoscaling from the role', () => {
  const merged = mergeRole(
    { replicas: 2, entryWorkload: { containers: { main: { image: '', variables: { B: '2' } } } } as never },
    { replicas: 1, entryWorkload: { containers: { main: { image: 'img', variables: { A: '1' } } } } as never, entryRuntime: { imagePullSecrets: ['default'] } },
  );
  expect(merged.replicas).toBe(2);
  expect(merged.entryWorkload?.containers?.main).toMatchObject({ image: 'img', variables: { A: '1', B: '2' } });
  expect(merged.entryRuntime?.imagePullSecrets).toEqual(['default']);
});

describe.skipIf(!existsSync(REFERENCE_DIR))('reference fixture', () => {
  test('e2e-services/model-serving.yaml compiles: P/D with a decode worker, kthena callers, KV-cache autoscaling', () => {
    const [m] = loadReferenceObjects('e2e-services').filter((o) => o.object.kind === 'LatticeModel');
    const r = ok(compileModel({ ...(m.object as LatticeModel), metadata: { ...m.object.metadata, uid: 'u' } }, ctx));
    expect(r.roles).toEqual(['decode', 'prefill']);
    expect(r.layers.serving[0].spec.template.roles[0]).toMatchObject({ name: 'decode', workerReplicas: 1 });
    expect(r.layers.autoscalingPolicies[0].spec.metrics).toEqual([{ metricName: 'gpu_kv_cache_usage', targetValue: '0.8' }]);
    expect(r.meshMembers.map((mm) => mm.metadata.name).sort()).toEqual(['llm-serving-decode', 'llm-serving-decode-worker', 'llm-serving-prefill']);
  });
});

describe('image trust for models (the shared WorkloadCompiler gate; controllers/image-trust.ts checks what modelImages lists)', () => {
  const c = (image: string) => ({ image, command: ['/serve'], resources: { limits: { cpu: '1', memory: '1Gi' } } });
  const m = {
    apiVersion: 'lattice.dev/v1alpha1',
    kind: 'LatticeModel',
    metadata: { name: 'llm', namespace: 'ai', uid: 'u' },
    spec: {
      modelSource: { uri: 'hf://org/llm' },
      defaults: { entryWorkload: { containers: { engine: c('r/vllm:1') } }, entryRuntime: { sidecars: { log: c('r/log:1') } } },
      roles: { decode: { workerWorkload: { containers: { engine: c('r/vllm-worker:1') } } }, prefill: {} },
    },
  } as unknown as LatticeModel;

  test('modelImages: per role in name order (defaults merged) the entry containers and sidecars, then the worker (entry runtime when it has none); not the downloader', () => {
    expect(modelImages(m)).toEqual(['r/vllm:1', 'r/log:1', 'r/vllm-worker:1', 'r/log:1', 'r/vllm:1', 'r/log:1']);
  });

  test('a denied unsigned image fails the model (all-or-nothing) naming the role', () => {
    const authorizer = denyWhere((r) => r.action === 'SkipImageVerification');
    const imageVerification = (image: string) => (image === 'r/vllm-worker:1' ? { status: 'unsigned' as const, reasons: [] } : { status: 'not-enforced' as const });
    const r = compileModel(m, { authorizer, clusterName: 'sim', imageVerification });
    expect(r).toMatchObject({ ok: false, reason: 'denied', gate: 'SkipImageVerification' });
    expect(!r.ok && r.message).toMatch(/^compilation failed for role 'decode-worker': image verification denied: image signature verification failed: r\/vllm-worker:1 \[verify: no trust authority configured\]/);
  });
});
