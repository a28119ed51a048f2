import { describe, expect, test } from 'vitest';
import type { GateDecision, GateRequest } from '../cedar/index.ts';
import { REASON_FORBIDDEN, REASON_NO_PERMIT } from '../cedar/index.ts';
import type { ImageVerification } from '../cedar/images.ts';
import { compiledResourcesSummary, denialConditionMessage, imageVerifiedCondition } from './service-status.ts';

const principal = { namespace: 'commerce', name: 'checkout', kind: 'service' as const };
const secretReq: GateRequest = { action: 'AccessSecret', principal, resource: { type: 'SecretPath', provider: 'vault', path: 'payments/stripe' }, subject: 'stripe' };
const volumeReq: GateRequest = { action: 'AccessVolume', principal, resource: { type: 'Volume', namespace: 'commerce', volumeId: 'media' }, subject: 'shared' };
const denied = (request: GateRequest, reason: string, policies: string[] = []): GateDecision => ({ request, allowed: false, reason, policies });

describe('denialConditionMessage (book §4.8: which gate, which resource, what to do)', () => {
  test('no permit: names the secret path, the resource key, the Cedar uid, and the permit that is missing', () => {
    expect(denialConditionMessage([denied(secretReq, REASON_NO_PERMIT)])).toBe(
      'AccessSecret denied: Service commerce/checkout is not permitted to access secret payments/stripe (resource \'stripe\', Lattice::SecretPath::"vault:payments/stripe"): ' +
        'no permit policy for this service and resource. No Cedar policy grants Action::"AccessSecret" for Lattice::Service::"commerce/checkout" on Lattice::SecretPath::"vault:payments/stripe". ' +
        "Ask the platform team (or the owner of the secret) to add a CedarPolicy in lattice-system that permits it, or remove resource 'stripe' from the spec.",
    );
  });

  test('a forbid names the policy and its CedarPolicy; an owner-consent refusal sends the developer to the volume owner; several denials are separate paragraphs', () => {
    const m = denialConditionMessage([denied(secretReq, REASON_FORBIDDEN, ['freeze_0']), denied(volumeReq, "not in allowedConsumers of volume 'media' owned by 'commerce/plex'")]);
    const [forbid, consent] = m.split('\n\n');
    expect(forbid).toContain(': access explicitly forbidden by policy. It is forbidden by policy freeze_0 (CedarPolicy lattice-system/freeze); a permit cannot override a forbid');
    expect(consent).toMatch(/^AccessVolume denied: Service commerce\/checkout is not permitted to access volume commerce\/media \(resource 'shared', Lattice::Volume::"commerce\/media"\): not in allowedConsumers/);
    expect(consent).toContain("The volume's owner must consent first: ask its owner to list commerce/checkout in the volume's allowedConsumers");
  });
});

describe('compiledResourcesSummary (book §4.8 compiledResources)', () => {
  test('counts by kind (sorted), lists Kind/name sorted, keeps the generation; empty is count 0', () => {
    const o = (kind: string, name: string) => ({ kind, metadata: { name } });
    expect(compiledResourcesSummary([o('Service', 'a'), o('AuthorizationPolicy', 'y'), o('AuthorizationPolicy', 'x')], 3)).toEqual({
      count: 3,
      types: { AuthorizationPolicy: 2, Service: 1 },
      resources: ['AuthorizationPolicy/x', 'AuthorizationPolicy/y', 'Service/a'],
      generation: 3,
    });
    expect(compiledResourcesSummary([], undefined)).toEqual({ count: 0, types: {}, resources: [] });
  });
});

describe('imageVerifiedCondition (book §4.8 ImageVerified: what signature verification found)', () => {
  const check = (found: Record<string, ImageVerification>) => ({ verified: new Map(Object.entries(found)), context: {} });
  const signed = (authority: string): ImageVerification => ({ status: 'verified', authority });

  test("every image verified: True CosignVerified, the book's message for one image, each image's key for several", () => {
    expect(imageVerifiedCondition(['registry.example.com/checkout@sha256:abc'], check({ 'registry.example.com/checkout@sha256:abc': signed('production-signing-key') }))).toEqual({
      type: 'ImageVerified',
      status: 'True',
      reason: 'CosignVerified',
      message: 'Image signed by key production-signing-key',
    });
    // Duplicates count once (two containers of one image).
    expect(imageVerifiedCondition(['r/a:1', 'r/a:1'], check({ 'r/a:1': signed('k') }))?.message).toBe('Image signed by key k');
    expect(imageVerifiedCondition(['r/a:1', 'r/b:1'], check({ 'r/a:1': signed('k1'), 'r/b:1': signed('k2') }))).toMatchObject({ status: 'True', message: 'Images signed: r/a:1 by key k1, r/b:1 by key k2' });
  });

  test('worst first: a verifier error is Unknown, then an unsigned image False CosignVerificationFailed, then an uncovered one False NotEnforced', () => {
    const all = { 'r/ok:1': signed('k'), 'r/bad:1': { status: 'unsigned', reasons: ['k: no valid signature'] } as ImageVerification, 'docker.io/x:1': { status: 'not-enforced' } as ImageVerification };
    expect(imageVerifiedCondition(['r/ok:1', 'r/bad:1', 'docker.io/x:1', 'r/err:1'], check({ ...all, 'r/err:1': { status: 'error', message: 'image verification error for r/err:1 (authority k): timeout' } }))).toEqual({
      type: 'ImageVerified',
      status: 'Unknown',
      reason: 'VerificationError',
      message: 'image verification error for r/err:1 (authority k): timeout',
    });
    expect(imageVerifiedCondition(['r/ok:1', 'r/bad:1', 'docker.io/x:1'], check(all))).toEqual({
      type: 'ImageVerified',
      status: 'False',
      reason: 'CosignVerificationFailed',
      message: 'image signature verification failed: r/bad:1 [verify: k: no valid signature]; running an unverified image needs a Cedar SkipImageVerification permit',
    });
    expect(imageVerifiedCondition(['r/none:1'], check({ 'r/none:1': { status: 'unsigned', reasons: [] } }))?.message).toContain('r/none:1 [verify: no trust authority configured]');
    // An image the verifier was not asked about is one no enforcing ImageProvider covers.
    expect(imageVerifiedCondition(['r/ok:1', 'docker.io/x:1', 'docker.io/y:1'], check({ 'r/ok:1': signed('k'), 'docker.io/x:1': { status: 'not-enforced' } }))).toEqual({
      type: 'ImageVerified',
      status: 'False',
      reason: 'NotEnforced',
      message: 'no ImageProvider enforces signature trust for docker.io/x:1, docker.io/y:1',
    });
  });

  test('waiting for key material is Unknown with the wait text; no enforcing ImageProvider gives no condition', () => {
    const waiting = "Waiting for image trust key material: trust authority 'k' for registry 'r/' not ready: cosign key secret is empty (secret: p-trust-k-credentials)";
    expect(imageVerifiedCondition(['r/a:1'], { waiting })).toEqual({ type: 'ImageVerified', status: 'Unknown', reason: 'WaitingForKeyMaterial', message: waiting });
    expect(imageVerifiedCondition(['r/a:1'], { verified: undefined, context: {} })).toBeUndefined();
  });
});
