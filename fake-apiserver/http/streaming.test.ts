import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { ApiServer } from '../apiserver.ts';
import type { KubeObject } from '../api/index.ts';
import { startHttpServer } from './server.ts';
import type { RunningHttpServer } from './server.ts';
import { openPodStream, StreamRefused } from './streaming.ts';
import type { PodStreamSource, StreamSink } from './streaming.ts';

const wallClock = { now: () => Date.now(), sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)), setTimer: (ms: number, fn: () => void) => ({ cancel: clearTimeout.bind(null, setTimeout(fn, ms)) }) };

/** A kubelet double: `upper` echoes stdin upper-cased at its end and exits 3; `ok` prints and succeeds; `stopped` is not running. */
const source: PodStreamSource = {
  exec(_pod: KubeObject, container: string, command: string[], _opts, sink: StreamSink) {
    if (container === 'stopped') throw new StreamRefused(500, `container not found ("${container}")`);
    const chunks: Buffer[] = [];
    if (command[0] === 'ok') {
      sink.stdout(Buffer.from('fine\n'));
      sink.exit({ exitCode: 0 });
    }
    return {
      stdin: (d) => void chunks.push(d),
      closeStdin: () => {
        sink.stdout(Buffer.from(Buffer.concat(chunks).toString().toUpperCase()));
        sink.stderr(Buffer.from('done\n'));
        sink.exit({ exitCode: 3 });
      },
      resize: (w, h) => sink.stderr(Buffer.from(`${w}x${h}\n`)),
      close: () => undefined,
    };
  },
  attach: () => {
    throw new StreamRefused(500, 'unused');
  },
};

/** Collects what a WebSocket session receives: frames by channel, then the close. */
function session(url: string, protocols: string[], send: (ws: WebSocket) => void): Promise<{ protocol: string; frames: [number, string][] } | { status: number; body: string }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, protocols);
    const frames: [number, string][] = [];
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.on('open', () => send(ws));
    ws.on('message', (data: Buffer, binary) => {
      if (binary) frames.push([data[0]!, data.subarray(1).toString()]);
      else frames.push([data[0]! - 48, Buffer.from(data.subarray(1).toString(), 'base64').toString()]);
    });
    ws.on('close', () => resolve({ protocol: ws.protocol, frames }));
  });
}

describe('pods/exec over WebSocket (RemoteCommand v5 / v4)', () => {
  let api: ApiServer;
  let http: RunningHttpServer;
  beforeAll(async () => {
    api = new ApiServer({ clock: wallClock });
    const pod = (name: string, nodeName?: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: 'a', image: 'x' }, { name: 'stopped', image: 'x' }] } });
    api.create(pod('p', 'node-1'));
    api.create(pod('unscheduled'));
    http = await startHttpServer(api, { podStreams: source });
  });
  afterAll(() => http.close());
  const url = (pod: string, q: string) => `${http.url.replace('http', 'ws')}/api/v1/namespaces/default/pods/${pod}/exec?${q}`;

  it('v5: an empty first stdout frame, output, the stdin close signal, then the NonZeroExitCode Status and the close', async () => {
    const r = await session(url('p', 'container=a&command=upper&stdin=true&stdout=true&stderr=true'), ['v5.channel.k8s.io', 'v4.channel.k8s.io'], (ws) => {
      ws.send(Buffer.from('\x00hello'));
      ws.send(Buffer.from('\x04{"Width":80,"Height":24}'));
      ws.send(Buffer.from([255, 0]));
    });
    expect(r).toEqual({
      protocol: 'v5.channel.k8s.io',
      frames: [
        [1, ''],
        [2, '80x24\n'],
        [1, 'HELLO'],
        [2, 'done\n'],
        [3, '{"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code: error executing command [upper], exit code 3","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"3"}]}}'],
      ],
    });
  });

  it('v4 base64: text frames with ASCII channel digits; Success on the error channel', async () => {
    const r = await session(url('p', 'container=a&command=ok&stdout=true'), ['v4.base64.channel.k8s.io'], () => undefined);
    expect(r).toEqual({ protocol: 'v4.base64.channel.k8s.io', frames: [[1, ''], [1, 'fine\n'], [3, '{"metadata":{},"status":"Success"}']] });
  });

  it('refusals before the upgrade: API server Status answers, the kubelet plain text, SPDY not served', async () => {
    const ws = ['v5.channel.k8s.io'];
    const json = (r: unknown) => ({ ...(r as { status: number }), body: JSON.parse((r as { body: string }).body) as { message: string } });
    expect(json(await session(url('ghost', 'command=x&stdout=true'), ws, () => undefined))).toMatchObject({ status: 404, body: { message: 'pods "ghost" not found' } });
    expect(json(await session(url('p', 'command=x&stdout=true'), ws, () => undefined))).toMatchObject({ status: 400, body: { message: 'a container name must be specified for pod p, choose one of: [a stopped]' } });
    expect(json(await session(url('p', 'container=zz&command=x&stdout=true'), ws, () => undefined))).toMatchObject({ status: 400, body: { message: 'container zz is not valid for pod p' } });
    expect(json(await session(url('unscheduled', 'container=a&command=x&stdout=true'), ws, () => undefined))).toMatchObject({ status: 400, body: { message: 'pod unscheduled does not have a host assigned' } });
    expect(await session(url('p', 'container=stopped&command=x&stdout=true'), ws, () => undefined)).toEqual({ status: 500, body: 'container not found ("stopped")' });
    const spdy = await new Promise<{ status: number; body: string }>((resolve) => {
      const req = request(`${http.url}/api/v1/namespaces/default/pods/p/exec?container=a&command=x&stdout=true`, { method: 'POST', headers: { Connection: 'Upgrade', Upgrade: 'SPDY/3.1', 'X-Stream-Protocol-Version': 'v4.channel.k8s.io' } });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.end();
    });
    expect(json(spdy)).toMatchObject({ status: 400, body: { message: 'lattice-sim serves pods/exec over WebSocket (v5.channel.k8s.io) only; SPDY/3.1 is not modelled' } });
  });

  it('in process: openPodStream runs the same checks and session without HTTP', () => {
    const out: string[] = [];
    const sink: StreamSink = { stdout: (d) => out.push(`1:${d}`), stderr: (d) => out.push(`2:${d}`), exit: (r) => out.push(`exit:${JSON.stringify(r)}`) };
    const input = openPodStream(api, source, { subresource: 'exec', namespace: 'default', name: 'p', container: 'a', command: ['upper'], options: { stdin: true, stdout: true, stderr: true, tty: false } }, sink);
    input.stdin(Buffer.from('abc'));
    input.closeStdin();
    expect(out).toEqual(['1:ABC', '2:done\n', 'exit:{"exitCode":3}']);
    expect(() => openPodStream(api, source, { subresource: 'exec', namespace: 'default', name: 'p', container: 'a', command: [], options: { stdin: false, stdout: true, stderr: false, tty: false } }, sink)).toThrow('you must specify at least 1 command');
  });
});
