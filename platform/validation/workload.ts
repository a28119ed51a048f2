/**
 * Validation of the workload spec every Lattice workload CRD shares (containers, sidecars, service
 * ports, resources), as the reference does it (evan-hines-js/lattice 08fbacb0,
 * crates/lattice-crd/src/crd/workload/). Pure functions: `(spec, path) → problems[]`, every problem
 * naming the field it is about and worded as the reference words it. The reference stops at its first
 * error; these return every problem in the reference's checking order, so `problems[0]` is the one the
 * reference reports. Maps are visited in sorted key order (the reference's `BTreeMap`).
 */
import type { ContainerSpec, FileMount, LatticeServiceSpec, ResourceRequirements, ServicePortsSpec, SidecarSpec, WorkloadSpec } from '../crds/types.ts';
import type { ValidationProblem } from './problems.ts';
import { dnsLabelProblem, dnsSubdomainProblem, keySegment, sortedKeys } from './problems.ts';

/** Characters an image reference may not contain (container.rs:493: shell injection). */
const SHELL_METACHARACTERS = new Set(['`', '|', ';', '&', '$', '>', '<', '(', ')', '{', '}']);

/** Whitespace or control characters (Rust `char::is_whitespace` / `is_control`). */
const hasWhitespaceOrControl = (s: string): boolean => /[\s\p{Cc}]/u.test(s);

/** Rust `str::parse::<u64>()`: optional `+`, ASCII digits, within u64. */
const parsesAsU64 = (s: string): boolean => /^\+?[0-9]+$/.test(s) && BigInt(s.replace(/^\+/, '')) <= 18446744073709551615n;
/** Rust `str::parse::<f64>()`: decimal or exponent form with an optional sign, or inf / infinity / nan. */
const parsesAsF64 = (s: string): boolean => /^[+-]?(([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?|inf|infinity|nan)$/i.test(s);

/**
 * `validate_image` (container.rs:468-502): not empty; `.` (Score's runtime-supplied image) passes;
 * no whitespace or control character; none of `` ` | ; & $ > < ( ) { } ``.
 */
export function imageProblems(image: unknown, owner: string, field: string): ValidationProblem[] {
  const value = typeof image === 'string' ? image : '';
  if (value === '') return [{ field, message: `container '${owner}': image cannot be empty` }];
  if (value === '.') return [];
  if (hasWhitespaceOrControl(value)) return [{ field, message: `container '${owner}': image '${value}' contains invalid characters` }];
  if ([...value].some((c) => SHELL_METACHARACTERS.has(c))) return [{ field, message: `container '${owner}': image '${value}' contains shell metacharacters` }];
  return [];
}

/**
 * `validate_absolute_command` (container.rs:522-535): the first element of a command, when there is
 * one, starts with `/` (Tetragon's allowlist matches kernel-resolved absolute paths). `context` is the
 * container name or `backup hook '<name>'`.
 */
export function absoluteCommandProblems(command: readonly unknown[] | undefined, context: string, field: string): ValidationProblem[] {
  if (!command || command.length === 0) return [];
  const binary = String(command[0]);
  return binary.startsWith('/') ? [] : [{ field: `${field}[0]`, message: `'${context}': command[0] '${binary}' must be an absolute path (start with '/')` }];
}

/**
 * `validate_file_mode` (container.rs:538-581): one leading `0` dropped, 3–4 octal digits, no
 * setuid/setgid/sticky bit (0o7000), not world-writable (0o002).
 */
export function fileModeProblems(mode: string, container: string, path: string, field: string): ValidationProblem[] {
  const where = `container '${container}' file '${path}'`;
  const digits = mode.startsWith('0') ? mode.slice(1) : mode;
  if (digits.length < 3 || digits.length > 4) return [{ field, message: `${where}: mode '${mode}' must be 3-4 octal digits (e.g., '0644')` }];
  if (!/^[0-7]+$/.test(digits)) return [{ field, message: `${where}: mode '${mode}' contains non-octal digits` }];
  const bits = parseInt(digits, 8);
  if (bits & 0o7000) return [{ field, message: `${where}: mode '${mode}' sets special bits (setuid/setgid/sticky) which are not allowed` }];
  if (bits & 0o002) return [{ field, message: `${where}: mode '${mode}' is world-writable which is not allowed` }];
  return [];
}

/** `FileMount::validate` (container.rs:434-454): the mode (when set), then at least one of content, binaryContent, source. */
export function fileMountProblems(file: FileMount, container: string, path: string, field: string): ValidationProblem[] {
  const out: ValidationProblem[] = [];
  if (typeof file?.mode === 'string') out.push(...fileModeProblems(file.mode, container, path, `${field}.mode`));
  if (file?.content == null && file?.binaryContent == null && file?.source == null) {
    out.push({ field, message: `container '${container}' file '${path}': must specify content, binary_content, or source` });
  }
  return out;
}

/**
 * `ResourceRequirements::validate` (resources.rs:933-1010): requests then limits, cpu then memory.
 * cpu: `<u64>m` or a float; memory: a number with one of Ki Mi Gi Ti Pi Ei k M G T P E, or a bare integer.
 */
export function quantityProblems(resources: ResourceRequirements, container: string, field: string): ValidationProblem[] {
  const out: ValidationProblem[] = [];
  for (const which of ['requests', 'limits'] as const) {
    const q = resources[which];
    if (!q) continue;
    if (q.cpu != null) {
      const cpu = String(q.cpu);
      const ok = cpu.endsWith('m') ? parsesAsU64(cpu.slice(0, -1)) : parsesAsF64(cpu);
      if (!ok) out.push({ field: `${field}.${which}.cpu`, message: `container '${container}' ${which}.cpu: invalid quantity '${cpu}' (expected e.g., '100m', '1', '0.5')` });
    }
    if (q.memory != null) {
      const memory = String(q.memory);
      const suffix = ['Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei', 'k', 'M', 'G', 'T', 'P', 'E'].find((s) => memory.endsWith(s));
      const prefix = suffix ? memory.slice(0, -suffix.length) : memory;
      const ok = suffix ? parsesAsU64(prefix) || parsesAsF64(prefix) : parsesAsU64(memory);
      if (!ok) out.push({ field: `${field}.${which}.memory`, message: `container '${container}' ${which}.memory: invalid quantity '${memory}' (expected e.g., '128Mi', '1Gi')` });
    }
  }
  return out;
}

/**
 * `ContainerSpec::validate` (container.rs:401-431): image, absolute `command[0]`, mandatory
 * `resources.limits`, resource quantities, file mounts (sorted by path).
 */
export function containerProblems(c: ContainerSpec, name: string, field: string): ValidationProblem[] {
  const out = [...imageProblems(c?.image, name, `${field}.image`), ...absoluteCommandProblems(c?.command, name, `${field}.command`)];
  if (!c?.resources || c.resources.limits == null) {
    out.push({ field: `${field}.resources.limits`, message: `container '${name}' must have resource limits` });
  } else {
    out.push(...quantityProblems(c.resources, name, `${field}.resources`));
  }
  for (const path of sortedKeys(c?.files)) out.push(...fileMountProblems(c.files![path], name, path, `${field}.files${keySegment(path)}`));
  return out;
}

/**
 * `SidecarSpec::validate` (container.rs:306-328): image, absolute `command[0]`, an init sidecar must
 * name its command, file mounts. (No resource-limit requirement for sidecars.)
 */
export function sidecarProblems(s: SidecarSpec, name: string, field: string): ValidationProblem[] {
  const out = [...imageProblems(s?.image, name, `${field}.image`), ...absoluteCommandProblems(s?.command, name, `${field}.command`)];
  if (s?.init === true && s.command == null) out.push({ field: `${field}.command`, message: `sidecar '${name}': init containers must specify a command` });
  for (const path of sortedKeys(s?.files)) out.push(...fileMountProblems(s.files![path], name, path, `${field}.files${keySegment(path)}`));
  return out;
}

const isExternalServiceType = (t: unknown): boolean => t === 'NodePort' || t === 'LoadBalancer';

/**
 * `ServicePortsSpec::validate` (ports.rs:70-148): per port (sorted by name) a DNS-label name of at
 * most 15 characters (IANA), port and targetPort not 0, no port number twice; `publishDns` needs
 * hostnames and an external serviceType; `tls` needs an external serviceType; hostnames are DNS
 * subdomains. (The TLS spec's own fields and the platform-default issuer rule are not checked here.)
 */
export function servicePortsProblems(svc: ServicePortsSpec, field: string): ValidationProblem[] {
  const out: ValidationProblem[] = [];
  const seen = new Set<number>();
  for (const name of sortedKeys(svc?.ports)) {
    const at = `${field}.ports${keySegment(name)}`;
    const p = svc.ports[name];
    const label = dnsLabelProblem(name, 'port name', at);
    if (label) out.push(label);
    else if (name.length > 15) out.push({ field: at, message: `port name '${name}' exceeds 15 character IANA service name limit` });
    if (p?.port === 0) out.push({ field: `${at}.port`, message: `service port '${name}': port cannot be 0` });
    if (p?.targetPort === 0) out.push({ field: `${at}.targetPort`, message: `service port '${name}': target_port cannot be 0` });
    if (typeof p?.port === 'number') {
      if (seen.has(p.port)) out.push({ field: `${at}.port`, message: `duplicate service port number: ${p.port}` });
      seen.add(p.port);
    }
  }
  const hostnames = svc?.hostnames ?? [];
  if (svc?.publishDns && hostnames.length === 0) out.push({ field: `${field}.publishDns`, message: 'service.publishDns=true requires at least one entry in service.hostnames' });
  if (svc?.publishDns && !isExternalServiceType(svc.serviceType))
    out.push({ field: `${field}.publishDns`, message: 'service.publishDns=true requires serviceType=NodePort or LoadBalancer; ClusterIP services have no external endpoint for external-dns to publish' });
  if (svc?.tls && !isExternalServiceType(svc.serviceType))
    out.push({ field: `${field}.tls`, message: 'service.tls requires serviceType=NodePort or LoadBalancer; ClusterIP services terminate TLS via the Gateway-API ingress path instead' });
  hostnames.forEach((h, i) => {
    const p = dnsSubdomainProblem(String(h), 'hostname', `${field}.hostnames[${i}]`);
    if (p) out.push(p);
  });
  return out;
}

/**
 * `WorkloadSpec::validate` (workload/spec.rs:187-244): at least one container; container and
 * resource names are DNS labels; every container; the service ports; volume resource ids (other than
 * `*`) at most 50 characters and DNS labels; gpu params (count > 0, compute 1–100).
 */
export function workloadProblems(w: WorkloadSpec | undefined, field: string): ValidationProblem[] {
  const containers = w?.containers ?? {};
  const names = sortedKeys(containers);
  if (names.length === 0) return [{ field: `${field}.containers`, message: 'service must have at least one container' }];
  const out: ValidationProblem[] = [];
  for (const name of names) {
    const p = dnsLabelProblem(name, 'container name', `${field}.containers${keySegment(name)}`);
    if (p) out.push(p);
  }
  const resources = sortedKeys(w?.resources);
  for (const name of resources) {
    const p = dnsLabelProblem(name, 'resource name', `${field}.resources${keySegment(name)}`);
    if (p) out.push(p);
  }
  for (const name of names) out.push(...containerProblems(containers[name], name, `${field}.containers${keySegment(name)}`));
  if (w?.service) out.push(...servicePortsProblems(w.service, `${field}.service`));
  for (const name of resources) {
    const r = w!.resources![name];
    const at = `${field}.resources${keySegment(name)}`;
    if (typeof r?.id === 'string' && r.id !== '*' && r.type === 'volume') {
      if (r.id.length > 50) out.push({ field: `${at}.id`, message: `resource '${name}': id '${r.id}' exceeds 50 character limit (used in label name with 13-char prefix)` });
      else {
        const p = dnsLabelProblem(r.id, 'resource id', `${at}.id`, `resource '${name}': `);
        if (p) out.push(p);
      }
    }
    if (r?.type === 'gpu' && r.params) {
      const count = Number(r.params.count ?? 0);
      if (count === 0) out.push({ field: `${at}.params.count`, message: `resource '${name}': gpu count must be greater than 0` });
      else if (r.params.compute != null && (Number(r.params.compute) === 0 || Number(r.params.compute) > 100))
        out.push({ field: `${at}.params.compute`, message: `resource '${name}': gpu compute must be between 1 and 100` });
    }
  }
  return out;
}

/** The runtime fields a workload CRD flattens into its spec (workload/spec.rs:46-76). */
export type RuntimeFields = Pick<LatticeServiceSpec, 'sidecars'>;

/** `RuntimeSpec::validate` (workload/spec.rs:80-87): each sidecar (sorted) has a DNS-label name and a valid spec. */
export function runtimeProblems(r: RuntimeFields | undefined, field: string): ValidationProblem[] {
  const out: ValidationProblem[] = [];
  for (const name of sortedKeys(r?.sidecars)) {
    const at = `${field}.sidecars${keySegment(name)}`;
    const p = dnsLabelProblem(name, 'sidecar name', at);
    if (p) out.push(p);
    out.push(...sidecarProblems(r!.sidecars![name], name, at));
  }
  return out;
}
