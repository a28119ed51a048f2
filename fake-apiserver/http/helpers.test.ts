import { describe, expect, it } from 'vitest';
import { compareVersions } from './discovery.ts';
import { toScale } from './execute.ts';
import { warningHeader } from './server.ts';
import { humanDuration, readPath } from './table.ts';

describe('HTTP front helpers', () => {
  it('orders versions as Kubernetes does: GA, beta, alpha, then other names', () => {
    expect(['v1alpha1', 'v2beta1', 'foo', 'v1', 'v1beta2', 'v2', 'v1beta1', 'bar'].sort(compareVersions)).toEqual(['v2', 'v1', 'v2beta1', 'v1beta2', 'v1beta1', 'v1alpha1', 'bar', 'foo']);
  });

  it('renders ages as duration.HumanDuration', () => {
    const s = 1000;
    expect([-5 * s, 0, 45 * s, 150 * s, 330 * s, 45 * 60 * s, 3.5 * 3600 * s, 30 * 3600 * s, 3 * 86400 * s + 5 * 3600 * s, 40 * 86400 * s, 3 * 365 * 86400 * s].map(humanDuration)).toEqual([
      '<invalid>',
      '0s',
      '45s',
      '2m30s',
      '5m30s',
      '45m',
      '3h30m',
      '30h',
      '3d5h',
      '40d',
      '3y0d',
    ]);
  });

  it('reads simple JSONPaths only', () => {
    expect(readPath({ spec: { a: { b: 2 } } }, '.spec.a.b')).toBe(2);
    expect(readPath({ spec: { a: 1 } }, '{.spec.a}')).toBe(1);
    expect(readPath({ spec: { a: [1] } }, '.spec.a[0]')).toBeUndefined();
  });

  it('escapes warning text for the 299 header', () => {
    expect(warningHeader('unknown field "spec.x"')).toBe('299 - "unknown field \\"spec.x\\""');
    expect(warningHeader('a\\b é\n')).toBe('299 - "a\\\\b ??"');
  });

  it('views a Deployment as autoscaling/v1 Scale', () => {
    const d = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'w', namespace: 'n', resourceVersion: '7', uid: 'u' }, spec: { selector: { matchLabels: { a: 'b', c: 'd' } } }, status: { replicas: 2 } };
    expect(toScale(d)).toEqual({
      apiVersion: 'autoscaling/v1',
      kind: 'Scale',
      metadata: { name: 'w', namespace: 'n', uid: 'u', resourceVersion: '7', creationTimestamp: undefined },
      spec: { replicas: 1 },
      status: { replicas: 2, selector: 'a=b,c=d' },
    });
  });
});
