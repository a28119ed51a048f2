/**
 * What the simulated kubelets measure and metrics-server reports (resource metrics pipeline), pure and
 * deterministic: no clock reads, no randomness.
 *
 * Usage of a container, per resource (`cpu` in cores, `memory` in bytes):
 * - its request (a resource with only a limit requests its limit, as API defaulting gives it) times a
 *   utilisation: the value `SimulatedMetrics` holds for the pod's workload (`ns/<deployment>`, the
 *   same value the HPA stub scales on, so `kubectl top` shows exactly what the HPA acts on: a
 *   Deployment whose cpu is set to 0.9 shows 90 % of each container's cpu request), or else
 *   {@link DEFAULT_UTILISATION} (10 % of the cpu request, 40 % of the memory request);
 * - a container without a request (or limit) for the resource uses {@link UNREQUESTED_USAGE} (1m cpu,
 *   8 MiB), set value or not: a utilisation needs a request (upstream's HPA refuses such pods too).
 * Then what a measurement adds (so the API carries measured-looking quantities, `179987654n`,
 * `104876Ki`, while `kubectl top`'s rounding shows the exact product): cpu loses 1 nanocore to 1/16 of
 * a millicore (kubectl rounds cpu up to millicores), memory is counted in 4 KiB pages and gains 1 to
 * 15 pages (kubectl rounds memory down to MiB), so a pod's sum over up to 16 containers still
 * shows the exact sum. The offsets are fixed per container (a hash of namespace, pod and container
 * name), not per scrape.
 *
 * A node's usage is the sum over the running containers of its pods plus {@link NODE_SYSTEM_USAGE}
 * (kubelet, container runtime and OS of an otherwise idle node: 50m cpu, 384 MiB).
 *
 * Scrapes and windows follow metrics-server's storage (pkg/storage: a rate needs two points): scrapes
 * at every multiple of the resolution (`--metric-resolution`, 15 s) of the clock; a container has
 * metrics at the last scrape when it was running at the scrape before (window = the resolution) or
 * started between 10 s and one resolution before the last scrape (window = since its start).
 */
import { fnv1a, mix32 } from '../../rng/index.ts';

/** Utilisation of a container's request when no value is set for its workload (a fraction: 0.1 = 10 %). */
export const DEFAULT_UTILISATION = { cpu: 0.1, memory: 0.4 } as const;

/** Usage of a container without a request for the resource: cpu in cores, memory in bytes. */
export const UNREQUESTED_USAGE = { cpu: 0.001, memory: 8 * 1024 * 1024 } as const;

/** What a node uses besides its pods (kubelet, container runtime, OS): cpu in cores, memory in bytes. */
export const NODE_SYSTEM_USAGE = { cpu: 0.05, memory: 384 * 1024 * 1024 } as const;

/** metrics-server's default `--metric-resolution`. @unit ms */
export const DEFAULT_RESOLUTION_MS = 15_000;

/** metrics-server's `freshContainerMinMetricsResolution`: a container younger than this at a scrape has no rate yet. @unit ms */
export const FRESH_CONTAINER_MIN_MS = 10_000;

/** Memory page: working-set bytes are whole pages. @unit bytes */
const PAGE = 4096;

/** Usage as metrics-server stores it: integer nanocores and bytes. */
export interface Usage {
  nanocores: number;
  bytes: number;
}

/** A container's requests (after defaulting from limits) in cores and bytes; undefined when not requested. */
export interface ContainerRequests {
  cpu?: number;
  memory?: number;
}

/**
 * The usage of one container. `utilisation` holds the values set for its workload (undefined: not
 * set); `identity` (`ns/pod/container`) picks the fixed measurement offsets.
 */
export function containerUsage(requests: ContainerRequests, utilisation: { cpu?: number; memory?: number }, identity: string): Usage {
  const cores = requests.cpu !== undefined ? requests.cpu * (utilisation.cpu ?? DEFAULT_UTILISATION.cpu) : UNREQUESTED_USAGE.cpu;
  const bytes = requests.memory !== undefined ? requests.memory * (utilisation.memory ?? DEFAULT_UTILISATION.memory) : UNREQUESTED_USAGE.memory;
  return measured(cores, bytes, identity);
}

/** A node's usage: its running containers' usage plus {@link NODE_SYSTEM_USAGE} (with the node's own offsets). */
export function nodeUsage(containers: readonly Usage[], nodeName: string): Usage {
  const system = measured(NODE_SYSTEM_USAGE.cpu, NODE_SYSTEM_USAGE.memory, `node/${nodeName}`);
  let { nanocores, bytes } = system;
  for (const c of containers) {
    nanocores += c.nanocores;
    bytes += c.bytes;
  }
  return { nanocores, bytes };
}

/** Largest measurement offsets: under 1/16 millicore (in nanocores) and 16 pages, so 16 containers sum to under one display unit. */
const CPU_OFFSET_NANOCORES = 62_500;
const MEMORY_OFFSET_PAGES = 16;

/** `cores` and `bytes` as measured: nanocores less a fixed offset, whole pages plus a fixed offset. */
function measured(cores: number, bytes: number, identity: string): Usage {
  const h = mix32(fnv1a(identity)) >>> 0;
  const exact = Math.max(0, Math.round(cores * 1e9));
  // Offsets of at least 1: a measurement is never a round number (so the quantities keep their n and Ki forms).
  const nanocores = exact >= CPU_OFFSET_NANOCORES ? exact - 1 - (h % (CPU_OFFSET_NANOCORES - 1)) : exact;
  const pages = Math.floor(Math.max(0, bytes) / PAGE);
  return { nanocores, bytes: (pages + 1 + ((h >>> 24) % (MEMORY_OFFSET_PAGES - 1))) * PAGE };
}

const DECIMAL_SUFFIXES: Record<number, string> = { [-9]: 'n', [-6]: 'u', [-3]: 'm', 0: '', 3: 'k', 6: 'M', 9: 'G', 12: 'T', 15: 'P', 18: 'E' };
const BINARY_SUFFIXES = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

/** `value × 10^scale` (value a non-negative integer) as apimachinery's canonical DecimalSI text: trailing zeros removed in groups of three. */
function decimalQuantity(value: number, scale: number): string {
  if (value === 0) return '0';
  let mantissa = value;
  let exponent = scale;
  while (mantissa % 10 === 0) {
    mantissa /= 10;
    exponent++;
  }
  while (exponent % 3 !== 0) {
    mantissa *= 10;
    exponent--;
  }
  return `${mantissa}${DECIMAL_SUFFIXES[exponent]}`;
}

/**
 * Nanocores as the canonical quantity apimachinery prints for metrics-server's
 * `NewScaledQuantity(n, -9)` (DecimalSI): `12345678n`, `30m`, `1500m`, `2`, `0`.
 */
export function cpuQuantity(nanocores: number): string {
  if (!Number.isSafeInteger(nanocores) || nanocores < 0) throw new Error(`cpuQuantity: nanocores must be a non-negative safe integer, got ${nanocores}`);
  return decimalQuantity(nanocores, -9);
}

/**
 * Bytes as the canonical BinarySI quantity apimachinery prints (`NewQuantity(b, BinarySI)`): the
 * largest power of 1024 dividing it (`52436Ki`, `64Mi`, `12345`); under 1024 as a plain number.
 */
export function memoryQuantity(bytes: number): string {
  if (!Number.isSafeInteger(bytes) || bytes < 0) throw new Error(`memoryQuantity: bytes must be a non-negative safe integer, got ${bytes}`);
  if (bytes < 1024) return decimalQuantity(bytes, 0);
  let amount = bytes;
  let power = 0;
  while (amount % 1024 === 0 && power < BINARY_SUFFIXES.length - 1) {
    amount /= 1024;
    power++;
  }
  return `${amount}${BINARY_SUFFIXES[power]}`;
}

/** A duration as Go's `time.Duration.String()` prints it (`15s`, `12.345s`, `500ms`, `1m0s`, `1h2m3s`). @param ms whole milliseconds */
export function goDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const secMs = ms % 60_000;
  const sec = `${Math.floor(secMs / 1000)}${secMs % 1000 ? `.${String(secMs % 1000).padStart(3, '0').replace(/0+$/, '')}` : ''}s`;
  if (h) return `${h}h${m}m${sec}`;
  if (m) return `${m}m${sec}`;
  return sec;
}

/** The last scrape at or before `nowMs`: a multiple of the resolution. @unit ms since the epoch */
export function lastScrape(nowMs: number, resolutionMs: number): number {
  return Math.floor(nowMs / resolutionMs) * resolutionMs;
}

/**
 * The window of a container's rate at scrape `scrapeMs` (metrics-server pkg/storage `podStorage.Store`):
 * the resolution when it already ran at the scrape before (started strictly before it), the time
 * since its start when that is at least 10 s and under one resolution, else undefined (no metrics yet).
 * @unit ms
 */
export function containerWindow(startedAtMs: number, scrapeMs: number, resolutionMs: number): number | undefined {
  const age = scrapeMs - startedAtMs;
  if (age > resolutionMs) return resolutionMs;
  if (age >= FRESH_CONTAINER_MIN_MS && age < resolutionMs) return age;
  return undefined;
}
