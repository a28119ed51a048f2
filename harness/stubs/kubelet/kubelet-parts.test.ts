import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../fake-apiserver/api/index.ts';
import { defaultPodStages, stageMatches, validateStages, valueAt } from './stages.ts';
import { livenessFailure, podReadyAfterMs, readyAfterMs, startupSucceedsAfterMs } from './probes.ts';
import { imagePullError, officialTagShape } from './image-registry.ts';
import { RestartBackOff } from './back-off.ts';
import { configBlock } from './config-refs.ts';
import { kubeletSettings } from './pod-lifecycle.ts';
import { defaultProfile } from '../../profile.ts';

describe('stage selectors', () => {
  it('reads dotted and bracketed paths, including annotation keys with slashes', () => {
    const pod = { metadata: { annotations: { 'sim.lattice.dev/run-ms': '500' } }, status: { phase: 'Running' } };
    expect(valueAt(pod, '.metadata.annotations["sim.lattice.dev/run-ms"]')).toBe('500');
    expect(valueAt(pod, '.status.phase')).toBe('Running');
    expect(valueAt(pod, '.status.podIP.x')).toBeUndefined();
  });

  it('matches the default table: a fresh bound pod only starts, a running batch pod completes or becomes ready', () => {
    const names = (view: object) => defaultPodStages().filter((s) => stageMatches(s, view)).map((s) => s.name);
    const spec = { nodeName: 'n1', containers: [] };
    expect(names({ metadata: {}, spec, kubelet: { containers: 'none', ready: 'false' } })).toEqual(['pod-start']);
    expect(names({ metadata: {}, spec: { ...spec, restartPolicy: 'Never' }, kubelet: { containers: 'running', ready: 'false' } })).toEqual(['pod-ready', 'pod-complete']);
    expect(names({ metadata: {}, spec, kubelet: { containers: 'none', ready: 'false', configError: 'secret "x" not found', configErrorShown: 'false' } })).toEqual(['pod-create-container-config-error']);
    expect(names({ metadata: { deletionTimestamp: 'now' }, spec, kubelet: { containers: 'running', ready: 'true' } })).toEqual(['pod-delete']);
  });

  it('rejects a stage table with an unknown template or operator, naming the stage and field', () => {
    expect(() => validateStages([{ name: 'x', selector: { matchExpressions: [] }, next: { statusTemplate: 'explode' } }], 'p.yaml')).toThrow(
      'p.yaml: stages[0] (x).next.statusTemplate: Unsupported value: "explode"',
    );
    expect(() => validateStages([{ name: 'y', selector: { matchExpressions: [{ key: '.a', operator: 'Gt' }] }, next: { statusTemplate: 'ready' } }], 'p.yaml')).toThrow(
      'stages[0] (y).selector.matchExpressions[0].operator',
    );
  });
});

describe('probe timing', () => {
  it('is ready at once without probes, at the first counted tick after initialDelaySeconds otherwise', () => {
    expect(readyAfterMs({})).toBe(0);
    expect(readyAfterMs({ readinessProbe: {} })).toBe(0);
    expect(readyAfterMs({ readinessProbe: { initialDelaySeconds: 20, periodSeconds: 5, successThreshold: 2 } })).toBe(25_000);
    expect(readyAfterMs({ readinessProbe: { initialDelaySeconds: 7, periodSeconds: 5 } })).toBe(10_000);
  });

  it('holds readiness until the startupProbe succeeds', () => {
    const c = { startupProbe: { initialDelaySeconds: 30, periodSeconds: 10 }, readinessProbe: { periodSeconds: 4 } };
    expect(startupSucceedsAfterMs(c)).toBe(30_000);
    expect(readyAfterMs(c)).toBe(32_000);
    expect(podReadyAfterMs([{}, c])).toBe(32_000);
  });
});

describe('restart back-off', () => {
  it('restarts at once, then waits 10, 20, 40 ... 300 s, and starts over after 10 min of running', () => {
    const b = new RestartBackOff();
    let t = 0;
    const waits: number[] = [];
    for (let i = 0; i < 8; i++) {
      const w = b.waitMs('u/c', t);
      waits.push(w);
      t += w;
      b.restarted('u/c', t);
      t += 1_000;
    }
    expect(waits).toEqual([0, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]);
    expect(b.waitMs('u/c', t + 600_001)).toBe(0);
    b.restarted('u/c', t + 600_001);
    expect(b.waitMs('u/c', t + 600_002)).toBe(10_000);
  });
});

describe('config references', () => {
  const pod = (spec: object): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns' }, spec: { containers: [], ...spec } });
  const secrets: Record<string, KubeObject> = { db: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db' }, data: { user: 'eA==' } } as KubeObject };
  const lookup = (kind: string, name: string) => (kind === 'Secret' ? secrets[name] : undefined);

  it('names the first missing object or key with the kubelet message; optional references are skipped', () => {
    const b = configBlock(
      pod({
        containers: [
          { name: 'a', env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }] },
          { name: 'b', envFrom: [{ configMapRef: { name: 'cfg' } }, { secretRef: { name: 'maybe', optional: true } }] },
        ],
      }),
      lookup,
    );
    expect(b.config).toEqual({ container: 'a', message: "couldn't find key password in Secret ns/db" });
    expect(b.mount).toBeUndefined();
    expect(b.waitingFor).toEqual(['ConfigMap/cfg', 'Secret/db']);
  });

  it('reports a missing volume source as a FailedMount message', () => {
    const b = configBlock(pod({ volumes: [{ name: 'certs', secret: { secretName: 'tls' } }] }), lookup);
    expect(b.mount).toEqual({ volume: 'certs', message: 'MountVolume.SetUp failed for volume "certs" : secret "tls" not found' });
    expect(configBlock(pod({ volumes: [{ name: 'c', secret: { secretName: 'db' } }] }), lookup)).toEqual({ waitingFor: [] });
  });
});

describe('kubelet settings', () => {
  it('fills the optional delays and refuses an unknown fault kind, naming the field', () => {
    const base = defaultProfile();
    const s = kubeletSettings({ ...base, kubelet: { schedule: base.kubelet.schedule, containerStart: base.kubelet.containerStart, readiness: base.kubelet.readiness } });
    expect(s.delays.batchRun).toEqual({ delayMs: 10_000, jitterMs: 20_000 });
    expect(s.stages.map((x) => x.name)).toContain('pod-create-container-config-error');
    expect(() => kubeletSettings({ ...base, kubelet: { ...base.kubelet, faults: [{ fault: 'oom' }] } })).toThrow(
      'profile spec.kubelet.faults[0].fault: Unsupported value: "oom"',
    );
  });
});

describe('image registry', () => {
  it('judges only official images, by the shape of their tags', () => {
    for (const tag of ['latest', '1.27', 'v2.1.0', '3.12-alpine', '16-bookworm', 'stable-alpine-slim', 'alpine3.20', '21-jre-alpine', '17.0.9_9-jre']) expect(officialTagShape(tag), tag).toBe(true);
    for (const tag of ['8.0-debian', '10.1-jdk17-temurin', '6.4-php8.2-apache', '2-builder', '3.12-windowsservercore-ltsc2022', 'centos7', 'iron', 'hydrogen-alpine', '27-dind-rootless']) expect(officialTagShape(tag), tag).toBe(true);
    for (const tag of ['does-not-exist-999', 'nonexistent', 'foo', '1.27-alpne']) expect(officialTagShape(tag), tag).toBe(false);
    expect(imagePullError('nginx:nope')).toBe('rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/library/nginx:nope": failed to resolve reference "docker.io/library/nginx:nope": docker.io/library/nginx:nope: not found');
    for (const image of ['nginx', 'busybox:1.37', 'app:nope', 'ghcr.io/acme/api:nope', 'nginx@sha256:0123']) expect(imagePullError(image), image).toBeUndefined();
  });
});

describe('liveness probes', () => {
  it('fail on an undeclared port or a modelled exec command exiting non-zero, killed at the failureThreshold-th tick', () => {
    const web = { name: 'web', ports: [{ containerPort: 80 }] };
    expect(livenessFailure([{ ...web, livenessProbe: { httpGet: { port: 80, path: '/' } } }], '10.244.0.1', 'p')).toBeUndefined();
    expect(livenessFailure([{ ...web, livenessProbe: { httpGet: { port: 8080, path: '/healthz' }, initialDelaySeconds: 5, periodSeconds: 2 } }], '10.244.0.1', 'p')).toEqual({
      container: 'web', afterMs: 10_000, failureThreshold: 3, exitCode: 137,
      message: 'Get "http://10.244.0.1:8080/healthz": dial tcp 10.244.0.1:8080: connect: connection refused',
    });
    // No port declared: the model cannot tell what listens.
    expect(livenessFailure([{ name: 'web', livenessProbe: { tcpSocket: { port: 8080 } } }], '10.244.0.1', 'p')).toBeUndefined();
    expect(livenessFailure([{ name: 'job', livenessProbe: { exec: { command: ['sh', '-c', 'echo down; exit 1'] }, failureThreshold: 1 } }], '10.244.0.1', 'p')).toMatchObject({ afterMs: 0, message: 'down' });
    expect(livenessFailure([{ name: 'job', livenessProbe: { exec: { command: ['cat', '/tmp/healthy'] } } }], '10.244.0.1', 'p')).toBeUndefined();
  });
});
