import { describe, expect, it } from 'vitest';
import { StatusError } from './api/index.ts';
import { applyJsonPatch, mergePatch } from './patch.ts';
import { deepFreeze } from './internal/json.ts';

describe('mergePatch (RFC 7386)', () => {
  it('follows the RFC examples: null deletes, objects merge, arrays and scalars replace', () => {
    expect(mergePatch({ a: 'b' }, { a: 'c' })).toEqual({ a: 'c' });
    expect(mergePatch({ a: 'b' }, { b: 'c' })).toEqual({ a: 'b', b: 'c' });
    expect(mergePatch({ a: 'b' }, { a: null })).toEqual({});
    expect(mergePatch({ a: ['b'] }, { a: 'c' })).toEqual({ a: 'c' });
    expect(mergePatch({ a: { b: 'c' } }, { a: { b: 'd', c: null } })).toEqual({ a: { b: 'd' } });
    expect(mergePatch({ a: [{ b: 'c' }] }, { a: [1] })).toEqual({ a: [1] });
    expect(mergePatch(['a', 'b'], ['c', 'd'])).toEqual(['c', 'd']);
    expect(mergePatch({ a: 'foo' }, 'bar')).toEqual('bar');
    expect(mergePatch({}, { a: { bb: { ccc: null } } })).toEqual({ a: { bb: {} } });
  });

  it('modifies neither argument, even frozen ones', () => {
    const t = deepFreeze({ a: { b: 1 } });
    const p = { a: { c: [1] } };
    const out = mergePatch(t, p) as { a: { c: number[] } };
    out.a.c.push(2);
    expect(p.a.c).toEqual([1]);
    expect(t).toEqual({ a: { b: 1 } });
  });
});

describe('applyJsonPatch (RFC 6902)', () => {
  it('applies add, remove, replace, move, copy and test to a copy', () => {
    const doc = deepFreeze({ a: 1, b: [1, 2], c: { d: 'x' } });
    const out = applyJsonPatch(doc, [
      { op: 'test', path: '/a', value: 1 },
      { op: 'replace', path: '/a', value: 2 },
      { op: 'add', path: '/b/-', value: 3 },
      { op: 'remove', path: '/b/0' },
      { op: 'move', from: '/c/d', path: '/e' },
      { op: 'copy', from: '/e', path: '/f' },
    ]);
    expect(out).toEqual({ a: 2, b: [2, 3], c: {}, e: 'x', f: 'x' });
  });

  it('answers 422 for a failed test or an unresolvable path and 400 for a malformed patch', () => {
    const err = (ops: unknown) => {
      try {
        applyJsonPatch({ a: 1 }, ops);
      } catch (e) {
        return e as StatusError;
      }
      throw new Error('no error');
    };
    expect(err([{ op: 'test', path: '/a', value: 2 }]).code).toBe(422);
    expect(err([{ op: 'remove', path: '/nope' }]).code).toBe(422);
    expect(err([{ op: 'jump', path: '/a' }]).code).toBe(400);
    expect(err({}).code).toBe(400);
  });
});
