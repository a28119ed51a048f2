import { describe, expect, it } from 'vitest';
import { completeCycles, lastOutcome, outcomeIn, parseCycles, probeId, resultLine, CYCLE_END, CYCLE_START } from './log-format.ts';
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

  it('carries the port in the probe id, so two probes to one callee on different ports are distinct', () => {
    expect(probeId('a/x', 'b/y', 9090)).toBe('a/x->b/y:9090');
    expect(probeId('a/x', 'b/y', null)).toBe('a/x->b/y');
    const cycles = parseCycles([CYCLE_START, resultLine('a/x', 'b/y', 'allow', '', 80), resultLine('a/x', 'b/y', 'deny', ' (timeout)', 9090), CYCLE_END]);
    expect([...cycles[0].results]).toEqual([
      ['a/x->b/y:80', 'allow'],
      ['a/x->b/y:9090', 'deny'],
    ]);
    expect(outcomeIn(cycles[0].results, 'a/x', 'b/y', 80)).toBe('allow');
    expect(outcomeIn(cycles[0].results, 'a/x', 'b/y', 9090)).toBe('deny');
    expect(outcomeIn(cycles[0].results, 'a/x', 'b/y', 81)).toBeUndefined();
    expect(lastOutcome('a/x->b/y:80:ALLOWED\na/x->b/y:9090:BLOCKED\n', 'a/x', 'b/y', 80)).toBe('allow');
    expect(lastOutcome('a/x->b/y:80:ALLOWED\na/x->b/y:9090:BLOCKED\n', 'a/x', 'b/y', 9090)).toBe('deny');
  });

  it('still reads old lines without a port: a lookup with a port falls back to the port-less id', () => {
    const cycles = parseCycles([CYCLE_START, 'a/x->a/y:ALLOWED', 'a/x->a/z:BLOCKED (timeout)', CYCLE_END]);
    expect(outcomeIn(cycles[0].results, 'a/x', 'a/y', 80)).toBe('allow');
    expect(outcomeIn(cycles[0].results, 'a/x', 'a/z', 8080)).toBe('deny');
    expect(lastOutcome('a/x->a/y:BLOCKED\na/x->a/y:ALLOWED\n', 'a/x', 'a/y', 80)).toBe('allow');
  });

  it('writes a curl loop that prints the same markers and probe ids', () => {
    const script = curlLoopScript([{ from: 'webapp/frontend', to: 'webapp/api', url: 'http://api.webapp.svc.cluster.local:3000/' }]);
    expect(script).toContain(`echo ${CYCLE_START}`);
    expect(script).toContain(`echo ${CYCLE_END}`);
    expect(script).toContain(`probe 'webapp/frontend->webapp/api' 'http://api.webapp.svc.cluster.local:3000/'`);
    expect(script).toContain('echo "$id:BLOCKED (timeout)"');
    expect(curlLoopScript([{ from: 'a/x', to: 'b/y', port: 9090, url: 'http://y.b.svc.cluster.local:9090/' }])).toContain(`probe 'a/x->b/y:9090' 'http://y.b.svc.cluster.local:9090/'`);
  });
});
