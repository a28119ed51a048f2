/**
 * The Kubernetes CEL function libraries a CRD rule may call, registered on top of what
 * @bufbuild/cel provides natively (macros, `size`, `matches`, `startsWith`, conversions) and its
 * strings extension (`lowerAscii`, `upperAscii`, `replace`, `split`, `join`, `indexOf`,
 * `lastIndexOf`, `substring`, `trim`, `charAt`, `format`, `strings.quote`). Semantics from
 * k8s.io/apiserver/pkg/cel/library (lists.go, regex.go, urls.go, quantity.go, ip.go, cidr.go),
 * cel-go ext/sets.go and cel-go's optional types (functions only: the `.?` / `[?` syntax is not
 * parsed by @bufbuild/cel). Errors are thrown as Error values; CEL turns them into evaluation errors.
 */
import { celFunc, celList, celMethod, CelScalar, isCelList, isCelMap, listType } from '@bufbuild/cel';
import type { CelFunc, CelList, CelValue } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { cidrContainsCidr, cidrContainsIp, formatCidr, formatIp, ipClass, isCidr, isIp, maskedCidr, parseCidr, parseIp } from './ip.ts';
import type { Cidr, IpAddr } from './ip.ts';
import { mustOpaque, opaque, opaqueData } from './opaque.ts';
import {
  addQuantity,
  compareQuantity,
  isIntegerQuantity,
  isQuantity,
  parseQuantity,
  quantityAsFloat,
  quantityAsInteger,
  quantityKey,
  quantityOfInt,
  quantitySign,
  subQuantity,
} from './quantity.ts';
import type { Quantity } from './quantity.ts';

const { BOOL, DOUBLE, DYN, INT, STRING } = CelScalar;
const LIST = listType(DYN);

/** CEL equality over plain values (int/double compare numerically; lists and maps deeply). */
export function celEquals(a: CelValue, b: CelValue): boolean {
  if ((typeof a === 'bigint' || typeof a === 'number') && (typeof b === 'bigint' || typeof b === 'number')) return Number(a) === Number(b) && (typeof a !== 'bigint' || typeof b !== 'bigint' || a === b);
  if (isCelList(a) && isCelList(b)) {
    if (a.size !== b.size) return false;
    for (let i = 0; i < a.size; i++) if (!celEquals(a.get(i) as CelValue, b.get(i) as CelValue)) return false;
    return true;
  }
  if (isCelMap(a) && isCelMap(b)) {
    if (a.size !== b.size) return false;
    for (const [k, v] of a) if (!b.has(k) || !celEquals(v, b.get(k) as CelValue)) return false;
    return true;
  }
  return a === b;
}

function compare(a: CelValue, b: CelValue): number {
  const num = (x: CelValue) => typeof x === 'bigint' || typeof x === 'number';
  if (num(a) && num(b)) return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
  if (typeof a === typeof b && (typeof a === 'string' || typeof a === 'boolean')) return a < (b as typeof a) ? -1 : a > (b as typeof a) ? 1 : 0;
  throw new Error('no such overload');
}

const items = (l: CelList): CelValue[] => [...l];

function extreme(l: CelList, name: 'min' | 'max'): CelValue {
  const xs = items(l);
  if (xs.length === 0) throw new Error(`${name} called on empty list`);
  return xs.reduce((best, x) => (compare(x, best) * (name === 'min' ? 1 : -1) < 0 ? x : best));
}

function sum(l: CelList): CelValue {
  const xs = items(l);
  if (xs.length === 0) return 0n;
  if (xs.every((x) => typeof x === 'bigint')) return (xs as bigint[]).reduce((a, b) => a + b, 0n);
  if (xs.every((x) => typeof x === 'number')) return (xs as number[]).reduce((a, b) => a + b, 0);
  throw new Error('no such overload');
}

/** k8s lists library: isSorted, sum, min, max, indexOf, lastIndexOf. */
const lists: CelFunc[] = [
  celMethod('isSorted', LIST, [], BOOL, function () {
    const xs = items(this);
    return xs.every((x, i) => i === 0 || compare(xs[i - 1], x) <= 0);
  }),
  celMethod('sum', LIST, [], DYN, function () {
    return sum(this);
  }),
  celMethod('min', LIST, [], DYN, function () {
    return extreme(this, 'min');
  }),
  celMethod('max', LIST, [], DYN, function () {
    return extreme(this, 'max');
  }),
  celMethod('indexOf', LIST, [DYN], INT, function (x) {
    return BigInt(items(this).findIndex((y) => celEquals(y, x)));
  }),
  celMethod('lastIndexOf', LIST, [DYN], INT, function (x) {
    const xs = items(this);
    for (let i = xs.length - 1; i >= 0; i--) if (celEquals(xs[i], x)) return BigInt(i);
    return -1n;
  }),
];

const regexCache = new Map<string, RegExp>();
function regex(pattern: string): RegExp {
  let re = regexCache.get(pattern);
  if (!re) {
    re = new RegExp(pattern, 'gu');
    regexCache.set(pattern, re);
  }
  re.lastIndex = 0;
  return re;
}

function findAll(s: string, pattern: string, limit: bigint): CelList {
  const out: string[] = [];
  if (limit === 0n) return celList(out);
  for (const m of s.matchAll(regex(pattern))) {
    out.push(m[0]);
    if (limit > 0n && BigInt(out.length) >= limit) break;
  }
  return celList(out);
}

/** k8s regex library: find, findAll (patterns as JavaScript `u` regexes). */
const regexLib: CelFunc[] = [
  celMethod('find', STRING, [STRING], STRING, function (pattern) {
    return regex(pattern).exec(this)?.[0] ?? '';
  }),
  celMethod('findAll', STRING, [STRING], LIST, function (pattern) {
    return findAll(this, pattern, -1n);
  }),
  celMethod('findAll', STRING, [STRING, INT], LIST, function (pattern, n) {
    return findAll(this, pattern, n);
  }),
];

interface ParsedUrl {
  scheme: string;
  host: string;
  path: string;
  query: string;
}

const URL_SHAPE = /^(?:([a-zA-Z][a-zA-Z0-9+.-]*):)?(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#.*)?$/;

function parseUrl(s: string): ParsedUrl {
  const m = URL_SHAPE.exec(s);
  if (!m || (!m[1] && !s.startsWith('/')) || (m[1] && m[2] === undefined && !m[3].startsWith('/') && m[3] !== ''))
    throw new Error(`URL parse error during conversion from string: parse ${JSON.stringify(s)}: invalid URI for request`);
  const authority = m[2] ?? '';
  return { scheme: m[1] ?? '', host: authority.slice(authority.lastIndexOf('@') + 1), path: m[3], query: m[4] ?? '' };
}

const urlOf = (v: CelValue) => mustOpaque<ParsedUrl>(v, 'url');
function hostAndPort(host: string): [string, string] {
  const bracket = /^\[([^\]]*)\](?::(\d*))?$/.exec(host);
  if (bracket) return [bracket[1], bracket[2] ?? ''];
  const colon = host.lastIndexOf(':');
  return colon < 0 ? [host, ''] : [host.slice(0, colon), host.slice(colon + 1)];
}

/** k8s URLs library: url, isURL, getScheme, getHost, getHostname, getPort, getEscapedPath, getQuery. */
const urls: CelFunc[] = [
  celFunc('url', [STRING], DYN, (s) => opaque('url', s, parseUrl(s))),
  celFunc('isURL', [STRING], BOOL, (s) => {
    try {
      parseUrl(s);
      return true;
    } catch {
      return false;
    }
  }),
  celMethod('getScheme', DYN, [], STRING, function () {
    return urlOf(this).scheme;
  }),
  celMethod('getHost', DYN, [], STRING, function () {
    return urlOf(this).host;
  }),
  celMethod('getHostname', DYN, [], STRING, function () {
    return hostAndPort(urlOf(this).host)[0];
  }),
  celMethod('getPort', DYN, [], STRING, function () {
    return hostAndPort(urlOf(this).host)[1];
  }),
  celMethod('getEscapedPath', DYN, [], STRING, function () {
    return urlOf(this).path;
  }),
  celMethod('getQuery', DYN, [], DYN, function () {
    const out = new Map<string, string[]>();
    for (const [k, v] of new URLSearchParams(urlOf(this).query)) out.set(k, [...(out.get(k) ?? []), v]);
    return out;
  }),
];

const quantityValue = (q: Quantity) => opaque('quantity', quantityKey(q), q);
const qOf = (v: CelValue) => mustOpaque<Quantity>(v, 'quantity');
const qOrInt = (v: CelValue): Quantity => (typeof v === 'bigint' ? quantityOfInt(v) : qOf(v));

/** k8s quantity library: quantity, isQuantity, sign, isInteger, asInteger, asApproximateFloat, add, sub, compareTo, isLessThan, isGreaterThan. */
const quantities: CelFunc[] = [
  celFunc('quantity', [STRING], DYN, (s) => quantityValue(parseQuantity(s))),
  celFunc('isQuantity', [STRING], BOOL, (s) => isQuantity(s)),
  celMethod('sign', DYN, [], INT, function () {
    return quantitySign(qOf(this));
  }),
  celMethod('isInteger', DYN, [], BOOL, function () {
    return isIntegerQuantity(qOf(this));
  }),
  celMethod('asInteger', DYN, [], INT, function () {
    return quantityAsInteger(qOf(this));
  }),
  celMethod('asApproximateFloat', DYN, [], DOUBLE, function () {
    return quantityAsFloat(qOf(this));
  }),
  celMethod('add', DYN, [DYN], DYN, function (o) {
    return quantityValue(addQuantity(qOf(this), qOrInt(o)));
  }),
  celMethod('sub', DYN, [DYN], DYN, function (o) {
    return quantityValue(subQuantity(qOf(this), qOrInt(o)));
  }),
  celMethod('compareTo', DYN, [DYN], INT, function (o) {
    return BigInt(compareQuantity(qOf(this), qOf(o)));
  }),
  celMethod('isLessThan', DYN, [DYN], BOOL, function (o) {
    return compareQuantity(qOf(this), qOf(o)) < 0;
  }),
  celMethod('isGreaterThan', DYN, [DYN], BOOL, function (o) {
    return compareQuantity(qOf(this), qOf(o)) > 0;
  }),
];

const ipValue = (ip: IpAddr) => opaque('ip', formatIp(ip), ip);
const cidrValue = (c: Cidr) => opaque('cidr', formatCidr(c), c);
const ipOf = (v: CelValue) => mustOpaque<IpAddr>(v, 'ip');
const cidrOf = (v: CelValue) => mustOpaque<Cidr>(v, 'cidr');
const ipMethod = (name: string, test: (ip: IpAddr) => boolean) =>
  celMethod(name, DYN, [], BOOL, function () {
    return test(ipOf(this));
  });

/** k8s IP and CIDR libraries (plus `string()` of either). */
const network: CelFunc[] = [
  celFunc('ip', [STRING], DYN, (s) => ipValue(parseIp(s))),
  celFunc('isIP', [STRING], BOOL, (s) => isIp(s)),
  celFunc('ip.isCanonical', [STRING], BOOL, (s) => formatIp(parseIp(s)) === s),
  celMethod('family', DYN, [], INT, function () {
    return BigInt(ipOf(this).family);
  }),
  ipMethod('isUnspecified', ipClass.unspecified),
  ipMethod('isLoopback', ipClass.loopback),
  ipMethod('isLinkLocalMulticast', ipClass.linkLocalMulticast),
  ipMethod('isLinkLocalUnicast', ipClass.linkLocalUnicast),
  ipMethod('isGlobalUnicast', ipClass.globalUnicast),
  celFunc('cidr', [STRING], DYN, (s) => cidrValue(parseCidr(s))),
  celFunc('isCIDR', [STRING], BOOL, (s) => isCidr(s)),
  celMethod('containsIP', DYN, [DYN], BOOL, function (x) {
    return cidrContainsIp(cidrOf(this), typeof x === 'string' ? parseIp(x) : ipOf(x));
  }),
  celMethod('containsCIDR', DYN, [DYN], BOOL, function (x) {
    return cidrContainsCidr(cidrOf(this), typeof x === 'string' ? parseCidr(x) : cidrOf(x));
  }),
  celMethod('ip', DYN, [], DYN, function () {
    return ipValue(cidrOf(this).addr);
  }),
  celMethod('masked', DYN, [], DYN, function () {
    return cidrValue(maskedCidr(cidrOf(this)));
  }),
  celMethod('prefixLength', DYN, [], INT, function () {
    return BigInt(cidrOf(this).bits);
  }),
  celFunc('string', [DYN], STRING, (x) => {
    const ip = opaqueData<IpAddr>(x, 'ip');
    if (ip) return formatIp(ip);
    return formatCidr(cidrOf(x));
  }),
];

/** An optional: present with a value, or absent (`undefined`). */
interface Optional {
  value?: CelValue;
}
const NONE = opaque('optional', null, {} satisfies Optional);
const some = (v: CelValue) => opaque('optional', v, { value: v } satisfies Optional);
const optOf = (v: CelValue) => mustOpaque<Optional>(v, 'optional');
const isZero = (v: CelValue) => v === 0n || v === 0 || v === '' || v === false || v === null || ((isCelList(v) || isCelMap(v)) && v.size === 0);

/** cel-go optional types, as functions: optional.of / none / ofNonZeroValue, hasValue, value, orValue, or. */
export const optionals: CelFunc[] = [
  celFunc('optional.of', [DYN], DYN, (v) => some(v)),
  celFunc('optional.none', [], DYN, () => NONE),
  celFunc('optional.ofNonZeroValue', [DYN], DYN, (v) => (isZero(v) ? NONE : some(v))),
  celMethod('hasValue', DYN, [], BOOL, function () {
    return 'value' in optOf(this);
  }),
  celMethod('value', DYN, [], DYN, function () {
    const o = optOf(this);
    if (!('value' in o)) throw new Error('optional.none() dereference');
    return o.value as CelValue;
  }),
  celMethod('orValue', DYN, [DYN], DYN, function (d) {
    const o = optOf(this);
    return 'value' in o ? (o.value as CelValue) : d;
  }),
  celMethod('or', DYN, [DYN], DYN, function (other) {
    return 'value' in optOf(this) ? this : other;
  }),
];

/** An optional CEL value (for `oldSelf` under `optionalOldSelf`): `optional.of(v)` or `optional.none()`. */
export function celOptional(v: CelValue | undefined): CelValue {
  return v === undefined ? NONE : some(v);
}

/** cel-go sets extension: sets.contains, sets.equivalent, sets.intersects. */
const sets: CelFunc[] = [
  celFunc('sets.contains', [LIST, LIST], BOOL, (a, b) => items(b).every((x) => items(a).some((y) => celEquals(x, y)))),
  celFunc('sets.equivalent', [LIST, LIST], BOOL, (a, b) => items(b).every((x) => items(a).some((y) => celEquals(x, y))) && items(a).every((x) => items(b).some((y) => celEquals(x, y)))),
  celFunc('sets.intersects', [LIST, LIST], BOOL, (a, b) => items(a).some((x) => items(b).some((y) => celEquals(x, y)))),
];

function sorted(l: CelList): CelValue[] {
  return items(l).sort(compare);
}

/** cel-go ext lists (slice, flatten, distinct, sort, lists.range), strings `reverse`, and math ext (greatest, least, abs, ceil, floor, round). */
const extensions: CelFunc[] = [
  celMethod('slice', LIST, [INT, INT], LIST, function (from, to) {
    const xs = items(this);
    if (from < 0n || to < from || to > BigInt(xs.length)) throw new Error(`cannot slice(${from}, ${to}), invalid range`);
    return celList(xs.slice(Number(from), Number(to)));
  }),
  celMethod('flatten', LIST, [], LIST, function () {
    return celList(items(this).flatMap((x) => (isCelList(x) ? items(x) : [x])));
  }),
  celMethod('distinct', LIST, [], LIST, function () {
    const out: CelValue[] = [];
    for (const x of items(this)) if (!out.some((y) => celEquals(x, y))) out.push(x);
    return celList(out);
  }),
  celMethod('sort', LIST, [], LIST, function () {
    return celList(sorted(this));
  }),
  celFunc('lists.range', [INT], LIST, (n) => celList(Array.from({ length: Number(n > 0n ? n : 0n) }, (_, i) => BigInt(i)))),
  celMethod('reverse', STRING, [], STRING, function () {
    return [...this].reverse().join('');
  }),
  ...(['greatest', 'least'] as const).flatMap((name) => {
    const pick = (xs: CelValue[]) => {
      if (xs.length === 0) throw new Error(`math.@${name === 'greatest' ? 'max' : 'min'}(list) argument must not be empty`);
      return xs.reduce((best, x) => (compare(x, best) * (name === 'greatest' ? -1 : 1) < 0 ? x : best));
    };
    return [
      celFunc(`math.${name}`, [DYN], DYN, (x) => (isCelList(x) ? pick(items(x)) : x)),
      celFunc(`math.${name}`, [DYN, DYN], DYN, (a, b) => pick([a, b])),
      celFunc(`math.${name}`, [DYN, DYN, DYN], DYN, (a, b, c) => pick([a, b, c])),
    ];
  }),
  celFunc('math.abs', [DYN], DYN, (x) => {
    if (typeof x === 'bigint') {
      if (x === -(1n << 63n)) throw new Error('integer overflow');
      return x < 0n ? -x : x;
    }
    if (typeof x === 'number') return Math.abs(x);
    throw new Error('no such overload');
  }),
  celFunc('math.ceil', [DOUBLE], DOUBLE, (x) => Math.ceil(x)),
  celFunc('math.floor', [DOUBLE], DOUBLE, (x) => Math.floor(x)),
  celFunc('math.round', [DOUBLE], DOUBLE, (x) => (x < 0 ? -Math.round(-x) : Math.round(x))),
];

/** Every function a CRD validation rule can call beyond @bufbuild/cel's standard library. */
export const kubernetesLibrary: readonly CelFunc[] = [...strings, ...lists, ...regexLib, ...urls, ...quantities, ...network, ...optionals, ...sets, ...extensions];

/**
 * Functions of the Kubernetes CEL environment (v1.35) this library does not implement: a rule that
 * calls one compiles (as upstream), and its evaluation fails with `unbound function`, reported as a
 * runtime error of the rule.
 */
export const unimplementedFunctionNames: ReadonlySet<string> = new Set([
  'first', 'last', 'sortBy', 'base64.encode', 'base64.decode', 'semver', 'isSemver', 'major', 'minor', 'patch',
  'format.named', 'format.dns1123Label', 'format.dns1123Subdomain', 'format.dns1035Label', 'format.qualifiedName', 'format.labelValue', 'format.uri', 'format.uuid', 'format.byte', 'format.date', 'format.datetime', 'validate',
  'transformList', 'transformMap', 'transformMapEntry', 'math.trunc', 'math.sign', 'math.isNaN', 'math.isInf', 'math.isFinite', 'math.bitAnd', 'math.bitOr', 'math.bitXor', 'math.bitNot', 'math.bitShiftLeft', 'math.bitShiftRight', 'math.sqrt',
  'isEmpty', 'getField',
]);

