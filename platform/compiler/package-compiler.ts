/**
 * The LatticePackage wrapper (reference §1.5; crates/lattice-package secrets.rs, mesh.rs), the pure part:
 * admission rules, `$secret` directives in `values` → ExternalSecrets behind the Cedar AccessSecret gate
 * (principal kind `package`, the same SecretPath requests as a LatticeService), and the mesh block → a
 * LatticeMeshMember. Rendering the chart (`helm template`) is I/O and lives in the package controller.
 * Pure: no I/O, no clock.
 */
import type { KubeObject, OwnerReference } from '../../fake-apiserver/api/index.ts';
import { denialMessage, secretRequests } from '../cedar/index.ts';
import { LABEL_MANAGED_BY, LABEL_NAME, LABEL_SERVICE_OWNER, LATTICE_API_VERSION, MANAGED_BY_LATTICE, type LatticeMeshMember } from '../crds/types.ts';
import type { LatticePackage } from '../crds/model-types.ts';
import { derivedName } from '../mesh/derived-name.ts';
import { makeObject } from './objects.ts';
import { ESO_API_VERSION, secretResources } from './secrets.ts';
import { SpecError, type CompileContext, type CompileFailure } from './types.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

/** A `$secret` directive found in the values: where it was, the Secret it names, its key mappings. */
export interface SecretDirective {
  /** Dotted path of the directive in `values` (`extraSecretMounts[0].secretName`). */
  path: string;
  /** Name of the generated Secret the directive is replaced with. */
  secretName: string;
  keys: { targetKey: string; resource: string; resourceKey: string }[];
}

/** Output of a successful {@link compilePackage}. */
export interface CompiledPackage {
  ok: true;
  /** `values` with every `$secret` directive replaced by its Secret's name: what `helm template` gets. */
  values: Json;
  directives: SecretDirective[];
  /** One per directive, owned by the package, labelled `lattice.dev/service=<package>`. */
  externalSecrets: KubeObject[];
  /** The mesh member of the `mesh` block, if any. */
  meshMember?: LatticeMeshMember;
  /** Namespace the chart's objects go to (`targetNamespace`, else the package's). */
  namespace: string;
}

export type PackageCompileResult = CompiledPackage | CompileFailure;

const REF = /^\$\{(?:secret\.)?([A-Za-z0-9_-]+)\.([A-Za-z0-9_.-]+)\}$/;

/** Replaces `$secret` directives (objects whose only key is `$secret`) in a copy of `values`. @throws SpecError */
function extractDirectives(pkgName: string, values: Json): { values: Json; directives: SecretDirective[] } {
  const directives: SecretDirective[] = [];
  const walk = (v: unknown, path: string): unknown => {
    if (Array.isArray(v)) return v.map((x, i) => walk(x, `${path}[${i}]`));
    if (v && typeof v === 'object') {
      const o = v as Json;
      const keys = Object.keys(o);
      if (keys.includes('$secret')) {
        if (keys.length !== 1) throw new SpecError('Invalid', `$secret at '${path}' must be the only key of its object`);
        const map = o.$secret;
        if (!map || typeof map !== 'object' || Array.isArray(map) || Object.keys(map).length === 0) throw new SpecError('Invalid', `$secret at '${path}' has no key mappings`);
        const mappings = Object.keys(map)
          .sort()
          .map((targetKey) => {
            const m = REF.exec(String(map[targetKey]));
            if (!m) throw new SpecError('Invalid', `$secret at '${path}': key '${targetKey}' must be a '\${resource.key}' reference, got '${map[targetKey]}'`);
            return { targetKey, resource: m[1], resourceKey: m[2] };
          });
        const secretName = derivedName(`${pkgName}-`, [path]);
        directives.push({ path, secretName, keys: mappings });
        return secretName;
      }
      return Object.fromEntries(keys.map((k) => [k, walk(o[k], path ? `${path}.${k}` : k)]));
    }
    if (typeof v === 'string' && /\$\{secret\./.test(v)) throw new SpecError('Invalid', `values at '${path}': secret references are only allowed inside a $secret directive`);
    return v;
  };
  return { values: walk(values, '') as Json, directives };
}

/** The owner reference of everything a package produces. */
export function packageOwnerReference(pkg: LatticePackage): OwnerReference {
  return { apiVersion: LATTICE_API_VERSION, kind: 'LatticePackage', name: pkg.metadata.name, uid: pkg.metadata.uid ?? '', controller: true, blockOwnerDeletion: true };
}

/**
 * Compiles the values, secrets and mesh member of a LatticePackage (reference §1.5).
 * Input: the package as read from the API server and a {@link CompileContext} (its authorizer answers
 * AccessSecret with principal kind `package`). Output: `{ok: true, values, directives, externalSecrets,
 * meshMember?, namespace}`, or `{ok: false, reason: 'invalid'}` for a bad directive (`resource '<r>'
 * referenced in $secret directive at '<path>' is not declared` / `is not type: secret`, an undeclared
 * key, mixed stores) and `{ok: false, reason: 'denied', gate: 'AccessSecret'}` when Cedar denies a
 * referenced secret (`secret access denied: ...`). Only resources some directive references are asked.
 * Never throws for bad specs.
 */
export function compilePackage(pkg: LatticePackage, ctx: CompileContext): PackageCompileResult {
  const name = pkg.metadata.name;
  const namespace = pkg.metadata.namespace ?? '';
  try {
    const { values, directives } = extractDirectives(name, pkg.spec.values ?? {});
    const secrets = secretResources(pkg.spec.resources);
    const referenced = new Set<string>();
    for (const d of directives) {
      for (const k of d.keys) {
        if (!pkg.spec.resources?.[k.resource]) throw new SpecError('Invalid', `resource '${k.resource}' referenced in $secret directive at '${d.path}' is not declared`);
        const s = secrets.get(k.resource);
        if (!s) throw new SpecError('Invalid', `resource '${k.resource}' referenced in $secret directive at '${d.path}' is not type: secret`);
        if (s.keys && !s.keys.includes(k.resourceKey)) throw new SpecError('Invalid', `$secret at '${d.path}': resource '${k.resource}' does not declare key '${k.resourceKey}' (available: ${s.keys.join(', ')})`);
        referenced.add(k.resource);
      }
    }
    const asked = Object.fromEntries([...referenced].map((r) => [r, pkg.spec.resources![r]]));
    const decisions = ctx.authorizer.authorize(secretRequests({ namespace, name, kind: 'package' }, asked));
    const denials = decisions.filter((d) => !d.allowed);
    if (denials.length > 0) return { ok: false, reason: 'denied', gate: 'AccessSecret', denials, message: denialMessage(denials) };

    const owner = [packageOwnerReference(pkg)];
    const externalSecrets = directives.map((d) => {
      const stores = [...new Set(d.keys.map((k) => secrets.get(k.resource)!.provider))];
      if (stores.length > 1) throw new SpecError('Invalid', `$secret at '${d.path}' references resources from multiple stores ('${stores[0]}' and '${stores[1]}')`);
      return makeObject(ESO_API_VERSION, 'ExternalSecret', { name: d.secretName, namespace, ownerReferences: owner, labels: { [LABEL_MANAGED_BY]: MANAGED_BY_LATTICE, [LABEL_NAME]: d.secretName, [LABEL_SERVICE_OWNER]: name } }, {
        spec: {
          secretStoreRef: { name: stores[0], kind: 'ClusterSecretStore' },
          target: { name: d.secretName },
          data: d.keys.map((k) => ({ secretKey: k.targetKey, remoteRef: { key: secrets.get(k.resource)!.remoteKey, property: k.resourceKey } })),
        },
      });
    });

    let meshMember: LatticeMeshMember | undefined;
    const mesh = pkg.spec.mesh;
    if (mesh) {
      const spec: Json = {
        target: { selector: { ...mesh.selector } },
        ports: mesh.ports.map((p) => ({ port: p.port, name: p.name, peerAuth: 'Strict' })),
        ambient: true,
      };
      if ((mesh.allowedCallers ?? []).length > 0) spec.allowedCallers = mesh.allowedCallers;
      if ((mesh.dependencies ?? []).length > 0) spec.dependencies = mesh.dependencies;
      if ((mesh.egress ?? []).length > 0) spec.egress = mesh.egress;
      meshMember = makeObject(LATTICE_API_VERSION, 'LatticeMeshMember', { name, namespace, ownerReferences: owner, labels: { [LABEL_MANAGED_BY]: MANAGED_BY_LATTICE, [LABEL_SERVICE_OWNER]: name } }, { spec }) as LatticeMeshMember;
    }
    return { ok: true, values, directives, externalSecrets, ...(meshMember ? { meshMember } : {}), namespace: pkg.spec.targetNamespace ?? namespace };
  } catch (err) {
    if (err instanceof SpecError) return { ok: false, reason: 'invalid', message: err.message };
    throw err;
  }
}
