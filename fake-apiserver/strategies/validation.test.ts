import { describe, expect, it } from 'vitest';
import { ApiServer } from '../apiserver.ts';
import type { KubeObject, StatusCause, StatusError } from '../api/index.ts';
import { manualClock } from '../testing/manual-clock.ts';
import { checkBuiltinFields } from './index.ts';
import { cronScheduleError } from './cron.ts';
import { parseQuantity, QUANTITY_FORMAT_WRONG } from './quantity.ts';
import { validateBuiltin } from './validation.ts';

const kind = (apiVersion: string, k: string) => ({ group: apiVersion.includes('/') ? apiVersion.split('/')[0] : '', version: apiVersion.split('/').pop()!, kind: k });
/** The causes of `o` (and `old` for an update) as `field: message`. */
const causes = (apiVersion: string, k: string, o: Record<string, unknown>, old?: Record<string, unknown>): string[] =>
  validateBuiltin(kind(apiVersion, k), o, old).map((c: StatusCause) => `${c.field}: ${c.message}`);
const reasons = (apiVersion: string, k: string, o: Record<string, unknown>, old?: Record<string, unknown>): string[] => validateBuiltin(kind(apiVersion, k), o, old).map((c) => c.reason);

const container = { name: 'web', image: 'nginx:1.27' };
const podSpec = (extra: Record<string, unknown> = {}) => ({ containers: [container], ...extra });
const template = (labels: Record<string, string> = { app: 'web' }, spec: Record<string, unknown> = podSpec()) => ({ metadata: { labels }, spec });
const deployment = (spec: Record<string, unknown>) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' }, spec });
const validDeployment = () => deployment({ selector: { matchLabels: { app: 'web' } }, template: template() });

/** The error a server with validation on answers `write` with. */
function refusal(write: (s: ApiServer) => unknown, server = new ApiServer({ clock: manualClock(), builtinStrategies: { validation: true } })): StatusError {
  try {
    write(server);
  } catch (e) {
    return e as StatusError;
  }
  throw new Error('the write was accepted');
}

describe('the 422 a server with builtinStrategies.validation answers', () => {
  it('words one cause without brackets and several in brackets, with upstream cause reasons and fields', () => {
    const one = refusal((s) => s.create(deployment({ selector: { matchLabels: { app: 'web' } }, template: template({ app: 'x' }) }) as KubeObject));
    expect(one.status).toMatchObject({ code: 422, reason: 'Invalid' });
    expect(one.message).toBe('Deployment.apps "web" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"x"}: `selector` does not match template `labels`');
    const two = refusal((s) => s.create(deployment({ template: template({ app: 'x' }) }) as KubeObject));
    expect(two.message).toBe(
      'Deployment.apps "web" is invalid: [spec.selector: Required value, spec.template.metadata.labels: Invalid value: map[string]string{"app":"x"}: `selector` does not match template `labels`]',
    );
    expect(two.status.details?.causes).toEqual([
      { reason: 'FieldValueRequired', message: 'Required value', field: 'spec.selector' },
      { reason: 'FieldValueInvalid', message: 'Invalid value: map[string]string{"app":"x"}: `selector` does not match template `labels`', field: 'spec.template.metadata.labels' },
    ]);
  });

  it('is off by default (existing in-process users), and never runs on status writes', () => {
    const lax = new ApiServer({ clock: manualClock() });
    expect(() => lax.create(deployment({ template: template() }) as KubeObject)).not.toThrow();
    const s = new ApiServer({ clock: manualClock(), builtinStrategies: { validation: true } });
    const d = s.create(validDeployment() as KubeObject);
    expect(() => s.updateStatus({ ...d, status: { replicas: 1 } })).not.toThrow();
  });

  it('refuses an update changing a Deployment selector as immutable, printed as Go prints a LabelSelector', () => {
    const s = new ApiServer({ clock: manualClock(), builtinStrategies: { validation: true } });
    const d = s.create(validDeployment() as KubeObject);
    const e = refusal(() => s.update({ ...d, spec: { ...(d.spec as object), selector: { matchLabels: { app: 'v2' } }, template: template({ app: 'v2' }) } }), s);
    expect(e.message).toBe(
      'Deployment.apps "web" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"v2"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
    );
  });
});

describe('decoding: wrong JSON types (400, before validation)', () => {
  const decode = (apiVersion: string, k: string, o: Record<string, unknown>): string => {
    try {
      checkBuiltinFields(kind(apiVersion, k), o, {});
    } catch (e) {
      return (e as StatusError).message;
    }
    return 'ok';
  };
  it('names the innermost Go struct, the field path without indices or map keys, and the Go type', () => {
    expect(decode('apps/v1', 'Deployment', { spec: { replicas: '3' } })).toBe(
      'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32',
    );
    expect(decode('apps/v1', 'Deployment', { spec: { replicas: 1.5 } })).toContain('cannot unmarshal number 1.5 into Go struct field DeploymentSpec.spec.replicas of type int32');
    expect(decode('v1', 'Pod', { metadata: { labels: { a: 1 } } })).toBe('Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string');
    expect(decode('v1', 'Pod', { spec: { containers: [{ name: 'a', ports: [{ containerPort: '80' }] }] } })).toContain(
      'json: cannot unmarshal string into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32',
    );
    expect(decode('v1', 'Pod', { spec: { containers: {} } })).toContain('json: cannot unmarshal object into Go struct field PodSpec.spec.containers of type []v1.Container');
    expect(decode('v1', 'Pod', { spec: { terminationGracePeriodSeconds: 'x' } })).toContain('Go struct field PodSpec.spec.terminationGracePeriodSeconds of type int64');
    expect(decode('v1', 'Pod', { spec: { hostNetwork: 'yes' } })).toContain('json: cannot unmarshal string into Go struct field PodSpec.spec.hostNetwork of type bool');
  });
  it('quantities fail with ParseQuantity texts; int-or-string takes strings and int32s', () => {
    expect(decode('v1', 'Pod', { spec: { containers: [{ name: 'a', resources: { requests: { cpu: 'abc' } } }] } })).toBe(`Pod in version "v1" cannot be handled as a Pod: ${QUANTITY_FORMAT_WRONG}`);
    expect(decode('v1', 'Pod', { spec: { containers: [{ name: 'a', resources: { limits: { memory: '1Gb' } } }] } })).toContain(QUANTITY_FORMAT_WRONG);
    expect(decode('v1', 'Pod', { spec: { containers: [{ name: 'a', resources: { limits: { memory: '1GG' } } }] } })).toContain("unable to parse quantity's suffix");
    expect(decode('v1', 'Service', { spec: { ports: [{ port: 80, targetPort: true }] } })).toContain('json: cannot unmarshal bool into Go value of type int32');
    expect(decode('v1', 'Service', { spec: { ports: [{ port: 80, targetPort: 'http' }, { port: 81, targetPort: 8081 }] } })).toBe('ok');
    expect(decode('v1', 'Pod', { spec: { containers: [{ name: 'a', resources: { requests: { cpu: 0.5, memory: '128Mi' }, limits: { cpu: '1e3' } } }] } })).toBe('ok');
  });
  it('null decodes as the zero value anywhere', () => {
    expect(decode('apps/v1', 'Deployment', { spec: { replicas: null, selector: null } })).toBe('ok');
  });
});

describe('quantities and cron schedules', () => {
  it('parses quantities to numbers', () => {
    expect([parseQuantity('500m'), parseQuantity('1Gi'), parseQuantity('2'), parseQuantity('1e3'), parseQuantity(0.25)]).toEqual([0.5, 2 ** 30, 2, 1000, 0.25]);
    expect(parseQuantity('1..2')).toEqual({ error: 'unable to parse numeric part of quantity' });
  });
  it('checks cron schedules as robfig/cron ParseStandard', () => {
    expect(['0 3 * * *', '*/5 * * * *', '0 0 1 jan,jul mon-fri', '@hourly', '@every 1h30m', '0-30/10 8-18 ? * *'].map(cronScheduleError)).toEqual([undefined, undefined, undefined, undefined, undefined, undefined]);
    expect(cronScheduleError('* * * *')).toBe('expected exactly 5 fields, found 4: [* * * *]');
    expect(cronScheduleError('70 * * * *')).toBe('end of range (70) above maximum (59): 70');
    expect(cronScheduleError('x * * * *')).toBe('failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax');
    expect(cronScheduleError('@fortnightly')).toBe('unrecognized descriptor: @fortnightly');
  });
});

describe('validateBuiltin, per kind', () => {
  it('a valid Deployment, Service, ConfigMap, Secret, Job, CronJob pass', () => {
    expect(causes('apps/v1', 'Deployment', validDeployment())).toEqual([]);
    expect(causes('v1', 'Service', { metadata: { name: 's' }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }, { name: 'm', port: 9090 }] } })).toEqual([]);
    expect(causes('v1', 'ConfigMap', { data: { 'app.properties': 'x', KEY_1: 'y' } })).toEqual([]);
    expect(causes('v1', 'Secret', { type: 'kubernetes.io/tls', data: { 'tls.crt': 'YQ==', 'tls.key': 'Yg==' } })).toEqual([]);
    expect(causes('batch/v1', 'Job', { spec: { template: template({}, podSpec({ restartPolicy: 'Never' })) } })).toEqual([]);
    expect(causes('batch/v1', 'CronJob', { spec: { schedule: '*/10 * * * *', jobTemplate: { spec: { template: template({}, podSpec({ restartPolicy: 'OnFailure' })) } } } })).toEqual([]);
  });

  it('ObjectMeta: namespace syntax, annotations total size', () => {
    expect(causes('v1', 'ConfigMap', { metadata: { namespace: 'Team_A' } })[0]).toMatch(/^metadata\.namespace: Invalid value: "Team_A": a lowercase RFC 1123 label must consist/);
    expect(causes('v1', 'ConfigMap', { metadata: { annotations: { a: 'x'.repeat(256 * 1024) } } })).toEqual(['metadata.annotations: Too long: may not be more than 262144 bytes']);
  });

  it('Pod spec: containers required, names unique DNS labels, image, ports, protocols, restartPolicy, volumes and mounts, requests ≤ limits', () => {
    expect(causes('v1', 'Pod', { spec: { containers: [] } })).toEqual(['spec.containers: Required value']);
    expect(
      causes('v1', 'Pod', {
        spec: {
          restartPolicy: 'Sometimes',
          volumes: [{ name: 'data', emptyDir: {} }, { name: 'data', emptyDir: {} }],
          containers: [
            { name: 'Web', image: 'nginx', ports: [{ containerPort: 70000, protocol: 'HTTP' }, { containerPort: 0, name: 'http' }] },
            { name: 'Web', image: '', volumeMounts: [{ name: 'cache', mountPath: '/c' }], resources: { requests: { cpu: '2' }, limits: { cpu: '1' } } },
          ],
        },
      }),
    ).toEqual([
      'spec.volumes[1].name: Duplicate value: "data"',
      `spec.containers[0].name: Invalid value: "Web": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
      'spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
      'spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
      'spec.containers[0].ports[1].containerPort: Required value',
      `spec.containers[1].name: Invalid value: "Web": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
      'spec.containers[1].name: Duplicate value: "Web"',
      'spec.containers[1].image: Required value',
      'spec.containers[1].resources.requests[cpu]: Invalid value: "2": must be less than or equal to cpu limit of 1',
      'spec.containers[1].volumeMounts[0].name: Not found: "cache"',
      'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
    ]);
    expect(reasons('v1', 'Pod', { spec: { containers: [{ name: 'a', image: 'x', volumeMounts: [{ name: 'v', mountPath: '/m' }] }] } })).toEqual(['FieldValueNotFound']);
    // Port names are unique within a container (upstream validateContainerPorts); the same name in two containers is valid.
    const ports = [{ name: 'metrics', containerPort: 9090 }];
    expect(causes('v1', 'Pod', { spec: { containers: [{ name: 'a', image: 'x', ports }, { name: 'b', image: 'x', ports }] } })).toEqual([]);
    expect(causes('v1', 'Pod', { spec: { containers: [{ name: 'a', image: 'x', ports: [...ports, { name: 'metrics', containerPort: 9091 }] }] } })).toEqual(['spec.containers[0].ports[1].name: Duplicate value: "metrics"']);
  });

  it('Deployment: selector required and non-empty, template labels, restartPolicy Always, replicas, strategy', () => {
    expect(causes('apps/v1', 'Deployment', deployment({ selector: {}, template: template() }))).toEqual([
      'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment',
    ]);
    expect(
      causes(
        'apps/v1',
        'Deployment',
        deployment({
          replicas: -1,
          selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web'] }] },
          template: template({ app: 'web' }, podSpec({ restartPolicy: 'Never' })),
          strategy: { type: 'Recreate', rollingUpdate: { maxSurge: 1 } },
        }),
      ),
    ).toEqual([
      'spec.replicas: Invalid value: -1: must be greater than or equal to 0',
      'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"',
      "spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'",
    ]);
    expect(causes('apps/v1', 'Deployment', deployment({ selector: { matchLabels: { app: 'web' } }, template: template(), strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: '0%' } } }))).toEqual([
      'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "0%": may not be 0 when `maxSurge` is 0',
    ]);
    expect(causes('apps/v1', 'Deployment', deployment({ selector: { matchExpressions: [{ key: 'app', operator: 'Exists', values: ['x'] }] }, template: template() }))).toEqual([
      "spec.selector.matchExpressions[0].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
    ]);
  });

  it('ReplicaSet, StatefulSet, DaemonSet: selectors immutable; StatefulSet spec fields beyond the mutable ones forbidden', () => {
    const rs = { spec: { selector: { matchLabels: { app: 'web' } }, template: template() } };
    expect(causes('apps/v1', 'ReplicaSet', rs)).toEqual([]);
    expect(causes('apps/v1', 'ReplicaSet', { spec: { ...rs.spec, selector: { matchLabels: { app: 'web', v: '2' } }, template: template({ app: 'web', v: '2' }) } }, rs)[0]).toMatch(/^spec\.selector: Invalid value: v1\.LabelSelector\{MatchLabels:map\[string\]string\{"app":"web", "v":"2"\}.*: field is immutable$/);
    const sts = { spec: { selector: { matchLabels: { app: 'web' } }, serviceName: 'web', template: template() } };
    expect(causes('apps/v1', 'StatefulSet', { spec: { ...sts.spec, replicas: 3 } }, sts)).toEqual([]);
    expect(causes('apps/v1', 'StatefulSet', { spec: { ...sts.spec, serviceName: 'other' } }, sts)).toEqual([
      "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    ]);
    expect(causes('apps/v1', 'DaemonSet', { spec: { template: template() } })).toEqual([
      'spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`',
    ]);
  });

  it('Job and CronJob: restartPolicy OnFailure|Never, counts ≥ 0, schedule syntax, immutable selector and template', () => {
    expect(causes('batch/v1', 'Job', { spec: { parallelism: -1, template: template({}, podSpec({ restartPolicy: 'Always' })) } })).toEqual([
      'spec.parallelism: Invalid value: -1: must be greater than or equal to 0',
      'spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"',
    ]);
    const job = { spec: { template: template({}, podSpec({ restartPolicy: 'Never' })) } };
    expect(causes('batch/v1', 'Job', { spec: { template: template({}, podSpec({ restartPolicy: 'OnFailure' })) } }, job)[0]).toMatch(/^spec\.template: Invalid value: .*: field is immutable$/);
    expect(causes('batch/v1', 'CronJob', { spec: { schedule: '61 * * * *', jobTemplate: { spec: { template: template({}, podSpec({ restartPolicy: 'Never' })) } } } })).toEqual([
      'spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61',
    ]);
    expect(causes('batch/v1', 'CronJob', { spec: { schedule: 'CRON_TZ=UTC 0 * * * *', jobTemplate: { spec: { template: template({}, podSpec()) } } } })).toEqual([
      'spec.schedule: Invalid value: "CRON_TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead',
    ]);
    expect(causes('batch/v1', 'CronJob', { spec: { jobTemplate: { spec: { template: template({}, podSpec()) } } } })).toEqual(['spec.schedule: Required value']);
  });

  it('Service: ports required unless headless or ExternalName, names required with several and unique, port range, type, targetPort', () => {
    expect(causes('v1', 'Service', { spec: { selector: { app: 'web' } } })).toEqual(['spec.ports: Required value']);
    expect(causes('v1', 'Service', { spec: { clusterIP: 'None' } })).toEqual([]);
    expect(causes('v1', 'Service', { spec: { type: 'ExternalName', externalName: 'db.example.com.' } })).toEqual([]);
    expect(causes('v1', 'Service', { spec: { type: 'ExternalName' } })).toEqual(['spec.externalName: Required value']);
    expect(
      causes('v1', 'Service', { spec: { type: 'Internal', ports: [{ port: 80 }, { name: 'http', port: 70000, targetPort: 'http_port' }, { name: 'http', port: 81, protocol: 'ICMP' }] } }),
    ).toEqual([
      'spec.type: Unsupported value: "Internal": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"',
      'spec.ports[0].name: Required value',
      'spec.ports[1].port: Invalid value: 70000: must be between 1 and 65535, inclusive',
      'spec.ports[1].targetPort: Invalid value: "http_port": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
      'spec.ports[2].name: Duplicate value: "http"',
      'spec.ports[2].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"',
    ]);
    expect(reasons('v1', 'Service', { spec: { ports: [{ name: 'a', port: 80 }, { name: 'a', port: 81 }] } })).toEqual(['FieldValueDuplicate']);
  });

  it('ConfigMap and Secret: key syntax, size, Secret types, immutable data and type', () => {
    expect(causes('v1', 'ConfigMap', { data: { 'a/b': 'x' } })).toEqual([
      `data[a/b]: Invalid value: "a/b": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`,
    ]);
    expect(causes('v1', 'ConfigMap', { data: { big: 'x'.repeat(1024 * 1024 + 1) } })).toEqual(['[]: Too long: may not be more than 1048576 bytes']);
    expect(reasons('v1', 'ConfigMap', { data: { big: 'x'.repeat(1024 * 1024 + 1) } })).toEqual(['FieldValueTooLong']);
    expect(causes('v1', 'ConfigMap', { data: { '..x': 'y' }, binaryData: { k: 'YQ==' } })).toEqual(["data[..x]: Invalid value: \"..x\": must not start with '..'"]);
    expect(causes('v1', 'Secret', { type: 'kubernetes.io/tls', data: { 'tls.crt': 'YQ==' } })).toEqual(['data[tls.key]: Required value']);
    expect(causes('v1', 'Secret', { type: 'kubernetes.io/basic-auth', data: {} })).toEqual(['data[username]: Required value', 'data[password]: Required value']);
    expect(causes('v1', 'Secret', { type: 'kubernetes.io/tls', data: { 'tls.crt': 'YQ==', 'tls.key': 'YQ==' } }, { type: 'Opaque' })).toEqual(['type: Invalid value: "kubernetes.io/tls": field is immutable']);
    expect(causes('v1', 'ConfigMap', { immutable: true, data: { a: '2' } }, { immutable: true, data: { a: '1' } })).toEqual(['data: Forbidden: field is immutable when `immutable` is set']);
    expect(causes('v1', 'ConfigMap', { data: { a: '1' } }, { immutable: true, data: { a: '1' } })).toEqual(['immutable: Forbidden: field is immutable when `immutable` is set']);
    expect(causes('v1', 'ConfigMap', { data: { a: '2' } }, { data: { a: '1' } })).toEqual([]);
  });

  it('PDB, HPA, NetworkPolicy, Lease, PVC', () => {
    expect(causes('policy/v1', 'PodDisruptionBudget', { spec: { minAvailable: 1, maxUnavailable: '10%' } })[0]).toMatch(/^spec: Invalid value: .*: minAvailable and maxUnavailable cannot be both set$/);
    expect(causes('policy/v1', 'PodDisruptionBudget', { spec: { maxUnavailable: '150%' } })).toEqual(['spec.maxUnavailable: Invalid value: "150%": must not be greater than 100%']);
    expect(causes('autoscaling/v2', 'HorizontalPodAutoscaler', { spec: { minReplicas: 5, maxReplicas: 2, scaleTargetRef: { kind: 'Deployment', name: 'web' } } })).toEqual([
      'spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`',
    ]);
    expect(causes('autoscaling/v2', 'HorizontalPodAutoscaler', { spec: { minReplicas: 0, maxReplicas: 2, scaleTargetRef: {} } })).toEqual([
      'spec.minReplicas: Invalid value: 0: must be greater than or equal to 1',
      'spec.scaleTargetRef.kind: Required value',
      'spec.scaleTargetRef.name: Required value',
    ]);
    expect(
      causes('networking.k8s.io/v1', 'NetworkPolicy', { spec: { podSelector: {}, ingress: [{ ports: [{ port: 0, protocol: 'ICMP' }], from: [{ ipBlock: { cidr: '10.0.0.0' } }] }], policyTypes: ['Inbound'] } }),
    ).toEqual([
      'spec.ingress[0].ports[0].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"',
      'spec.ingress[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive',
      'spec.ingress[0].from[0].ipBlock.cidr: Invalid value: "10.0.0.0": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)',
      'spec.policyTypes[0]: Unsupported value: "Inbound": supported values: "Ingress", "Egress"',
    ]);
    expect(causes('coordination.k8s.io/v1', 'Lease', { spec: { leaseDurationSeconds: 0, leaseTransitions: -1 } })).toEqual([
      'spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0',
      'spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0',
    ]);
    const pvc = { spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'standard' } };
    expect(causes('v1', 'PersistentVolumeClaim', pvc)).toEqual([]);
    expect(causes('v1', 'PersistentVolumeClaim', { spec: {} })).toEqual(['spec.accessModes: Required value: at least 1 access mode is required', 'spec.resources[storage]: Required value']);
    expect(causes('v1', 'PersistentVolumeClaim', { spec: { ...pvc.spec, resources: { requests: { storage: '2Gi' } } } }, pvc)).toEqual([]);
    expect(causes('v1', 'PersistentVolumeClaim', { spec: { ...pvc.spec, storageClassName: 'fast' } }, pvc)).toEqual([
      'spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims',
    ]);
  });
});

describe('workload templates are Go struct values', () => {
  it('an absent template is an empty one: the mismatch and the missing containers, no Required on the template', () => {
    expect(causes('apps/v1', 'Deployment', deployment({ selector: { matchLabels: { app: 'web' } } }))).toEqual([
      'spec.template.metadata.labels: Invalid value: map[string]string(nil): `selector` does not match template `labels`',
      'spec.template.spec.containers: Required value',
    ]);
  });
  it('names the owner kind in the activeDeadlineSeconds refusal', () => {
    const spec = (k: string) => ({ selector: { matchLabels: { app: 'web' } }, template: template({ app: 'web' }, podSpec({ activeDeadlineSeconds: 5 })), ...(k === 'StatefulSet' ? { serviceName: 'web' } : {}) });
    expect(['Deployment', 'StatefulSet', 'DaemonSet'].map((k) => causes('apps/v1', k, { spec: spec(k) }).at(-1))).toEqual([
      'spec.template.spec.activeDeadlineSeconds: Invalid value: 5: activeDeadlineSeconds in ReplicaSet is not Supported',
      'spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in StatefulSet is not Supported',
      'spec.template.spec.activeDeadlineSeconds: Invalid value: 5: activeDeadlineSeconds in DaemonSet is not Supported',
    ]);
  });
});

describe('StatefulSet pod templates', () => {
  it('are not pod-spec validated (upstream leaves them so): mounts may name volumeClaimTemplates', () => {
    const spec = {
      selector: { matchLabels: { app: 'db' } },
      serviceName: 'db',
      template: template({ app: 'db' }, { containers: [{ name: 'db', image: 'postgres', volumeMounts: [{ name: 'data', mountPath: '/var/lib/postgresql' }] }] }),
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
    };
    expect(causes('apps/v1', 'StatefulSet', { spec })).toEqual([]);
  });
});
