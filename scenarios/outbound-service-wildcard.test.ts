/**
 * The platform option `outboundServiceWildcard` (fidelity row "Outbound `type: service` with `id: \"*\"`"):
 * `dependsAll` (default, platform/compiler/README.md "Conscious deviations") makes the caller's
 * LatticeMeshMember depend on every member, behind the Cedar AllowWildcard gate; `dependency` (the
 * reference operator, crates/lattice-workload/src/compiler.rs:804-807, 891; crates/lattice-graph/src/lib.rs:965-969)
 * keeps `*` as an ordinary dependency named `*`, so no gate is asked and no edge forms.
 */
import { describe, expect, test } from 'vitest';
import type { KubeObject } from '../fake-apiserver/api/index.ts';
import { bugTestCluster, cedarPolicy, service, storedIn, TEST_TRUST_DOMAIN } from '../harness/bugs/testing/cluster.ts';
import { CedarLoader, LatticeMeshMemberType, meshMemberController, serviceController } from '../platform/index.ts';
import type { OutboundServiceWildcard } from '../platform/compiler/index.ts';

const AP = { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy' };
const LOG = { info: () => {}, warn: () => {} };

/**
 * `ns/caller` has an outbound `type: service` resource with `id: "*"`; `ns/callee` allows `caller`.
 * Both are reconciled by the service controller (with the option) and then the mesh-member controller.
 * Returns the caller member's spec fields and phase/message, and the principals of the callee's `allow-to-*` AP.
 */
async function run(setting: OutboundServiceWildcard | undefined, cedar: KubeObject[]) {
  const c = await bugTestCluster();
  for (const p of cedar) await c.client.create(p);
  await c.client.create(service('ns', 'caller', { workload: { ...(service('ns', 'caller').spec as { workload: object }).workload, resources: { everyone: { type: 'service', id: '*', direction: 'outbound' } } } as never }));
  await c.client.create(service('ns', 'callee', { workload: { ...(service('ns', 'callee').spec as { workload: object }).workload, resources: { caller: { type: 'service', direction: 'inbound' } } } as never }));
  const services = serviceController({ client: c.client, cedar: new CedarLoader(c.client), clusterName: 'test', ...(setting ? { outboundServiceWildcard: setting } : {}) });
  const members = meshMemberController({ client: c.client, cedar: new CedarLoader(c.client), trustDomain: TEST_TRUST_DOMAIN });
  for (const name of ['caller', 'callee']) for (let i = 0; i < 3; i++) await services.reconciler.reconcile({ namespace: 'ns', name }, { clock: c.clock, log: LOG });
  for (const name of ['caller', 'callee']) await members.reconciler.reconcile({ namespace: 'ns', name }, { clock: c.clock, log: LOG });
  const caller = (await c.client.get(LatticeMeshMemberType, { namespace: 'ns', name: 'caller' })) as KubeObject & { spec: { dependencies?: unknown; dependsAll?: boolean }; status?: { phase?: string; message?: string } };
  const calleeAllow = (await storedIn(c.client, AP, 'ns')).filter((o) => o.metadata.name.startsWith('allow-to-') && o.metadata.ownerReferences?.[0]?.name === 'callee');
  const principals = calleeAllow.flatMap((o) => (o.spec.rules ?? []).flatMap((r: { from?: { source: { principals?: string[] } }[] }) => (r.from ?? []).flatMap((f) => f.source.principals ?? [])));
  return { dependencies: caller.spec.dependencies, dependsAll: caller.spec.dependsAll, phase: caller.status?.phase, message: caller.status?.message, principals };
}

const PERMIT_ALL = cedarPolicy('permit-all', 'permit (principal, action, resource);\n');
const CALLER_PRINCIPAL = `${TEST_TRUST_DOMAIN}/ns/ns/sa/caller`;

describe('outboundServiceWildcard', () => {
  test('dependsAll (default): the member depends on all, AllowWildcard is asked (denied without a permit), and with a permit the callee allowing caller admits it', async () => {
    const denied = await run(undefined, []);
    expect(denied).toMatchObject({ dependencies: [], dependsAll: true, phase: 'Failed' });
    expect(denied.message).toContain('Action::"AllowWildcard" on Mesh::"outbound"');
    expect(await run('dependsAll', [PERMIT_ALL])).toMatchObject({ dependsAll: true, phase: 'Ready', principals: [CALLER_PRINCIPAL] });
  });

  test('dependency (the reference): `*` is an ordinary dependency, no gate is asked and no edge forms', async () => {
    const ungated = await run('dependency', []);
    expect(ungated).toMatchObject({ dependencies: [{ name: '*', namespace: 'ns' }], dependsAll: false, phase: 'Ready' });
    expect(await run('dependency', [PERMIT_ALL])).toMatchObject({ dependsAll: false, phase: 'Ready', principals: [] });
  });
});
