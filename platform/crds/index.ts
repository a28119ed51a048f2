/**
 * The Lattice CustomResourceDefinitions this platform installs (reference §1.0, §1.9): the YAML
 * manifests beside this file, parsed once. TypeScript shapes of the custom resources are in
 * `./types.ts`.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { KubeObject } from '../../fake-apiserver/api/index.ts';

export * from './types.ts';
export * from './model-types.ts';
export * from './quota-types.ts';

/** File names of the CRD manifests in this folder, in install order. */
export const PLATFORM_CRD_FILES: readonly string[] = ['latticeservices.yaml', 'latticemeshmembers.yaml', 'cedarpolicies.yaml', 'secretproviders.yaml', 'latticejobs.yaml', 'imageproviders.yaml', 'latticemodels.yaml', 'latticepackages.yaml', 'latticequotas.yaml'];

let cached: KubeObject[] | undefined;

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as Record<string, unknown>)) deepFreeze(child);
  }
  return value;
}

/**
 * Loads one manifest of this folder by file name.
 *
 * Input: a file name from {@link PLATFORM_CRD_FILES}. Output: the parsed CustomResourceDefinition
 * (a fresh, unfrozen object; YAML anchors are expanded into independent copies).
 * Throws: an Error naming the file when it is missing, is not valid YAML, or is not a
 * `apiextensions.k8s.io/v1` CustomResourceDefinition.
 */
export function loadCrdFile(fileName: string): KubeObject {
  const url = new URL(`./${fileName}`, import.meta.url);
  let text: string;
  try {
    text = readFileSync(url, 'utf8');
  } catch (err) {
    throw new Error(`platform/crds/${fileName}: cannot read: ${(err as Error).message}`, { cause: err });
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new Error(`platform/crds/${fileName}: invalid YAML: ${(err as Error).message}`, { cause: err });
  }
  const obj = doc as KubeObject | null;
  if (!obj || obj.apiVersion !== 'apiextensions.k8s.io/v1' || obj.kind !== 'CustomResourceDefinition' || !obj.metadata?.name) {
    throw new Error(`platform/crds/${fileName}: not an apiextensions.k8s.io/v1 CustomResourceDefinition`);
  }
  // structuredClone turns shared anchor targets into independent subtrees.
  return structuredClone(obj);
}

/**
 * The platform's CRDs (LatticeService, LatticeMeshMember, CedarPolicy, SecretProvider, LatticeJob, ImageProvider,
 * LatticeModel, LatticePackage, LatticeQuota), group
 * `lattice.dev`, version `v1alpha1` (reference §1.0); LatticeService also serves `v1beta1`, its storage version.
 *
 * Output: the same deep-frozen array on every call (parsed on the first call, typed mutable for
 * callers' convenience); copy an object before changing it (mutation throws in strict mode). Throws: see {@link loadCrdFile}.
 */
export function loadPlatformCrds(): KubeObject[] {
  cached ??= deepFreeze(PLATFORM_CRD_FILES.map(loadCrdFile));
  return cached;
}

/**
 * The `openAPIV3Schema` of the first version listed by the platform CRD whose `spec.names.kind` is
 * `kind` (e.g. `LatticeService`): `v1alpha1`, the only version of every kind but LatticeService (whose
 * v1beta1 is its second). Output: the frozen schema object. Throws: an Error when no platform CRD has that kind.
 */
export function platformCrdSchema(kind: string): Readonly<Record<string, unknown>> {
  const crd = loadPlatformCrds().find((c) => c.spec?.names?.kind === kind);
  if (!crd) throw new Error(`no platform CRD for kind ${kind}`);
  return crd.spec.versions[0].schema.openAPIV3Schema;
}
