/**
 * Resource quantities and workload demand for quota enforcement (reference
 * crates/lattice-core/src/quantity.rs, crates/lattice-common/src/resources.rs `compute_workload_demand`,
 * crates/lattice-quota/src/lib.rs `format_resource_value`). Values are plain numbers: cpu in
 * millicores, memory in bytes, anything else a count. Pure functions.
 */
import type { WorkloadSpec } from '../crds/types.ts';

/** Resource keys of quota maps (reference `CPU_RESOURCE`, `MEMORY_RESOURCE`, `GPU_RESOURCE`). */
export const CPU_RESOURCE = 'cpu';
export const MEMORY_RESOURCE = 'memory';
export const GPU_RESOURCE = 'nvidia.com/gpu';

/** A quantity the quota system cannot read; message `invalid resource quantity: <text>` (reference `QuantityParseError`). */
export class QuantityParseError extends Error {
  constructor(what: string) {
    super(`invalid resource quantity: ${what}`);
    this.name = 'QuantityParseError';
  }
}

/** Total demand of a workload: all main containers' requests × replicas, and its GPUs (reference `WorkloadResourceDemand`). */
export interface WorkloadResourceDemand {
  /** CPU in millicores. */
  cpuMillis: number;
  /** Memory in bytes. */
  memoryBytes: number;
  /** `nvidia.com/gpu` count. */
  gpuCount: number;
}

export const ZERO_DEMAND: Readonly<WorkloadResourceDemand> = Object.freeze({ cpuMillis: 0, memoryBytes: 0, gpuCount: 0 });

/** Rust's `str::parse::<i64>()`: an optional sign and decimal digits, nothing else. */
function parseInteger(s: string): number | undefined {
  return /^[+-]?[0-9]+$/.test(s) ? Number(s) : undefined;
}

/** Rust's `str::parse::<f64>()`: decimal or exponent notation, `inf`, `infinity`, `nan` (any case); no whitespace. */
function parseFloat64(s: string): number | undefined {
  if (!/^[+-]?(([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?|inf|infinity|nan)$/i.test(s)) return undefined;
  const body = s.replace(/^[+-]/, '').toLowerCase();
  const sign = s.startsWith('-') ? -1 : 1;
  if (body === 'nan') return NaN;
  if (body === 'inf' || body === 'infinity') return sign * Infinity;
  return Number(s);
}

/** Rust's saturating `f64 as i64` (NaN → 0), within JS's safe integers. */
const saturate = (x: number): number => (Number.isNaN(x) ? 0 : Math.max(-Number.MAX_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, Math.trunc(x))));

/** CPU quantity → millicores: `500m` → 500, `1.5` → 1500, `4` → 4000 (reference `parse_cpu_millis_str`). Throws {@link QuantityParseError}. */
export function parseCpuMillis(s: string): number {
  if (s.endsWith('m')) {
    const v = parseInteger(s.slice(0, -1));
    if (v === undefined) throw new QuantityParseError(s);
    return v;
  }
  const cores = parseFloat64(s);
  if (cores === undefined) throw new QuantityParseError(s);
  return saturate(cores * 1000);
}

/** Suffixes of memory quantities, binary first, as the reference tries them. */
const MEMORY_SUFFIXES: readonly [string, number][] = [
  ['Ti', 1024 ** 4],
  ['Gi', 1024 ** 3],
  ['Mi', 1024 ** 2],
  ['Ki', 1024],
  ['T', 1e12],
  ['G', 1e9],
  ['M', 1e6],
  ['k', 1e3],
];

/** Memory quantity → bytes: an integer with one of Ki Mi Gi Ti k M G T, or plain bytes (reference `parse_memory_bytes_str`). Throws {@link QuantityParseError}. */
export function parseMemoryBytes(s: string): number {
  for (const [suffix, multiplier] of MEMORY_SUFFIXES) {
    if (!s.endsWith(suffix)) continue;
    const v = parseInteger(s.slice(0, -suffix.length));
    if (v === undefined) throw new QuantityParseError(s);
    return v * multiplier;
  }
  const v = parseInteger(s);
  if (v === undefined) throw new QuantityParseError(s);
  return v;
}

/**
 * A quota map entry by key (reference `parse_resource_by_key`): `cpu` → millicores, `memory` → bytes,
 * any other key → an integer count. Throws {@link QuantityParseError} (`<key>: <value>` for counts).
 */
export function parseResourceByKey(key: string, value: string): number {
  if (key === CPU_RESOURCE) return parseCpuMillis(value);
  if (key === MEMORY_RESOURCE) return parseMemoryBytes(value);
  const v = parseInteger(value);
  if (v === undefined) throw new QuantityParseError(`${key}: ${value}`);
  return v;
}

/** {@link parseResourceByKey}, or `undefined` when the value does not parse. */
export function tryParseResource(key: string, value: string): number | undefined {
  try {
    return parseResourceByKey(key, value);
  } catch (e) {
    if (e instanceof QuantityParseError) return undefined;
    throw e;
  }
}

/** A raw value for people (reference `format_resource_value`): cpu `4` / `1500m`, memory `8Gi` / `512Mi` / bytes, counts as is. */
export function formatResourceValue(key: string, value: number): string {
  if (key === CPU_RESOURCE) return value % 1000 === 0 ? String(value / 1000) : `${value}m`;
  if (key === MEMORY_RESOURCE) {
    if (value % 1024 ** 3 === 0) return `${value / 1024 ** 3}Gi`;
    if (value % 1024 ** 2 === 0) return `${value / 1024 ** 2}Mi`;
  }
  return String(value);
}

/** Demand as raw values by resource key (reference `to_raw_map`): every key present, zeros included. */
export function demandRawMap(d: WorkloadResourceDemand): Record<string, number> {
  return { [CPU_RESOURCE]: d.cpuMillis, [MEMORY_RESOURCE]: d.memoryBytes, [GPU_RESOURCE]: d.gpuCount };
}

/** Demand as quantity strings (reference `format_demand_map`): zero resources left out. */
export function formatDemandMap(d: WorkloadResourceDemand): Record<string, string> {
  const out: Record<string, string> = {};
  if (d.cpuMillis > 0) out[CPU_RESOURCE] = formatResourceValue(CPU_RESOURCE, d.cpuMillis);
  if (d.memoryBytes > 0) out[MEMORY_RESOURCE] = formatResourceValue(MEMORY_RESOURCE, d.memoryBytes);
  if (d.gpuCount > 0) out[GPU_RESOURCE] = String(d.gpuCount);
  return out;
}

/** `a + b`, per resource. */
export function addDemand(a: WorkloadResourceDemand, b: WorkloadResourceDemand): WorkloadResourceDemand {
  return { cpuMillis: a.cpuMillis + b.cpuMillis, memoryBytes: a.memoryBytes + b.memoryBytes, gpuCount: a.gpuCount + b.gpuCount };
}

/**
 * A workload's demand × `replicas` (reference `compute_workload_demand`): cpu and memory summed over the
 * main containers' `resources.requests` (not limits, not sidecars: requests are the guaranteed
 * allocation), GPUs summed over `type: gpu` resources' `params.count`. Containers without requests add
 * nothing. Throws {@link QuantityParseError} for an unreadable request.
 */
export function workloadDemand(workload: Partial<WorkloadSpec> | undefined, replicas: number): WorkloadResourceDemand {
  let cpuMillis = 0;
  let memoryBytes = 0;
  for (const c of Object.values(workload?.containers ?? {})) {
    const requests = c?.resources?.requests;
    if (requests?.cpu != null) cpuMillis += parseCpuMillis(String(requests.cpu));
    if (requests?.memory != null) memoryBytes += parseMemoryBytes(String(requests.memory));
  }
  let gpuCount = 0;
  for (const r of Object.values(workload?.resources ?? {})) {
    if (r?.type === 'gpu' && typeof r.params?.count === 'number') gpuCount += r.params.count;
  }
  return { cpuMillis: cpuMillis * replicas, memoryBytes: memoryBytes * replicas, gpuCount: gpuCount * replicas };
}
