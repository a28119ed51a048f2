/**
 * `pods/log?follow=true` (`kubectl logs -f`): kube-apiserver proxies the kubelet's log stream, which
 * sends what the container printed so far (after `tailLines`) and then each new line as the
 * container prints it, until the container stops (exits, or is replaced by a restart) or the pod
 * goes; the client ends it earlier by closing the connection (Ctrl-C, `--request-timeout`).
 * Here the first answer is the ordinary pods/log one (errors, a waiting container's 400, as it
 * is); then the container's output (`PodLogSource`) is read again every {@link FOLLOW_POLL_MS} of wall
 * time and what it gained is written, chunked, as `text/plain`.
 */
import type { ServerResponse } from 'node:http';
import type { ApiServer } from '../apiserver.ts';
import type { KubeObject } from '../api/index.ts';
import type { ApiResponse, PodLogSource } from './execute.ts';
import type { ResourceRequest } from './request.ts';

/** How often a followed container's output is read again. @unit wall ms */
export const FOLLOW_POLL_MS = 250;

interface ContainerStatus {
  name: string;
  containerID?: string;
  restartCount?: number;
  state?: { running?: { startedAt?: string } };
}

/** The running instance of `container` (its start time and restart count), or undefined when it is not running. */
function runningInstance(pod: KubeObject | undefined, container: string): string | undefined {
  const statuses = [...((pod?.status?.containerStatuses ?? []) as ContainerStatus[]), ...((pod?.status?.initContainerStatuses ?? []) as ContainerStatus[])];
  const st = statuses.find((c) => c.name === container);
  const startedAt = st?.state?.running?.startedAt;
  return startedAt === undefined ? undefined : `${startedAt}/${st?.restartCount ?? 0}`;
}

/**
 * Serves a followed pods/log request on `res`: `first` is the ordinary answer (sent as it is unless
 * it is a 200 of a container still running), `send` the server's writer of a whole answer.
 */
export function followPodLog(api: ApiServer, req: ResourceRequest, first: ApiResponse, res: ServerResponse, source: PodLogSource, send: (r: ApiResponse) => void): void {
  const key = { namespace: req.namespace, name: req.name! };
  const podType = { apiVersion: 'v1', kind: 'Pod' };
  const read = (): KubeObject | undefined => (api.has(podType, key) ? api.get(podType, key) : undefined);
  const pod = read();
  const names = ((pod?.spec?.containers ?? []) as { name: string }[]).map((c) => c.name);
  const container = req.query.container ?? names[0];
  const instance = container === undefined ? undefined : runningInstance(pod, container);
  if (first.code !== 200 || req.query.previous || !pod || instance === undefined) return send(first);
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  res.write(String(first.body));
  // What the container had printed when the answer was made (the answer may show only its tail).
  let printed = source(pod, container!, false).length;
  const timer = setInterval(() => {
    const now = read();
    const text = now ? source(now, container!, false) : '';
    if (text.length > printed) res.write(text.slice(printed));
    printed = Math.max(printed, text.length);
    if (!now || runningInstance(now, container!) !== instance) {
      clearInterval(timer);
      res.end();
    }
  }, FOLLOW_POLL_MS);
  res.on('close', () => clearInterval(timer));
}
