import { describe, expect, test } from 'vitest';
import { derivedName } from './derived-name.ts';

describe('derivedName', () => {
  test('appends the first 8 hex of sha256 over the parts joined by "/"', () => {
    // Vectors computed with `echo -n default/api | sha256sum`.
    expect(derivedName('cnp-mesh-', ['default', 'api'])).toBe('cnp-mesh-d53b356d');
    expect(derivedName('allow-to-', ['prod', 'frontend'])).toBe('allow-to-200fa3aa');
  });

  test('is the same for equal joins and different for different parts', () => {
    expect(derivedName('x-', ['a/b', 'c'])).toBe(derivedName('x-', ['a', 'b/c']));
    expect(derivedName('x-', ['a', 'b'])).not.toBe(derivedName('x-', ['a', 'c']));
  });
});
