import { describe, expect, test } from 'vitest';
import { InProcessClient, ApiServer } from '../../fake-apiserver/index.ts';
import { VirtualClock } from '../clock/index.ts';
import { BUGS, BUG_CATALOGUE, INJECTABLE_BUGS, UnknownBugError, applyBugs, bugByName, isInjectedBug } from './catalogue.ts';
import { BUG_AREAS } from './types.ts';
import type { BugSeams } from './types.ts';

const seams = (): BugSeams => {
  const server = new ApiServer({ clock: new VirtualClock() });
  return { platformClient: new InProcessClient(server), stubsClient: new InProcessClient(server), validatingAdmission: [{ name: 'validate.example.dev', admit: () => ({ allowed: false }) }] };
};

describe('the bug catalogue', () => {
  test('names are unique, stable kebab-case', () => {
    expect(new Set(INJECTABLE_BUGS).size).toBe(INJECTABLE_BUGS.length);
    for (const name of INJECTABLE_BUGS) expect(name).toMatch(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/);
  });

  test('keeps the two historical bugs under their names (old reproduce lines still work)', () => {
    expect(INJECTABLE_BUGS).toEqual(expect.arrayContaining(['wrong-selector', 'unilateral-allow']));
  });

  test('every entry has a one-line description and a known area', () => {
    for (const bug of BUGS) {
      expect(bug.description.length).toBeGreaterThan(20);
      expect(bug.description).not.toMatch(/\n/);
      expect(BUG_AREAS).toContain(bug.area);
    }
  });

  test('BUG_CATALOGUE lists every bug as data only, in catalogue order', () => {
    expect(BUG_CATALOGUE).toEqual(BUGS.map(({ name, description, area }) => ({ name, description, area })));
    for (const info of BUG_CATALOGUE) expect(Object.keys(info).sort()).toEqual(['area', 'description', 'name']);
  });

  test('every bug wraps exactly the seams of its kind (the stubs client for stubs bugs, the platform client otherwise) and leaves the seams it was given untouched', () => {
    for (const bug of BUGS) {
      const given = seams();
      const out = bug.apply(given, { clock: new VirtualClock() });
      // A bug of the API server's admission (the validatingAdmission seam) leaves both clients alone.
      const admission = out.validatingAdmission !== given.validatingAdmission;
      const stubs = bug.area === 'stubs';
      expect(out.platformClient === given.platformClient, bug.name).toBe(stubs || admission);
      expect(out.stubsClient === given.stubsClient, bug.name).toBe(!stubs || admission);
      expect(given.platformClient).toBeInstanceOf(InProcessClient);
      expect(given.stubsClient).toBeInstanceOf(InProcessClient);
    }
  });

  test('every area has at least one bug, and there are at least 16 in all (issue 7)', () => {
    expect(BUG_AREAS.filter((area) => !BUGS.some((b) => b.area === area))).toEqual([]);
    expect(BUGS.length).toBeGreaterThanOrEqual(16);
  });
});

describe('applyBugs', () => {
  test('with no bug returns the seams unchanged', () => {
    const given = seams();
    expect(applyBugs(undefined, given, { clock: new VirtualClock() })).toBe(given);
    expect(applyBugs([], given, { clock: new VirtualClock() })).toBe(given);
  });

  test('installs several bugs in order, each wrapping the previous seams', () => {
    const given = seams();
    const out = applyBugs(['wrong-selector', 'unilateral-allow'], given, { clock: new VirtualClock() });
    expect(out.platformClient).not.toBe(given.platformClient);
  });

  test('refuses an unknown name before installing anything, naming the valid ones', () => {
    expect(() => applyBugs(['wrong-selector', 'no-such-bug' as never], seams(), { clock: new VirtualClock() })).toThrow(UnknownBugError);
    const err = (() => {
      try {
        bugByName('no-such-bug');
      } catch (e) {
        return e as UnknownBugError;
      }
    })();
    expect(err?.code).toBe('LATTICE_SIM_UNKNOWN_BUG');
    expect(err?.message).toContain('wrong-selector');
  });

  test('isInjectedBug narrows catalogue names only', () => {
    expect(isInjectedBug('unilateral-allow')).toBe(true);
    expect(isInjectedBug('Unilateral-Allow')).toBe(false);
  });
});
