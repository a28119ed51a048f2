/**
 * The filesystem a process exec'd into a simulated container sees (`kubectl exec … -- cat`, `ls`,
 * `kubectl cp`): a busybox-like image (the usual top-level directories), the files the kubelet
 * writes into every container, the container's volume mounts, and a writable layer.
 *
 * - `/etc/hostname` (the pod's hostname), `/etc/hosts` (the kubelet's managed hosts file: localhost
 *   and IPv6 lines, the pod IP with its hostname — `<hostname>.<subdomain>.<ns>.svc.cluster.local`
 *   first when `subdomain` is set — and `hostAliases` under `# Entries added by HostAliases.`),
 *   `/etc/resolv.conf` (dnsPolicy ClusterFirst: `search <ns>.svc.cluster.local svc.cluster.local
 *   cluster.local`, `nameserver 10.96.0.10`, `options ndots:5`, merged with `dnsConfig`; `None`:
 *   `dnsConfig` alone).
 * - The service-account volume (unless `automountServiceAccountToken: false`) at
 *   `/var/run/secrets/kubernetes.io/serviceaccount`: `token` (a bound token of the pod's service
 *   account, `fake-apiserver/virtual` tokens), `ca.crt` (the namespace's `kube-root-ca.crt`
 *   ConfigMap when it exists, else a placeholder certificate), `namespace`.
 * - Volume mounts of ConfigMap, Secret, projected (ConfigMap, Secret, serviceAccountToken,
 *   downwardAPI sources) and downwardAPI volumes: one file per key (or per `items` entry at its
 *   `path`) under `mountPath`, a `subPath` mount the one file or directory it names. They are
 *   read-only (`Read-only file system`). The kubelet's `..data` symlinks are not modelled: the files
 *   are plain files, so `kubectl cp` copies them. `emptyDir` mounts are directories of the writable layer.
 * - The writable layer: files and directories written by exec'd processes (`tar x`, `mkdir`,
 *   `touch`, `>` redirections), per container instance; a restarted container starts without them.
 */
import type { KubeObject } from '../../../fake-apiserver/api/index.ts';
import { configKeys, configValue, podFieldValue } from './container-env.ts';

/** What the filesystem reads from the cluster. */
export interface FsSources {
  pod: KubeObject;
  /** A ConfigMap or Secret of the pod's namespace, or undefined. */
  lookup(kind: 'ConfigMap' | 'Secret', name: string): KubeObject | undefined;
  /** A bound token of the pod's service account with these audiences and lifetime, or undefined when it has none. */
  token(audiences: string[], expirationSeconds: number): string | undefined;
}

/** A node of the filesystem: a directory or a file with its bytes and mode. */
export type FsNode = { dir: true; mode: number } | { dir: false; data: Buffer; mode: number };

/** Thrown by writes to a read-only mount or impossible paths; `code` as errno (`EROFS`, `ENOENT`, `ENOTDIR`, `EISDIR`). */
export class FsError extends Error {
  constructor(readonly code: 'EROFS' | 'ENOENT' | 'ENOTDIR' | 'EISDIR' | 'ENOTEMPTY') {
    super(code);
  }
}

/** The busybox image's top-level layout. */
const IMAGE_DIRS = ['/bin', '/dev', '/etc', '/home', '/lib', '/proc', '/root', '/sys', '/tmp', '/usr', '/usr/bin', '/usr/sbin', '/var', '/var/run', '/var/spool', '/var/www'];
const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/** kube-dns's address in kubeadm's default service range. */
export const CLUSTER_DNS_IP = '10.96.0.10';
const PLACEHOLDER_CA = `-----BEGIN CERTIFICATE-----\n${Buffer.from('lattice-sim: no cluster CA is published (no kube-root-ca.crt ConfigMap in this namespace)').toString('base64')}\n-----END CERTIFICATE-----\n`;

/** `path` normalized: absolute (relative to `/`), `.` and `..` resolved, no trailing slash. */
export function normalizePath(path: string, cwd = '/'): string {
  const parts: string[] = [];
  for (const p of (path.startsWith('/') ? path : `${cwd}/${path}`).split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') parts.pop();
    else parts.push(p);
  }
  return `/${parts.join('/')}`;
}

const parent = (p: string) => (p === '/' ? '/' : p.slice(0, p.lastIndexOf('/')) || '/');

/** The files of one volume (relative path → bytes), or undefined for a volume kind that has no files here. */
function volumeFiles(vol: Record<string, unknown>, src: FsSources): Map<string, Buffer> | undefined {
  const out = new Map<string, Buffer>();
  type Items = { key?: string; path: string; fieldRef?: { fieldPath?: string } }[] | undefined;
  const project = (obj: KubeObject | undefined, items: Items) => {
    if (!obj) return;
    if (items?.length) {
      for (const it of items) {
        const v = configValue(obj, it.key ?? '');
        if (v !== undefined) out.set(it.path, Buffer.from(v));
      }
    } else for (const k of configKeys(obj)) out.set(k, Buffer.from(configValue(obj, k) ?? ''));
  };
  const downward = (items: Items) => {
    for (const it of items ?? []) {
      const v = it.fieldRef?.fieldPath ? podFieldValue(src.pod, it.fieldRef.fieldPath) : undefined;
      if (v !== undefined) out.set(it.path, Buffer.from(v));
    }
  };
  const cm = vol.configMap as { name?: string; items?: Items } | undefined;
  const secret = vol.secret as { secretName?: string; items?: Items } | undefined;
  const projected = vol.projected as { sources?: Record<string, unknown>[] } | undefined;
  const dapi = vol.downwardAPI as { items?: Items } | undefined;
  if (cm) project(src.lookup('ConfigMap', cm.name ?? ''), cm.items);
  else if (secret) project(src.lookup('Secret', secret.secretName ?? ''), secret.items);
  else if (dapi) downward(dapi.items);
  else if (projected) {
    for (const s of projected.sources ?? []) {
      const pc = s.configMap as { name?: string; items?: Items } | undefined;
      const ps = s.secret as { name?: string; items?: Items } | undefined;
      const tok = s.serviceAccountToken as { path?: string; audience?: string; expirationSeconds?: number } | undefined;
      if (pc) project(src.lookup('ConfigMap', pc.name ?? ''), pc.items);
      if (ps) project(src.lookup('Secret', ps.name ?? ''), ps.items);
      if (s.downwardAPI) downward((s.downwardAPI as { items?: Items }).items);
      if (tok?.path) {
        const t = src.token(tok.audience ? [tok.audience] : [], tok.expirationSeconds ?? 3600);
        if (t) out.set(tok.path, Buffer.from(t));
      }
    }
  } else return undefined;
  return out;
}

/** The managed `/etc/hosts` (kubelet `managedHostsFileContent`). */
function hostsFile(pod: KubeObject, hostname: string): string {
  const ip = (pod.status?.podIP as string | undefined) ?? '';
  const sub = pod.spec?.subdomain as string | undefined;
  const ns = pod.metadata.namespace ?? 'default';
  let s = '# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n';
  if (ip) s += sub ? `${ip}\t${hostname}.${sub}.${ns}.svc.cluster.local\t${hostname}\n` : `${ip}\t${hostname}\n`;
  const aliases = (pod.spec?.hostAliases ?? []) as { ip: string; hostnames?: string[] }[];
  if (aliases.length) {
    s += '\n# Entries added by HostAliases.\n';
    for (const a of aliases) s += `${a.ip}\t${(a.hostnames ?? []).join('\t')}\n`;
  }
  return s;
}

/** `/etc/resolv.conf` as containerd writes it from the kubelet's DNS config (search, nameserver, options). */
function resolvConf(pod: KubeObject): string {
  const ns = pod.metadata.namespace ?? 'default';
  const policy = (pod.spec?.dnsPolicy as string | undefined) ?? 'ClusterFirst';
  const cfg = (pod.spec?.dnsConfig ?? {}) as { nameservers?: string[]; searches?: string[]; options?: { name: string; value?: string }[] };
  const clusterFirst = policy === 'ClusterFirst' || policy === 'ClusterFirstWithHostNet';
  const search = [...(clusterFirst ? [`${ns}.svc.cluster.local`, 'svc.cluster.local', 'cluster.local'] : []), ...(cfg.searches ?? [])];
  const servers = [...(clusterFirst ? [CLUSTER_DNS_IP] : []), ...(cfg.nameservers ?? [])];
  const options = new Map<string, string | undefined>(clusterFirst ? [['ndots', '5']] : []);
  for (const o of cfg.options ?? []) options.set(o.name, o.value);
  let s = '';
  if (search.length) s += `search ${search.join(' ')}\n`;
  for (const n of servers) s += `nameserver ${n}\n`;
  if (options.size) s += `options ${[...options].map(([k, v]) => (v === undefined ? k : `${k}:${v}`)).join(' ')}\n`;
  return s;
}

/** One container instance's filesystem. Built per exec from the pod as it is now, over its writable `layer`. */
export class ContainerFs {
  /** Read-only files and the directories leading to them, by absolute path. */
  private readonly base = new Map<string, FsNode>();
  /** Mount points of read-only volumes (writes below them fail). */
  private readonly readOnly: string[] = [];

  /**
   * @param container the container spec (its `volumeMounts`)
   * @param hostname the pod's hostname
   * @param layer the writable layer of this container instance (kept by the caller across execs); `null` marks a path deleted
   */
  constructor(src: FsSources, container: { volumeMounts?: unknown }, hostname: string, private readonly layer: Map<string, FsNode | null>) {
    const pod = src.pod;
    this.mkdirs('/');
    for (const d of IMAGE_DIRS) this.mkdirs(d);
    this.file('/etc/hostname', `${hostname}\n`);
    this.file('/etc/hosts', hostsFile(pod, hostname));
    this.file('/etc/resolv.conf', resolvConf(pod));
    this.file('/etc/passwd', 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n');
    const volumes = new Map(((pod.spec?.volumes ?? []) as Record<string, unknown>[]).map((v) => [v.name as string, v]));
    const mounts = Array.isArray(container.volumeMounts) ? (container.volumeMounts as { name: string; mountPath: string; subPath?: string }[]) : [];
    if (pod.spec?.automountServiceAccountToken !== false && !mounts.some((m) => normalizePath(m.mountPath) === SERVICE_ACCOUNT_DIR)) {
      const ns = pod.metadata.namespace ?? 'default';
      const token = src.token([], 3607);
      if (token) this.file(`${SERVICE_ACCOUNT_DIR}/token`, token);
      this.file(`${SERVICE_ACCOUNT_DIR}/ca.crt`, configValue(src.lookup('ConfigMap', 'kube-root-ca.crt'), 'ca.crt') ?? PLACEHOLDER_CA);
      this.file(`${SERVICE_ACCOUNT_DIR}/namespace`, ns);
      this.readOnly.push(SERVICE_ACCOUNT_DIR);
    }
    for (const m of mounts) {
      const vol = volumes.get(m.name);
      const at = normalizePath(m.mountPath);
      this.mkdirs(m.subPath ? parent(at) : at);
      const files = vol ? volumeFiles(vol, src) : undefined;
      if (!files) continue; // emptyDir, hostPath, PVCs …: a directory of the writable layer
      this.readOnly.push(at);
      const sub = m.subPath ? normalizePath(m.subPath).slice(1) : '';
      if (sub && files.has(sub)) {
        this.file(at, files.get(sub)!);
        continue;
      }
      this.mkdirs(at);
      for (const [rel, data] of files) {
        if (sub && !rel.startsWith(`${sub}/`)) continue;
        this.file(normalizePath(sub ? rel.slice(sub.length + 1) : rel, at), data);
      }
    }
  }

  private mkdirs(path: string): void {
    for (let p = path; ; p = parent(p)) {
      if (!this.base.has(p)) this.base.set(p, { dir: true, mode: 0o755 });
      if (p === '/') break;
    }
  }

  private file(path: string, data: string | Buffer): void {
    this.mkdirs(parent(path));
    this.base.set(path, { dir: false, data: Buffer.from(data), mode: 0o644 });
  }

  /** The node at an absolute normalized `path`, or undefined. */
  stat(path: string): FsNode | undefined {
    const l = this.layer.get(path);
    if (l !== undefined) return l ?? undefined;
    for (let p = parent(path); p !== '/'; p = parent(p)) if (this.layer.get(p) === null) return undefined;
    return this.base.get(path);
  }

  /** Names directly under directory `path`, sorted (byte order). */
  list(path: string): string[] {
    const prefix = path === '/' ? '/' : `${path}/`;
    const names = new Set<string>();
    const add = (p: string) => {
      if (p.startsWith(prefix) && p !== '/' && !p.slice(prefix.length).includes('/') && this.stat(p)) names.add(p.slice(prefix.length));
    };
    for (const p of this.base.keys()) add(p);
    for (const p of this.layer.keys()) add(p);
    return [...names].sort();
  }

  /** Every path under `path` (itself first), depth first in name order: what `tar c` walks. */
  walk(path: string): string[] {
    const node = this.stat(path);
    if (!node) return [];
    if (!node.dir) return [path];
    return [path, ...this.list(path).flatMap((n) => this.walk(path === '/' ? `/${n}` : `${path}/${n}`))];
  }

  private writable(path: string): void {
    if (this.readOnly.some((r) => path === r || path.startsWith(`${r}/`))) throw new FsError('EROFS');
    const dir = this.stat(parent(path));
    if (!dir) throw new FsError('ENOENT');
    if (!dir.dir) throw new FsError('ENOTDIR');
  }

  /** Writes (or with `append`, extends) a regular file. @throws FsError EROFS / ENOENT / ENOTDIR / EISDIR */
  write(path: string, data: Buffer, opts: { append?: boolean; mode?: number } = {}): void {
    this.writable(path);
    const old = this.stat(path);
    if (old?.dir) throw new FsError('EISDIR');
    const bytes = opts.append && old && !old.dir ? Buffer.concat([old.data, data]) : data;
    this.layer.set(path, { dir: false, data: bytes, mode: opts.mode ?? (old && !old.dir ? old.mode : 0o644) });
  }

  /** Creates a directory (with `parents`, the missing ones above it too; an existing one is fine then). @throws FsError */
  mkdir(path: string, parents = false): void {
    if (path === '/') return;
    const node = this.stat(path);
    if (node) {
      if (parents && node.dir) return;
      throw new FsError(node.dir ? 'EISDIR' : 'ENOTDIR');
    }
    if (parents && !this.stat(parent(path))) this.mkdir(parent(path), true);
    this.writable(path);
    this.layer.set(path, { dir: true, mode: 0o755 });
  }

  /** Removes a file, or with `recursive` a directory tree. @throws FsError */
  remove(path: string, recursive = false): void {
    const node = this.stat(path);
    if (!node) throw new FsError('ENOENT');
    if (node.dir && !recursive) throw new FsError('EISDIR');
    this.writable(path);
    for (const p of this.walk(path).reverse()) {
      if (this.base.has(p)) this.layer.set(p, null);
      else this.layer.delete(p);
    }
  }
}
