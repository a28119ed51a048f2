/**
 * CertificateSigningRequest (certificates.k8s.io/v1) as kube-apiserver's registry strategy treats it
 * (pkg/registry/certificates/certificates/strategy.go, pkg/apis/certificates/validation): on create
 * the requesting user's identity is written into `spec.username`, `uid`, `groups` and `extra` whatever
 * the body said, and status is dropped; the `/approval` subresource changes `status.conditions` only
 * (what `kubectl certificate approve|deny` sends), refusing Approved beside Denied and the removal of
 * either once set. Issuing the certificate is a signer's job (kube-controller-manager's csrsigning),
 * not modelled here: approved requests stay without `status.certificate`.
 */
import { statusError } from '../api/index.ts';
import type { KubeObject } from '../api/index.ts';
import type { UserInfo } from '../auth/index.ts';

type Condition = { type?: unknown; lastTransitionTime?: unknown };

/** The shortest duration a request may ask for (upstream: 10 minutes). @unit seconds */
const MIN_EXPIRATION_SECONDS = 600;

function invalid(name: string, causes: { field: string; message: string }[]): Error {
  return statusError('Invalid', `CertificateSigningRequest.certificates.k8s.io "${name}" is invalid: ${causes.map((c) => `${c.field}: ${c.message}`).join(', ')}`, {
    name,
    group: 'certificates.k8s.io',
    kind: 'CertificateSigningRequest',
    causes: causes.map((c) => ({ reason: 'FieldValueInvalid', message: c.message, field: c.field })),
  });
}

/**
 * The object to store for a create by `user`: spec identity fields from the user, no status.
 * @throws StatusError 422 without `spec.signerName`, without a PEM `CERTIFICATE REQUEST` in `spec.request`, or with `spec.expirationSeconds` under 600.
 */
export function prepareCsrForCreate(obj: KubeObject, user: Readonly<UserInfo>): KubeObject {
  const spec = { ...((obj.spec ?? {}) as Record<string, unknown>) };
  const name = obj.metadata.name ?? '';
  const causes: { field: string; message: string }[] = [];
  if (typeof spec.signerName !== 'string' || spec.signerName === '') causes.push({ field: 'spec.signerName', message: 'Required value' });
  const pem = typeof spec.request === 'string' ? Buffer.from(spec.request, 'base64').toString('latin1') : '';
  if (!/-----BEGIN CERTIFICATE REQUEST-----/.test(pem)) causes.push({ field: 'spec.request', message: 'Invalid value: []byte{...}: PEM block type must be CERTIFICATE REQUEST' });
  if (typeof spec.expirationSeconds === 'number' && spec.expirationSeconds < MIN_EXPIRATION_SECONDS)
    causes.push({ field: 'spec.expirationSeconds', message: `Invalid value: ${spec.expirationSeconds}: may not specify a duration less than 600 seconds (10 minutes)` });
  if (causes.length) throw invalid(name, causes);
  spec.username = user.username;
  if (user.uid) spec.uid = user.uid;
  else delete spec.uid;
  spec.groups = [...user.groups];
  if (user.extra) spec.extra = user.extra;
  else delete spec.extra;
  const { status: _status, ...rest } = obj;
  return { ...rest, spec };
}

const hasType = (conditions: readonly Condition[], type: string) => conditions.some((c) => c.type === type);

/**
 * The object an `/approval` update stores: `current` with the conditions of `incoming` (and its
 * resourceVersion, a precondition), nothing else changed; a condition without `lastTransitionTime`
 * gets `now` (RFC 3339), as upstream defaults it.
 * @throws StatusError 422 when the conditions hold Approved and Denied, or drop one `current` has.
 */
export function approvalUpdate(current: KubeObject, incoming: KubeObject, now: string): KubeObject {
  const conditions = ((incoming.status as { conditions?: unknown } | undefined)?.conditions ?? []) as Condition[];
  const before = ((current.status as { conditions?: unknown } | undefined)?.conditions ?? []) as Condition[];
  const name = current.metadata.name ?? '';
  const causes: { field: string; message: string }[] = [];
  if (!Array.isArray(conditions)) throw invalid(name, [{ field: 'status.conditions', message: 'Invalid value: must be a list' }]);
  conditions.forEach((c, i) => {
    if (c.type === 'Denied' && hasType(conditions.slice(0, i), 'Approved')) causes.push({ field: `status.conditions[${i}].type`, message: 'Invalid value: "Denied": Approved and Denied conditions are mutually exclusive' });
    if (c.type === 'Approved' && hasType(conditions.slice(0, i), 'Denied')) causes.push({ field: `status.conditions[${i}].type`, message: 'Invalid value: "Approved": Approved and Denied conditions are mutually exclusive' });
  });
  for (const type of ['Approved', 'Denied'])
    if (hasType(before, type) && !hasType(conditions, type)) causes.push({ field: 'status.conditions', message: `Forbidden: updates may not remove a condition of type "${type}"` });
  if (causes.length) throw invalid(name, causes);
  const rv = incoming.metadata.resourceVersion ?? current.metadata.resourceVersion;
  const stamped = conditions.map((c) => ('lastTransitionTime' in c && c.lastTransitionTime ? c : { ...c, lastTransitionTime: now }));
  return { ...current, metadata: { ...current.metadata, ...(rv !== undefined ? { resourceVersion: rv } : {}) }, status: { ...((current.status ?? {}) as object), conditions: stamped } };
}
