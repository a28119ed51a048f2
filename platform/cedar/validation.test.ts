import { describe, expect, it } from 'vitest';
import type { CedarPolicy } from '../crds/types.ts';
import { parseCedarText, validateCedarPolicy } from './validation.ts';

const cp = (policies: string, enabled?: boolean): CedarPolicy => ({
  apiVersion: 'lattice.dev/v1alpha1',
  kind: 'CedarPolicy',
  metadata: { name: 'p', namespace: 'lattice-system' },
  spec: { policies, enabled },
});

describe('validateCedarPolicy', () => {
  it('counts permit and forbid statements of a valid policy', () => {
    const status = validateCedarPolicy(
      cp(`permit(principal, action, resource);
          forbid(principal, action, resource == Lattice::Mesh::"inbound");
          @id("third") permit(principal in Lattice::Group::"admins", action, resource);`),
    );
    expect(status).toEqual({ phase: 'Valid', message: '2 permit, 1 forbid statements', permitCount: 2, forbidCount: 1, validationErrors: [] });
    expect(status.lastValidated).toBeUndefined();
  });

  it('reports parse errors with their count and location', () => {
    const status = validateCedarPolicy(cp('permit(principal,\n  action resource);'));
    expect(status.phase).toBe('Invalid');
    expect(status.message).toBe('1 parse error(s)');
    expect(status).toMatchObject({ permitCount: 0, forbidCount: 0 });
    expect(status.validationErrors).toHaveLength(1);
    expect(status.validationErrors?.[0]).toMatch(/^unexpected token .*\(line 2, column 10/);
  });

  it('says a disabled policy is valid and disabled, whatever its text', () => {
    expect(validateCedarPolicy(cp('not cedar at all', false))).toEqual({ phase: 'Valid', message: 'Policy is disabled', permitCount: 0, forbidCount: 0, validationErrors: [] });
  });

  it('accepts empty text as zero statements', () => {
    expect(validateCedarPolicy(cp(''))).toMatchObject({ phase: 'Valid', message: '0 permit, 0 forbid statements' });
  });
});

describe('parseCedarText', () => {
  it('splits text into one string per static policy and drops unlinked templates', () => {
    const r = parseCedarText('permit(principal, action, resource);\npermit(principal == ?principal, action, resource);\nforbid(principal, action, resource);');
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.policies.map((p) => p.slice(0, 6))).toEqual(['permit', 'forbid']);
  });
});
