/**
 * `endpoints-never-updated` (area: stubs): kube-controller-manager's EndpointSlice controller creates
 * each Service's slice but never updates it — what a cluster shows when the controller may create
 * EndpointSlices but not update them (a ClusterRole missing the `update` / `patch` verbs). A slice is
 * created when its Service appears, usually before any pod is ready, and keeps that first answer:
 * pods that become ready later never receive traffic, so every call the mesh allows to such a
 * Service fails. The platform did nothing wrong; the verifier must still report it, because the
 * cluster does not serve what the declarations allow.
 *
 * Applied from outside: a write interceptor on the stubs' KubeClient. Updates and server-side applies
 * of an EndpointSlice that already exists are not sent; the stored slice is returned as if the write
 * had landed. The platform's client is untouched.
 */
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import type { BugDefinition, BugSeams } from './types.ts';
import { writeOnce } from './internal/rewrite.ts';

const isEndpointSlice = (obj: KubeObject): boolean => obj.kind === 'EndpointSlice' && obj.apiVersion === 'discovery.k8s.io/v1';

/** The `endpoints-never-updated` catalogue entry. */
export const endpointsNeverUpdated: BugDefinition<'endpoints-never-updated'> = {
  name: 'endpoints-never-updated',
  description: 'the EndpointSlice controller creates each slice but never updates it, so pods that become ready later never receive traffic',
  area: 'stubs',
  apply: (seams: BugSeams): BugSeams => ({
    ...seams,
    stubsClient: writeOnce(seams.stubsClient, isEndpointSlice),
  }),
};
