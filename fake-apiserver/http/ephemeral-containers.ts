/**
 * `pods/ephemeralcontainers` (what `kubectl debug -it pod/x --image=busybox` patches): GET answers the
 * Pod; PATCH (strategic merge, merge, JSON patch) and PUT take the resulting Pod's
 * `spec.ephemeralContainers` and nothing else (pod registry EphemeralContainersREST, which writes the
 * list into the stored Pod). Validation as ValidateEphemeralContainers' common paths: existing
 * ephemeral containers may neither be removed nor changed, a new one needs a name unique among all
 * the pod's containers and an image.
 */
import { invalid as invalidObject } from '../api/index.ts';
import type { KubeObject, PatchType, WriteOptions } from '../api/index.ts';
import type { ApiServer } from '../apiserver.ts';
import { applyJsonPatch, mergePatch } from '../patch.ts';
import { strategicMergePatch } from '../strategic-merge.ts';

const POD = { apiVersion: 'v1', kind: 'Pod' };

type Container = { name?: unknown; image?: unknown } & Record<string, unknown>;

const list = (pod: unknown, field: string): Container[] => {
  const spec = (pod as { spec?: Record<string, unknown> } | undefined)?.spec;
  const v = spec?.[field];
  return Array.isArray(v) ? (v as Container[]) : [];
};

/** The 422 of an invalid ephemeral container list: `message` is `<field>: <detail>`. */
function invalid(name: string, message: string): Error {
  const at = message.indexOf(': ');
  const field = message.slice(0, at);
  const detail = message.slice(at + 2);
  const reason = detail.startsWith('Forbidden') ? 'FieldValueForbidden' : detail.startsWith('Duplicate') ? 'FieldValueDuplicate' : 'FieldValueRequired';
  return invalidObject('Pod', '', name, [{ reason, message: detail, field }]);
}

/**
 * Writes the `spec.ephemeralContainers` of `next` (the Pod the request describes) into the stored Pod
 * `key`; answers the updated Pod.
 * @throws 422 Invalid as in the module docstring; 404 when the pod is gone.
 */
export function writeEphemeralContainers(server: ApiServer, key: { namespace?: string; name: string }, next: unknown, write: WriteOptions): KubeObject {
  const stored = server.get(POD, key);
  const old = list(stored, 'ephemeralContainers');
  const wanted = list(next, 'ephemeralContainers');
  for (const o of old) {
    const now = wanted.find((c) => c.name === o.name);
    if (!now) throw invalid(key.name, `spec.ephemeralContainers: Forbidden: existing ephemeral containers ${JSON.stringify(o.name)} may not be removed`);
    if (JSON.stringify(now.image) !== JSON.stringify(o.image) || JSON.stringify(now.command ?? null) !== JSON.stringify(o.command ?? null) || JSON.stringify(now.args ?? null) !== JSON.stringify(o.args ?? null)) {
      throw invalid(key.name, `spec.ephemeralContainers: Forbidden: existing ephemeral containers ${JSON.stringify(o.name)} may not be changed`);
    }
  }
  const names = new Set([...list(stored, 'containers'), ...list(stored, 'initContainers')].map((c) => c.name));
  wanted.forEach((c, i) => {
    if (typeof c.name !== 'string' || c.name === '') throw invalid(key.name, `spec.ephemeralContainers[${i}].name: Required value`);
    if (names.has(c.name)) throw invalid(key.name, `spec.ephemeralContainers[${i}].name: Duplicate value: ${JSON.stringify(c.name)}`);
    names.add(c.name);
    if (typeof c.image !== 'string' || c.image === '') throw invalid(key.name, `spec.ephemeralContainers[${i}].image: Required value`);
  });
  // Existing entries as stored (defaulted), new ones as sent (the update defaults them).
  const merged = wanted.map((c) => old.find((o) => o.name === c.name) ?? c);
  return server.update({ ...stored, spec: { ...stored.spec, ephemeralContainers: merged } }, write);
}

/** The Pod a PATCH of pods/ephemeralcontainers describes: `body` applied to the stored Pod. */
export function patchedPod(server: ApiServer, key: { namespace?: string; name: string }, patchType: PatchType, body: unknown): unknown {
  const pod = server.get(POD, key);
  return patchType === 'json' ? applyJsonPatch(pod, body) : patchType === 'strategic' ? strategicMergePatch(pod, body, '', 'Pod') : mergePatch(pod, body);
}
