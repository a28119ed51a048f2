/**
 * The tar archive format (POSIX.1-2001 ustar with pax extended headers; the GNU `L` long-name
 * header on reading), for the `tar` the simulated containers run under `kubectl cp`: kubectl 1.35
 * execs `tar cf - <path>` to copy from a pod and `tar -xmf - -C <dir>` to copy into one, and
 * reads / writes the stream with Go's archive/tar (ustar, pax for long names).
 *
 * Written archives hold directories and regular files (mode, size, mtime, uid/gid 0, `root`),
 * names without the leading `/` (as GNU and busybox tar strip it), a pax header for names that
 * do not fit ustar's name/prefix split, and end with two zero blocks. Read archives yield
 * directories and regular files; symlinks, hard links and devices are reported as `other`.
 */

/** One archive member. */
export interface TarEntry {
  name: string;
  type: 'file' | 'dir' | 'other';
  mode: number;
  data: Buffer;
  /** @unit seconds since the epoch */
  mtime: number;
}

const BLOCK = 512;

function octal(n: number, width: number): string {
  return `${n.toString(8).padStart(width - 1, '0')}\0`;
}

function header(name: string, type: string, size: number, mode: number, mtime: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  let prefix = '';
  let short = name;
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf('/', 155);
    if (cut > 0 && Buffer.byteLength(name.slice(cut + 1)) <= 100) {
      prefix = name.slice(0, cut);
      short = name.slice(cut + 1);
    }
  }
  h.write(short.slice(0, 100), 0, 100, 'utf8');
  h.write(octal(mode & 0o7777, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii');
  h.write(octal(0, 8), 116, 'ascii');
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(mtime, 12), 136, 'ascii');
  h.write('        ', 148, 'ascii');
  h.write(type, 156, 'ascii');
  h.write('ustar\x0000', 257, 'binary');
  h.write('root', 265, 'ascii');
  h.write('root', 297, 'ascii');
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return h;
}

const pad = (n: number) => Buffer.alloc((BLOCK - (n % BLOCK)) % BLOCK);

/** A pax record `"<len> path=<name>\n"` (its length counts itself). */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body) + 1;
  while (String(len).length + Buffer.byteLength(body) !== len) len = String(len).length + Buffer.byteLength(body);
  return `${len}${body}`;
}

/** The archive of `entries` (directory names get a trailing `/`). */
export function writeTar(entries: TarEntry[]): Buffer {
  const out: Buffer[] = [];
  for (const e of entries) {
    const name = e.type === 'dir' && !e.name.endsWith('/') ? `${e.name}/` : e.name;
    const size = e.type === 'file' ? e.data.length : 0;
    const fits = Buffer.byteLength(name) <= 100 || (name.lastIndexOf('/', 155) > 0 && Buffer.byteLength(name.slice(name.lastIndexOf('/', 155) + 1)) <= 100);
    if (!fits) {
      const pax = Buffer.from(paxRecord('path', name));
      out.push(header(`PaxHeaders/${name.slice(-80)}`, 'x', pax.length, 0o644, e.mtime), pax, pad(pax.length));
    }
    out.push(header(name, e.type === 'dir' ? '5' : '0', size, e.mode, e.mtime));
    if (size) out.push(e.data, pad(size));
  }
  out.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(out);
}

const field = (b: Buffer, at: number, len: number) => {
  const s = b.subarray(at, at + len);
  const end = s.indexOf(0);
  return s.subarray(0, end < 0 ? len : end).toString('utf8');
};
const num = (b: Buffer, at: number, len: number) => parseInt(field(b, at, len).trim() || '0', 8);

/** The members of a tar archive, in order. @throws Error on a truncated archive or a bad header checksum */
export function readTar(tar: Buffer): TarEntry[] {
  const out: TarEntry[] = [];
  let longName: string | undefined;
  for (let at = 0; at + BLOCK <= tar.length; ) {
    const h = tar.subarray(at, at + BLOCK);
    if (h.every((b) => b === 0)) break;
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
    if (sum !== num(h, 148, 8)) throw new Error('archive/tar: invalid tar header');
    const size = num(h, 124, 12);
    const type = String.fromCharCode(h[156]!) || '0';
    const data = tar.subarray(at + BLOCK, at + BLOCK + size);
    if (data.length < size) throw new Error('unexpected EOF');
    at += BLOCK + size + ((BLOCK - (size % BLOCK)) % BLOCK);
    if (type === 'x') {
      const m = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(data.toString('utf8'));
      if (m) longName = m[1];
      continue;
    }
    if (type === 'L') {
      longName = field(data, 0, data.length);
      continue;
    }
    if (type === 'g') continue;
    const prefix = field(h, 345, 155);
    const name = longName ?? (prefix ? `${prefix}/${field(h, 0, 100)}` : field(h, 0, 100));
    longName = undefined;
    const kind = type === '0' || type === '\0' || type === '7' ? 'file' : type === '5' ? 'dir' : 'other';
    out.push({ name, type: kind, mode: num(h, 100, 8), data: Buffer.from(data), mtime: num(h, 136, 12) });
  }
  return out;
}
