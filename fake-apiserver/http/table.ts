/**
 * `meta.k8s.io/v1` Table responses for `kubectl get` (anchors-apiserver.md §3.22; Kubernetes API
 * concepts: receiving resources as Tables). Columns: the built-in kinds' printer columns
 * (`printers.ts`, upstream pkg/printers/internalversion), a custom resource's
 * additionalPrinterColumns (simple `.a.b` paths) or Name and Age, ages as the server renders them
 * (apimachinery `duration.HumanDuration`). Every column is filled, priority-1 ones too: kubectl
 * shows those only with `-o wide`. Rows carry PartialObjectMetadata by default, the full object for
 * `includeObject=Object`, nothing for `None`.
 */
import type { KubeObject } from '../api/index.ts';
import { builtinColumns } from './printers.ts';

/** One column definition of a Table. */
export interface TableColumn {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

/** A column as this module builds it: its definition and how to read a cell. */
export interface ColumnSpec extends TableColumn {
  cell: (o: KubeObject) => unknown;
}

/** Human age, as `duration.HumanDuration` prints it (`45s`, `5m30s`, `3h`, `2d5h`, …). */
export function humanDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < -1) return '<invalid>';
  if (s < 0) return '0s';
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  if (h < 24 * 8) return h % 24 === 0 ? `${Math.floor(h / 24)}d` : `${Math.floor(h / 24)}d${h % 24}h`;
  if (h < 24 * 365 * 2) return `${Math.floor(h / 24)}d`;
  const y = Math.floor(h / 24 / 365);
  if (y < 8) return `${y}y${Math.floor(h / 24) % 365}d`;
  return `${y}y`;
}

/** Reads a simple JSONPath (`.spec.replicas`, `{.status.phase}`); anything fancier gives undefined. */
export function readPath(obj: unknown, path: string): unknown {
  const p = path.replace(/^\{/, '').replace(/\}$/, '');
  if (!/^(\.[A-Za-z0-9_-]+)+$/.test(p)) return undefined;
  let cur: unknown = obj;
  for (const k of p.slice(1).split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

const col = (name: string, type: string, cell: (o: KubeObject) => unknown, format = '', description = ''): ColumnSpec => ({ name, type, format, description, priority: 0, cell });

/**
 * The columns of a kind, cells evaluated at `now` (ms since epoch). `printerColumns` are a CRD
 * version's `additionalPrinterColumns` (name, type, jsonPath, format, description, priority); a
 * built-in kind (by group and kind: custom resources never share a built-in group) gets its
 * upstream printer's columns; anything else Name and Age.
 */
export function columnsFor(group: string, kind: string, now: number, printerColumns?: Record<string, unknown>[]): ColumnSpec[] {
  const name = col('Name', 'string', (o) => o.metadata.name, 'name', 'Name must be unique within a namespace.');
  const age = col('Age', 'date', (o) => (o.metadata.creationTimestamp ? humanDuration(now - Date.parse(o.metadata.creationTimestamp)) : '<unknown>'), '', 'CreationTimestamp is a timestamp representing the server time when this object was created.');
  const extra: ColumnSpec[] = [];
  if (printerColumns) {
    for (const c of printerColumns) {
      const path = String(c.jsonPath ?? '');
      const spec = col(String(c.name ?? ''), String(c.type ?? 'string'), (o) => {
        const v = readPath(o, path);
        return v === undefined || v === null ? null : typeof v === 'object' ? JSON.stringify(v) : v;
      }, String(c.format ?? ''), String(c.description ?? ''));
      spec.priority = Number(c.priority ?? 0);
      if (path === '.metadata.creationTimestamp' && spec.type === 'date') spec.cell = age.cell;
      extra.push(spec);
    }
    return [name, ...extra, ...(printerColumns.some((c) => c.jsonPath === '.metadata.creationTimestamp') ? [] : [age])];
  }
  return builtinColumns(group, kind, now) ?? [name, age];
}

/** Builds the Table for `objects` (one object for a GET, the items for a LIST). */
export function toTable(objects: readonly KubeObject[], columns: ColumnSpec[], resourceVersion: string, includeObject: 'None' | 'Metadata' | 'Object' = 'Metadata'): object {
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: columns.map(({ name, type, format, description, priority }) => ({ name, type, format, description, priority })),
    rows: objects.map((o) => ({
      cells: columns.map((c) => c.cell(o)),
      ...(includeObject === 'None'
        ? {}
        : { object: includeObject === 'Object' ? o : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata } }),
    })),
  };
}
