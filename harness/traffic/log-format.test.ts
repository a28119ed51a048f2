import { describe, expect, it } from 'vitest';
import { completeCycles, lastOutcome, parseCycles, resultLine, CYCLE_END, CYCLE_START } from './log-format.ts';
import { curlLoopScript } from './curl-script.ts';

describe('traffic log format', () => {
  it('parses cycles and ignores an unfinished last cycle when counting', () => {
    const log = [CYCLE_START, resultLine('a/x', 'a/y', 'allow'), CYCLE_END, CYCLE_START, resultLine('a/x', 'a/y', 'deny')];
    const cycles = parseCycles(log);
    expect(cycles).toHaveLength(2);
    expect(cycles[0].results.get('a/x->a/y')).toBe('allow');
    expect(cycles[1].complete).toBe(false);
    expect(completeCycles(log)).toBe(1);
  });

  it('reads suffixed lines by their outcome prefix', () => {
    const cycles = parseCycles([CYCLE_START, 'a/x->a/y:BLOCKED (timeout)', 'a/x->a/z:ALLOWED(UNEXPECTED)', CYCLE_END]);
    expect(cycles[0].results.get('a/x->a/y')).toBe('deny');
    expect(cycles[0].results.get('a/x->a/z')).toBe('allow');
  });

  it('takes whichever outcome occurs last in a whole log', () => {
    expect(lastOutcome('a/x->a/y:BLOCKED\na/x->a/y:ALLOWED\n', 'a/x', 'a/y')).toBe('allow');
    expect(lastOutcome('a/x->a/y:ALLOWED\na/x->a/y:BLOCKED\n', 'a/x', 'a/y')).toBe('deny');
    expect(lastOutcome('nothing here', 'a/x', 'a/y')).toBeUndefined();
  });

  it('writes a curl loop that prints the same markers and probe ids', () => {
    const script = curlLoopScript([{ from: 'webapp/frontend', to: 'webapp/api', url: 'http://api.webapp.svc.cluster.local:3000/' }]);
    expect(script).toContain(`echo ${CYCLE_START}`);
    expect(script).toContain(`echo ${CYCLE_END}`);
    expect(script).toContain(`probe 'webapp/frontend->webapp/api' 'http://api.webapp.svc.cluster.local:3000/'`);
    expect(script).toContain('echo "$id:BLOCKED (timeout)"');
  });
});
