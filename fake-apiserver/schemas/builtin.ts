/**
 * Upstream OpenAPI v3 schemas of the built-in kinds, derived once per process from the declaration
 * files of the `kubernetes-models` package (generated from the Kubernetes OpenAPI spec: field names,
 * upstream descriptions, required fields, enums, references between definitions). Components are
 * named as upstream names them (`io.k8s.api.apps.v1.Deployment`,
 * `io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta`) and shaped as kube-apiserver publishes them
 * under `/openapi/v3` (references as `allOf: [{$ref}]` with the property's description beside it;
 * kinds carry `x-kubernetes-group-version-kind`).
 *
 * What the source lacks, the schemas lack (README "Not modelled"): integer formats (`int32` /
 * `int64`: every number is `type: integer`), `x-kubernetes-list-type`, `-list-map-keys`,
 * `-patch-strategy`, `-patch-merge-key`, and `default`s.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDts } from './dts.ts';
import type { DtsFile, DtsType } from './dts.ts';

/** An OpenAPI v3 schema object (JSON). */
export type JsonSchema = Record<string, unknown>;

/** The components of the built-in kinds: upstream component name → schema. */
export interface BuiltinSchemas {
  /** Every component reachable from the loaded kinds, sorted by name. */
  components: Record<string, JsonSchema>;
  /** `group/version/Kind` (`/v1/Pod` for core) → the kind's component name. */
  kinds: Map<string, string>;
  /** Component name → the `IoK8s…` name kubernetes-models exports it under (its compiled validator is `kubernetes-models/_schemas/<that>`). */
  exportNames: Map<string, string>;
}

/** Error for a kind kubernetes-models does not describe, or a package that cannot be found. */
export class BuiltinSchemaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BuiltinSchemaError';
  }
}

const here = dirname(fileURLToPath(import.meta.url));

/** Finds `node_modules/<pkg>` from `from` upwards (node's lookup, without `exports` conditions). */
function packageDir(pkg: string, from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', ...pkg.split('/'));
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) throw new BuiltinSchemaError(`package ${pkg} not found from ${from}: it carries the upstream schemas of the built-in kinds (npm install)`);
  }
}

/** Resolves an import specifier of a generated `.d.ts` to the `.d.ts` path. */
function resolveImport(spec: string, fromFile: string): string {
  if (spec.startsWith('.')) return resolve(dirname(fromFile), spec.replace(/\.js$/, '.d.ts'));
  const parts = spec.split('/');
  const pkg = spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  const sub = parts.slice(pkg.split('/').length).join('/');
  return join(packageDir(pkg, dirname(fromFile)), `${sub}.d.ts`);
}

/** The upstream component name of a definition file, from where it sits in its package. */
function componentName(file: string, exportName: string): string {
  const segs = file.split(sep);
  const at = segs.lastIndexOf('node_modules');
  const pkgSegs = segs[at + 1].startsWith('@') ? 2 : 1;
  const pkg = segs.slice(at + 1, at + 1 + pkgSegs).join('/');
  const rel = segs.slice(at + 1 + pkgSegs);
  const type = rel.pop()!.replace(/\.d\.ts$/, '');
  let prefix: string;
  if (pkg === '@kubernetes-models/apimachinery') prefix = `io.k8s.apimachinery.pkg.${rel.join('.')}`;
  else if (pkg === 'kubernetes-models' && rel.length === 1) prefix = `io.k8s.api.core.${rel[0]}`;
  else if (pkg === 'kubernetes-models' && rel[0] === 'apiextensions.k8s.io') prefix = `io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.${rel[1]}`;
  else if (pkg === 'kubernetes-models' && rel[0] === 'apiregistration.k8s.io') prefix = `io.k8s.kube-aggregator.pkg.apis.apiregistration.${rel[1]}`;
  // Upstream's Go package is the group's first label (`rbac.authorization.k8s.io` → `rbac`).
  else if (pkg === 'kubernetes-models' && rel.length === 2) prefix = `io.k8s.api.${rel[0].split('.')[0]}.${rel[1]}`;
  else throw new BuiltinSchemaError(`${file}: no upstream name known for a definition here`);
  const name = `${prefix}.${type}`;
  // The package's own identifier spells the same name without separators: a cross-check.
  if (name.replace(/[.-]/g, '').toLowerCase() !== exportName.toLowerCase()) throw new BuiltinSchemaError(`${file}: derived name ${name} disagrees with exported ${exportName}`);
  return name;
}

/** Formats of aliased scalars, as upstream declares those components. */
const SCALAR_FORMATS: Record<string, string> = {
  'io.k8s.apimachinery.pkg.apis.meta.v1.Time': 'date-time',
  'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime': 'date-time',
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': 'int-or-string',
};

const ref = (name: string) => `#/components/schemas/${name}`;

class Loader {
  readonly components = new Map<string, JsonSchema>();
  readonly exportNames = new Map<string, string>();
  private readonly byFile = new Map<string, string>();
  private typeMetaDocs?: { apiVersion?: string; kind?: string };

  constructor(private readonly modelsDir: string) {}

  /** Loads the definition in `file` (and everything it references); returns its component name. */
  load(file: string): string {
    const known = this.byFile.get(file);
    if (known) return known;
    const dts = parseDts(readFileSync(file, 'utf8'), relative(this.modelsDir, file));
    const name = componentName(file, dts.exportName);
    this.byFile.set(file, name);
    this.exportNames.set(name, dts.exportName);
    const schema: JsonSchema = {};
    this.components.set(name, schema); // before recursing: definitions refer to themselves (JSONSchemaProps)
    Object.assign(schema, this.schemaOf(dts, file, name));
    return name;
  }

  private schemaOf(dts: DtsFile, file: string, name: string): JsonSchema {
    const out: JsonSchema = dts.description ? { description: dts.description } : {};
    if (dts.decl.kind === 'alias') {
      const t = dts.decl.type;
      const scalar = t.t === 'string' || (t.t === 'union' && t.of.every((x) => x.t === 'string' || x.t === 'number'));
      if (!scalar) throw new BuiltinSchemaError(`${file}: alias of ${JSON.stringify(t)} not understood`);
      out.type = 'string';
      if (SCALAR_FORMATS[name]) out.format = SCALAR_FORMATS[name];
      if (t.t === 'union') out['x-kubernetes-int-or-string'] = true;
      return out;
    }
    out.type = 'object';
    const { members, typeMeta } = dts.decl;
    if (members.length === 0) return out; // a free-form object (FieldsV1, RawExtension, JSON)
    const properties: JsonSchema = {};
    const required: string[] = [];
    for (const m of members) {
      if (typeMeta && (m.name === 'apiVersion' || m.name === 'kind')) {
        properties[m.name] = { type: 'string', ...(this.typeMetaDoc(m.name) ? { description: this.typeMetaDoc(m.name) } : {}) };
        continue;
      }
      const prop = this.typeSchema(m.type, dts, file, true);
      properties[m.name] = m.description ? { ...prop, description: m.description } : prop;
      if (!m.optional) required.push(m.name);
    }
    out.properties = properties;
    if (required.length) out.required = required;
    return out;
  }

  /** The TypeMeta descriptions upstream gives every kind's apiVersion and kind (read from DeleteOptions, which declares them). */
  private typeMetaDoc(field: 'apiVersion' | 'kind'): string | undefined {
    if (!this.typeMetaDocs) {
      const file = join(packageDir('@kubernetes-models/apimachinery', this.modelsDir), 'apis/meta/v1/DeleteOptions.d.ts');
      const dts = parseDts(readFileSync(file, 'utf8'), file);
      const members = dts.decl.kind === 'interface' ? dts.decl.members : [];
      this.typeMetaDocs = { apiVersion: members.find((m) => m.name === 'apiVersion')?.description, kind: members.find((m) => m.name === 'kind')?.description };
    }
    return this.typeMetaDocs[field];
  }

  private typeSchema(t: DtsType, dts: DtsFile, file: string, property: boolean): JsonSchema {
    switch (t.t) {
      case 'string':
      case 'boolean':
        return { type: t.t };
      case 'number':
        return { type: 'integer' };
      case 'unknown':
        return {};
      case 'literal':
        return { type: 'string', enum: [t.value] };
      case 'union':
        if (t.of.every((x) => x.t === 'literal')) return { type: 'string', enum: t.of.map((x) => (x as { value: string }).value) };
        if (t.of.every((x) => x.t === 'string' || x.t === 'number')) return { type: 'string', 'x-kubernetes-int-or-string': true };
        throw new BuiltinSchemaError(`${file}: union ${JSON.stringify(t)} not understood`);
      case 'array':
        return { type: 'array', items: this.typeSchema(t.items, dts, file, false) };
      case 'map':
        return { type: 'object', additionalProperties: this.typeSchema(t.values, dts, file, false) };
      case 'object': {
        const properties: Record<string, JsonSchema> = {};
        for (const m of t.members) properties[m.name] = { ...this.typeSchema(m.type, dts, file, true), ...(m.description ? { description: m.description } : {}) };
        const required = t.members.filter((m) => !m.optional).map((m) => m.name);
        return { type: 'object', properties, ...(required.length ? { required } : {}) };
      }
      case 'ref': {
        const spec = dts.imports.get(t.name);
        if (!spec && t.name !== dts.localName) throw new BuiltinSchemaError(`${file}: ${t.name} is not imported`);
        const target = spec ? this.load(resolveImport(spec, file)) : this.byFile.get(file)!;
        // Upstream wraps references in allOf so a property can carry its own description beside it.
        return property ? { allOf: [{ $ref: ref(target) }] } : { $ref: ref(target) };
      }
    }
  }
}

/** Where kubernetes-models keeps the definition of a kind served at `apiVersion`. */
function kindFile(modelsDir: string, apiVersion: string, kind: string): string {
  const file = join(modelsDir, ...apiVersion.split('/'), `${kind}.d.ts`);
  if (!existsSync(file)) throw new BuiltinSchemaError(`kubernetes-models has no definition of ${kind} in ${apiVersion}`);
  return file;
}

let cached: { kinds: readonly { apiVersion: string; kind: string }[]; key: string; value: BuiltinSchemas } | undefined;

/**
 * The upstream schemas of `kinds` (each `{apiVersion, kind}`) and every definition they reference.
 * Parsed once per process and set of kinds (~20 ms for the built-ins this server serves); the
 * returned objects are frozen.
 * @throws BuiltinSchemaError when kubernetes-models is missing, lacks a kind, or is in a shape this loader does not read.
 */
export function builtinSchemas(kinds: readonly { apiVersion: string; kind: string }[]): BuiltinSchemas {
  if (cached?.kinds === kinds) return cached.value;
  const key = kinds.map((k) => `${k.apiVersion}/${k.kind}`).join(',');
  if (cached?.key === key) return cached.value;
  const modelsDir = packageDir('kubernetes-models', here);
  const loader = new Loader(modelsDir);
  const byKind = new Map<string, string>();
  for (const { apiVersion, kind } of kinds) {
    const name = loader.load(kindFile(modelsDir, apiVersion, kind));
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    const schema = loader.components.get(name)!;
    schema['x-kubernetes-group-version-kind'] = [{ group, kind, version }];
    byKind.set(`${group}/${version}/${kind}`, name);
  }
  const components: Record<string, JsonSchema> = {};
  for (const name of [...loader.components.keys()].sort()) components[name] = deepFreeze(loader.components.get(name)!);
  const value: BuiltinSchemas = { components: Object.freeze(components), kinds: byKind, exportNames: loader.exportNames };
  cached = { kinds, key, value };
  return value;
}

/**
 * The names of `roots` and of every component they reference, transitively (what a per-group-version
 * OpenAPI document must carry to be self-contained), sorted.
 */
export function referencedComponents(components: Record<string, JsonSchema>, roots: Iterable<string>): string[] {
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name) || !components[name]) return;
    seen.add(name);
    walk(components[name]);
  };
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) for (const x of node) walk(x);
    else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        if (k === '$ref' && typeof v === 'string') visit(v.slice(v.lastIndexOf('/') + 1));
        else walk(v);
      }
    }
  };
  for (const r of roots) visit(r);
  return [...seen].sort();
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}
