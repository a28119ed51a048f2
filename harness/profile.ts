/**
 * Loads a simulation profile (harness/profiles/*.yaml): the delay distributions of every stub and
 * of the API server. Versioned external file (`apiVersion: lattice-sim.dev/v1alpha1`,
 * `kind: SimulationProfile`), converted to one internal type.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

/** A delay distribution: `delayMs` + uniform jitter in [0, `jitterMs`] (simulated ms). */
export interface Delay {
  delayMs: number;
  jitterMs?: number;
}

/** Internal form of a simulation profile. */
export interface SimulationProfile {
  apiserver: { watchDelivery: Delay };
  kubelet: { schedule: Delay; containerStart: Delay; readiness: Delay };
  endpointSlices: { sync: Delay };
  externalSecrets: { sync: Delay };
  nodes: { count: number; gpuNodes: number };
  traffic: { cycleSleep: Delay; perTarget: Delay };
  verifier: { cycles: number; pollMs: number; readyTimeoutMs: number };
}

let cached: SimulationProfile | undefined;

/**
 * The default profile (harness/profiles/default.yaml), parsed once.
 * @throws Error naming the file when it is not a SimulationProfile.
 */
export function defaultProfile(): SimulationProfile {
  if (!cached) cached = loadProfile(new URL('./profiles/default.yaml', import.meta.url));
  return cached;
}

/** Reads a profile file. @throws Error naming the file and the missing field. */
export function loadProfile(file: URL | string): SimulationProfile {
  const doc = parse(readFileSync(file, 'utf8')) as { apiVersion?: string; kind?: string; spec?: SimulationProfile };
  const where = typeof file === 'string' ? file : file.pathname;
  if (doc?.apiVersion !== 'lattice-sim.dev/v1alpha1' || doc.kind !== 'SimulationProfile' || !doc.spec) {
    throw new Error(`${where}: expected apiVersion lattice-sim.dev/v1alpha1, kind SimulationProfile with a spec`);
  }
  for (const section of ['apiserver', 'kubelet', 'endpointSlices', 'externalSecrets', 'nodes', 'traffic', 'verifier'] as const) {
    if (!doc.spec[section]) throw new Error(`${where}: spec.${section}: Required value`);
  }
  return doc.spec;
}
