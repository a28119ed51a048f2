/** Test helpers for stub tests that drive a whole World (tests only; never imported by production code). */
import type { KubeObject } from '../../../fake-apiserver/api/index.ts';
import type { World } from '../../world.ts';

/**
 * Advances the World's clock in `stepMs` steps (simulated ms) until `cond` holds; returns the
 * simulated ms it took. @throws Error when it does not hold within `maxMs`.
 */
export async function until(w: World, cond: () => boolean, opts: { stepMs?: number; maxMs?: number } = {}): Promise<number> {
  const { stepMs = 100, maxMs = 900_000 } = opts;
  const start = w.clock.now();
  while (!cond()) {
    if (w.clock.now() - start > maxMs) throw new Error(`condition not met within ${maxMs} simulated ms`);
    await w.advance(w.clock.now() + stepMs);
  }
  return w.clock.now() - start;
}

/** A Deployment `ns/<name>` of `replicas` pods labelled `app=<name>` (one busybox container). */
export function deployment(name: string, replicas: number): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'ns' },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'main', image: 'busybox' }] } } },
  };
}
