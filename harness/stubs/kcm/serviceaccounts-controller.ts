/**
 * Two per-namespace publishers of kube-controller-manager (Kubernetes docs "Managing Service
 * Accounts", "Configure Service Accounts for Pods"; pkg/controller/serviceaccount and
 * pkg/controller/certificates/rootcacertpublisher): in every active Namespace the
 * serviceaccount-controller keeps a ServiceAccount `default`, and the root-ca-cert-publisher a
 * ConfigMap `kube-root-ca.crt` whose `ca.crt` is the cluster's root CA bundle (what pods verify
 * kube-apiserver with), annotated with upstream's description. Both come back when deleted and
 * are left alone in a Terminating namespace (the namespace controller empties it).
 */
import type { InformerCache, KubeClient, KubeObject } from '../../../fake-apiserver/api/index.ts';
import { StatusError, ignoreNotFound, isAlreadyExists } from '../../../fake-apiserver/api/index.ts';
import type { ControllerDefinition } from '../../../platform/runtime/index.ts';
import { done } from '../../../platform/runtime/index.ts';
import { CoreTypes } from '../third-party-crds.ts';

/** The ServiceAccount every namespace gets. */
export const DEFAULT_SERVICE_ACCOUNT = 'default';
/** The root CA ConfigMap every namespace gets. */
export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
/** Upstream's `kubernetes.io/description` of the root CA ConfigMap. */
const ROOT_CA_DESCRIPTION =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';

const byNamespace = (o: KubeObject, name: string) => (o.metadata.name === name && o.metadata.namespace ? [{ name: o.metadata.namespace }] : []);

/** Creates `obj`; one already there, or a namespace gone or terminating meanwhile, is no error (the next event reconciles). */
async function createIgnoringExisting(client: KubeClient, obj: KubeObject, fieldManager: string): Promise<void> {
  try {
    await client.create(obj, { fieldManager });
  } catch (err) {
    if (isAlreadyExists(err)) return;
    const reason = err instanceof StatusError ? err.status.reason : undefined;
    if (reason === 'NotFound' || reason === 'Forbidden') return;
    throw err;
  }
}

/**
 * Both publishers as one runner definition keyed by Namespace.
 * @param rootCaCert the cluster's root CA certificate (PEM), the `ca.crt` of every `kube-root-ca.crt`.
 */
export function serviceAccountsController(client: KubeClient, cache: InformerCache, rootCaCert: string): ControllerDefinition {
  return {
    name: 'serviceaccount-controller',
    primary: CoreTypes.Namespace,
    watches: [
      { type: CoreTypes.ServiceAccount, map: (o) => byNamespace(o, DEFAULT_SERVICE_ACCOUNT) },
      { type: CoreTypes.ConfigMap, map: (o) => byNamespace(o, ROOT_CA_CONFIGMAP) },
    ],
    reconciler: {
      async reconcile(key) {
        const ns = await cache.get(CoreTypes.Namespace, key).catch(ignoreNotFound);
        if (!ns || ns.metadata.deletionTimestamp || (ns.status?.phase ?? 'Active') !== 'Active') return done();
        const namespace = ns.metadata.name;
        const sa = await cache.get(CoreTypes.ServiceAccount, { namespace, name: DEFAULT_SERVICE_ACCOUNT }).catch(ignoreNotFound);
        if (!sa) await createIgnoringExisting(client, { ...CoreTypes.ServiceAccount, metadata: { name: DEFAULT_SERVICE_ACCOUNT, namespace } }, 'kube-controller-manager');
        const cm = await cache.get(CoreTypes.ConfigMap, { namespace, name: ROOT_CA_CONFIGMAP }).catch(ignoreNotFound);
        const data = { 'ca.crt': rootCaCert };
        const annotations = { 'kubernetes.io/description': ROOT_CA_DESCRIPTION };
        if (!cm) await createIgnoringExisting(client, { ...CoreTypes.ConfigMap, metadata: { name: ROOT_CA_CONFIGMAP, namespace, annotations }, data }, 'kube-controller-manager');
        else if (cm.data?.['ca.crt'] !== rootCaCert || cm.metadata.annotations?.['kubernetes.io/description'] !== ROOT_CA_DESCRIPTION)
          await client.patch(CoreTypes.ConfigMap, { namespace, name: ROOT_CA_CONFIGMAP }, 'merge', { metadata: { annotations }, data }, { fieldManager: 'kube-controller-manager' }).catch(ignoreNotFound);
        return done();
      },
    },
  };
}
