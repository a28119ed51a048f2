/**
 * The project's own example fleets (written for lattice-sim, not copied), as folders of multi-document
 * YAML next to this file. Readers parse them with any YAML loader (the harness's spec loader, `yaml`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Names of the example fleets. */
export const EXAMPLE_FLEETS = ['shop', 'newsroom', 'observatory', 'settlement', 'harbor', 'checkout'] as const;
/** Name of an example fleet. */
export type ExampleFleetName = (typeof EXAMPLE_FLEETS)[number];
/**
 * The fleets the default `lattice-sim run` verifies (each its own fleet run, before the random
 * topologies): `shop`, and `harbor` (escape-hatch LatticeMeshMembers with their own service accounts,
 * a non-ambient member, depends-all, replicas 2, across two namespaces).
 */
export const DEFAULT_RUN_FLEETS: readonly ExampleFleetName[] = ['shop', 'harbor'];

/** One YAML file of a fleet: absolute path and text. */
export interface FleetFile {
  path: string;
  text: string;
}

/** Absolute path of an example fleet's folder. Throws `Error('exampleFleetDir: unknown fleet …')` for other names. */
export function exampleFleetDir(name: ExampleFleetName): string {
  if (!(EXAMPLE_FLEETS as readonly string[]).includes(name)) throw new Error(`exampleFleetDir: unknown fleet ${JSON.stringify(name)}; choose one of ${EXAMPLE_FLEETS.join(', ')}`);
  return fileURLToPath(new URL(`./${name}/`, import.meta.url));
}

/**
 * The `*.yaml` files of an example fleet, sorted by file name (deterministic).
 * Throws: exampleFleetDir's error for an unknown name; fs errors if the folder is unreadable.
 */
export function loadExampleFleet(name: ExampleFleetName): { files: FleetFile[] } {
  const dir = exampleFleetDir(name);
  const names = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort();
  return { files: names.map((f) => ({ path: join(dir, f), text: readFileSync(join(dir, f), 'utf8') })) };
}
