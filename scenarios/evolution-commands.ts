/**
 * Commands that change a Topology over time (issue 7, model-based testing with fast-check
 * commands). Each command is a PURE transform of the model's topology, drawn as a few small
 * integers that pick its targets among what the model holds when it runs (index modulo the list, so
 * a command applies to most topologies and shrinks towards the first candidate). A transform that
 * does not apply (nothing to remove, already declared) or would yield an invalid topology makes
 * `check` false, and fast-check skips the command. Topology fields the commands do not name (mesh
 * features, secrets, Cedar) are carried over untouched, so the runner's diff of rendered objects
 * covers them automatically.
 *
 * Every command that changes what a pair declares also makes sure the pair is probed, so a stale
 * allow after a removal is observable.
 */
import fc from 'fast-check';
import type { Topology, TopologyPort, TopologyService } from '../topologies/index.ts';
import { serviceKey, validateTopology } from '../topologies/index.ts';

/** The model of an evolving case: the current topology, and a serial for fresh names (never reused within a case). */
export interface EvolutionModel {
  topology: Topology;
  serial: number;
}

/** What the model-based run drives: one step per command (EvolvingCase behind it). */
export interface EvolutionReal {
  /** Applies `next` (the whole new topology) as a diff and judges it; throws when the step failed. */
  apply(next: Topology, label: string): Promise<void>;
}

/** A transform's result: the new topology and the command in words (`remove outbound a/x -> a/y`). */
interface Change {
  topology: Topology;
  text: string;
}

type Transform = (t: Topology, serial: number, args: readonly number[]) => Change | undefined;

/** Topology fields some topologies carry (replicas; a drawn Cedar policy set), read without depending on their full types. */
type Scalable = TopologyService & { replicas?: number };
type WithCedar = Topology & { cedar?: { policies: readonly { name: string; enabled: boolean }[] } };

const at = <T>(list: readonly T[], n: number): T | undefined => (list.length === 0 ? undefined : list[n % list.length]);
/** `at` over the candidates that flip a pair's verdict when there are any (what catches stale and missed updates), else over all. */
const preferring = <T>(list: readonly T[], flips: (x: T) => boolean, n: number): T | undefined => {
  const preferred = list.filter(flips);
  return at(preferred.length > 0 ? preferred : list, n);
};
/** Whether `callee` lets `caller` in (names it, or any caller). */
const admits = (callee: TopologyService, caller: TopologyService): boolean => callee.wildcardInbound || callee.inbound.includes(serviceKey(caller));
const servers = (t: Topology) => t.services.filter((s) => s.ports.length > 0);
const namespaces = (t: Topology) => [...new Set(t.services.map((s) => s.namespace))].sort();

/** `t` with service `key` replaced by `f(service)` (everything else shared: the transforms never mutate). */
function update(t: Topology, key: string, f: (s: TopologyService) => TopologyService): Topology {
  return { ...t, services: t.services.map((s) => (serviceKey(s) === key ? f(s) : s)) };
}

/** `t` with a probe `from -> to` (the callee's default port) unless the pair is probed already. */
function probed(t: Topology, from: string, to: string): Topology {
  if (from === to || t.probes.some((p) => p.from === from && p.to === to)) return t;
  return { ...t, probes: [...t.probes, { from, to }] };
}

/** `t` without the services of `keys`, their declarations on others, and their probes. */
function without(t: Topology, keys: ReadonlySet<string>): Topology {
  return {
    ...t,
    services: t.services
      .filter((s) => !keys.has(serviceKey(s)))
      .map((s) => ({ ...s, outbound: s.outbound.filter((k) => !keys.has(k)), inbound: s.inbound.filter((k) => !keys.has(k)) })),
    probes: t.probes.filter((p) => !keys.has(p.from) && !keys.has(p.to)),
  };
}

/** A new server `ev<serial>` in `namespace`: one `http` port (80 → 8080), no declarations yet. */
const newServer = (namespace: string, serial: number): TopologyService => ({
  namespace,
  name: `ev${serial}`,
  layer: 1,
  ports: [{ name: 'http', port: 80, targetPort: 8080 }],
  outbound: [],
  inbound: [],
  wildcardInbound: false,
});

/** The transforms, by command name; each documents what its integers pick. */
const TRANSFORMS: Record<string, { arity: number; transform: Transform }> = {
  /** caller (any service), callee (a server other than the caller, one that admits it when any does): the caller starts declaring outbound. */
  'add-outbound': {
    arity: 2,
    transform: (t, _s, [a, b]) => {
      const caller = at(t.services, a);
      const callee = caller && preferring(servers(t).filter((s) => s !== caller && !caller.outbound.includes(serviceKey(s))), (s) => admits(s, caller), b);
      if (!caller || !callee || caller.outbound.includes(serviceKey(callee))) return undefined;
      const [from, to] = [serviceKey(caller), serviceKey(callee)];
      return { topology: probed(update(t, from, (s) => ({ ...s, outbound: [...s.outbound, to] })), from, to), text: `add outbound ${from} -> ${to}` };
    },
  },
  /** caller (among those declaring outbound), which of its callees (one that admits it when any does): the caller stops declaring it. */
  'remove-outbound': {
    arity: 2,
    transform: (t, _s, [a, b]) => {
      const byKey = new Map(t.services.map((s) => [serviceKey(s), s]));
      const caller = at(t.services.filter((s) => s.outbound.length > 0), a);
      const to = caller && preferring(caller.outbound, (k) => !!byKey.get(k) && admits(byKey.get(k)!, caller), b);
      if (!caller || !to) return undefined;
      const from = serviceKey(caller);
      return { topology: probed(update(t, from, (s) => ({ ...s, outbound: s.outbound.filter((k) => k !== to) })), from, to), text: `remove outbound ${from} -> ${to}` };
    },
  },
  /** callee (a server), caller (any other service, one declaring outbound to it when any does): the callee starts allowing the caller. */
  'add-inbound': {
    arity: 2,
    transform: (t, _s, [a, b]) => {
      const callee = at(servers(t), a);
      const caller = callee && preferring(t.services.filter((s) => s !== callee && !callee.inbound.includes(serviceKey(s))), (s) => s.outbound.includes(serviceKey(callee)), b);
      if (!callee || !caller || callee.inbound.includes(serviceKey(caller))) return undefined;
      const [from, to] = [serviceKey(caller), serviceKey(callee)];
      return { topology: probed(update(t, to, (s) => ({ ...s, inbound: [...s.inbound, from] })), from, to), text: `add inbound ${to} <- ${from}` };
    },
  },
  /** callee (among those declaring inbound), which of its callers (one declaring outbound to it when any does): the callee stops allowing it. */
  'remove-inbound': {
    arity: 2,
    transform: (t, _s, [a, b]) => {
      const byKey = new Map(t.services.map((s) => [serviceKey(s), s]));
      const callee = at(t.services.filter((s) => s.inbound.length > 0), a);
      const from = callee && preferring(callee.inbound, (k) => !!byKey.get(k)?.outbound.includes(serviceKey(callee)), b);
      if (!callee || !from) return undefined;
      const to = serviceKey(callee);
      return { topology: probed(update(t, to, (s) => ({ ...s, inbound: s.inbound.filter((k) => k !== from) })), from, to), text: `remove inbound ${to} <- ${from}` };
    },
  },
  /** callee (a server): wildcard inbound (`id: "*"`) on or off. */
  'toggle-wildcard': {
    arity: 1,
    transform: (t, _s, [a]) => {
      const callee = at(servers(t), a);
      if (!callee) return undefined;
      const to = serviceKey(callee);
      return { topology: update(t, to, (s) => ({ ...s, wildcardInbound: !s.wildcardInbound })), text: `${callee.wildcardInbound ? 'drop' : 'add'} wildcard inbound on ${to}` };
    },
  },
  /** namespace, callee, caller: a new server `ev<n>` arrives, agreed both ways with a callee (which starts admitting it) and with a caller (which starts calling it). */
  'add-service': {
    arity: 3,
    transform: (t, serial, [a, b, c]) => {
      const ns = at(namespaces(t), a);
      if (!ns) return undefined;
      return arrive(t, newServer(ns, serial), b, c, `add service ${ns}/ev${serial}`);
    },
  },
  /** the service (one some caller reaches when any is, so it has policies to clean up): it is deleted, with every declaration naming it and its probes. */
  'remove-service': {
    arity: 1,
    transform: (t, _s, [a]) => {
      const victim = preferring(t.services, (s) => s.ports.length > 0 && t.services.some((c) => c !== s && c.outbound.includes(serviceKey(s)) && admits(s, c)), a);
      if (!victim || t.services.length <= 2) return undefined;
      return { topology: without(t, new Set([serviceKey(victim)])), text: `delete service ${serviceKey(victim)}` };
    },
  },
  /** callee, caller: a new namespace `ev<n>-ns` arrives with one server, as in add-service (cross-namespace declarations). */
  'add-namespace': {
    arity: 2,
    transform: (t, serial, [b, c]) => arrive(t, newServer(`ev${serial}-ns`, serial), b, c, `add namespace ev${serial}-ns with service ev${serial}-ns/ev${serial}`),
  },
  /** the namespace: every service in it is deleted (the Namespace itself goes when nothing renders into it). */
  'remove-namespace': {
    arity: 1,
    transform: (t, _s, [a]) => {
      const ns = at(namespaces(t), a);
      const keys = new Set(t.services.filter((s) => s.namespace === ns).map(serviceKey));
      if (!ns || namespaces(t).length < 2 || t.services.length - keys.size < 2) return undefined;
      return { topology: without(t, keys), text: `delete namespace ${ns} (${[...keys].join(', ')})` };
    },
  },
  /** the server, how: renumber its first Service port, move its first target port, or add a port (remove the last when it has 3). */
  'change-ports': {
    arity: 2,
    transform: (t, _s, [a, how]) => {
      const s = at(servers(t), a);
      if (!s) return undefined;
      const key = serviceKey(s);
      const first = s.ports[0];
      const used = new Set(s.ports.flatMap((p) => [p.port, p.targetPort ?? p.port]));
      const free = (from: number) => {
        let n = from;
        while (used.has(n)) n++;
        return n;
      };
      let ports: TopologyPort[];
      let text: string;
      const renumber = new Map<number, number | undefined>();
      switch (how % 3) {
        case 0: {
          const port = free(first.port + 1);
          ports = [{ ...first, port }, ...s.ports.slice(1)];
          renumber.set(first.port, port);
          text = `change ${key} port ${first.name} ${first.port} -> ${port}`;
          break;
        }
        case 1: {
          const targetPort = free((first.targetPort ?? first.port) + 1);
          ports = [{ ...first, targetPort }, ...s.ports.slice(1)];
          text = `change ${key} port ${first.name} target ${first.targetPort ?? first.port} -> ${targetPort}`;
          break;
        }
        default: {
          if (s.ports.length >= 3) {
            const last = s.ports[s.ports.length - 1];
            ports = s.ports.slice(0, -1);
            renumber.set(last.port, undefined);
            text = `remove ${key} port ${last.name} (${last.port})`;
          } else {
            const port = free(9000);
            const name = `p${port}`;
            ports = [...s.ports, { name, port, targetPort: free(port + 100) }];
            text = `add ${key} port ${name} (${port})`;
          }
        }
      }
      const next = update(t, key, (x) => ({ ...x, ports }));
      const probes = next.probes.flatMap((p) => {
        if (p.to !== key || p.port === undefined || !renumber.has(p.port)) return [p];
        const port = renumber.get(p.port);
        return port === undefined ? [] : [{ ...p, port }];
      });
      return { topology: { ...next, probes }, text };
    },
  },
  /** the service, how many: its replicas become 1, 2 or 3. */
  'change-replicas': {
    arity: 2,
    transform: (t, _s, [a, n]) => {
      const s: Scalable | undefined = at(t.services, a);
      const replicas = 1 + (n % 3);
      if (!s || (s.replicas ?? 1) === replicas) return undefined;
      return { topology: update(t, serviceKey(s), (x): Scalable => ({ ...x, replicas })), text: `scale ${serviceKey(s)} to ${replicas} replicas` };
    },
  },
  /** the CedarPolicy of a topology that draws its Cedar set: enabled on or off (no-op for the implicit permit-all set). */
  'toggle-cedar-policy': {
    arity: 1,
    transform: (t: WithCedar, _s, [a]) => {
      const policies = t.cedar?.policies ?? [];
      const p = at(policies, a);
      if (!p) return undefined;
      return {
        topology: { ...t, cedar: { ...t.cedar, policies: policies.map((q) => (q === p ? { ...q, enabled: !q.enabled } : q)) } } as WithCedar,
        text: `${p.enabled ? 'disable' : 'enable'} CedarPolicy ${p.name}`,
      };
    },
  },
};

/**
 * `t` plus `s`, agreed both ways with an existing server it calls (pick `b`: `s` declares outbound, the
 * callee starts declaring inbound from `s`, so the callee's policies must change) and with an existing
 * caller (pick `c`: it starts declaring outbound to `s`, `s` declares inbound from it).
 */
function arrive(t: Topology, s: TopologyService, b: number, c: number, text: string): Change | undefined {
  const key = serviceKey(s);
  const callee = at(servers(t), b);
  const caller = at(t.services, c);
  let next: Topology = { ...t, services: [...t.services, { ...s, outbound: callee ? [serviceKey(callee)] : [], inbound: caller ? [serviceKey(caller)] : [] }] };
  if (callee) next = probed(update(next, serviceKey(callee), (x) => ({ ...x, inbound: [...x.inbound, key] })), key, serviceKey(callee));
  if (caller) next = probed(update(next, serviceKey(caller), (x) => ({ ...x, outbound: [...x.outbound, key] })), serviceKey(caller), key);
  return { topology: next, text };
}

/** The command names, in the order arbitraries are listed. */
export const EVOLUTION_COMMANDS = Object.keys(TRANSFORMS);

/**
 * Applies command `name` with `args` to `t` (pure). Undefined when it does not apply or would make
 * `t` invalid (validateTopology). Exposed for tests and for replaying a printed command list.
 */
export function applyCommand(name: string, args: readonly number[], t: Topology, serial: number): Change | undefined {
  const spec = TRANSFORMS[name];
  if (!spec) throw new Error(`unknown evolution command ${name}`);
  const change = spec.transform(t, serial, args);
  return change && validateTopology(change.topology).length === 0 ? change : undefined;
}

/** One command as fast-check runs it: `check` = the transform applies; `run` updates the model and steps the real case. */
export class TopologyCommand implements fc.AsyncCommand<EvolutionModel, EvolutionReal> {
  constructor(
    readonly name: string,
    readonly args: readonly number[],
  ) {}

  check(m: Readonly<EvolutionModel>): boolean {
    return applyCommand(this.name, this.args, m.topology, m.serial) !== undefined;
  }

  async run(m: EvolutionModel, r: EvolutionReal): Promise<void> {
    const change = applyCommand(this.name, this.args, m.topology, m.serial)!;
    m.topology = change.topology;
    m.serial++;
    await r.apply(change.topology, change.text);
  }

  toString(): string {
    return `${this.name}(${this.args.join(',')})`;
  }
}

/**
 * The commands evolving topologies draw from, one entry per draw weight: every command once, deletes
 * of a service twice (a delete is what leaks: policies, workloads and names left behind), and no
 * `toggle-cedar-policy`, which applies only to topologies that draw a Cedar set (evolving topologies do
 * not: random-evolution.ts EVOLUTION_TOPOLOGY).
 */
export const DEFAULT_COMMAND_MIX: readonly string[] = [...EVOLUTION_COMMANDS.filter((n) => n !== 'toggle-cedar-policy'), 'remove-service'];

/**
 * One arbitrary per entry of `names` (a name listed twice is drawn twice as often); each command's
 * integers are in 0..63 and its picks wrap modulo the candidates.
 */
export function evolutionCommandArbitraries(names: readonly string[] = DEFAULT_COMMAND_MIX): fc.Arbitrary<TopologyCommand>[] {
  return names.map((name) => {
    const spec = TRANSFORMS[name];
    if (!spec) throw new Error(`unknown evolution command ${name}`);
    return fc.array(fc.nat(63), { minLength: spec.arity, maxLength: spec.arity }).map((args) => new TopologyCommand(name, args));
  });
}
