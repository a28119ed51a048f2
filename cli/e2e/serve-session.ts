/**
 * Test support for kubectl sessions against `lattice-sim serve --stubs`: registers the suite's
 * beforeAll / afterAll (a fresh directory, the real kubectl v1.35 extracted into it, the server with
 * its kubeconfig) and hands back the session. The server must report no error on stderr by the end.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { extractKubectl, runKubectl } from '../../fake-apiserver/http/testing/kubectl.ts';
import type { KubectlResult } from '../../fake-apiserver/http/testing/kubectl.ts';
import { startServe } from '../serve.ts';
import type { ServeHandle } from '../serve.ts';

/** A session: valid inside the suite's tests (set up in its beforeAll). */
export interface ServeSession {
  /** The running server (its API server, World and kubeconfig). */
  s: ServeHandle;
  /** Scratch directory of the session (HOME of kubectl, manifests). */
  dir: string;
  /** kubectl with `args`; fails the test with kubectl's stderr unless it exits 0. Resolves to stdout. */
  k: (...args: string[]) => Promise<string>;
  /** kubectl with `args`, whatever it exits with. */
  kr: (...args: string[]) => Promise<KubectlResult>;
  /** kubectl's binary and the environment it runs with (for long-running commands: port-forward). */
  kubectl: { bin: string; env: NodeJS.ProcessEnv };
  /** kubectl with `args` and `stdin` piped in, whatever it exits with. */
  kin: (stdin: string, ...args: string[]) => Promise<KubectlResult>;
}

/** Registers the session's set-up and tear-down in the current suite; `seed` seeds the simulated cluster. */
export function useServeSession(prefix: string, seed: number): ServeSession {
  const session = {} as ServeSession;
  const errors: string[] = [];
  let kubectl = '';
  let env: NodeJS.ProcessEnv = {};
  beforeAll(async () => {
    session.dir = mkdtempSync(join(tmpdir(), `lattice-sim-${prefix}-`));
    kubectl = extractKubectl(session.dir);
    session.s = await startServe({ port: 0, kubeconfig: join(session.dir, 'kubeconfig'), stubs: true, seed }, { out: () => {}, err: (m: string) => errors.push(m) });
    env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: session.dir, KUBECONFIG: session.s.kubeconfig };
    session.kubectl = { bin: kubectl, env };
  });
  afterAll(async () => {
    await session.s?.stop();
    expect(errors).toEqual([]);
  });
  session.kr = (...args) => runKubectl(kubectl, args, env);
  session.kin = (stdin, ...args) => runKubectl(kubectl, args, env, stdin);
  session.k = async (...args) => {
    const r = await runKubectl(kubectl, args, env);
    expect(r.code, `kubectl ${args.join(' ')}\n${r.stderr}`).toBe(0);
    return r.stdout;
  };
  return session;
}
