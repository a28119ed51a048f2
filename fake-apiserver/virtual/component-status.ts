/**
 * `componentstatuses` (core v1 ComponentStatus, deprecated since v1.19 and still served; `kubectl get
 * cs`): kube-apiserver's own probe of the control plane — the scheduler's and controller manager's
 * `/healthz` on their secure ports, and etcd (pkg/registry/core/componentstatus). Each is an object
 * with one condition `Healthy`: True with message `ok`, or False with the probe's error. Every request
 * gets the deprecation Warning `v1 ComponentStatus is deprecated in v1.19+`. Read-only (get, list), as
 * upstream.
 */
import { notFound } from '../api/index.ts';
import type { KubeObject } from '../api/index.ts';
import type { VirtualResourceProvider } from './provider.ts';

/** One probed component: healthy, or the error its probe met. */
export interface ComponentHealth {
  name: string;
  /** The probe's error when unhealthy (`Get "https://127.0.0.1:10259/healthz": dial tcp …`). */
  error?: string;
}

/** Where upstream probes the scheduler and the controller manager (their secure ports). */
export const CONTROL_PLANE_PROBES = { scheduler: 10259, 'controller-manager': 10257 } as const;

/** The probe error of a component that does not run (nothing listens on its port). */
export function notRunning(name: keyof typeof CONTROL_PLANE_PROBES): ComponentHealth {
  const port = CONTROL_PLANE_PROBES[name];
  return { name, error: `Get "https://127.0.0.1:${port}/healthz": dial tcp 127.0.0.1:${port}: connect: connection refused` };
}

function toObject(c: ComponentHealth): KubeObject {
  const condition = c.error === undefined ? { type: 'Healthy', status: 'True', message: 'ok' } : { type: 'Healthy', status: 'False', error: c.error };
  return { apiVersion: 'v1', kind: 'ComponentStatus', metadata: { name: c.name }, conditions: [condition] } as KubeObject;
}

const cell = (o: KubeObject, field: 'status' | 'message' | 'error'): string => {
  const c = ((o as { conditions?: Record<string, string>[] }).conditions ?? []).find((x) => x.type === 'Healthy');
  if (field === 'status') return c?.status === 'True' ? 'Healthy' : 'Unhealthy';
  return c?.[field] ?? '';
};

/**
 * The `componentstatuses` resource, its answers from `probe` (asked on every read).
 * @example api.serveVirtualResource(componentStatusProvider(() => [{ name: 'etcd-0' }, notRunning('scheduler')]))
 */
export function componentStatusProvider(probe: () => readonly ComponentHealth[]): VirtualResourceProvider {
  return {
    group: '',
    version: 'v1',
    kind: 'ComponentStatus',
    plural: 'componentstatuses',
    namespaced: false,
    shortNames: ['cs'],
    warning: 'v1 ComponentStatus is deprecated in v1.19+',
    get: (_namespace, name) => {
      const c = probe().find((x) => x.name === name);
      if (!c) throw notFound('componentstatus', '', name);
      return toObject(c);
    },
    list: () => probe().map(toObject),
    tableColumns: () => [
      { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', cell: (o) => o.metadata.name },
      { name: 'Status', type: 'string', format: '', description: 'Status of the component conditions', cell: (o) => cell(o, 'status') },
      { name: 'Message', type: 'string', format: '', description: 'Message of the component conditions', cell: (o) => cell(o, 'message') },
      { name: 'Error', type: 'string', format: '', description: 'Error of the component conditions', cell: (o) => cell(o, 'error') },
    ],
  };
}
