/**
 * Defaulting of pod specs, wherever they sit (a Pod, or the template of a Deployment, ReplicaSet,
 * Job or CronJob), as kube-apiserver's scheme defaulters do it (k8s.io/kubernetes
 * pkg/apis/core/v1/defaults.go: SetDefaults_PodSpec, _Pod, _Container, _Probe, _HTTPGetAction,
 * _Volume and the volume sources, _ObjectFieldSelector; the ContainerPort protocol `TCP` is a
 * declarative default of the type). Every function fills absent fields only, in place.
 */
import { isPlainObject } from '../internal/json.ts';
import type { JsonObject } from '../internal/json.ts';

/** Sets `obj[key] = value` when the field is absent (undefined or null). Frozen objects (shared with the stored object, already defaulted) are left alone. */
export function setDefault(obj: JsonObject, key: string, value: unknown): void {
  if ((obj[key] === undefined || obj[key] === null) && !Object.isFrozen(obj)) obj[key] = value;
}

/** The object at `obj[key]`, or undefined when it is not a JSON object. */
export function child(obj: unknown, key: string): JsonObject | undefined {
  if (!isPlainObject(obj)) return undefined;
  const v = obj[key];
  return isPlainObject(v) ? v : undefined;
}

/** The JSON objects in the list at `obj[key]` (non-objects skipped). */
export function items(obj: unknown, key: string): JsonObject[] {
  if (!isPlainObject(obj)) return [];
  const v = obj[key];
  return Array.isArray(v) ? v.filter(isPlainObject) : [];
}

/**
 * The tag of an image reference (`nginx:1.27` → `1.27`; `nginx` → `latest`; a digest reference
 * `nginx@sha256:…` → none), as upstream `parsers.ParseImageName` reads it for imagePullPolicy.
 */
export function imageTag(image: string): string | undefined {
  if (image.includes('@')) return undefined;
  const lastSlash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  return colon > lastSlash ? image.slice(colon + 1) : 'latest';
}

function defaultProbe(probe: JsonObject | undefined): void {
  if (!probe) return;
  setDefault(probe, 'timeoutSeconds', 1);
  setDefault(probe, 'periodSeconds', 10);
  setDefault(probe, 'successThreshold', 1);
  setDefault(probe, 'failureThreshold', 3);
  const get = child(probe, 'httpGet');
  if (get) {
    if (get.path === '' || get.path === undefined) setDefault(get, 'path', '/');
    setDefault(get, 'scheme', 'HTTP');
  }
}

function defaultEnv(container: JsonObject): void {
  for (const env of items(container, 'env')) {
    const field = child(child(env, 'valueFrom'), 'fieldRef');
    if (field) setDefault(field, 'apiVersion', 'v1');
  }
}

/** SetDefaults_Container (+ its probes, ports, env field references). */
function defaultContainer(c: JsonObject, hostNetwork: boolean): void {
  if (c.imagePullPolicy === undefined || c.imagePullPolicy === '') {
    const tag = typeof c.image === 'string' ? imageTag(c.image) : undefined;
    setDefault(c, 'imagePullPolicy', tag === 'latest' ? 'Always' : 'IfNotPresent');
  }
  setDefault(c, 'terminationMessagePath', '/dev/termination-log');
  setDefault(c, 'terminationMessagePolicy', 'File');
  for (const port of items(c, 'ports')) {
    setDefault(port, 'protocol', 'TCP');
    if (hostNetwork) setDefault(port, 'hostPort', port.containerPort);
  }
  for (const p of ['livenessProbe', 'readinessProbe', 'startupProbe']) defaultProbe(child(c, p));
  defaultEnv(c);
}

function defaultVolume(v: JsonObject): void {
  const sources = Object.keys(v).filter((k) => k !== 'name');
  if (sources.length === 0 && !Object.isFrozen(v)) v.emptyDir = {};
  for (const [source, mode] of [
    ['secret', 420],
    ['configMap', 420],
    ['downwardAPI', 420],
    ['projected', 420],
  ] as const) {
    const s = child(v, source);
    if (s) setDefault(s, 'defaultMode', mode);
  }
  for (const p of items(child(v, 'projected'), 'sources')) {
    const token = child(p, 'serviceAccountToken');
    if (token) setDefault(token, 'expirationSeconds', 3600);
  }
  const hostPath = child(v, 'hostPath');
  if (hostPath) setDefault(hostPath, 'type', '');
}

/**
 * SetDefaults_PodSpec and what it reaches: dnsPolicy ClusterFirst, restartPolicy Always, an empty
 * securityContext, terminationGracePeriodSeconds 30, schedulerName default-scheduler; per container
 * (init and ephemeral too) imagePullPolicy by tag, terminationMessagePath/Policy, port protocol,
 * probe and env defaults; volume source defaults.
 */
export function defaultPodSpec(spec: JsonObject | undefined): void {
  if (!spec) return;
  setDefault(spec, 'dnsPolicy', 'ClusterFirst');
  setDefault(spec, 'restartPolicy', 'Always');
  setDefault(spec, 'securityContext', {});
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  setDefault(spec, 'schedulerName', 'default-scheduler');
  const hostNetwork = spec.hostNetwork === true;
  for (const list of ['containers', 'initContainers', 'ephemeralContainers']) for (const c of items(spec, list)) defaultContainer(c, hostNetwork && list !== 'ephemeralContainers');
  for (const v of items(spec, 'volumes')) defaultVolume(v);
}

/** SetDefaults_Pod on top of the spec's defaults: enableServiceLinks true; container requests default to limits. */
export function defaultPod(pod: JsonObject): void {
  const spec = child(pod, 'spec');
  if (!spec) return;
  defaultPodSpec(spec);
  setDefault(spec, 'enableServiceLinks', true);
  for (const list of ['containers', 'initContainers']) {
    for (const c of items(spec, list)) {
      const resources = child(c, 'resources');
      const limits = child(resources, 'limits');
      if (!resources || !limits || Object.isFrozen(resources)) continue;
      const requests = child(resources, 'requests') ?? {};
      if (Object.isFrozen(requests)) continue;
      for (const [k, v] of Object.entries(limits)) if (requests[k] === undefined) requests[k] = v;
      resources.requests = requests;
    }
  }
}

/** Defaults of the pod spec inside a `template` (`{metadata, spec}`). */
export function defaultTemplate(template: JsonObject | undefined): void {
  defaultPodSpec(child(template, 'spec'));
}
