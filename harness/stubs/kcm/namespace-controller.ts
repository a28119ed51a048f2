/**
 * Namespace controller stub (kube-controller-manager; Kubernetes docs "Namespaces" and the
 * namespace lifecycle design): when a Namespace has a deletionTimestamp and still carries the
 * `kubernetes` entry in `spec.finalizers`, it deletes every object of every served namespaced kind in
 * it (built-ins and custom resources alike, from the API server's registry, listed live as the real
 * controller does through discovery), background propagation. Objects that remain (finalizers still
 * pending) keep the Namespace Terminating; the controller then writes the status conditions the real
 * one writes (`NamespaceDeletionDiscoveryFailure`, `NamespaceDeletionGroupVersionParsingFailure`,
 * `NamespaceDeletionContentFailure` all False; `NamespaceContentRemaining` True/SomeResourcesRemain
 * with `<resource>.<group> has N resource instances`, `NamespaceFinalizersRemaining`
 * True/SomeFinalizersRemain with `<finalizer> in N resource instances`, each False when clear) and
 * checks again after 1 s (8 s while finalizers remain: upstream waits half its 15 s finalizer
 * estimate, plus one). Once nothing is left it removes `kubernetes` from `spec.finalizers` (an update of
 * the Namespace: the in-process client has no `namespaces/finalize` subresource), and the API server
 * removes the Namespace. Times are simulated ms.
 */
import type { InformerCache, KubeClient, KubeObject, TypeRef } from '../../../fake-apiserver/api/index.ts';
import { ignoreNotFound, rfc3339 } from '../../../fake-apiserver/api/index.ts';
import type { ControllerDefinition } from '../../../platform/runtime/index.ts';
import { done, requeueAfter } from '../../../platform/runtime/index.ts';
import { CoreTypes } from '../third-party-crds.ts';

/** A served namespaced kind and its resource name (`pods`, `latticeservices.lattice.dev`). */
export interface NamespacedKind {
  type: TypeRef;
  /** `<plural>.<group>` as the real controller names it in conditions (`pods.` for the core group). */
  resource: string;
}

/** The finalizer the API server puts on every Namespace's spec. */
export const NAMESPACE_FINALIZER = 'kubernetes';
/** Recheck while content without pending finalizers remains (simulated ms). */
const CONTENT_RECHECK_MS = 1_000;
/** Recheck while finalizers remain: upstream's 15 s finalizer estimate halved, plus one second. */
const FINALIZER_RECHECK_MS = 8_000;

interface Condition {
  type: string;
  status: 'True' | 'False';
  reason: string;
  message: string;
  lastTransitionTime?: string;
}

/**
 * The namespace controller as a runner definition.
 * @param kinds the served namespaced kinds, asked again on every reconcile (CRDs come and go).
 */
export function namespaceController(client: KubeClient, cache: InformerCache, kinds: () => readonly NamespacedKind[]): ControllerDefinition {
  return {
    name: 'namespace-controller',
    primary: CoreTypes.Namespace,
    reconciler: {
      async reconcile(key, ctx) {
        const ns = await cache.get(CoreTypes.Namespace, key).catch(ignoreNotFound);
        const finalizers: string[] = ns?.spec?.finalizers ?? [];
        if (!ns?.metadata.deletionTimestamp || !finalizers.includes(NAMESPACE_FINALIZER)) return done();
        const namespace = ns.metadata.name;
        const remaining = new Map<string, number>();
        const pendingFinalizers = new Map<string, number>();
        for (const { type, resource } of kinds()) {
          let items = (await client.list(type, { namespace }).catch(ignoreNotFound))?.items ?? [];
          if (items.length === 0) continue;
          for (const o of items) {
            if (!o.metadata.deletionTimestamp) await client.delete(type, { namespace, name: o.metadata.name }, { propagationPolicy: 'Background' }).catch(ignoreNotFound);
          }
          items = (await client.list(type, { namespace }).catch(ignoreNotFound))?.items ?? [];
          if (items.length) remaining.set(resource, items.length);
          for (const o of items) for (const f of o.metadata.finalizers ?? []) pendingFinalizers.set(f, (pendingFinalizers.get(f) ?? 0) + 1);
        }
        await writeConditions(client, ns, remaining, pendingFinalizers, rfc3339(ctx.clock.now()));
        if (remaining.size > 0) return requeueAfter(pendingFinalizers.size > 0 ? FINALIZER_RECHECK_MS : CONTENT_RECHECK_MS);
        await client.patch(CoreTypes.Namespace, { name: namespace }, 'merge', { spec: { finalizers: finalizers.filter((f) => f !== NAMESPACE_FINALIZER) } }).catch(ignoreNotFound);
        return done();
      },
    },
  };
}

async function writeConditions(client: KubeClient, ns: KubeObject, remaining: Map<string, number>, finalizers: Map<string, number>, now: string): Promise<void> {
  const list = (m: Map<string, number>, fmt: (k: string, n: number) => string) => [...m].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, n]) => fmt(k, n)).join(', ');
  const wanted: Condition[] = [
    { type: 'NamespaceDeletionDiscoveryFailure', status: 'False', reason: 'ResourcesDiscovered', message: 'All resources successfully discovered' },
    { type: 'NamespaceDeletionGroupVersionParsingFailure', status: 'False', reason: 'ParsedGroupVersions', message: 'All legacy kube types successfully parsed' },
    { type: 'NamespaceDeletionContentFailure', status: 'False', reason: 'ContentDeleted', message: 'All content successfully deleted, may be waiting on finalization' },
    remaining.size
      ? { type: 'NamespaceContentRemaining', status: 'True', reason: 'SomeResourcesRemain', message: `Some resources are remaining: ${list(remaining, (r, n) => `${r} has ${n} resource instances`)}` }
      : { type: 'NamespaceContentRemaining', status: 'False', reason: 'ContentRemoved', message: 'All content successfully removed' },
    finalizers.size
      ? { type: 'NamespaceFinalizersRemaining', status: 'True', reason: 'SomeFinalizersRemain', message: `Some content in the namespace has finalizers remaining: ${list(finalizers, (f, n) => `${f} in ${n} resource instances`)}` }
      : { type: 'NamespaceFinalizersRemaining', status: 'False', reason: 'ContentHasNoFinalizers', message: 'All content-preserving finalizers finished' },
  ];
  const current = (ns.status?.conditions ?? []) as Condition[];
  const conditions = wanted.map((c) => {
    const old = current.find((o) => o.type === c.type);
    return { ...c, lastTransitionTime: old && old.status === c.status ? old.lastTransitionTime : now };
  });
  const same = conditions.every((c) => current.some((o) => o.type === c.type && o.status === c.status && o.reason === c.reason && o.message === c.message));
  if (same && current.length === conditions.length) return;
  await client.patchStatus(CoreTypes.Namespace, { name: ns.metadata.name }, 'merge', { status: { conditions } }).catch(ignoreNotFound);
}

/**
 * The served namespaced kinds of a registry listing, one per group and kind (its storage version
 * where served), resource named `<plural>.<group>`. Resources answered by a provider (an aggregated
 * API's, e.g. PodMetrics) are skipped: they cannot be deleted, and upstream's namespace controller
 * deletes only resources whose discovery verbs include delete.
 */
export function namespacedKinds(infos: readonly { group: string; kind: string; apiVersion: string; plural: string; namespaced: boolean; storageApiVersion?: string; provider?: unknown }[]): NamespacedKind[] {
  const out = new Map<string, NamespacedKind>();
  for (const i of infos) {
    if (!i.namespaced || i.provider) continue;
    const id = `${i.group}/${i.kind}`;
    if (!out.has(id) || i.apiVersion === i.storageApiVersion) out.set(id, { type: { apiVersion: i.apiVersion, kind: i.kind }, resource: `${i.plural}.${i.group}` });
  }
  return [...out.values()];
}
