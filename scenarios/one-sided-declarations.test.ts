/**
 * One-sided bilateral declarations in a World (issue 9, the book's Chapter 11 §11.4 debugging trail:
 * "outbound dependency redis declared but no matching inbound declaration"): the mesh-member
 * controller reports a declaration the other side does not match on BOTH members as the
 * `BilateralAgreement` condition (False/OneSidedDeclaration), a warning only — phases stay Ready and
 * default-deny still blocks the traffic. Once the callee declares the caller inbound, both conditions
 * turn True, and a settled member is not written again. The reference stays silent here; this is our addition (platform/README.md).
 */
import { describe, expect, test } from 'vitest';
import type { Condition, KubeObject, TypeRef } from '../fake-apiserver/api/index.ts';
import { World } from '../harness/world.ts';
import { renderTopology } from '../topologies/index.ts';
import type { Topology } from '../topologies/index.ts';
import { testService } from '../topologies/testing.ts';

const LMM: TypeRef = { apiVersion: 'lattice.dev/v1alpha1', kind: 'LatticeMeshMember' };
const LS: TypeRef = { apiVersion: 'lattice.dev/v1alpha1', kind: 'LatticeService' };

/** `shop/front` depends on `shop/cart` (and `shop/stock` when `stock`); cart declares front inbound only when `matched`; stock declares nothing. */
const topology = (matched: boolean, stock = false): Topology => ({
  name: 'shop',
  services: [
    testService('shop', 'front', { outbound: ['shop/cart', ...(stock ? ['shop/stock'] : [])] }),
    testService('shop', 'cart', { inbound: matched ? ['shop/front'] : [] }),
    testService('shop', 'stock'),
  ],
  probes: [],
});

/** The stored LatticeService `name` with the spec `topology` renders for it. */
function respecified(stored: KubeObject, topology: Topology): KubeObject {
  const rendered = renderTopology(topology).find((o) => o.kind === 'LatticeService' && o.metadata.name === stored.metadata.name)!;
  expect(rendered.spec).not.toEqual(stored.spec);
  return { ...structuredClone(stored), spec: rendered.spec };
}

describe('one-sided bilateral declarations', () => {
  test('an outbound dependency the callee does not declare inbound warns on both members; the callee adding inbound clears both', async () => {
    const world = await World.create({ seed: 7 });
    try {
      expect(await world.apply(renderTopology(topology(false)))).toEqual([]);
      await world.advance(world.clock.now() + 60_000);
      type WithStatus = KubeObject & { status?: { phase?: string; conditions?: Condition[] } };
      const stored = (type: TypeRef, name: string) => world.reader.list<WithStatus>(type, { namespace: 'shop' }).find((o) => o.metadata.name === name)!;
      const member = (name: string) => stored(LMM, name);
      const bilateral = (name: string) => member(name).status?.conditions?.find((c) => c.type === 'BilateralAgreement');
      const phase = (type: TypeRef, name: string) => stored(type, name).status?.phase;

      expect(bilateral('front')).toMatchObject({ status: 'False', reason: 'OneSidedDeclaration', message: 'outbound dependency cart declared but no matching inbound declaration' });
      expect(bilateral('cart')).toMatchObject({ status: 'False', reason: 'OneSidedDeclaration', message: 'outbound dependency declared by front but no matching inbound declaration' });
      expect(bilateral('stock')).toMatchObject({ status: 'True', reason: 'DeclarationsMatched' });
      // A warning only: both members and services stay Ready.
      for (const name of ['front', 'cart']) {
        expect(phase(LMM, name)).toBe('Ready');
        expect(phase(LS, name)).toBe('Ready');
        expect(member(name).status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
      }

      // The callee declares the caller inbound: both warnings clear.
      await world.client.update(respecified(stored(LS, 'cart'), topology(true)));
      await world.advance(world.clock.now() + 60_000);
      for (const name of ['front', 'cart', 'stock']) {
        expect(bilateral(name)).toMatchObject({ status: 'True', reason: 'DeclarationsMatched' });
        expect(phase(LMM, name)).toBe('Ready');
        expect(phase(LS, name)).toBe('Ready');
      }

      // The caller adds a dependency on a Ready member that declares nothing: no edge changes on stock
      // (its skip path refreshes the condition), both are warned, and the matched pair stays quiet.
      // Mid-period and 5 s long: inside one Cedar reload period (60 s), so no reload re-applies stock.
      await world.advance(world.clock.now() + 30_000);
      await world.client.update(respecified(stored(LS, 'front'), topology(true, true)));
      await world.advance(world.clock.now() + 5_000);
      expect(bilateral('front')).toMatchObject({ status: 'False', reason: 'OneSidedDeclaration', message: 'outbound dependency stock declared but no matching inbound declaration' });
      expect(bilateral('stock')).toMatchObject({ status: 'False', reason: 'OneSidedDeclaration', message: 'outbound dependency declared by front but no matching inbound declaration' });
      expect(bilateral('cart')).toMatchObject({ status: 'True', reason: 'DeclarationsMatched' });
      for (const name of ['front', 'cart', 'stock']) expect(phase(LMM, name)).toBe('Ready');

      // Nothing changes any more: two more minutes (Cedar reloads re-apply every member) write no member.
      const versions = () => ['front', 'cart', 'stock'].map((name) => member(name).metadata.resourceVersion);
      const settled = versions();
      await world.advance(world.clock.now() + 120_000);
      expect(versions()).toEqual(settled);
    } finally {
      world.stop();
    }
  });
});
