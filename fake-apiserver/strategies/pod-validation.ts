/**
 * Pod spec and pod template validation as upstream's `ValidatePodSpec` / `ValidatePodTemplateSpec`
 * (k8s.io/kubernetes pkg/apis/core/validation), the common paths: containers required, names
 * DNS-1123 labels unique across init and regular containers, image required, container ports
 * 1–65535 with known protocols and names unique within the container, resource requests ≤ limits, volumes with unique
 * DNS-1123 label names, volume mounts naming a volume with a unique mount path, restartPolicy and
 * dnsPolicy values. Fields upstream defaults (restartPolicy, dnsPolicy, port protocol) are checked
 * only when present: the simulated World stores pod specs undefaulted (README "Built-in strategies").
 */
import { isPlainObject } from '../internal/json.ts';
import type { JsonObject } from '../internal/json.ts';
import { dns1123Label, duplicate, forbidden, goStringMap, invalid, labels, list, notFound, notSupported, num, obj, portNameErrors, portNumErrors, required, selectorMatches, str } from './field-validators.ts';
import type { Causes } from './field-validators.ts';
import { parseQuantity } from './quantity.ts';

const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];

/** ValidateResourceRequirements (the requests ≤ limits part): `requests[cpu]: Invalid value: "2": must be less than or equal to cpu limit of 1`. */
function resources(out: Causes, at: string, r: JsonObject | undefined): void {
  const requests = obj(r, 'requests');
  const limits = obj(r, 'limits');
  if (!requests || !limits) return;
  for (const [name, req] of Object.entries(requests)) {
    const lim = limits[name];
    if (lim === undefined) continue;
    const rq = parseQuantity(req);
    const lq = parseQuantity(lim);
    if (typeof rq === 'number' && typeof lq === 'number' && rq > lq) out.push(invalid(`${at}.requests[${name}]`, String(req), `must be less than or equal to ${name} limit of ${String(lim)}`));
  }
}

function containers(out: Causes, at: string, cs: JsonObject[], volumes: ReadonlySet<string>, names: Set<string>): void {
  cs.forEach((c, i) => {
    // Port names are unique within one container (upstream validateContainerPorts); across containers a repeat is only a warning upstream.
    const portNames = new Set<string>();
    const p = `${at}[${i}]`;
    const name = str(c, 'name') ?? '';
    if (name === '') out.push(required(`${p}.name`));
    else {
      dns1123Label(out, `${p}.name`, name);
      if (names.has(name)) out.push(duplicate(`${p}.name`, name));
      names.add(name);
    }
    const image = str(c, 'image') ?? '';
    if (image === '') out.push(required(`${p}.image`));
    else if (image.trim() !== image) out.push(invalid(`${p}.image`, image, 'must not have leading or trailing whitespace'));
    list(c, 'ports').forEach((port, j) => {
      const pp = `${p}.ports[${j}]`;
      const portName = str(port, 'name');
      if (portName) {
        for (const e of portNameErrors(portName)) out.push(invalid(`${pp}.name`, portName, e));
        if (portNames.has(portName)) out.push(duplicate(`${pp}.name`, portName));
        portNames.add(portName);
      }
      const cp = num(port, 'containerPort') ?? 0;
      if (cp === 0) out.push(required(`${pp}.containerPort`));
      else for (const e of portNumErrors(cp)) out.push(invalid(`${pp}.containerPort`, cp, e));
      const hp = num(port, 'hostPort') ?? 0;
      if (hp !== 0) for (const e of portNumErrors(hp)) out.push(invalid(`${pp}.hostPort`, hp, e));
      const proto = port.protocol;
      if (proto === '') out.push(required(`${pp}.protocol`));
      else if (typeof proto === 'string' && !PROTOCOLS.includes(proto)) out.push(notSupported(`${pp}.protocol`, proto, PROTOCOLS));
    });
    resources(out, `${p}.resources`, obj(c, 'resources'));
    const mountPaths = new Set<string>();
    list(c, 'volumeMounts').forEach((m, j) => {
      const mp = `${p}.volumeMounts[${j}]`;
      const vol = str(m, 'name') ?? '';
      if (vol === '') out.push(required(`${mp}.name`));
      else if (!volumes.has(vol)) out.push(notFound(`${mp}.name`, vol));
      const path = str(m, 'mountPath') ?? '';
      if (path === '') out.push(required(`${mp}.mountPath`));
      else if (mountPaths.has(path)) out.push(invalid(`${mp}.mountPath`, path, 'must be unique'));
      mountPaths.add(path);
    });
  });
}

/** ValidatePodSpec (the common paths above) of `spec` at `at` (`spec`, `spec.template.spec`). */
export function validatePodSpec(out: Causes, at: string, spec: JsonObject | undefined): void {
  if (!spec) {
    out.push(required(`${at}.containers`));
    return;
  }
  const volumes = new Set<string>();
  list(spec, 'volumes').forEach((v, i) => {
    const name = str(v, 'name') ?? '';
    const vp = `${at}.volumes[${i}].name`;
    if (name === '') out.push(required(vp));
    else {
      dns1123Label(out, vp, name);
      if (volumes.has(name)) out.push(duplicate(vp, name));
    }
    volumes.add(name);
  });
  const names = new Set<string>();
  containers(out, `${at}.initContainers`, list(spec, 'initContainers'), volumes, names);
  const cs = list(spec, 'containers');
  if (cs.length === 0) out.push(required(`${at}.containers`));
  containers(out, `${at}.containers`, cs, volumes, names);
  const restart = spec.restartPolicy;
  if (restart === '') out.push(required(`${at}.restartPolicy`));
  else if (typeof restart === 'string' && !RESTART_POLICIES.includes(restart)) out.push(notSupported(`${at}.restartPolicy`, restart, RESTART_POLICIES));
  const dns = spec.dnsPolicy;
  if (typeof dns === 'string' && dns !== '' && !DNS_POLICIES.includes(dns)) out.push(notSupported(`${at}.dnsPolicy`, dns, DNS_POLICIES));
  const deadline = num(spec, 'activeDeadlineSeconds');
  if (deadline !== undefined && deadline <= 0) out.push(invalid(`${at}.activeDeadlineSeconds`, deadline, 'must be between 1 and 2147483647, inclusive'));
  const grace = num(spec, 'terminationGracePeriodSeconds');
  if (grace !== undefined && grace < 0) out.push(invalid(`${at}.terminationGracePeriodSeconds`, grace, 'must be greater than or equal to 0'));
}

/** ValidatePodTemplateSpec at `at` (`spec.template`): the template's labels and annotations, then its pod spec. */
export function validatePodTemplate(out: Causes, at: string, template: JsonObject | undefined): void {
  labels(out, `${at}.metadata.labels`, obj(obj(template, 'metadata'), 'labels'));
  validatePodSpec(out, `${at}.spec`, obj(template, 'spec'));
}

/**
 * ValidatePodTemplateSpecForReplicaSet (Deployments, ReplicaSets) and its StatefulSet and DaemonSet
 * counterparts (`owner`: the kind named in the activeDeadlineSeconds message): the template (a Go
 * struct value, so an absent one is an empty one) must have labels matching `selector` (a nil
 * selector matches nothing, so a missing selector reports both `spec.selector: Required value` and
 * the mismatch); restartPolicy `Always` only; no activeDeadlineSeconds (a StatefulSet's refusal is
 * Forbidden, the others' Invalid); then the template itself — for a StatefulSet only its labels, as
 * upstream leaves its pod spec unvalidated (mounts may name volumeClaimTemplates).
 */
export function validateWorkloadTemplate(out: Causes, at: string, templateIn: JsonObject | undefined, selector: JsonObject | undefined, owner = 'ReplicaSet'): void {
  const template = templateIn ?? {};
  const templateLabels = obj(obj(template, 'metadata'), 'labels') ?? {};
  const empty = !selector || (Object.keys(obj(selector, 'matchLabels') ?? {}).length === 0 && list(selector, 'matchExpressions').length === 0);
  if (!selector || (!empty && !selectorMatches(selector, templateLabels)))
    out.push(invalid(`${at}.metadata.labels`, templateLabels, '`selector` does not match template `labels`', goStringMap(isPlainObject(obj(template, 'metadata')?.labels) ? templateLabels : null)));
  if (owner === 'StatefulSet') labels(out, `${at}.metadata.labels`, obj(obj(template, 'metadata'), 'labels'));
  else validatePodTemplate(out, at, template);
  const spec = obj(template, 'spec');
  const restart = spec?.restartPolicy;
  if (typeof restart === 'string' && restart !== 'Always') out.push(notSupported(`${at}.spec.restartPolicy`, restart, ['Always']));
  const deadline = num(spec, 'activeDeadlineSeconds');
  const unsupported = `activeDeadlineSeconds in ${owner} is not Supported`;
  if (deadline !== undefined) out.push(owner === 'StatefulSet' ? forbidden(`${at}.spec.activeDeadlineSeconds`, unsupported) : invalid(`${at}.spec.activeDeadlineSeconds`, deadline, unsupported));
}
