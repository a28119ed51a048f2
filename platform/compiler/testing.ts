/**
 * Test doubles for compiler callers: Authorizers that allow everything or deny chosen requests,
 * and a loader for the reference specs under ../shared/fixtures/reference (read-only test input).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import type { Authorizer, GateDecision, GateRequest } from '../cedar/types.ts';

/** An Authorizer that allows every request (no policies named). Records what it was asked in `asked`. */
export function allowAll(): Authorizer & { asked: GateRequest[] } {
  const asked: GateRequest[] = [];
  return {
    asked,
    authorize(requests) {
      asked.push(...requests);
      return requests.map((request) => ({ request, allowed: true, reason: '', policies: [] }));
    },
  };
}

/** An Authorizer that denies (reason `no permit policy for this service and resource`) the requests `deny` picks, allows the rest. */
export function denyWhere(deny: (r: GateRequest) => boolean): Authorizer & { asked: GateRequest[] } {
  const asked: GateRequest[] = [];
  return {
    asked,
    authorize(requests): GateDecision[] {
      asked.push(...requests);
      return requests.map((request) =>
        deny(request)
          ? { request, allowed: false, reason: 'no permit policy for this service and resource', policies: [] }
          : { request, allowed: true, reason: '', policies: [] },
      );
    },
  };
}

/**
 * The successful result of a compile (`ok: true`), narrowed; throws `expected success, got <reason>:
 * <message>` for a failed one, so a test reads the failure instead of a missing property.
 */
export function expectOk<R extends { ok: true } | { ok: false; reason: string; message: string }>(r: R): Extract<R, { ok: true }> {
  if (!r.ok) {
    const failed = r as Extract<R, { ok: false }>;
    throw new Error(`expected success, got ${failed.reason}: ${failed.message}`);
  }
  return r as Extract<R, { ok: true }>;
}

/** Absolute path of the shared reference fixtures folder (`/work/shared/fixtures/reference` in this checkout). */
export const REFERENCE_DIR = fileURLToPath(new URL('../../../shared/fixtures/reference/', import.meta.url));

/** One object of a reference file: the file path relative to REFERENCE_DIR and the parsed object. */
export interface ReferenceObject {
  file: string;
  object: KubeObject;
}

/** Every YAML document under `REFERENCE_DIR/<sub>` (recursively, sorted by path); `[]` when the folder is absent. */
export function loadReferenceObjects(sub = ''): ReferenceObject[] {
  const root = join(REFERENCE_DIR, sub);
  if (!existsSync(root)) return [];
  const out: ReferenceObject[] = [];
  const walk = (dir: string, rel: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(dir, entry.name);
      const relPath = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(path, relPath);
      else if (/\.ya?ml$/.test(entry.name)) {
        for (const doc of parseAllDocuments(readFileSync(path, 'utf8'))) {
          const obj = doc.toJS() as KubeObject | null;
          if (obj && typeof obj === 'object' && obj.kind) out.push({ file: sub ? `${sub}/${relPath}` : relPath, object: obj });
        }
      }
    }
  };
  walk(root, '');
  return out;
}
