/**
 * Loads real specs from directories or files (`lattice-sim run --specs PATH`): every `.yaml`, `.yml`
 * and `.json` file (any letter case), recursively, in sorted order, each as multi-document YAML.
 * Accepted kinds: {@link ACCEPTED_KINDS} (Namespace, every platform CRD kind, and the plain workload kinds).
 *
 * Nothing here throws for bad input. Every problem names the file, the document (1-based), the
 * object and the field path, worded the way the API server words it (422 Invalid causes, 400
 * strict decoding errors, 413 size limits), and one bad entry never stops the others from loading:
 * - file level: dangling symbolic links, unreadable entries, files over {@link SPEC_LIMITS}
 *   `maxFileBytes`, text that is not UTF-8 or UTF-16 (UTF-16 with or without a byte-order mark is
 *   decoded; a UTF-8 byte-order mark is dropped);
 * - document level: YAML syntax errors, alias expansion over `maxAliasCount` (a "billion laughs"
 *   document), documents that are not objects, missing kind / apiVersion / name, unsupported kinds,
 *   the same object defined twice;
 * - object level: schema violations and unknown fields (checked by a dry-run create against the
 *   platform's CRDs in a scratch API server, with server-side field validation: `Warn` by default,
 *   `Strict` with `strict: true`), replicas over the simulator's `maxReplicas`.
 *
 * Warnings (the input loads, but a person should hear about it): unknown fields dropped (Warn),
 * empty files, files skipped for their extension (documentation — .md, .txt … — and dotfiles are
 * skipped without a word), dependencies on a service no input defines, and
 * a service that depends on itself.
 */
import { lstatSync, readFileSync, readdirSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ApiServer } from '../../fake-apiserver/index.ts';
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import { StatusError } from '../../fake-apiserver/api/index.ts';
import { LATTICE_WEBHOOK_SERVICE, latticeWebhookServer, platformManifests } from '../../platform/index.ts';
import type { LatticeService } from '../../platform/index.ts';
import { VirtualClock } from '../clock/index.ts';

/**
 * Kinds `--specs` accepts, with the apiVersions each is accepted at: every kind the platform serves
 * through its CRDs, at every served version (LatticeService at v1alpha1, deprecated, and v1beta1), so a
 * kind or version the platform gains is accepted without a second list, plus the plain kinds an
 * escape-hatch LatticeMeshMember stands over.
 */
export const ACCEPTED_KINDS: Record<string, readonly string[]> = {
  Namespace: ['v1'],
  ...platformKinds(),
  // The plain workload under a hand-written LatticeMeshMember (the escape hatch, reference §1.2).
  Deployment: ['apps/v1'],
  Service: ['v1'],
  ServiceAccount: ['v1'],
};

/** Kind → `group/version` of each served version of each platform CRD, in the CRD's order. */
function platformKinds(): Record<string, readonly string[]> {
  const out: Record<string, readonly string[]> = {};
  for (const crd of platformManifests()) {
    if (crd.kind !== 'CustomResourceDefinition') continue;
    const spec = (crd as { spec?: { group?: string; names?: { kind?: string }; versions?: { name: string; served?: boolean }[] } }).spec;
    const served = (spec?.versions ?? []).filter((v) => v.served !== false).map((v) => `${spec!.group}/${v.name}`);
    if (spec?.group && spec.names?.kind && served.length > 0) out[spec.names.kind] = served;
  }
  return out;
}

/** Bounds on spec input (the simulator's, not the platform's: a real cluster may accept more). */
export const SPEC_LIMITS = {
  /** Largest spec file read, bytes. */
  maxFileBytes: 16 * 1024 * 1024,
  /** Most alias expansions in one YAML document (the `yaml` library's guard). */
  maxAliasCount: 100,
  /** Most replicas of one workload the simulator runs. */
  maxReplicas: 100,
} as const;

/** One problem (or warning) in the input. `field` is a dotted path when known. */
export interface SpecProblem {
  file: string;
  /** 1-based document index inside the file; absent for problems of the whole file. */
  document?: number;
  /** `Kind ns/name`, when the document got that far. */
  object?: string;
  field?: string;
  message: string;
}

/** Loaded objects, where each came from, and every problem and warning found. */
export interface LoadedSpecs {
  objects: KubeObject[];
  /** File of each object (relative to cwd when inside it). */
  sources: Map<KubeObject, string>;
  /** 1-based document index of each object inside its file. */
  documents: Map<KubeObject, number>;
  /** Spec files read (relative to cwd when inside it). */
  files: string[];
  /** Paths given that do not exist. */
  missing: string[];
  /** Input refused: the objects concerned are not in `objects`. */
  problems: SpecProblem[];
  /** Input accepted, with something a person should know. */
  warnings: SpecProblem[];
}

/** Options of {@link loadSpecs}. */
export interface LoadOptions {
  /** Directory file names are shown relative to (default `process.cwd()`). */
  cwd?: string;
  /** Refuse unknown fields (server-side field validation `Strict`) instead of warning (`Warn`). */
  strict?: boolean;
}

const SPEC_FILE = /\.(ya?ml|json)$/i;
/** Files skipped without a word: documentation beside the specs. */
const DOCUMENTATION = /\.(md|markdown|txt|rst|adoc)$/i;

/** Renders a problem as one line: `file (document n) Kind ns/name: field: message`. */
export function formatProblem(p: SpecProblem): string {
  const where = p.document === undefined ? p.file : `${p.file} (document ${p.document})`;
  return `${where}${p.object ? ` ${p.object}` : ''}: ${p.field ? `${p.field}: ` : ''}${p.message}`;
}

/** `Kind ns/name` of an object (placeholders where fields are missing). */
export function objectLabel(obj: Partial<KubeObject>): string {
  const m = (typeof obj.metadata === 'object' && obj.metadata !== null ? obj.metadata : {}) as { namespace?: unknown; name?: unknown };
  const ns = typeof m.namespace === 'string' && m.namespace ? `${m.namespace}/` : '';
  return `${typeof obj.kind === 'string' ? obj.kind : '<no kind>'} ${ns}${typeof m.name === 'string' ? m.name : '<no name>'}`;
}

/**
 * Reads every spec file under `paths` (directories, recursively, or single files). Paths that do
 * not exist are listed in `missing`. Never throws for bad input.
 */
export function loadSpecs(paths: readonly string[], opts: LoadOptions = {}): LoadedSpecs {
  const cwd = opts.cwd ?? process.cwd();
  const result: LoadedSpecs = { objects: [], sources: new Map(), documents: new Map(), files: [], missing: [], problems: [], warnings: [] };
  const show = (p: string) => (relative(cwd, p).startsWith('..') ? p : relative(cwd, p) || p);
  const seen = new Map<string, { file: string; document: number }>();
  for (const path of paths) {
    let files: string[];
    try {
      files = statSync(path).isDirectory() ? specFiles(path, result, show) : [path];
    } catch {
      if (isDanglingLink(path)) result.problems.push({ file: show(path), message: danglingMessage(path) });
      else result.missing.push(path);
      continue;
    }
    for (const file of files) readSpecFile(file, show(file), result, seen);
  }
  validateAgainstSchemas(result, opts.strict === true);
  warnAboutDependencies(result);
  return result;
}

function isDanglingLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

function danglingMessage(path: string): string {
  let target = '?';
  try {
    target = readlinkSync(path);
  } catch {
    // keep '?'
  }
  return `dangling symbolic link: its target ${target} does not exist`;
}

/** Spec files below `dir`, sorted; other entries become problems (unreadable) or warnings (skipped). */
function specFiles(dir: string, result: LoadedSpecs, show: (p: string) => string, visited = new Set<string>()): string[] {
  const real = realpathSync(dir);
  if (visited.has(real)) return [];
  visited.add(real);
  let entries: string[];
  try {
    entries = readdirSync(dir).sort();
  } catch (err) {
    result.problems.push({ file: show(dir), message: `cannot read directory: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` });
    return [];
  }
  const out: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry);
    let isDir: boolean;
    let isFile: boolean;
    try {
      const st = statSync(path);
      isDir = st.isDirectory();
      isFile = st.isFile();
    } catch (err) {
      if (isDanglingLink(path)) result.problems.push({ file: show(path), message: danglingMessage(path) });
      else result.problems.push({ file: show(path), message: `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` });
      continue;
    }
    if (isDir) out.push(...specFiles(path, result, show, visited));
    else if (isFile && SPEC_FILE.test(entry)) out.push(path);
    else if (!entry.startsWith('.') && !DOCUMENTATION.test(entry)) result.warnings.push({ file: show(path), message: 'skipped: not a .yaml, .yml or .json file' });
  }
  return out;
}

/** Decodes a spec file's bytes: UTF-8 (a byte-order mark dropped) or UTF-16 (with or without one). */
export function decodeSpecText(buf: Buffer): { text: string } | { error: string } {
  const swap = (b: Buffer): Buffer => {
    const out = Buffer.from(b.subarray(0, b.length - (b.length % 2)));
    out.swap16();
    return out;
  };
  if (buf[0] === 0xff && buf[1] === 0xfe) return { text: new TextDecoder('utf-16le').decode(buf.subarray(2)) };
  if (buf[0] === 0xfe && buf[1] === 0xff) return { text: new TextDecoder('utf-16le').decode(swap(buf.subarray(2))) };
  if (buf.length >= 2 && buf[0] !== 0 && buf[1] === 0) return { text: new TextDecoder('utf-16le').decode(buf) };
  if (buf.length >= 2 && buf[0] === 0 && buf[1] !== 0) return { text: new TextDecoder('utf-16le').decode(swap(buf)) };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(buf);
  } catch {
    return { error: 'not UTF-8 or UTF-16 text: save the file as UTF-8' };
  }
  if (text.includes('\u0000')) return { error: 'binary data (NUL bytes): not a YAML file' };
  return { text };
}

function readSpecFile(path: string, file: string, result: LoadedSpecs, seen: Map<string, { file: string; document: number }>): void {
  result.files.push(file);
  let buf: Buffer;
  try {
    const size = statSync(path).size;
    if (size > SPEC_LIMITS.maxFileBytes) {
      result.problems.push({ file, message: `file is ${(size / 1024 / 1024).toFixed(1)} MiB; spec files are read up to ${SPEC_LIMITS.maxFileBytes / 1024 / 1024} MiB (the API server stores objects of at most 1.5 MiB)` });
      return;
    }
    buf = readFileSync(path);
  } catch (err) {
    result.problems.push({ file, message: `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` });
    return;
  }
  const decoded = decodeSpecText(buf);
  if ('error' in decoded) {
    result.problems.push({ file, message: decoded.error });
    return;
  }
  const docs = parseAllDocuments(decoded.text);
  const list = Array.isArray(docs) ? docs : [docs];
  let objects = 0;
  let problems = 0;
  list.forEach((doc, i) => {
    const where = { file, document: i + 1 };
    const problem = (p: Omit<SpecProblem, 'file' | 'document'>) => {
      problems++;
      result.problems.push({ ...where, ...p });
    };
    if (doc.errors.length > 0) {
      for (const e of doc.errors) problem({ message: `invalid YAML: ${e.message.split('\n')[0]}` });
      return;
    }
    let obj: unknown;
    try {
      obj = doc.toJS({ maxAliasCount: SPEC_LIMITS.maxAliasCount });
    } catch (err) {
      problem({ message: `invalid YAML: ${(err as Error).message} (aliases may expand to at most ${SPEC_LIMITS.maxAliasCount} nodes)` });
      return;
    }
    if (obj === null || obj === undefined) return;
    if (typeof obj !== 'object' || Array.isArray(obj)) {
      problem({ message: `document is not an object (it is ${Array.isArray(obj) ? 'a list' : `a ${typeof obj}`}): each document must be one Kubernetes object` });
      return;
    }
    const o = obj as KubeObject;
    const label = objectLabel(o);
    if (typeof o.kind !== 'string' || !o.kind) return problem({ object: label, field: 'kind', message: 'Required value' });
    if (typeof o.apiVersion !== 'string' || !o.apiVersion) return problem({ object: label, field: 'apiVersion', message: 'Required value' });
    if (!(ACCEPTED_KINDS[o.kind] ?? []).includes(o.apiVersion)) {
      const supported = Object.entries(ACCEPTED_KINDS)
        .flatMap(([k, versions]) => versions.map((v) => `"${v}/${k}"`))
        .join(', ');
      return problem({ object: label, field: 'kind', message: `Unsupported value: "${o.apiVersion}/${o.kind}": supported values: ${supported}` });
    }
    if (typeof o.metadata?.name !== 'string' || !o.metadata.name) return problem({ object: label, field: 'metadata.name', message: 'Required value' });
    // One object whichever served version names it (group, not version, identifies a kind).
    const identity = `${o.apiVersion.split('/')[0]}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    const first = seen.get(identity);
    if (first) return problem({ object: label, field: 'metadata.name', message: `Duplicate value: ${label} is already defined in ${first.file} (document ${first.document})` });
    seen.set(identity, where);
    if (o.kind === 'LatticeService') {
      const replicas = (o as LatticeService).spec?.replicas;
      if (typeof replicas === 'number' && replicas > SPEC_LIMITS.maxReplicas) {
        return problem({ object: label, field: 'spec.replicas', message: `Invalid value: ${replicas}: lattice-sim simulates at most ${SPEC_LIMITS.maxReplicas} replicas per workload` });
      }
    }
    objects++;
    result.objects.push(o);
    result.sources.set(o, file);
    result.documents.set(o, i + 1);
  });
  if (objects === 0 && problems === 0) result.warnings.push({ file, message: 'no objects in this file' });
}

/**
 * Dry-run creates every object in a scratch API server holding the platform CRDs, with server-side
 * field validation; 4xx/5xx answers become problems (one per cause), warnings become warnings.
 */
function validateAgainstSchemas(result: LoadedSpecs, strict: boolean): void {
  const server = new ApiServer({ clock: new VirtualClock() });
  // The platform's conversion webhook, as in the World: LatticeService is stored at v1beta1, so a
  // v1alpha1 object is converted before it is (dry-run) stored.
  server.registerWebhookService(LATTICE_WEBHOOK_SERVICE.namespace, LATTICE_WEBHOOK_SERVICE.name, latticeWebhookServer);
  for (const obj of platformManifests()) {
    if (obj.kind === 'CustomResourceDefinition' || obj.kind === 'Namespace') server.apply(obj, { fieldManager: 'lattice-sim', force: true });
  }
  const valid: KubeObject[] = [];
  const declared = new Set(result.objects.filter((o) => o.kind === 'Namespace'));
  const used = result.objects.map((o) => o.metadata.namespace).filter((n): n is string => typeof n === 'string' && n !== '');
  for (const ns of new Set(used)) {
    try {
      server.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }, { fieldManager: 'lattice-sim', force: true });
    } catch {
      // an invalid namespace name is reported by the object that uses it
    }
  }
  for (const obj of result.objects) {
    const where = { file: result.sources.get(obj)!, document: result.documents.get(obj)! };
    const label = objectLabel(obj);
    const onWarning = (message: string) => result.warnings.push({ ...where, object: label, message });
    const request = { dryRun: true, fieldValidation: strict ? ('Strict' as const) : ('Warn' as const), onWarning };
    try {
      // Namespaces were created above for the objects that use them: validate a declared one by
      // dry-run applying it (create would answer AlreadyExists).
      if (declared.has(obj)) server.apply(structuredClone(obj), { ...request, fieldManager: 'lattice-sim', force: true });
      else server.create(structuredClone(obj), request);
      valid.push(obj);
    } catch (err) {
      if (!(err instanceof StatusError)) throw err;
      const causes = err.status.details?.causes ?? [];
      if (causes.length === 0) result.problems.push({ ...where, object: label, message: err.message });
      for (const c of causes) result.problems.push({ ...where, object: label, field: c.field, message: c.message });
    }
  }
  result.objects = valid;
}

/** Warnings for service dependencies that can never be judged: on a service no input defines, or on itself. */
function warnAboutDependencies(result: LoadedSpecs): void {
  const defined = new Set(
    result.objects.filter((o) => o.kind === 'LatticeService' || o.kind === 'LatticeMeshMember').map((o) => `${o.metadata.namespace ?? 'default'}/${o.metadata.name}`),
  );
  for (const obj of result.objects) {
    if (obj.kind !== 'LatticeService') continue;
    const ls = obj as LatticeService;
    const namespace = ls.metadata.namespace ?? 'default';
    const self = `${namespace}/${ls.metadata.name}`;
    const where = { file: result.sources.get(obj)!, document: result.documents.get(obj)!, object: objectLabel(obj) };
    for (const [key, r] of Object.entries(ls.spec?.workload?.resources ?? {})) {
      if (typeof r !== 'object' || r === null || (r.type ?? 'service') !== 'service') continue;
      const targetName = r.id ?? key;
      if (targetName === '*') continue;
      const target = `${r.namespace ?? namespace}/${targetName}`;
      const field = `spec.workload.resources.${key}`;
      const direction = r.direction ?? 'outbound';
      const what = direction === 'inbound' ? 'inbound declaration for' : 'dependency on';
      if (target === self) result.warnings.push({ ...where, field, message: `${what} itself (${self}): a service always reaches itself; this declaration changes nothing` });
      else if (!defined.has(target)) {
        result.warnings.push({ ...where, field, message: `${what} ${target}, which no LatticeService or LatticeMeshMember in the input defines: no probe judges it` });
      }
    }
  }
}
