/**
 * The external-egress rule of the oracle (DESIGN rule 1: declarations only): what a probe from a
 * service to a host outside the cluster (an FQDN or an IPv4 address, `externalProbeKey`) must observe.
 * A caller reaches an external host on a TCP port iff it declares an egress rule (LMM `spec.egress`,
 * reference §1.2, §4.5b/d) whose target covers the host — the FQDN itself (a `matchName`, not its
 * subdomains or siblings), or a CIDR containing the address — on that port. Everything else is denied:
 * the platform compiles no other path out of the cluster (reference §4.5b: the member's CNP holds DNS,
 * peer and spec egress rules; the cluster `default-deny` allows DNS only).
 */
import type { ExpectedProbe } from '../harness/verifier/expected-probe.ts';
import type { TopologyEgress, TopologyService } from './topology.ts';

/** The reasons of the external-egress rule. */
export const EXTERNAL_REASONS = {
  declared: 'external egress: the caller declares an egress rule covering this host and port (reference §4.5b/d)',
  otherPort: 'external egress: the caller declares this host on another port only',
  undeclared: 'external egress: no egress rule of the caller covers this host',
} as const;

/** The 32-bit value of a dotted-quad IPv4 address, or undefined when `s` is not one. */
export function ipv4Value(s: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const octets = m.slice(1).map(Number);
  return octets.some((o) => o > 255) ? undefined : octets.reduce((v, o) => v * 256 + o, 0);
}

/** The dotted-quad form of a 32-bit value. */
export const ipv4Text = (v: number): string => [24, 16, 8, 0].map((shift) => Math.floor(v / 2 ** shift) % 256).join('.');

/** First address and size of an IPv4 CIDR `a.b.c.d/n`, or undefined when malformed. */
export function cidrRange(cidr: string): { first: number; size: number } | undefined {
  const [address, bits] = cidr.split('/');
  const value = ipv4Value(address);
  const n = Number(bits);
  if (value === undefined || !Number.isInteger(n) || n < 0 || n > 32) return undefined;
  const size = 2 ** (32 - n);
  return { first: Math.floor(value / size) * size, size };
}

/** True when egress rule `e` covers host `host` (its FQDN exactly, or an address inside its CIDR). */
export function egressCovers(e: TopologyEgress, host: string): boolean {
  if (e.fqdn !== undefined) return e.fqdn === host;
  const range = e.cidr !== undefined ? cidrRange(e.cidr) : undefined;
  const value = ipv4Value(host);
  return range !== undefined && value !== undefined && value >= range.first && value < range.first + range.size;
}

/** The expected verdict of a probe from `caller` to external `host` on TCP `port` (see the module comment). Never throws. */
export function expectExternal(caller: TopologyService, host: string, port: number): Pick<ExpectedProbe, 'expected' | 'reason'> {
  const covering = (caller.egress ?? []).filter((e) => egressCovers(e, host));
  if (covering.some((e) => e.port === port)) return { expected: 'allow', reason: EXTERNAL_REASONS.declared };
  return { expected: 'deny', reason: covering.length > 0 ? EXTERNAL_REASONS.otherPort : EXTERNAL_REASONS.undeclared };
}
