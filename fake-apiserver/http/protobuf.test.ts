import { describe, expect, it } from 'vitest';
import { StatusError } from '../api/index.ts';
import { decodeKubeProtobuf } from './protobuf.ts';

// A minimal protobuf writer for the test: varints, length-delimited fields, nested messages.
const varint = (n: number): number[] => {
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
};
const bytesField = (num: number, payload: number[]): number[] => [...varint((num << 3) | 2), ...varint(payload.length), ...payload];
const str = (num: number, s: string): number[] => bytesField(num, [...Buffer.from(s, 'utf8')]);
const int = (num: number, n: number): number[] => [...varint(num << 3), ...varint(n)];
const entry = (num: number, k: string, v: string): number[] => bytesField(num, [...str(1, k), ...str(2, v)]);
const envelope = (apiVersion: string, kind: string, raw: number[]): Uint8Array =>
  Uint8Array.from([0x6b, 0x38, 0x73, 0x00, ...bytesField(1, [...str(1, apiVersion), ...str(2, kind)]), ...bytesField(2, raw), ...str(3, ''), ...str(4, '')]);

describe('decodeKubeProtobuf', () => {
  it('decodes a ConfigMap as kubectl create configmap sends it (empty non-pointer fields dropped)', () => {
    const meta = [...str(1, 'c1'), ...str(2, ''), ...str(3, 'team-a'), ...str(4, ''), ...str(5, ''), ...str(6, ''), ...int(7, 0), ...bytesField(8, []), ...entry(11, 'app', 'x')];
    const raw = [...bytesField(1, meta), ...entry(2, 'a', 'b'), ...entry(2, 'c', 'd'), ...bytesField(3, [...str(1, 'bin'), ...bytesField(2, [1, 2, 3])])];
    const r = decodeKubeProtobuf(envelope('v1', 'ConfigMap', raw));
    expect(r).toEqual({
      value: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c1', namespace: 'team-a', labels: { app: 'x' } }, data: { a: 'b', c: 'd' }, binaryData: { bin: 'AQID' } },
    });
  });

  it('keeps zero values of pointer fields (replicas: 0) and decodes IntOrString and nested lists', () => {
    const container = [...str(1, 'web'), ...str(2, 'nginx'), ...str(3, 'sleep'), ...str(3, '10'), ...bytesField(6, int(3, 80)), ...bytesField(8, [])];
    const spec = [...int(1, 0), ...bytesField(2, entry(1, 'app', 'web')), ...bytesField(3, [...bytesField(1, entry(11, 'app', 'web')), ...bytesField(2, bytesField(2, container))])];
    const r = decodeKubeProtobuf(envelope('apps/v1', 'Deployment', [...bytesField(1, str(1, 'web')), ...bytesField(2, spec)]));
    expect(r).toMatchObject({
      value: {
        spec: {
          replicas: 0,
          selector: { matchLabels: { app: 'web' } },
          template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx', command: ['sleep', '10'], ports: [{ containerPort: 80 }], resources: {} }] } },
        },
      },
    });
    const svc = decodeKubeProtobuf(envelope('v1', 'Service', [...bytesField(1, str(1, 's')), ...bytesField(2, bytesField(1, [...int(3, 80), ...bytesField(4, [...int(1, 1), ...str(3, 'http')])]))]));
    expect(svc).toMatchObject({ value: { spec: { ports: [{ port: 80, targetPort: 'http' }] } } });
  });

  it('decodes the DeleteOptions client-go sends with a DELETE (propagationPolicy, preconditions, pointer zeros kept)', () => {
    const raw = [...bytesField(2, [...str(1, 'u-1'), ...str(2, '42')]), ...int(3, 0), ...str(4, 'Foreground'), ...str(5, 'All')];
    expect(decodeKubeProtobuf(envelope('v1', 'DeleteOptions', raw))).toEqual({
      value: { apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { uid: 'u-1', resourceVersion: '42' }, orphanDependents: false, propagationPolicy: 'Foreground', dryRun: ['All'] },
    });
  });

  it('decodes a Job with a volume: embedded structs (VolumeSource, LocalObjectReference) are inlined as JSON inlines them', () => {
    const volume = [...str(1, 'cfg'), ...bytesField(2, bytesField(19, [...bytesField(1, str(1, 'settings')), ...int(3, 420)]))];
    const container = [...str(1, 'run'), ...str(2, 'busybox'), ...str(3, 'echo'), ...bytesField(9, [...str(1, 'cfg'), ...str(3, '/etc/cfg')])];
    const podSpec = [...bytesField(1, volume), ...bytesField(2, container), ...str(3, 'Never')];
    const jobSpec = [...int(7, 0), ...bytesField(6, bytesField(2, podSpec))];
    const r = decodeKubeProtobuf(envelope('batch/v1', 'Job', [...bytesField(1, str(1, 'j1')), ...bytesField(2, jobSpec)]));
    expect(r).toEqual({
      value: {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: 'j1' },
        spec: {
          backoffLimit: 0,
          template: {
            spec: {
              volumes: [{ name: 'cfg', configMap: { name: 'settings', defaultMode: 420 } }],
              containers: [{ name: 'run', image: 'busybox', command: ['echo'], volumeMounts: [{ name: 'cfg', mountPath: '/etc/cfg' }] }],
              restartPolicy: 'Never',
            },
          },
        },
      },
    });
  });

  it('decodes kubectl auth can-i and autoscale bodies (SelfSubjectAccessReview, autoscaling/v2 HPA with a pointer zero)', () => {
    const attrs = [...str(1, 'default'), ...str(2, 'create'), ...str(5, 'pods')];
    expect(decodeKubeProtobuf(envelope('authorization.k8s.io/v1', 'SelfSubjectAccessReview', [...bytesField(1, []), ...bytesField(2, bytesField(1, attrs))]))).toEqual({
      value: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', metadata: {}, spec: { resourceAttributes: { namespace: 'default', verb: 'create', resource: 'pods' } } },
    });
    const target = bytesField(2, [...str(1, 'Utilization'), ...int(4, 80)]);
    const metric = [...str(1, 'Resource'), ...bytesField(4, [...str(1, 'cpu'), ...target])];
    const spec = [...bytesField(1, [...str(1, 'Deployment'), ...str(2, 'web'), ...str(3, 'apps/v1')]), ...int(2, 0), ...int(3, 5), ...bytesField(4, metric)];
    expect(decodeKubeProtobuf(envelope('autoscaling/v2', 'HorizontalPodAutoscaler', [...bytesField(1, str(1, 'web')), ...bytesField(2, spec)]))).toMatchObject({
      value: { spec: { scaleTargetRef: { kind: 'Deployment', name: 'web', apiVersion: 'apps/v1' }, minReplicas: 0, maxReplicas: 5, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }] } },
    });
  });

  it('converts the wrapper types to their JSON forms: MicroTime, Duration', async () => {
    const { goDuration } = await import('./protobuf.ts');
    expect([0, 1500, 2_000_000, 1_500_000_000, 90e9, 3_723_500_000_000].map(goDuration)).toEqual(['0s', '1.5µs', '2ms', '1.5s', '1m30s', '1h2m3.5s']);
    const lease = [...bytesField(1, str(1, 'l')), ...bytesField(2, [...str(1, 'me'), ...bytesField(4, [...int(1, 1767225600), ...int(2, 123456000)])])];
    expect(decodeKubeProtobuf(envelope('coordination.k8s.io/v1', 'Lease', lease))).toMatchObject({ value: { spec: { holderIdentity: 'me', renewTime: '2026-01-01T00:00:00.123456Z' } } });
  });

  it('refuses with 415 what it does not know rather than dropping it', () => {
    const reason = (r: ReturnType<typeof decodeKubeProtobuf>) => (r instanceof StatusError ? `${r.code} ${r.message}` : 'decoded');
    expect(reason(decodeKubeProtobuf(Uint8Array.from([1, 2, 3, 4, 5])))).toMatch(/^415 .*missing the k8s\\0 prefix/);
    expect(reason(decodeKubeProtobuf(envelope('v1', 'ComponentStatus', [])))).toMatch(/^415 .*kind v1\/ComponentStatus/);
    expect(reason(decodeKubeProtobuf(envelope('v1', 'ConfigMap', [...bytesField(1, str(1, 'c')), ...str(9, 'surprise')])))).toMatch(/^415 .*field 9 of ConfigMap/);
    expect(reason(decodeKubeProtobuf(envelope('v1', 'ConfigMap', [...bytesField(1, str(1, 'c')), ...str(9, '')])))).toBe('decoded');
    expect(reason(decodeKubeProtobuf(envelope('v1', 'ConfigMap', [0x0a, 0x05, 0x01])))).toMatch(/^415 .*truncated/);
  });
});
