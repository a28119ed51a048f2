/**
 * Loads real specs from directories (`lattice-sim run --specs DIR`): every `*.yaml` / `*.yml` file,
 * recursively, in sorted order, each as multi-document YAML. Accepted kinds: Namespace,
 * LatticeService, LatticeMeshMember, CedarPolicy, SecretProvider. Problems are collected, never
 * thrown, each naming the file, the document, the object and the field path, worded the way the API
 * server words them (422 Invalid causes): YAML syntax errors, unknown kinds, and schema violations
 * (checked by a dry-run create against the platform's CRDs in a scratch API server).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ApiServer } from '../../fake-apiserver/index.ts';
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import { StatusError } from '../../fake-apiserver/api/index.ts';
import { platformManifests } from '../../platform/index.ts';
import { VirtualClock } from '../clock/index.ts';

/** Kinds `--specs` accepts, by apiVersion. */
export const ACCEPTED_KINDS: Record<string, string> = {
  Namespace: 'v1',
  LatticeService: 'lattice.dev/v1alpha1',
  LatticeMeshMember: 'lattice.dev/v1alpha1',
  CedarPolicy: 'lattice.dev/v1alpha1',
  SecretProvider: 'lattice.dev/v1alpha1',
};

/** One problem in the input. `field` is a dotted path when known. */
export interface SpecProblem {
  file: string;
  /** 1-based document index inside the file. */
  document: number;
  /** `Kind ns/name`, when the document got that far. */
  object?: string;
  field?: string;
  message: string;
}

/** Loaded objects, where each came from, and every problem found. */
export interface LoadedSpecs {
  objects: KubeObject[];
  /** File of each object (relative to cwd when inside it). */
  sources: Map<KubeObject, string>;
  /** 1-based document index of each object inside its file. */
  documents: Map<KubeObject, number>;
  files: string[];
  /** `--specs` paths that do not exist. */
  missing: string[];
  problems: SpecProblem[];
}

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    const st = statSync(path);
    if (st.isDirectory()) out.push(...yamlFiles(path));
    else if (/\.ya?ml$/.test(entry)) out.push(path);
  }
  return out;
}

/** Renders a problem as one line: `file (document n) Kind ns/name: field: message`. */
export function formatProblem(p: SpecProblem): string {
  return `${p.file} (document ${p.document})${p.object ? ` ${p.object}` : ''}: ${p.field ? `${p.field}: ` : ''}${p.message}`;
}

/**
 * Reads every YAML file under `dirs`. Paths that do not exist are listed in `missing`.
 * File names in problems are relative to `cwd` when inside it.
 */
export function loadSpecs(dirs: readonly string[], cwd = process.cwd()): LoadedSpecs {
  const result: LoadedSpecs = { objects: [], sources: new Map(), documents: new Map(), files: [], missing: [], problems: [] };
  const show = (p: string) => (relative(cwd, p).startsWith('..') ? p : relative(cwd, p));
  for (const dir of dirs) {
    let files: string[];
    try {
      files = statSync(dir).isDirectory() ? yamlFiles(dir) : [dir];
    } catch {
      result.missing.push(dir);
      continue;
    }
    for (const file of files) {
      result.files.push(show(file));
      const docs = parseAllDocuments(readFileSync(file, 'utf8'));
      const list = Array.isArray(docs) ? docs : [docs];
      list.forEach((doc, i) => {
        const where = { file: show(file), document: i + 1 };
        if (doc.errors.length > 0) {
          for (const e of doc.errors) result.problems.push({ ...where, message: `invalid YAML: ${e.message.split('\n')[0]}` });
          return;
        }
        const obj = doc.toJS() as KubeObject | null;
        if (obj === null || obj === undefined) return;
        if (typeof obj !== 'object' || Array.isArray(obj)) {
          result.problems.push({ ...where, message: 'document is not an object' });
          return;
        }
        const name = obj.metadata?.name;
        const label = `${obj.kind ?? '<no kind>'} ${obj.metadata?.namespace ? `${obj.metadata.namespace}/` : ''}${name ?? '<no name>'}`;
        if (!obj.kind || !obj.apiVersion) {
          result.problems.push({ ...where, object: label, field: obj.kind ? 'apiVersion' : 'kind', message: 'Required value' });
          return;
        }
        if (ACCEPTED_KINDS[obj.kind] !== obj.apiVersion) {
          result.problems.push({
            ...where,
            object: label,
            field: 'kind',
            message: `Unsupported value: "${obj.apiVersion}/${obj.kind}": supported values: ${Object.entries(ACCEPTED_KINDS)
              .map(([k, v]) => `"${v}/${k}"`)
              .join(', ')}`,
          });
          return;
        }
        if (!name) {
          result.problems.push({ ...where, object: label, field: 'metadata.name', message: 'Required value' });
          return;
        }
        result.objects.push(obj);
        result.sources.set(obj, where.file);
        result.documents.set(obj, where.document);
      });
    }
  }
  validateAgainstSchemas(result);
  return result;
}

/** Dry-run creates every object in a scratch API server holding the platform CRDs; 422 causes become problems. */
function validateAgainstSchemas(result: LoadedSpecs): void {
  const server = new ApiServer({ clock: new VirtualClock() });
  for (const obj of platformManifests()) {
    if (obj.kind === 'CustomResourceDefinition' || obj.kind === 'Namespace') server.apply(obj, { fieldManager: 'lattice-sim', force: true });
  }
  const valid: KubeObject[] = [];
  const declared = result.objects.filter((o) => o.kind === 'Namespace');
  const used = result.objects.map((o) => o.metadata.namespace).filter((n): n is string => !!n);
  for (const ns of new Set(used)) {
    try {
      server.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }, { fieldManager: 'lattice-sim', force: true });
    } catch {
      // an invalid namespace name is reported by the object that uses it
    }
  }
  for (const obj of result.objects) {
    const where = { file: result.sources.get(obj)!, document: result.documents.get(obj)! };
    try {
      // Namespaces were created above for the objects that use them: validate a declared one by
      // dry-run applying it (create would answer AlreadyExists).
      if (declared.includes(obj)) server.apply(structuredClone(obj), { fieldManager: 'lattice-sim', force: true, dryRun: true });
      else server.create(structuredClone(obj), { dryRun: true });
      valid.push(obj);
    } catch (err) {
      if (!(err instanceof StatusError)) throw err;
      const label = `${obj.kind} ${obj.metadata.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata.name}`;
      const causes = err.status.details?.causes ?? [];
      if (causes.length === 0) result.problems.push({ ...where, object: label, message: err.message });
      for (const c of causes) result.problems.push({ ...where, object: label, field: c.field, message: c.message });
    }
  }
  result.objects = valid;
}
