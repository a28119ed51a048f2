/**
 * IP addresses and CIDR prefixes for the CEL `ip()` / `cidr()` libraries (Kubernetes:
 * k8s.io/apiserver/pkg/cel/library/ip.go and cidr.go, which parse with Go's net/netip): no
 * leading zeros in IPv4 octets, no zones, IPv4-mapped IPv6 refused; canonical text per RFC 5952.
 * Addresses are bigints (32 or 128 bits) with their family.
 */

/** An address: family 4 or 6 and its value. */
export interface IpAddr {
  readonly family: 4 | 6;
  readonly value: bigint;
}

/** A prefix: the address as written and the prefix length. */
export interface Cidr {
  readonly addr: IpAddr;
  readonly bits: number;
}

const bitsOf = (family: 4 | 6) => (family === 4 ? 32 : 128);

function parseV4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let v = 0n;
  for (const p of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255) return undefined;
    v = (v << 8n) | BigInt(p);
  }
  return v;
}

function parseV6(s: string): bigint | undefined {
  if (s.includes('%')) return undefined;
  let head = s;
  let v4tail: bigint | undefined;
  const lastColon = s.lastIndexOf(':');
  if (s.slice(lastColon + 1).includes('.')) {
    v4tail = parseV4(s.slice(lastColon + 1));
    if (v4tail === undefined) return undefined;
    head = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const group = (x: string) => (x === '' ? [] : x.split(':'));
  const left = group(halves[0]);
  const right = halves.length === 2 ? group(halves[1]) : [];
  const missing = 8 - left.length - right.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...left, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...right];
  let v = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    v = (v << 16n) | BigInt(`0x${g}`);
  }
  if (v4tail !== undefined) v = (v & ~0xffffffffn) | v4tail;
  return v;
}

/**
 * Parses an IPv4 or IPv6 address.
 * @throws Error `IP Address "<s>" parse error during conversion from string: …` as upstream does.
 */
export function parseIp(s: string): IpAddr {
  const v4 = parseV4(s);
  if (v4 !== undefined) return { family: 4, value: v4 };
  const v6 = s.includes(':') ? parseV6(s) : undefined;
  if (v6 === undefined) throw new Error(`IP Address ${JSON.stringify(s)} parse error during conversion from string: ParseAddr(${JSON.stringify(s)}): unable to parse IP`);
  if (v6 >> 32n === 0xffffn) throw new Error('IPv4-mapped IPv6 address is not allowed');
  return { family: 6, value: v6 };
}

/** True when `s` parses as an address. */
export function isIp(s: string): boolean {
  try {
    parseIp(s);
    return true;
  } catch {
    return false;
  }
}

/** Canonical text: dotted IPv4, or RFC 5952 IPv6 (lower case, longest zero run as `::`). */
export function formatIp(ip: IpAddr): string {
  if (ip.family === 4) return [24n, 16n, 8n, 0n].map((sh) => String((ip.value >> sh) & 0xffn)).join('.');
  const groups = Array.from({ length: 8 }, (_, i) => Number((ip.value >> BigInt(112 - 16 * i)) & 0xffffn));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/**
 * Parses `addr/bits`.
 * @throws Error `network address parse error during conversion from string: …` when malformed.
 */
export function parseCidr(s: string): Cidr {
  const slash = s.indexOf('/');
  const bad = () => new Error(`network address parse error during conversion from string: netip.ParsePrefix(${JSON.stringify(s)}): invalid prefix`);
  if (slash < 0) throw bad();
  const bitsText = s.slice(slash + 1);
  let addr: IpAddr;
  try {
    addr = parseIp(s.slice(0, slash));
  } catch {
    throw bad();
  }
  if (!/^(0|[1-9]\d{0,2})$/.test(bitsText) || Number(bitsText) > bitsOf(addr.family)) throw bad();
  return { addr, bits: Number(bitsText) };
}

/** True when `s` parses as a prefix. */
export function isCidr(s: string): boolean {
  try {
    parseCidr(s);
    return true;
  } catch {
    return false;
  }
}

/** The prefix with host bits cleared. */
export function maskedCidr(c: Cidr): Cidr {
  const width = BigInt(bitsOf(c.addr.family));
  const host = width - BigInt(c.bits);
  const mask = ((1n << width) - 1n) ^ ((1n << host) - 1n);
  return { addr: { family: c.addr.family, value: c.addr.value & mask }, bits: c.bits };
}

/** True when the prefix contains the address (same family only). */
export function cidrContainsIp(c: Cidr, ip: IpAddr): boolean {
  if (c.addr.family !== ip.family) return false;
  return maskedCidr(c).addr.value === maskedCidr({ addr: ip, bits: c.bits }).addr.value;
}

/** True when `outer` contains every address of `inner`. */
export function cidrContainsCidr(outer: Cidr, inner: Cidr): boolean {
  return inner.bits >= outer.bits && cidrContainsIp(outer, inner.addr);
}

/** Canonical text of a prefix (`addr/bits`, address as written, canonicalised). */
export function formatCidr(c: Cidr): string {
  return `${formatIp(c.addr)}/${c.bits}`;
}

const inPrefix = (ip: IpAddr, text: string) => cidrContainsIp(parseCidr(text), ip);

/** Address classes of Go's netip (IsLoopback, IsUnspecified, IsLinkLocalUnicast, …). */
export const ipClass = {
  unspecified: (ip: IpAddr) => ip.value === 0n,
  loopback: (ip: IpAddr) => (ip.family === 4 ? inPrefix(ip, '127.0.0.0/8') : ip.value === 1n),
  linkLocalMulticast: (ip: IpAddr) => (ip.family === 4 ? inPrefix(ip, '224.0.0.0/24') : inPrefix(ip, 'ff02::/16')),
  linkLocalUnicast: (ip: IpAddr) => (ip.family === 4 ? inPrefix(ip, '169.254.0.0/16') : inPrefix(ip, 'fe80::/10')),
  globalUnicast: (ip: IpAddr) =>
    !ipClass.unspecified(ip) &&
    !ipClass.loopback(ip) &&
    !ipClass.linkLocalUnicast(ip) &&
    !(ip.family === 4 ? inPrefix(ip, '224.0.0.0/4') || ip.value === 0xffffffffn : inPrefix(ip, 'ff00::/8')),
};
