/**
 * IPv4 address helpers shared by the Cilium (CIDR peers) and ztunnel (ipBlocks) models. Pure functions;
 * IPv6 is not modelled (see the README's Not modelled list).
 */

function ipToInt(ip: string): number | null {
  const m = ip.match(/^(\d+)\.(\d+)\.(\d+)\.(\d+)$/);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return null;
  return ((parts[0] << 24) >>> 0) + (parts[1] << 16) + (parts[2] << 8) + parts[3];
}

/** True when IPv4 `ip` is inside `block` (`a.b.c.d/len` or a bare address). Non-IPv4 inputs compare exactly. */
export function ipInBlock(ip: string, block: string): boolean {
  const [addr, lenText] = block.split('/');
  const a = ipToInt(ip);
  const b = ipToInt(addr);
  if (a === null || b === null) return ip === block;
  const len = lenText === undefined ? 32 : Number(lenText);
  if (!(len >= 0 && len <= 32)) return false;
  const mask = len === 0 ? 0 : (~0 << (32 - len)) >>> 0;
  return ((a & mask) >>> 0) === ((b & mask) >>> 0);
}
