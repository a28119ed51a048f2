/**
 * What keeps a container from being created (Kubernetes: the kubelet's container config and volume
 * setup). Checked in the kubelet's order: volumes first (a Secret or ConfigMap volume whose object
 * is missing keeps the pod in ContainerCreating, with a FailedMount event
 * `MountVolume.SetUp failed for volume "v" : secret "s" not found`), then each container's
 * environment (`env[].valueFrom.secretKeyRef` / `configMapKeyRef` and `envFrom[]` that are not
 * `optional`: the container waits with reason CreateContainerConfigError and the kubelet's message,
 * `secret "s" not found` or `couldn't find key k in Secret ns/s`). Pure: objects come from `lookup`.
 */
import type { KubeObject } from '../../../fake-apiserver/api/index.ts';

/** The kind of a referenced configuration object. */
export type ConfigKind = 'Secret' | 'ConfigMap';

/** Reads a Secret or ConfigMap of the pod's namespace (undefined when missing). */
export type ConfigLookup = (kind: ConfigKind, name: string) => KubeObject | undefined;

/** Why a pod's containers cannot be created yet, and which objects it waits for (`Secret/name`). */
export interface ConfigBlock {
  /** A volume that cannot be mounted: volume name and the kubelet's FailedMount message. */
  mount?: { volume: string; message: string };
  /** The first container whose environment cannot be built, and the kubelet's message. */
  config?: { container: string; message: string };
  /** Every missing object the pod refers to, as `Kind/name` (what a watch must wake it for). */
  waitingFor: string[];
}

interface KeyRef {
  name?: string;
  key?: string;
  optional?: boolean;
}

/** The pod spec fields this check reads (core/v1 Volume and Container). */
interface VolumeSpec {
  name: string;
  secret?: { secretName?: string; optional?: boolean };
  configMap?: KeyRef;
  projected?: { sources?: { secret?: KeyRef; configMap?: KeyRef }[] };
}
interface ContainerSpec {
  name: string;
  env?: { valueFrom?: { secretKeyRef?: KeyRef; configMapKeyRef?: KeyRef } }[];
  envFrom?: { secretRef?: KeyRef; configMapRef?: KeyRef }[];
}

const lower = (k: ConfigKind) => k.toLowerCase();

/** `secret "s" not found` / `couldn't find key k in Secret ns/s`, or undefined when the reference resolves. */
function keyRefError(kind: ConfigKind, ref: KeyRef, ns: string, lookup: ConfigLookup, waitingFor: Set<string>): string | undefined {
  if (!ref.name || ref.optional) return undefined;
  const obj = lookup(kind, ref.name);
  if (!obj) {
    waitingFor.add(`${kind}/${ref.name}`);
    return `${lower(kind)} "${ref.name}" not found`;
  }
  if (ref.key === undefined) return undefined;
  const o = obj as { data?: Record<string, unknown>; stringData?: Record<string, unknown>; binaryData?: Record<string, unknown> };
  const has = [o.data, o.stringData, o.binaryData].some((d) => d && Object.hasOwn(d, ref.key!));
  if (has) return undefined;
  waitingFor.add(`${kind}/${ref.name}`);
  return `couldn't find key ${ref.key} in ${kind} ${ns}/${ref.name}`;
}

/** Checks every volume and container environment of `pod`; `{ waitingFor: [] }` when nothing is missing. */
export function configBlock(pod: KubeObject, lookup: ConfigLookup): ConfigBlock {
  const ns = pod.metadata.namespace ?? 'default';
  const waitingFor = new Set<string>();
  const out: ConfigBlock = { waitingFor: [] };
  for (const v of (pod.spec?.volumes ?? []) as VolumeSpec[]) {
    const refs: [ConfigKind, KeyRef][] = [];
    if (v.secret) refs.push(['Secret', { name: v.secret.secretName, optional: v.secret.optional }]);
    if (v.configMap) refs.push(['ConfigMap', v.configMap]);
    for (const s of v.projected?.sources ?? []) {
      if (s.secret) refs.push(['Secret', s.secret]);
      if (s.configMap) refs.push(['ConfigMap', s.configMap]);
    }
    for (const [kind, ref] of refs) {
      const err = keyRefError(kind, ref, ns, lookup, waitingFor);
      if (err && !out.mount) out.mount = { volume: v.name, message: `MountVolume.SetUp failed for volume "${v.name}" : ${err}` };
    }
  }
  const containers = [...((pod.spec?.initContainers ?? []) as ContainerSpec[]), ...((pod.spec?.containers ?? []) as ContainerSpec[])];
  for (const c of containers) {
    const errors: (string | undefined)[] = [];
    for (const e of c.env ?? []) {
      if (e.valueFrom?.secretKeyRef) errors.push(keyRefError('Secret', e.valueFrom.secretKeyRef, ns, lookup, waitingFor));
      if (e.valueFrom?.configMapKeyRef) errors.push(keyRefError('ConfigMap', e.valueFrom.configMapKeyRef, ns, lookup, waitingFor));
    }
    for (const f of c.envFrom ?? []) {
      if (f.secretRef) errors.push(keyRefError('Secret', { name: f.secretRef.name, optional: f.secretRef.optional }, ns, lookup, waitingFor));
      if (f.configMapRef) errors.push(keyRefError('ConfigMap', { name: f.configMapRef.name, optional: f.configMapRef.optional }, ns, lookup, waitingFor));
    }
    const first = errors.find((e) => e !== undefined);
    if (first && !out.config) out.config = { container: c.name, message: first };
  }
  out.waitingFor = [...waitingFor].sort();
  return out;
}
