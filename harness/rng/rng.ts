/**
 * Seeded randomness for one World (DESIGN.md "Randomness"): one seed, split into named streams
 * (topology, jitter, latency, faults, ids...) so that a new draw in one stream never reshuffles
 * another. Backed by pure-rand's xoroshiro128+.
 */
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
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

/** One stream of random draws. */
export class RandomStream {
  private readonly gen: RandomGenerator;
  constructor(seed: number) {
    this.gen = xoroshiro128plus(seed | 0);
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

/** The World's seeded generator: `stream(name)` returns the same stream object for the same name. */
export class SeededRng {
  private readonly streams = new Map<string, RandomStream>();
  constructor(readonly seed: number) {}
  stream(name: string): RandomStream {
    let s = this.streams.get(name);
    if (!s) {
      s = new RandomStream(deriveSeed(this.seed, name));
      this.streams.set(name, s);
    }
    return s;
  }
  /** A deterministic UUID-shaped id generator drawing from stream `ids`. */
  uidSource(): () => string {
    const s = this.stream('ids');
    const hex = (n: number) => Array.from({ length: n }, () => s.int(0, 15).toString(16)).join('');
    return () => `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[s.int(0, 3)]}${hex(3)}-${hex(12)}`;
  }
}
