/**
 * The service graph kept up to date one member at a time (reference §4.1–4.3), instead of rebuilt
 * from every member on every reconcile. Pure data structure, no I/O: the mesh-member controller feeds
 * it from cache events (`upsert` on add/update, `remove` on delete) and reads it like a
 * {@link ServiceGraph}. After any sequence of upserts and removes it answers exactly what
 * {@link graphFromNodes} answers for the current nodes (property-tested).
 *
 * Why it is cheap: an active edge C → S depends only on the nodes C and S, so a change of node K can
 * only add or remove edges that have K as an endpoint. `upsert(K)` drops K's edges and recomputes
 * them from reverse indexes (who depends on K, who allows K, who has dependsAll / allowsAll), in
 * O(degree of K + dependsAll members + allowsAll members).
 */
import { createHash } from 'node:crypto';
import type { GraphNode, ServiceGraph } from './graph.ts';

/** A {@link ServiceGraph} updated in place. */
export class LiveServiceGraph implements ServiceGraph {
  private readonly byKey = new Map<string, GraphNode>();
  private readonly outbound = new Map<string, Set<string>>();
  private readonly inbound = new Map<string, Set<string>>();
  /** callee key → keys of nodes listing it in `dependencies` (the callee need not exist). */
  private readonly dependents = new Map<string, Set<string>>();
  /** caller key → keys of nodes listing it in `allowedCallers` (the caller need not exist). */
  private readonly allowers = new Map<string, Set<string>>();
  private readonly dependsAll = new Set<string>();
  private readonly allowsAll = new Set<string>();
  private sortedKeys: string[] | null = [];

  /** Adds or replaces the node with `node.key`. Returns the keys whose active edges changed (sorted). */
  upsert(node: GraphNode): string[] {
    const before = this.edgeSet(node.key);
    this.detach(node.key);
    this.byKey.set(node.key, node);
    this.index(node);
    this.sortedKeys = null;
    this.attach(node);
    return changedEndpoints(node.key, before, this.edgeSet(node.key));
  }

  /** Removes the node `key` (no-op when absent). Returns the keys whose active edges changed (sorted). */
  remove(key: string): string[] {
    if (!this.byKey.has(key)) return [];
    const before = this.edgeSet(key);
    this.detach(key);
    this.byKey.delete(key);
    this.outbound.delete(key);
    this.inbound.delete(key);
    this.sortedKeys = null;
    return changedEndpoints(key, before, new Set());
  }

  /**
   * Keys whose compiled policies may depend on node `key`: its active callers and callees, the
   * members it names (dependencies, allowedCallers), the members naming it, and dependsAll members.
   * Sorted, without `key`. Call before and after a change to find every member to re-queue.
   */
  neighbours(key: string): string[] {
    const out = new Set<string>();
    const n = this.byKey.get(key);
    for (const k of this.outbound.get(key) ?? []) out.add(k);
    for (const k of this.inbound.get(key) ?? []) out.add(k);
    for (const k of this.dependents.get(key) ?? []) out.add(k);
    for (const k of this.allowers.get(key) ?? []) out.add(k);
    for (const k of this.dependsAll) out.add(k);
    if (n) {
      for (const k of n.dependencies) if (this.byKey.has(k)) out.add(k);
      for (const k of n.allowedCallers) if (this.byKey.has(k)) out.add(k);
    }
    out.delete(key);
    return [...out].sort();
  }

  /**
   * Keys of the present nodes naming `key` in their `dependencies` and in their `allowedCallers`
   * (wildcards excluded), each sorted; from the reverse indexes, so O(declarers).
   */
  declarersOf(key: string): { dependents: string[]; allowers: string[] } {
    const present = (set: Set<string> | undefined) => [...(set ?? [])].filter((k) => this.byKey.has(k)).sort();
    return { dependents: present(this.dependents.get(key)), allowers: present(this.allowers.get(key)) };
  }

  node(key: string): GraphNode | undefined {
    return this.byKey.get(key);
  }

  nodes(): GraphNode[] {
    return this.keys().map((k) => this.byKey.get(k)!);
  }

  activeInbound(key: string): GraphNode[] {
    return this.resolve(this.inbound.get(key));
  }

  activeOutbound(key: string): GraphNode[] {
    return this.resolve(this.outbound.get(key));
  }

  edges(): { from: string; to: string }[] {
    return this.keys().flatMap((from) => [...(this.outbound.get(from) ?? [])].sort().map((to) => ({ from, to })));
  }

  edgeHash(key: string, cedarEpoch?: number): string {
    const lines = [
      ...[...(this.inbound.get(key) ?? [])].sort().map((c) => `in:${c}->${key}`),
      ...[...(this.outbound.get(key) ?? [])].sort().map((s) => `out:${key}->${s}`),
      ...(cedarEpoch === undefined ? [] : [`cedar:${cedarEpoch}`]),
    ];
    return createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 16);
  }

  private keys(): string[] {
    return (this.sortedKeys ??= [...this.byKey.keys()].sort());
  }

  private resolve(set: Set<string> | undefined): GraphNode[] {
    return [...(set ?? [])].sort().map((k) => this.byKey.get(k)!);
  }

  private allows(callee: GraphNode, caller: GraphNode): boolean {
    return callee.allowsAll || callee.allowedCallers.includes(caller.key);
  }

  /** `out:<to>` and `in:<from>` entries of `key`'s current edges. */
  private edgeSet(key: string): Set<string> {
    const s = new Set<string>();
    for (const k of this.outbound.get(key) ?? []) s.add(`out:${k}`);
    for (const k of this.inbound.get(key) ?? []) s.add(`in:${k}`);
    return s;
  }

  /** Removes node `key`'s edges and its reverse-index entries (the node itself stays in byKey). */
  private detach(key: string): void {
    for (const to of this.outbound.get(key) ?? []) this.inbound.get(to)?.delete(key);
    for (const from of this.inbound.get(key) ?? []) this.outbound.get(from)?.delete(key);
    this.outbound.set(key, new Set());
    this.inbound.set(key, new Set());
    const old = this.byKey.get(key);
    if (!old) return;
    for (const d of old.dependencies) dropFrom(this.dependents, d, key);
    for (const c of old.allowedCallers) dropFrom(this.allowers, c, key);
    this.dependsAll.delete(key);
    this.allowsAll.delete(key);
  }

  private index(n: GraphNode): void {
    for (const d of n.dependencies) addTo(this.dependents, d, n.key);
    for (const c of n.allowedCallers) addTo(this.allowers, c, n.key);
    if (n.dependsAll) this.dependsAll.add(n.key);
    if (n.allowsAll) this.allowsAll.add(n.key);
  }

  /** Computes node `n`'s outbound and inbound edges from scratch and links them. */
  private attach(n: GraphNode): void {
    const link = (from: string, to: string) => {
      this.outbound.get(from)!.add(to);
      this.inbound.get(to)!.add(from);
    };
    // Outbound: declared dependencies, plus (dependsAll) every other member that allows n.
    for (const dep of n.dependencies) {
      const s = this.byKey.get(dep);
      if (s && dep !== n.key && this.allows(s, n)) link(n.key, dep);
    }
    if (n.dependsAll) {
      for (const other of [...this.allowsAll, ...(this.allowers.get(n.key) ?? [])]) {
        const s = this.byKey.get(other);
        if (s && other !== n.key && this.allows(s, n)) link(n.key, other);
      }
    }
    // Inbound: members that list n as a dependency, plus dependsAll members, when n allows them.
    for (const from of [...(this.dependents.get(n.key) ?? []), ...this.dependsAll]) {
      const c = this.byKey.get(from);
      if (c && from !== n.key && this.allows(n, c)) link(from, n.key);
    }
    // Self edge: a node depending on itself and allowing itself (graphFromNodes links it too).
    if (n.dependencies.includes(n.key) && this.allows(n, n)) link(n.key, n.key);
  }
}

function addTo(m: Map<string, Set<string>>, k: string, v: string): void {
  let s = m.get(k);
  if (!s) m.set(k, (s = new Set()));
  s.add(v);
}

function dropFrom(m: Map<string, Set<string>>, k: string, v: string): void {
  const s = m.get(k);
  if (!s) return;
  s.delete(v);
  if (s.size === 0) m.delete(k);
}

/** The changed node plus the other endpoint of every edge that appeared or vanished, sorted. */
function changedEndpoints(key: string, before: Set<string>, after: Set<string>): string[] {
  const out = new Set<string>();
  for (const e of before) if (!after.has(e)) out.add(e.slice(e.indexOf(':') + 1));
  for (const e of after) if (!before.has(e)) out.add(e.slice(e.indexOf(':') + 1));
  if (out.size > 0) out.add(key);
  return [...out].sort();
}
