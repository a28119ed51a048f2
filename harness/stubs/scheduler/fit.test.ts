/**
 * fit.ts row by row: quantities, effective pod requests (init containers, sidecars, limits-only,
 * overhead), taints and tolerations, node affinity operators, NodeUnschedulable, resources, and the
 * FailedScheduling message format.
 */
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../fake-apiserver/api/index.ts';
import { filterNode, matchesNodeAffinity, nodeAllocatable, parseQuantity, podRequests, toleratesTaint, unschedulableMessage, usedOn } from './fit.ts';
import type { Taint, Toleration } from './fit.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const pod = (spec: any, extra: Partial<KubeObject> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns' }, spec: { containers: [], ...spec }, ...extra });
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const node = (name: string, opts: { labels?: Record<string, string>; taints?: Taint[]; unschedulable?: boolean; allocatable?: any; capacity?: any } = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name, labels: { 'kubernetes.io/hostname': name, ...opts.labels } },
  spec: { taints: opts.taints ?? [], ...(opts.unschedulable ? { unschedulable: true } : {}) },
  status: { capacity: opts.capacity ?? { cpu: '8', memory: '32Gi', pods: '110' }, ...(opts.allocatable ? { allocatable: opts.allocatable } : {}) },
});
const res = (requests?: Record<string, string>, limits?: Record<string, string>) => ({ resources: { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) } });

describe('parseQuantity', () => {
  it.each([
    ['cpu', '100m', 100],
    ['cpu', '2', 2000],
    ['cpu', '0.5', 500],
    ['cpu', '1.5', 1500],
    ['memory', '1Gi', 1024 ** 3],
    ['memory', '128Mi', 128 * 1024 ** 2],
    ['memory', '1.5Gi', 1.5 * 1024 ** 3],
    ['memory', '1G', 1e9],
    ['memory', '500k', 500_000],
    ['nvidia.com/gpu', '8', 8],
    ['nvidia.com/gpu', 4, 4],
  ])('%s %s → %d', (r, q, want) => expect(parseQuantity(r, q)).toBe(want));
  it('rejects what is not a quantity', () => expect(() => parseQuantity('cpu', 'lots')).toThrow());
});

describe('podRequests', () => {
  it.each([
    ['no resources: pods only', pod({ containers: [{ name: 'a' }] }), { pods: 1 }],
    ['sum of containers', pod({ containers: [{ name: 'a', ...res({ cpu: '100m', memory: '64Mi' }) }, { name: 'b', ...res({ cpu: '250m' }) }] }), { pods: 1, cpu: 350, memory: 64 * 1024 ** 2 }],
    ['limits-only defaults the request to the limit', pod({ containers: [{ name: 'a', ...res(undefined, { cpu: '1', 'nvidia.com/gpu': '2' }) }] }), { pods: 1, cpu: 1000, 'nvidia.com/gpu': 2 }],
    ['an explicit request wins over the limit', pod({ containers: [{ name: 'a', ...res({ cpu: '200m' }, { cpu: '1', memory: '1Gi' }) }] }), { pods: 1, cpu: 200, memory: 1024 ** 3 }],
    [
      'the largest init container when larger than the sum',
      pod({ initContainers: [{ name: 'i1', ...res({ cpu: '2' }) }, { name: 'i2', ...res({ cpu: '500m', memory: '2Gi' }) }], containers: [{ name: 'a', ...res({ cpu: '1', memory: '1Gi' }) }] }),
      { pods: 1, cpu: 2000, memory: 2 * 1024 ** 3 },
    ],
    [
      'sidecars add to the sum and to later init containers',
      pod({ initContainers: [{ name: 's', restartPolicy: 'Always', ...res({ cpu: '300m' }) }, { name: 'i', ...res({ cpu: '1' }) }], containers: [{ name: 'a', ...res({ cpu: '500m' }) }] }),
      { pods: 1, cpu: 1300 },
    ],
    ['overhead is added', pod({ containers: [{ name: 'a', ...res({ cpu: '100m' }) }], overhead: { cpu: '250m', memory: '120Mi' } }), { pods: 1, cpu: 350, memory: 120 * 1024 ** 2 }],
  ])('%s', (_name, p, want) => expect(podRequests(p)).toEqual(want));
});

describe('nodeAllocatable / usedOn', () => {
  it('prefers allocatable over capacity', () => {
    expect(nodeAllocatable(node('n', { capacity: { cpu: '8', pods: '110' }, allocatable: { cpu: '7910m', pods: '110' } }))).toEqual({ cpu: 7910, pods: 110 });
    expect(nodeAllocatable(node('n', { capacity: { cpu: '8', pods: '110' } }))).toEqual({ cpu: 8000, pods: 110 });
  });
  it('sums non-terminated pods bound to the node only', () => {
    const on = (n: string, phase: string, cpu: string) => pod({ nodeName: n, containers: [{ name: 'a', ...res({ cpu }) }] }, { status: { phase } });
    const pods = [on('a', 'Running', '100m'), on('a', 'Pending', '200m'), on('a', 'Succeeded', '1'), on('a', 'Failed', '1'), on('b', 'Running', '4')];
    expect(usedOn('a', pods)).toEqual({ pods: 2, cpu: 300 });
  });
});

describe('toleratesTaint', () => {
  const gpu: Taint = { key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' };
  it.each<[string, Toleration, Taint, boolean]>([
    ['Exists on the key', { key: 'nvidia.com/gpu', operator: 'Exists' }, gpu, true],
    ['Exists with the effect', { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }, gpu, true],
    ['Exists with another effect', { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoExecute' }, gpu, false],
    ['Equal with the value', { key: 'nvidia.com/gpu', operator: 'Equal', value: 'present' }, gpu, true],
    ['operator defaults to Equal', { key: 'nvidia.com/gpu', value: 'present' }, gpu, true],
    ['Equal with another value', { key: 'nvidia.com/gpu', operator: 'Equal', value: 'absent' }, gpu, false],
    ['another key', { key: 'example.com/x', operator: 'Exists' }, gpu, false],
    ['empty key with Exists tolerates everything', { operator: 'Exists' }, gpu, true],
    ['empty key with Exists and an effect', { operator: 'Exists', effect: 'NoExecute' }, gpu, false],
    ['Equal without value against an empty-valued taint', { key: 'k', operator: 'Equal' }, { key: 'k', effect: 'NoSchedule' }, true],
  ])('%s', (_name, t, taint, want) => expect(toleratesTaint(t, taint)).toBe(want));
});

describe('filterNode', () => {
  const gpuNode = node('g', { labels: { 'nvidia.com/gpu.present': 'true' }, taints: [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }], capacity: { cpu: '64', memory: '512Gi', pods: '110', 'nvidia.com/gpu': '8' } });
  const gpuToleration = { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' };
  it.each<[string, KubeObject, KubeObject, Record<string, number>, string[]]>([
    ['a plain pod fits a plain node', pod({ containers: [{ name: 'a' }] }), node('n'), {}, []],
    ['NoSchedule taint not tolerated', pod({ containers: [{ name: 'a' }] }), gpuNode, {}, ['node(s) had untolerated taint {nvidia.com/gpu: present}']],
    ['NoSchedule taint tolerated', pod({ tolerations: [gpuToleration], containers: [{ name: 'a', ...res(undefined, { 'nvidia.com/gpu': '8' }) }] }), gpuNode, {}, []],
    ['PreferNoSchedule is ignored', pod({}), node('n', { taints: [{ key: 'soft', effect: 'PreferNoSchedule' }] }), {}, []],
    ['NoExecute must be tolerated', pod({}), node('n', { taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }] }), {}, ['node(s) had untolerated taint {node.kubernetes.io/unreachable: }']],
    ['NoExecute tolerated for a while is tolerated for filtering', pod({ tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }] }), node('n', { taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }] }), {}, []],
    ['unschedulable node', pod({}), node('n', { unschedulable: true }), {}, ['node(s) were unschedulable']],
    ['unschedulable node, tolerated', pod({ tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] }), node('n', { unschedulable: true }), {}, []],
    ['nodeSelector mismatch', pod({ nodeSelector: { 'nvidia.com/gpu.present': 'true' } }), node('n'), {}, ["node(s) didn't match Pod's node affinity/selector"]],
    ['taint is reported before affinity', pod({ nodeSelector: { x: 'y' } }), gpuNode, {}, ['node(s) had untolerated taint {nvidia.com/gpu: present}']],
    ['9 GPUs on an 8-GPU node', pod({ tolerations: [gpuToleration], containers: [{ name: 'a', ...res(undefined, { 'nvidia.com/gpu': '9' }) }] }), gpuNode, {}, ['Insufficient nvidia.com/gpu']],
    ['GPUs already used', pod({ tolerations: [gpuToleration], containers: [{ name: 'a', ...res(undefined, { 'nvidia.com/gpu': '2' }) }] }), gpuNode, { 'nvidia.com/gpu': 7, pods: 1 }, ['Insufficient nvidia.com/gpu']],
    ['an extended resource the node lacks', pod({ containers: [{ name: 'a', ...res({ 'nvidia.com/gpu': '1' }) }] }), node('n'), {}, ['Insufficient nvidia.com/gpu']],
    ['cpu and memory both short, in that order', pod({ containers: [{ name: 'a', ...res({ memory: '40Gi', cpu: '9' }) }] }), node('n'), {}, ['Insufficient cpu', 'Insufficient memory']],
    ['used counts', pod({ containers: [{ name: 'a', ...res({ cpu: '1' }) }] }), node('n'), { cpu: 7500 }, ['Insufficient cpu']],
    ['pod count', pod({}), node('n'), { pods: 110 }, ['Too many pods']],
    ['zero requests still count the pod', pod({ containers: [{ name: 'a', ...res({ cpu: '0' }) }] }), node('n', { capacity: { pods: '1' } }), { pods: 1 }, ['Too many pods']],
  ])('%s', (_name, p, n, used, want) => expect(filterNode(p, n, used)).toEqual(want));
});

describe('matchesNodeAffinity', () => {
  const n = node('n1', { labels: { zone: 'a', 'nvidia.com/gpu.count': '8', tier: 'gpu' } });
  const expr = (key: string, operator: string, values?: string[]) => ({ key, operator, ...(values ? { values } : {}) });
  const withTerms = (...terms: object[]) => pod({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } } });
  it.each<[string, KubeObject, boolean]>([
    ['no affinity', pod({}), true],
    ['In matches', withTerms({ matchExpressions: [expr('zone', 'In', ['a', 'b'])] }), true],
    ['In misses', withTerms({ matchExpressions: [expr('zone', 'In', ['b'])] }), false],
    ['NotIn with the value', withTerms({ matchExpressions: [expr('zone', 'NotIn', ['a'])] }), false],
    ['NotIn on a missing label', withTerms({ matchExpressions: [expr('rack', 'NotIn', ['r1'])] }), true],
    ['Exists', withTerms({ matchExpressions: [expr('tier', 'Exists')] }), true],
    ['DoesNotExist on a present label', withTerms({ matchExpressions: [expr('tier', 'DoesNotExist')] }), false],
    ['DoesNotExist on a missing label', withTerms({ matchExpressions: [expr('rack', 'DoesNotExist')] }), true],
    ['Gt', withTerms({ matchExpressions: [expr('nvidia.com/gpu.count', 'Gt', ['7'])] }), true],
    ['Gt at equality', withTerms({ matchExpressions: [expr('nvidia.com/gpu.count', 'Gt', ['8'])] }), false],
    ['Lt', withTerms({ matchExpressions: [expr('nvidia.com/gpu.count', 'Lt', ['9'])] }), true],
    ['Gt on a non-integer label', withTerms({ matchExpressions: [expr('zone', 'Gt', ['1'])] }), false],
    ['expressions in a term are ANDed', withTerms({ matchExpressions: [expr('zone', 'In', ['a']), expr('tier', 'In', ['cpu'])] }), false],
    ['terms are ORed', withTerms({ matchExpressions: [expr('zone', 'In', ['b'])] }, { matchExpressions: [expr('tier', 'In', ['gpu'])] }), true],
    ['an empty term matches nothing', withTerms({}), false],
    ['matchFields on metadata.name', withTerms({ matchFields: [expr('metadata.name', 'In', ['n1'])] }), true],
    ['nodeSelector and affinity both apply', pod({ nodeSelector: { zone: 'b' }, affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [expr('zone', 'Exists')] }] } } } }), false],
  ])('%s', (_name, p, want) => expect(matchesNodeAffinity(p, n)).toBe(want));
});

describe('unschedulableMessage', () => {
  it('counts reasons over nodes, sorted as strings, with the preemption summary', () => {
    const taint = 'node(s) had untolerated taint {nvidia.com/gpu: present}';
    const m = new Map([
      ['sim-node-0', [taint]],
      ['sim-node-1', [taint]],
      ['sim-node-2', [taint]],
      ['sim-gpu-node-0', ['Insufficient nvidia.com/gpu']],
    ]);
    expect(unschedulableMessage(m)).toBe(
      '0/4 nodes are available: 1 Insufficient nvidia.com/gpu, 3 node(s) had untolerated taint {nvidia.com/gpu: present}. preemption: 0/4 nodes are available: 1 No preemption victims found for incoming pod, 3 Preemption is not helpful for scheduling.',
    );
    expect(unschedulableMessage(m, { preemption: false })).toBe('0/4 nodes are available: 1 Insufficient nvidia.com/gpu, 3 node(s) had untolerated taint {nvidia.com/gpu: present}.');
  });
  it('counts each reason of a node with several', () => {
    const m = new Map([
      ['a', ['Insufficient cpu', 'Insufficient memory']],
      ['b', ['Insufficient cpu']],
    ]);
    expect(unschedulableMessage(m)).toBe('0/2 nodes are available: 1 Insufficient memory, 2 Insufficient cpu. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.');
  });
  it('sorts by the formatted string (byte order), as the scheduler does', () => {
    const m = new Map<string, string[]>([...Array.from({ length: 10 }, (_, i) => [`c${i}`, ['Insufficient cpu']] as [string, string[]]), ['x', ["node(s) didn't match Pod's node affinity/selector"]]]);
    expect(unschedulableMessage(m, { preemption: false })).toBe("0/11 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 10 Insufficient cpu.");
  });
  it('says so when there is no node', () => expect(unschedulableMessage(new Map())).toBe('no nodes available to schedule pods'));
});
