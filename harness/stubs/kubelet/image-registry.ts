/**
 * The registry the simulated kubelet pulls from: which image references do not exist, and the error
 * containerd gives for them (kubelet `ErrImagePull`, then `ImagePullBackOff`). Deterministic and
 * deliberately narrow, so a manifest that works on a real cluster never fails here: only Docker Hub
 * official images of {@link OFFICIAL_IMAGES} are judged, by the shape of their tags (`latest`; a
 * version such as `1.27`, `v2.1.0`, `3.12-alpine`, `16-bookworm`; or variant words alone such as
 * `alpine`, `stable-slim`). Any other tag of those images is missing (`nginx:does-not-exist`,
 * `busybox:nonexistent`); every other image (other namespaces, other registries, digests) exists.
 * Error text: containerd's `failed to resolve reference … not found` under the CRI's
 * `rpc error: code = NotFound`.
 */

/** Docker Hub official images (library/…) whose tags are judged. */
export const OFFICIAL_IMAGES: ReadonlySet<string> = new Set([
  'alpine', 'busybox', 'debian', 'ubuntu', 'centos', 'fedora', 'nginx', 'httpd', 'redis', 'memcached', 'postgres', 'mysql',
  'mariadb', 'mongo', 'rabbitmq', 'python', 'node', 'golang', 'openjdk', 'eclipse-temurin', 'ruby', 'php', 'perl', 'rust',
  'traefik', 'haproxy', 'caddy', 'elasticsearch', 'kibana', 'logstash', 'cassandra', 'consul', 'vault', 'registry',
  'wordpress', 'ghost', 'tomcat', 'jenkins', 'nextcloud', 'influxdb', 'telegraf', 'zookeeper', 'amazonlinux', 'rockylinux',
]);

/** Words official images use for variants in their tags. */
const VARIANTS = new Set([
  'latest', 'stable', 'mainline', 'alpine', 'slim', 'bookworm', 'bullseye', 'buster', 'trixie', 'jammy', 'focal', 'noble',
  'perl', 'otel', 'musl', 'glibc', 'uclibc', 'lts', 'current', 'edge', 'jdk', 'jre', 'management', 'fpm', 'apache', 'cli',
  'zts', 'windowsservercore', 'nanoserver', 'oraclelinux', 'ubi', 'oracle', 'minimal', 'full', 'rc', 'beta', 'alpha',
  // distributions, JDK vendors and build flavours in real tags (`mysql:8.0-debian`, `tomcat:10.1-jdk17-temurin`,
  // `wordpress:6.4-php8.2-apache`, `caddy:2-builder`, `python:3.12-windowsservercore-ltsc2022`, `centos:centos7`)
  'debian', 'temurin', 'corretto', 'php', 'builder', 'ltsc', 'servercore', 'centos', 'stream', 'rawhide', 'bionic',
  'xenial', 'mantic', 'lunar', 'kinetic', 'sid', 'community', 'enterprise', 'dind', 'rootless', 'git', 'nonroot', 'debug',
  // Node.js LTS codenames (`node:iron`, `node:hydrogen-alpine`)
  'argon', 'boron', 'carbon', 'dubnium', 'erbium', 'fermium', 'gallium', 'hydrogen', 'iron', 'jod',
]);

/** One tag part: a variant word, optionally with its version (`alpine3.20`, `ltsc2022`). */
const variantPart = (part: string): boolean => {
  const word = /^[a-z]+/.exec(part)?.[0];
  return word !== undefined && VARIANTS.has(word) && /^[a-z]+[\d.]*$/.test(part);
};

/** Whether `tag` has the shape of an official image's tag (see the module docstring). */
export function officialTagShape(tag: string): boolean {
  const parts = tag.split('-');
  const first = parts[0]!;
  const version = /^v?\d+([._]\d+)*([a-z]+\d*)?$/.test(first);
  if (!version && !variantPart(first)) return false;
  return parts.slice(1).every((p) => variantPart(p) || /^\d+(\.\d+)*$/.test(p));
}

/** The fully qualified reference containerd resolves (`nginx:1.27` → `docker.io/library/nginx:1.27`), or undefined for a digest reference. */
function qualified(image: string): { ref: string; official: string | undefined; tag: string } | undefined {
  if (image.includes('@')) return undefined;
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  const name = colon > slash ? image.slice(0, colon) : image;
  const tag = colon > slash ? image.slice(colon + 1) : 'latest';
  const parts = name.split('/');
  const hasRegistry = parts.length > 1 && (parts[0]!.includes('.') || parts[0]!.includes(':') || parts[0] === 'localhost');
  const path = hasRegistry ? parts.slice(1) : parts;
  const registry = hasRegistry ? parts[0]! : 'docker.io';
  const repo = registry === 'docker.io' && path.length === 1 ? `library/${path[0]}` : path.join('/');
  const official = registry === 'docker.io' && repo.startsWith('library/') && path.length <= 2 ? repo.slice('library/'.length) : undefined;
  return { ref: `${registry}/${repo}:${tag}`, official, tag };
}

/** The pull error of `image` (the CRI error message the kubelet reports), or undefined when the registry has it. */
export function imagePullError(image: string): string | undefined {
  const q = qualified(image);
  if (!q?.official || !OFFICIAL_IMAGES.has(q.official) || officialTagShape(q.tag)) return undefined;
  return `rpc error: code = NotFound desc = failed to pull and unpack image "${q.ref}": failed to resolve reference "${q.ref}": ${q.ref}: not found`;
}
