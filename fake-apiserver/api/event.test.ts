import { describe, expect, it } from 'vitest';
import { coreEvent, EventNamer } from './event.ts';

describe('EventNamer', () => {
  it('names <object>.<hex ns instant>, appends a hex sequence on repeats, and forgets the oldest base beyond its memory', () => {
    const base = `m.${(1_000 * 1e6).toString(16)}`;
    const two = new EventNamer(2);
    expect([two.next('m', 1_000), two.next('m', 1_000), two.next('n', 1_000), two.next('m', 1_000)]).toEqual([base, `${base}1`, `n.${(1_000 * 1e6).toString(16)}`, `${base}2`]);
    const one = new EventNamer(1);
    expect([one.next('m', 1_000), one.next('n', 1_000), one.next('m', 1_000)]).toEqual([base, `n.${(1_000 * 1e6).toString(16)}`, base]);
  });

  it('forgets an earlier instant\'s bases once a later instant is named, so a burst of one instant never repeats a name', () => {
    const namer = new EventNamer(2);
    const at = (ms: number) => (ms * 1e6).toString(16);
    expect([namer.next('a', 1_000), namer.next('b', 1_000), namer.next('a', 1_000), namer.next('a', 2_000), namer.next('b', 2_000), namer.next('a', 2_000)])
      .toEqual([`a.${at(1_000)}`, `b.${at(1_000)}`, `a.${at(1_000)}1`, `a.${at(2_000)}`, `b.${at(2_000)}`, `a.${at(2_000)}1`]);
  });
});

describe('coreEvent', () => {
  it('writes the involved object, source and timestamps as client-go; a cluster-scoped subject lands in default', () => {
    const subject = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', uid: 'u' } };
    expect(coreEvent({ name: 'n1.1', subject, type: 'Normal', reason: 'Ready', message: 'ok', source: { component: 'kubelet', host: 'n1' }, nowMs: 0 })).toEqual({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'n1.1', namespace: 'default' },
      involvedObject: { apiVersion: 'v1', kind: 'Node', namespace: undefined, name: 'n1', uid: 'u' },
      reason: 'Ready',
      message: 'ok',
      type: 'Normal',
      source: { component: 'kubelet', host: 'n1' },
      firstTimestamp: '1970-01-01T00:00:00Z',
      lastTimestamp: '1970-01-01T00:00:00Z',
      count: 1,
      reportingComponent: 'kubelet',
      reportingInstance: 'n1',
    });
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'team' } };
    expect(coreEvent({ name: 'p.1', subject: pod, type: 'Warning', reason: 'R', message: 'm', source: { component: 'ctl' }, nowMs: 0 })).toEqual(expect.objectContaining({ metadata: { name: 'p.1', namespace: 'team' }, source: { component: 'ctl' }, reportingInstance: '' }));
  });
});
