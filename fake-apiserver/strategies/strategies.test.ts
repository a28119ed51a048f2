import { describe, expect, it } from 'vitest';
import { ApiServer } from '../apiserver.ts';
import type { KubeObject, StatusError } from '../api/index.ts';
import { manualClock } from '../testing/manual-clock.ts';
import { DEFAULTED_KINDS, defaultBuiltin } from './index.ts';
import { imageTag } from './pod-spec.ts';

const kind = (apiVersion: string, k: string) => ({ group: apiVersion.includes('/') ? apiVersion.split('/')[0] : '', version: apiVersion.split('/').pop()!, kind: k });
const defaulted = <T extends Record<string, unknown>>(apiVersion: string, k: string, obj: T): T => {
  defaultBuiltin(kind(apiVersion, k), obj);
  return obj;
};

describe('imageTag (imagePullPolicy defaulting reads it)', () => {
  it('reads the tag after the last colon past the last slash; no tag is latest; digests have none', () => {
    expect(['nginx', 'nginx:1.27', 'registry:5000/team/app', 'registry:5000/team/app:v2', 'nginx@sha256:abc', 'nginx:latest'].map(imageTag)).toEqual([
      'latest',
      '1.27',
      'latest',
      'v2',
      undefined,
      'latest',
    ]);
  });
});

describe('defaultBuiltin (upstream SetDefaults_*)', () => {
  it('defaults a Pod: spec fields, containers by image tag, ports, probes, volumes, env field refs, requests from limits', () => {
    const pod = defaulted('v1', 'Pod', {
      spec: {
        containers: [
          {
            name: 'a',
            image: 'nginx:1.27',
            ports: [{ containerPort: 80 }],
            readinessProbe: { httpGet: { port: 80 } },
            env: [{ name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }],
            resources: { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '500m' } },
          },
          { name: 'b', image: 'busybox', imagePullPolicy: 'Never' },
        ],
        volumes: [{ name: 'cfg', configMap: { name: 'c' } }, { name: 'scratch' }, { name: 'tok', projected: { sources: [{ serviceAccountToken: { path: 't' } }] } }],
      },
    });
    expect(pod.spec).toEqual({
      containers: [
        {
          name: 'a',
          image: 'nginx:1.27',
          imagePullPolicy: 'IfNotPresent',
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
          ports: [{ containerPort: 80, protocol: 'TCP' }],
          readinessProbe: { httpGet: { port: 80, path: '/', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 },
          env: [{ name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName', apiVersion: 'v1' } } }],
          resources: { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '500m', memory: '1Gi' } },
        },
        { name: 'b', image: 'busybox', imagePullPolicy: 'Never', terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' },
      ],
      volumes: [
        { name: 'cfg', configMap: { name: 'c', defaultMode: 420 } },
        { name: 'scratch', emptyDir: {} },
        { name: 'tok', projected: { sources: [{ serviceAccountToken: { path: 't', expirationSeconds: 3600 } }], defaultMode: 420 } },
      ],
      dnsPolicy: 'ClusterFirst',
      restartPolicy: 'Always',
      securityContext: {},
      terminationGracePeriodSeconds: 30,
      schedulerName: 'default-scheduler',
      enableServiceLinks: true,
    });
  });

  it('keeps what was written, and host-network pods get hostPort = containerPort', () => {
    const pod = defaulted('v1', 'Pod', { spec: { hostNetwork: true, restartPolicy: 'Never', terminationGracePeriodSeconds: 0, containers: [{ name: 'a', image: 'x:latest', ports: [{ containerPort: 53, protocol: 'UDP' }] }] } });
    expect(pod.spec).toMatchObject({ restartPolicy: 'Never', terminationGracePeriodSeconds: 0, containers: [{ imagePullPolicy: 'Always', ports: [{ containerPort: 53, protocol: 'UDP', hostPort: 53 }] }] });
  });

  it('defaults a Deployment (replicas, RollingUpdate 25%/25%, history 10, deadline 600) and its pod template, not Pod-only fields', () => {
    const d = defaulted('apps/v1', 'Deployment', { spec: { selector: {}, template: { spec: { containers: [{ name: 'a', image: 'x' }] } } } });
    expect(d.spec).toMatchObject({ replicas: 1, strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } }, revisionHistoryLimit: 10, progressDeadlineSeconds: 600 });
    expect(d.spec.template.spec).toMatchObject({ restartPolicy: 'Always', dnsPolicy: 'ClusterFirst' });
    expect(d.spec.template.spec).not.toHaveProperty('enableServiceLinks');
    const recreate = defaulted('apps/v1', 'Deployment', { spec: { strategy: { type: 'Recreate' } } });
    expect(recreate.spec.strategy).toEqual({ type: 'Recreate' });
  });

  it('defaults StatefulSets (OrderedReady, RollingUpdate partition 0, claims retained, claim templates) and DaemonSets (maxUnavailable 1, maxSurge 0)', () => {
    const sts = defaulted('apps/v1', 'StatefulSet', { spec: { selector: {}, volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'] } }], template: { spec: { containers: [] } } } });
    expect(sts.spec).toMatchObject({
      podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      replicas: 1,
      revisionHistoryLimit: 10,
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
      volumeClaimTemplates: [{ apiVersion: 'v1', kind: 'PersistentVolumeClaim', spec: { volumeMode: 'Filesystem' } }],
      template: { spec: { restartPolicy: 'Always' } },
    });
    const onDelete = defaulted('apps/v1', 'StatefulSet', { spec: { updateStrategy: { type: 'OnDelete' } } });
    expect(onDelete.spec.updateStrategy).toEqual({ type: 'OnDelete' });
    const ds = defaulted('apps/v1', 'DaemonSet', { spec: { selector: {}, template: { spec: { containers: [] } } } });
    expect(ds.spec).toMatchObject({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } }, revisionHistoryLimit: 10 });
  });

  it('defaults Jobs (completions and parallelism together, backoffLimit, mode, suspend, labels from the template) and CronJobs', () => {
    const job = defaulted('batch/v1', 'Job', { metadata: { name: 'j' }, spec: { template: { metadata: { labels: { app: 'j' } }, spec: { restartPolicy: 'Never', containers: [] } } } });
    expect(job.spec).toMatchObject({ completions: 1, parallelism: 1, backoffLimit: 6, completionMode: 'NonIndexed', suspend: false });
    expect(job.metadata).toEqual({ name: 'j', labels: { app: 'j' } });
    const parallel = defaulted('batch/v1', 'Job', { spec: { parallelism: 4, backoffLimitPerIndex: 1, template: {} } });
    expect(parallel.spec).not.toHaveProperty('completions');
    expect(parallel.spec).toMatchObject({ parallelism: 4, backoffLimit: 2147483647 });
    const cron = defaulted('batch/v1', 'CronJob', { spec: { schedule: '* * * * *', jobTemplate: { spec: { template: { spec: { containers: [] } } } } } });
    expect(cron.spec).toMatchObject({ concurrencyPolicy: 'Allow', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1, jobTemplate: { spec: { backoffLimit: 6, template: { spec: { restartPolicy: 'Always' } } } } });
  });

  it('defaults Services (type, affinity, port protocol and targetPort, traffic policies) and ClientIP affinity timeouts', () => {
    const svc = defaulted('v1', 'Service', { spec: { ports: [{ port: 80 }, { port: 443, targetPort: 'https', protocol: 'TCP' }], sessionAffinityConfig: { clientIP: {} } } });
    expect(svc.spec).toEqual({ type: 'ClusterIP', sessionAffinity: 'None', internalTrafficPolicy: 'Cluster', ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }, { port: 443, targetPort: 'https', protocol: 'TCP' }] });
    const lb = defaulted('v1', 'Service', { spec: { type: 'LoadBalancer', sessionAffinity: 'ClientIP', ports: [] } });
    expect(lb.spec).toMatchObject({ externalTrafficPolicy: 'Cluster', allocateLoadBalancerNodePorts: true, sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } } });
  });

  it('defaults Secrets, Endpoints, EndpointSlices, PVCs and NetworkPolicies', () => {
    expect(defaulted('v1', 'Secret', {})).toEqual({ type: 'Opaque' });
    expect(defaulted('v1', 'Endpoints', { subsets: [{ ports: [{ port: 1 }] }] })).toEqual({ subsets: [{ ports: [{ port: 1, protocol: 'TCP' }] }] });
    expect(defaulted('discovery.k8s.io/v1', 'EndpointSlice', { ports: [{ port: 1 }] })).toEqual({ ports: [{ port: 1, protocol: 'TCP' }] });
    expect(defaulted('v1', 'PersistentVolumeClaim', { spec: {} })).toEqual({ spec: { volumeMode: 'Filesystem' } });
    expect(defaulted('networking.k8s.io/v1', 'NetworkPolicy', { spec: { podSelector: {} } })).toEqual({ spec: { podSelector: {}, policyTypes: ['Ingress'] } });
    expect(defaulted('networking.k8s.io/v1', 'NetworkPolicy', { spec: { egress: [{ ports: [{ port: 53 }] }] } }).spec).toEqual({ egress: [{ ports: [{ port: 53, protocol: 'TCP' }] }], policyTypes: ['Ingress', 'Egress'] });
    expect(DEFAULTED_KINDS).toContain('apps/Deployment');
  });
});

describe('the ApiServer with built-in strategies', () => {
  const server = (opts: ConstructorParameters<typeof ApiServer>[0]['builtinStrategies'] = {}) => new ApiServer({ clock: manualClock(), builtinStrategies: opts });
  const pod = (extra: Record<string, unknown> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'x:1' }], ...extra } });
  const thrown = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      return e as StatusError;
    }
    throw new Error('did not throw');
  };

  it('stores a created Pod defaulted and Pending; an update without the defaults is a no-op', () => {
    const s = server();
    const created = s.create(pod());
    expect(created.status).toEqual({ phase: 'Pending' });
    expect(created.spec).toMatchObject({ restartPolicy: 'Always', containers: [{ imagePullPolicy: 'IfNotPresent' }] });
    const again = s.update({ ...pod(), metadata: { ...created.metadata } });
    expect(again.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
  });

  it('rejects unknown fields under Strict (every one, in document order, upstream wording), warns under Warn, drops them silently under Ignore', () => {
    const s = server();
    const e = thrown(() => s.create(pod({ bogus: 1, containers: [{ name: 'c', image: 'x', imagee: 'y' }] }), { fieldValidation: 'Strict' }));
    expect(e.status).toMatchObject({ code: 400, reason: 'BadRequest', message: 'Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.containers[0].imagee", unknown field "spec.bogus"' });
    const warnings: string[] = [];
    const warned = s.create(pod({ bogus: 1 }), { onWarning: (w) => warnings.push(w) });
    expect(warnings).toEqual(['unknown field "spec.bogus"']);
    expect(warned.spec).not.toHaveProperty('bogus');
    const quiet: string[] = [];
    s.patch({ apiVersion: 'v1', kind: 'Pod' }, { namespace: 'default', name: 'p' }, 'merge', { spec: { other: 2 } }, { fieldValidation: 'Ignore', onWarning: (w) => quiet.push(w) });
    expect(quiet).toEqual([]);
    expect(s.get({ apiVersion: 'v1', kind: 'Pod' }, { namespace: 'default', name: 'p' }).spec).not.toHaveProperty('other');
  });

  it('checks status writes too, and leaves both switches off when asked', () => {
    const s = server();
    s.create(pod());
    const st = s.patchStatus({ apiVersion: 'v1', kind: 'Pod' }, { namespace: 'default', name: 'p' }, 'merge', { status: { phase: 'Running', mood: 'ok' } });
    expect(st.status).toEqual({ phase: 'Running' });
    const raw = server({ unknownFields: false, defaulting: false }).create(pod({ bogus: 1 }), { fieldValidation: 'Strict' });
    expect(raw.spec).toEqual({ containers: [{ name: 'c', image: 'x:1' }], bogus: 1 });
    expect(raw.status).toBeUndefined();
  });
});
