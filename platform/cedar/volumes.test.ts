import { describe, expect, test } from 'vitest';
import { REASON_FORBIDDEN, REASON_NO_PERMIT } from './types.ts';
import { ownedVolumes, volumeConsentDenial, volumeDecisionDenies, volumeOwnerIndex, volumeReferences, volumeRequests } from './volumes.ts';
import type { GateDecision, GateRequest } from './types.ts';

const principal = { namespace: 'media', name: 'plex', kind: 'service' as const };

describe('volume authorization (reference authorization/volumes.rs, volume_auth.rs)', () => {
  test('a reference is a volume with id and no size; an owned volume has both; private volumes are neither', () => {
    const resources = {
      lib: { type: 'volume', id: 'library' },
      cfg: { type: 'volume', params: { size: '1Gi' } },
      own: { type: 'volume', id: 'mine', params: { size: '5Gi', allowedConsumers: ['a', 'other/b'] } },
      far: { type: 'volume', id: 'shared', namespace: 'other' },
      db: { type: 'secret', id: 'x', params: { provider: 'p' } },
    };
    expect(volumeReferences('media', resources)).toEqual([
      { key: 'far', namespace: 'other', volumeId: 'shared' },
      { key: 'lib', namespace: 'media', volumeId: 'library' },
    ]);
    expect(volumeRequests(principal, resources).map((r: GateRequest) => [r.action, r.subject, r.resource])).toEqual([
      ['AccessVolume', 'far', { type: 'Volume', namespace: 'other', volumeId: 'shared' }],
      ['AccessVolume', 'lib', { type: 'Volume', namespace: 'media', volumeId: 'library' }],
    ]);
    expect([...ownedVolumes('media', 'jellyfin', resources)]).toEqual([['media/mine', { ownerNamespace: 'media', ownerName: 'jellyfin', allowedConsumers: ['a', 'other/b'] }]]);
  });

  test('consent: a bare name admits only the same namespace, ns/name any namespace; no list admits nobody', () => {
    const ref = { key: 'lib', namespace: 'media', volumeId: 'library' };
    const owner = (allowedConsumers?: string[]) => ({ ownerNamespace: 'media', ownerName: 'jellyfin', ...(allowedConsumers ? { allowedConsumers } : {}) });
    expect(volumeConsentDenial(principal, ref, owner(['plex']))).toBeUndefined();
    expect(volumeConsentDenial(principal, ref, owner(['media/plex']))).toBeUndefined();
    expect(volumeConsentDenial({ ...principal, namespace: 'tv' }, ref, owner(['plex']))).toBe("'lib': not in allowedConsumers of volume 'library' owned by 'media/jellyfin'");
    expect(volumeConsentDenial({ ...principal, namespace: 'tv' }, ref, owner(['tv/plex']))).toBeUndefined();
    expect(volumeConsentDenial(principal, ref, owner())).toBe("'lib': not in allowedConsumers of volume 'library' owned by 'media/jellyfin'");
    expect(volumeConsentDenial(principal, ref, undefined)).toBe("'lib': no owner found for volume 'library' in namespace 'media' (owner service may not exist or hasn't declared size)");
  });

  test('the owner index keeps the later claim of one volume, as the reference graph map does', () => {
    const claim = (name: string) => ({ namespace: 'media', name, resources: { v: { type: 'volume', id: 'library', params: { size: '1Gi' } } } });
    expect(volumeOwnerIndex([claim('a'), claim('b')])('media', 'library')?.ownerName).toBe('b');
    expect(volumeOwnerIndex([claim('a')])('other', 'library')).toBeUndefined();
  });

  test('permissive mode denies only a forbid or an evaluation error; strict mode also a missing permit', () => {
    const d = (allowed: boolean, reason: string, policies: string[] = []): GateDecision => ({ request: volumeRequests(principal, { l: { type: 'volume', id: 'x' } })[0], allowed, reason, policies });
    expect(volumeDecisionDenies(d(true, ''), true)).toBe(false);
    expect(volumeDecisionDenies(d(false, REASON_NO_PERMIT), true)).toBe(false);
    expect(volumeDecisionDenies(d(false, REASON_NO_PERMIT), false)).toBe(true);
    expect(volumeDecisionDenies(d(false, REASON_FORBIDDEN, ['p_0']), true)).toBe(true);
    expect(volumeDecisionDenies(d(false, 'internal authorization error: boom'), true)).toBe(true);
  });
});
