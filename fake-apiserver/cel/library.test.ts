import { run, isCelError } from '@bufbuild/cel';
import type { CelInput } from '@bufbuild/cel';
import { describe, expect, it } from 'vitest';
import { kubernetesLibrary } from './library.ts';
import { escapePropertyName, toCelValue } from './values.ts';
import { normalizeRuleFieldPath } from './field-path.ts';
import { compileRules } from './compile.ts';

const funcs = [...kubernetesLibrary];
/** Evaluates `expr`; returns the value or `ERR <message>`. */
function cel(expr: string, bindings: Record<string, CelInput> = {}): unknown {
  const r = run(expr, bindings, { funcs });
  return isCelError(r) ? `ERR ${r.message}` : r;
}

describe('Kubernetes CEL libraries', () => {
  it.each([
    ['[1, 2, 2].isSorted()', true],
    ["['b', 'a'].isSorted()", false],
    ['[1, 2, 3].sum()', 6n],
    ['[0.5, 1.5].sum()', 2],
    ['[3, 1, 2].min()', 1n],
    ["['a', 'c', 'b'].max()", 'c'],
    ['[1, 2, 1].indexOf(1)', 0n],
    ['[1, 2, 1].lastIndexOf(1)', 2n],
    ['[1, 2].indexOf(3)', -1n],
  ])('lists: %s → %s', (expr, want) => expect(cel(expr)).toEqual(want));

  it('lists: min of an empty list is an error', () => expect(cel('[].min()')).toBe('ERR min called on empty list'));

  it.each([
    ["'abc 123 def 456'.find('[0-9]+')", '123'],
    ["'abc'.find('[0-9]+')", ''],
    ["'a1 b22 c333'.findAll('[0-9]+') == ['1', '22', '333']", true],
    ["'a1 b22 c333'.findAll('[0-9]+', 2) == ['1', '22']", true],
  ])('regex: %s → %s', (expr, want) => expect(cel(expr)).toEqual(want));

  it.each([
    ["url('https://example.com:8080/a/b?x=1&x=2').getScheme()", 'https'],
    ["url('https://example.com:8080/a/b').getHost()", 'example.com:8080'],
    ["url('https://[::1]:8080/').getHostname()", '::1'],
    ["url('https://example.com:8080/').getPort()", '8080'],
    ["url('https://example.com/a%20b').getEscapedPath()", '/a%20b'],
    ["url('https://example.com/?x=1&x=2&y=3').getQuery() == {'x': ['1', '2'], 'y': ['3']}", true],
    ["url('/relative/path').getEscapedPath()", '/relative/path'],
    ["isURL('example.com')", false],
    ["isURL('https://example.com')", true],
  ])('urls: %s → %s', (expr, want) => expect(cel(expr)).toEqual(want));

  it.each([
    ["quantity('1Gi').isGreaterThan(quantity('1G'))", true],
    ["quantity('500m').isLessThan(quantity('1'))", true],
    ["quantity('1k').compareTo(quantity('1000'))", 0n],
    ["quantity('1Mi').asInteger()", 1048576n],
    ["quantity('1.5').asApproximateFloat()", 1.5],
    ["quantity('200m').add(quantity('800m')) == quantity('1')", true],
    ["quantity('2').sub(1).asInteger()", 1n],
    ["quantity('-3').sign()", -1n],
    ["quantity('1.5').isInteger()", false],
    ["isQuantity('1.5Gi')", true],
    ["isQuantity('1.5GB')", false],
  ])('quantity: %s → %s', (expr, want) => expect(cel(expr)).toEqual(want));

  it('quantity: a fractional asInteger and a malformed quantity are errors', () => {
    expect(cel("quantity('1.5').asInteger()")).toBe('ERR cannot convert value to integer');
    expect(cel("quantity('1.5GB')")).toMatch(/^ERR quantities must match the regular expression/);
  });

  it.each([
    ["ip('192.168.0.1').family()", 4n],
    ["ip('::1').isLoopback()", true],
    ["ip('169.254.1.1').isLinkLocalUnicast()", true],
    ["ip('8.8.8.8').isGlobalUnicast()", true],
    ["string(ip('2001:0db8:0:0:0:0:0:1'))", '2001:db8::1'],
    ["ip.isCanonical('2001:db8::1')", true],
    ["ip.isCanonical('2001:DB8::1')", false],
    ["isIP('1.2.3.04')", false],
    ["isIP('fe80::1%eth0')", false],
    ["cidr('10.0.0.0/8').containsIP('10.20.30.40')", true],
    ["cidr('10.0.0.0/8').containsIP(ip('11.0.0.1'))", false],
    ["cidr('10.0.0.0/8').containsCIDR('10.1.0.0/16')", true],
    ["cidr('10.1.2.3/8').masked() == cidr('10.0.0.0/8')", true],
    ["cidr('2001:db8::/32').prefixLength()", 32n],
    ["string(cidr('10.1.2.3/8').ip())", '10.1.2.3'],
    ["isCIDR('10.0.0.0/33')", false],
  ])('ip / cidr: %s → %s', (expr, want) => expect(cel(expr)).toEqual(want));

  it('ip: an IPv4-mapped IPv6 address is refused', () => expect(cel("ip('::ffff:1.2.3.4')")).toBe('ERR IPv4-mapped IPv6 address is not allowed'));

  it.each([
    ["'abc'.upperAscii() + 'DEF'.lowerAscii()", 'ABCdef'],
    ["'a,b,c'.split(',').join('-')", 'a-b-c'],
    ["'hello'.substring(1, 3)", 'el'],
    ["'  x  '.trim()", 'x'],
    ["'abcabc'.replace('b', 'B', 1)", 'aBcabc'],
    ["'%s has %d items'.format(['list', 3])", 'list has 3 items'],
    ['optional.none().orValue(5)', 5n],
    ['optional.of(2).value()', 2n],
    ['sets.contains([1, 2, 3], [3, 1])', true],
    ['sets.intersects([1, 2], [3])', false],
  ])('strings, optionals, sets: %s → %s', (expr, want) => expect(cel(expr)).toEqual(want));

  it.each([
    ['[1, 2, 3, 4].slice(1, 3) == [2, 3]', true],
    ['[[1], [2, 3]].flatten() == [1, 2, 3]', true],
    ['[1, 2, 1].distinct() == [1, 2]', true],
    ["['b', 'a'].sort() == ['a', 'b']", true],
    ['lists.range(3) == [0, 1, 2]', true],
    ["'abc'.reverse()", 'cba'],
    ['math.greatest(1, 5, 3)', 5n],
    ['math.least([4, 2, 8])', 2n],
    ['math.abs(-3)', 3n],
    ['math.ceil(1.2)', 2],
    ['math.round(-1.5)', -2],
  ])('lists, strings and math extensions: %s → %s', (expr, want) => expect(cel(expr)).toEqual(want));

  it('methods refuse receivers of another type with no such overload', () => expect(cel("'x'.getHost()")).toBe('ERR no such overload'));
});

describe('values as rules see them', () => {
  const schema = {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        properties: {
          count: { type: 'integer' },
          ratio: { type: 'number' },
          port: { 'x-kubernetes-int-or-string': true },
          'x-prop': { type: 'string' },
          namespace: { type: 'string' },
          labels: { type: 'object', additionalProperties: { type: 'integer' } },
          free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        },
      },
    },
  };

  it('types numbers by the schema, escapes property names, keeps map keys, and exposes only name and generateName of metadata', () => {
    const v = toCelValue(
      { apiVersion: 'x/v1', kind: 'K', metadata: { name: 'a', namespace: 'n', labels: { l: 'v' } }, spec: { count: 2, ratio: 2, port: 80, 'x-prop': 's', namespace: 'ns', labels: { 'a.b/c': 1 }, free: { n: 1, f: 1.5 }, undeclared: 1 } },
      schema,
      true,
    ) as Record<string, unknown>;
    expect(v.metadata).toEqual({ name: 'a' });
    expect(v.spec).toEqual({ count: 2n, ratio: 2, port: 80n, x__dash__prop: 's', __namespace__: 'ns', labels: new Map([['a.b/c', 1n]]), free: { n: 1n, f: 1.5 } });
  });

  it('shows every field of a free-form embedded resource, metadata reduced to name and generateName', () => {
    const embedded = { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true };
    expect(toCelValue({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', labels: { a: 'b' } }, data: { k: 'v' } }, embedded)).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c' },
      data: { k: 'v' },
    });
  });

  it('lets rules reach escaped names', () => {
    const v = toCelValue({ spec: { 'x-prop': 'y', namespace: 'n', ratio: 2 } }, schema, true) as Record<string, CelInput>;
    expect(cel("self.spec.x__dash__prop == 'y' && self.spec.__namespace__ == 'n' && self.spec.ratio == 2.0 && type(self.spec.ratio) == double", { self: v })).toBe(true);
  });

  it.each([
    ['a.b', 'a__dot__b'],
    ['a__b', 'a__underscores__b'],
    ['a/b', 'a__slash__b'],
    ['if', '__if__'],
    ['1abc', undefined],
  ])('escapes property %s as %s', (name, want) => expect(escapePropertyName(name)).toBe(want));
});

describe('rule fieldPath', () => {
  const node = { type: 'object', properties: { a: { type: 'object', properties: { b: { type: 'string' } } }, m: { type: 'object', additionalProperties: { type: 'object', properties: { c: { type: 'string' } } } } } };
  it.each([
    ['.a.b', 'a.b'],
    [".m['x.y'].c", 'm[x.y].c'],
    ['.m.k', 'm[k]'],
    [".a['b']", 'a.b'],
  ])('normalizes %s to %s', (fp, want) => expect(normalizeRuleFieldPath(fp, node)).toBe(want));
  it('refuses paths that name no field', () => {
    expect(() => normalizeRuleFieldPath('.a.c', node)).toThrow('does not refer to a valid field');
    expect(() => normalizeRuleFieldPath('a', node)).toThrow('expected [ or . but got: a');
  });
});

describe('rule tree compilation', () => {
  it('is undefined for a schema without rules, and compiled once per schema text', () => {
    expect(compileRules({ type: 'object', properties: { spec: { type: 'object' } } })).toBeUndefined();
    const s = () => ({ type: 'object', properties: { spec: { type: 'object', 'x-kubernetes-validations': [{ rule: 'true' }] } } });
    const a = compileRules(s());
    expect(a?.properties?.get('spec')?.rules).toHaveLength(1);
    expect(compileRules(s())).toBe(a);
  });
});
