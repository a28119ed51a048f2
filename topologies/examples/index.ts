/** The project's own example fleets (written by us), as folders of multi-document YAML. */

/** Names of the example fleets. */
export const EXAMPLE_FLEETS = ['shop'] as const;

/** Absolute path of an example fleet's folder. */
export function exampleFleetDir(name: (typeof EXAMPLE_FLEETS)[number]): string {
  return new URL(`./${name}/`, import.meta.url).pathname;
}
