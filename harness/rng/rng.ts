/**
 * Seeded randomness for one World (DESIGN.md "Randomness"): one seed, split into streams keyed by
 * object and purpose (`kubelet/start/<ns>/<pod>`, `traffic/<from>`, ...). Each stream's state is a
 * hash of (seed, name) ({@link streamState}), so its draws depend only on the seed, its name and
 * how often that one stream was drawn from: adding or removing one object (what a fast-check shrink step
 * does) changes no other object's draws. uids and generated names are hashes of identity too
 * ({@link stableUid}, {@link SeededRng.once}), and watch delivery uses a schedule that is a function of
 * time alone ({@link DeliverySchedule}). Backed by pure-rand's xoroshiro128+. Times are simulated ms.
 */
import { createHash } from 'node:crypto';
import type { GeneratedNameRequest, ObjectIdentity } from '../../fake-apiserver/index.ts';
import { xoroshiro128plus, xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';

/** FNV-1a 32-bit hash of a string: stable stream ids and seed derivation. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Derives a child seed (32-bit int) from a seed and a label, e.g. `deriveSeed(1, 'topology/7')`. */
export function deriveSeed(seed: number, label: string): number {
  return (fnv1a(`${seed >>> 0}:${label}`) ^ Math.imul(seed | 0, 0x9e3779b1)) | 0;
}

/**
 * The 128-bit generator state of stream `name`: SHA-256 of (seed, name), so names that differ in one
 * character (`…/web-abcde`, `…/web-abcdf`) still start unrelated streams (a 32-bit FNV seed would
 * make their first draws nearly equal: xoroshiro's first output is the seed itself).
 */
export function streamState(seed: number, name: string): readonly number[] {
  const h = createHash('sha256').update(`stream\u0000${seed >>> 0}\u0000${name}`).digest();
  return [h.readInt32LE(0), h.readInt32LE(4), h.readInt32LE(8), h.readInt32LE(12) | 1];
}

/** Murmur3's 32-bit finalizer: spreads every input bit over the output (FNV's low bits are weak). */
export function mix32(x: number): number {
  let h = x | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** One stream of random draws. */
export class RandomStream {
  private readonly gen: RandomGenerator;
  /** @param seed a 32-bit seed, or a full state from {@link streamState}. */
  constructor(seed: number | readonly number[]) {
    this.gen = typeof seed === 'number' ? xoroshiro128plus(seed | 0) : xoroshiro128plusFromState(seed);
  }
  /** Integer in [from, to] (both included). */
  int(from: number, to: number): number {
    return uniformInt(this.gen, from, to);
  }
  /** Float in [0, 1). */
  float(): number {
    return uniformInt(this.gen, 0, 0x3fffffff) / 0x40000000;
  }
  /** True with probability p. */
  chance(p: number): boolean {
    return this.float() < p;
  }
  /** A uniformly chosen element (throws on an empty list). */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('RandomStream.pick: empty list');
    return items[this.int(0, items.length - 1)];
  }
  /** `delayMs + uniform jitter in [0, jitterMs]`, for latency and delay distributions (simulated ms). */
  delay(d: { delayMs: number; jitterMs?: number }): number {
    return d.delayMs + (d.jitterMs ? this.int(0, d.jitterMs) : 0);
  }
  /** `n` lowercase alphanumerics (pod-name style suffixes). */
  alnum(n: number): string {
    const chars = 'bcdfghjklmnpqrstvwxz2456789';
    let s = '';
    for (let i = 0; i < n; i++) s += chars[this.int(0, chars.length - 1)];
    return s;
  }
}

/** Where draw sites get their streams: the World's {@link SeededRng}, or a test double. */
export interface StreamSource {
  /** The stream named `name` (`<purpose>/<identity>`); the same name gives the same stream object. */
  stream(name: string): RandomStream;
  /** Drops the cached stream `name` (its object is gone); a later `stream(name)` starts it afresh. */
  forget(name: string): void;
}

/**
 * The World's seeded generator. `stream(name)` returns the same stream object for the same name,
 * seeded by hashing (seed, name) ({@link streamState}). Streams are cached in a Map keyed by name,
 * so the cache grows with the number of distinct objects that drew (a few streams per pod, one per
 * Service, ExternalSecret and generator); draw sites call {@link forget} when their object is deleted, which
 * keeps long churny runs bounded by the live objects. Nothing is evicted otherwise: an eviction
 * order would depend on other objects and break independence.
 */
export class SeededRng implements StreamSource {
  private readonly streams = new Map<string, RandomStream>();
  constructor(readonly seed: number) {}
  stream(name: string): RandomStream {
    let s = this.streams.get(name);
    if (!s) {
      s = new RandomStream(streamState(this.seed, name));
      this.streams.set(name, s);
    }
    return s;
  }
  forget(name: string): void {
    this.streams.delete(name);
  }
  /** A fresh, uncached stream for a one-off draw keyed by `name` (same name → same draws). */
  once(name: string): RandomStream {
    return new RandomStream(streamState(this.seed, name));
  }
  /** Cached streams (for tests and memory checks). */
  get size(): number {
    return this.streams.size;
  }
}

/**
 * A UUID-shaped (version 4 layout) uid: the SHA-256 of (seed, group, kind, namespace, name,
 * incarnation; the API server counts incarnations). Stable under adding or removing other objects;
 * a delete + re-create gets a new uid. The World passes it to the ApiServer as `newUid`.
 */
export function stableUid(seed: number, id: ObjectIdentity): string {
  const h = createHash('sha256')
    .update(['uid', String(seed >>> 0), id.group, id.kind, id.namespace, id.name, String(id.incarnation)].join('\u0000'))
    .digest('hex');
  const variant = '89ab'[parseInt(h[16], 16) & 3];
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * A `generateName` suffix (5 pod-name-style characters) from the one-off stream
 * `names/<group>/<kind>/<ns>/<prefix><ordinal>`: keyed by the owner (the prefix, e.g. a
 * ReplicaSet's `web-5d8f9c7b6a-`) and the ordinal within that prefix, never by a shared counter.
 */
export function stableNameSuffix(rng: SeededRng, req: GeneratedNameRequest): string {
  return rng.once(`names/${req.group}/${req.kind}/${req.namespace}/${req.prefix}${req.ordinal}`).alnum(5);
}

/**
 * Watch delivery times as a function of commit time alone (DESIGN.md "Randomness").
 *
 * A per-object latency stream cannot both keep a watch's event order and keep objects independent:
 * a later event with a shorter draw would overtake an earlier one, and clamping it behind the
 * earlier one ("never before the previous event") makes one object's delay depend on another's.
 * Instead, delivery instants form one seeded schedule: time is cut into windows of
 * `floor(jitterMs / 2) + 1` ms, each with one delivery slot at an offset hashed from (seed, window).
 * An event committed at `t` is delivered at the first slot at or after `t + delayMs`, so delivery is
 * `t + delayMs + [0, jitterMs]`, non-decreasing in `t` (order kept on every watch, and across
 * watches as before), and the same whatever other objects exist. No state, no draws, O(1).
 */
export class DeliverySchedule {
  private readonly windowMs: number;
  constructor(
    private readonly seed: number,
    private readonly delay: { delayMs: number; jitterMs?: number },
    private readonly purpose = 'watch-delivery',
  ) {
    this.windowMs = Math.floor((delay.jitterMs ?? 0) / 2) + 1;
  }

  /** The delivery instant (simulated ms) of an event committed at `nowMs`. */
  dueMs(nowMs: number): number {
    const t = Math.ceil(nowMs + this.delay.delayMs);
    const w = Math.floor(t / this.windowMs);
    const here = this.slot(w);
    return here >= t ? here : this.slot(w + 1);
  }

  private slot(window: number): number {
    if (this.windowMs === 1) return window;
    return window * this.windowMs + (mix32(deriveSeed(this.seed, `${this.purpose}/${window}`)) % this.windowMs);
  }
}
