/**
 * CedarPolicy controller (reference §1.6, §3.3): validates each CedarPolicy and writes its status
 * (phase Valid/Invalid, permit/forbid counts, parse errors, lastValidated, observedGeneration).
 * The engine itself is loaded by {@link CedarLoader} whenever a controller needs it.
 */
import type { KubeClient } from '../../fake-apiserver/api/index.ts';
import { ignoreNotFound, rfc3339 } from '../../fake-apiserver/api/index.ts';
import { validateCedarPolicy } from '../cedar/index.ts';
import type { ControllerDefinition } from '../runtime/index.ts';
import { done } from '../runtime/index.ts';
import { CedarPolicyType } from '../crds/types.ts';
import type { CedarPolicy } from '../crds/types.ts';

/** The CedarPolicy controller as a runner definition. */
export function cedarPolicyController(client: KubeClient): ControllerDefinition {
  return {
    name: 'lattice-cedar-policy-controller',
    primary: CedarPolicyType,
    generationChangedOnly: true,
    reconciler: {
      async reconcile(key, ctx) {
        const obj = (await client.get<CedarPolicy>(CedarPolicyType, key).catch(ignoreNotFound)) as CedarPolicy | undefined;
        if (!obj) return done();
        const next = { ...validateCedarPolicy(obj), observedGeneration: obj.metadata.generation };
        const cur = obj.status ?? {};
        const same = cur.phase === next.phase && cur.message === next.message && cur.observedGeneration === next.observedGeneration;
        if (!same) {
          await client.patchStatus(CedarPolicyType, key, 'merge', { status: { ...next, lastValidated: rfc3339(ctx.clock.now()) } }).catch(ignoreNotFound);
          if (next.phase === 'Invalid') ctx.log.warn(`CedarPolicy ${key.namespace}/${key.name} is invalid: ${next.message}`);
        }
        return done();
      },
    },
  };
}
