import { describe, expect, it } from 'vitest';
import { containerProgram, outputUntil } from './container-program.ts';

const run = (c: { command?: string[]; args?: string[]; env?: unknown[] }) => containerProgram({ name: 'c', ...c }, 'tmp');

describe('container program model', () => {
  it('echo, true, false and sleep run directly (kubectl run … -- echo hi)', () => {
    expect(run({ args: ['echo', 'hi'] })).toEqual({ runMs: 0, exitCode: 0, output: [{ atMs: 0, text: 'hi\n' }] });
    expect(run({ command: ['/bin/echo', '-n', 'a', 'b'] })?.output).toEqual([{ atMs: 0, text: 'a b' }]);
    expect(run({ command: ['true'] })).toEqual({ runMs: 0, exitCode: 0, output: [] });
    expect(run({ command: ['false'] })?.exitCode).toBe(1);
    expect(run({ command: ['sleep', '1.5'] })).toEqual({ runMs: 1500, exitCode: 0, output: [] });
    expect(run({ command: ['sleep', '2m'] })?.runMs).toBe(120_000);
  });

  it('sh -c scripts: ; && || sequences, exit N, quotes, variables, comments', () => {
    const p = run({ command: ['/bin/sh', '-c', 'echo "start $HOSTNAME"; sleep 5 && echo \'done it\'; false || echo recovered; exit 3; echo never'] });
    expect(p).toEqual({
      runMs: 5000,
      exitCode: 3,
      output: [
        { atMs: 0, text: 'start tmp\n' },
        { atMs: 5000, text: 'done it\n' },
        { atMs: 5000, text: 'recovered\n' },
      ],
    });
    expect(outputUntil(p!, 4999)).toBe('start tmp\n');
    expect(outputUntil(p!, Infinity)).toBe('start tmp\ndone it\nrecovered\n');
    expect(run({ command: ['sh', '-c', 'false && echo no'] })).toEqual({ runMs: 0, exitCode: 1, output: [] });
    expect(run({ command: ['sh', '-c', 'false; exit'] })?.exitCode).toBe(1);
    expect(run({ command: ['bash', '-c', 'echo a # comment\necho ${GREETING}'], env: [{ name: 'GREETING', value: 'hello' }] })?.output.map((o) => o.text)).toEqual(['a\n', 'hello\n']);
  });

  it('printenv / env print the container environment; printenv NAME its value, status 1 when unset', () => {
    const env = run({ command: ['printenv'], env: [{ name: 'A', value: 'x' }, { name: 'B', value: '$(A)-y' }] })!;
    const lines = outputUntil(env, Infinity).trimEnd().split('\n');
    expect(lines.slice(0, 4)).toEqual(['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'HOSTNAME=tmp', 'A=x', 'B=x-y']);
    expect(lines).toContain('KUBERNETES_SERVICE_HOST=10.96.0.1');
    expect(lines).toContain('HOME=/root');
    expect(run({ command: ['printenv', 'HOSTNAME'] })?.output).toEqual([{ atMs: 0, text: 'tmp\n' }]);
    expect(run({ command: ['printenv', 'NOPE'] })?.exitCode).toBe(1);
    expect(outputUntil(run({ command: ['sh', '-c', 'env'] })!, Infinity)).toContain('SHLVL=1\n');
  });

  it('anything else is not modelled (the container keeps running)', () => {
    for (const c of [
      {},
      { command: ['nginx', '-g', 'daemon off;'] },
      { command: ['sleep', 'infinity'] },
      { command: ['sh', '-c', 'echo hi | tee /tmp/x'] },
      { command: ['sh', '-c', 'echo $(date)'] },
      { command: ['sh', '-c', 'while true; do sleep 1; done'] },
      { command: ['sh', '-c', 'echo > /tmp/x'] },
      { command: ['exit', '1'] },
      { command: ['echo', '-e', 'a\\n'] },
    ])
      expect(run(c)).toBeUndefined();
    expect(run({ command: ['printenv', 'POD'], env: [{ name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] })).toBeUndefined();
  });
});
