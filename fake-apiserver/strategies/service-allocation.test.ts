import { describe, expect, it } from 'vitest';
import { ApiServer } from '../apiserver.ts';
import type { KubeObject } from '../api/index.ts';
import { StatusError } from '../api/index.ts';
import { manualClock } from '../testing/manual-clock.ts';
import { KUBERNETES_SERVICE_IP, kubernetesServiceObjects } from './service-allocation.ts';

const SVC = { apiVersion: 'v1', kind: 'Service' };
const svc = (name: string, spec: Record<string, unknown>): KubeObject => ({ ...SVC, metadata: { name, namespace: 'default' }, spec: { ports: [{ port: 80 }], ...spec } });
const server = () => new ApiServer({ clock: manualClock() });
const failure = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    if (e instanceof StatusError) return `${e.code} ${e.message}`;
    throw e;
  }
  throw new Error('no error');
};

describe('Service allocation (Service REST: cluster IPs, node ports)', () => {
  it('allocates a single-stack cluster IP in the upper band of 10.96.0.0/16, deterministically, distinct per Service', () => {
    const a = server();
    const web = a.create(svc('web', { selector: { app: 'web' } }));
    expect(web.spec.clusterIP).toMatch(/^10\.96\.\d+\.\d+$/);
    expect(web.spec.clusterIPs).toEqual([web.spec.clusterIP]);
    expect(web.spec.ipFamilies).toEqual(['IPv4']);
    expect(web.spec.ipFamilyPolicy).toBe('SingleStack');
    expect(Number(web.spec.clusterIP.split('.')[2])).toBeGreaterThanOrEqual(1); // beyond the static band (first 256)
    expect(server().create(svc('web', {})).spec.clusterIP).toBe(web.spec.clusterIP);
    const ips = new Set([web.spec.clusterIP, ...Array.from({ length: 20 }, (_, i) => a.create(svc(`s${i}`, {})).spec.clusterIP)]);
    expect(ips.size).toBe(21);
  });

  it('keeps headless and ExternalName Services without an address; honours a requested IP; 422 on conflict or out of range', () => {
    const a = server();
    const headless = a.create(svc('db', { clusterIP: 'None', selector: { app: 'db' } }));
    expect(headless.spec).toMatchObject({ clusterIP: 'None', clusterIPs: ['None'], ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack' });
    expect(a.create(svc('bare', { clusterIP: 'None' })).spec.ipFamilyPolicy).toBe('RequireDualStack');
    const ext = a.create({ ...SVC, metadata: { name: 'ext', namespace: 'default' }, spec: { type: 'ExternalName', externalName: 'example.com' } });
    expect(ext.spec.clusterIP).toBeUndefined();
    expect(ext.spec.ipFamilies).toBeUndefined();
    expect(a.create(svc('dns', { clusterIP: '10.96.0.10' })).spec.clusterIPs).toEqual(['10.96.0.10']);
    expect(failure(() => a.create(svc('dns2', { clusterIP: '10.96.0.10' })))).toBe(
      '422 Service "dns2" is invalid: spec.clusterIPs: Invalid value: ["10.96.0.10"]: failed to allocate IP 10.96.0.10: provided IP is already allocated',
    );
    expect(failure(() => a.create(svc('far', { clusterIP: '10.0.0.5' })))).toBe(
      '422 Service "far" is invalid: spec.clusterIPs: Invalid value: ["10.0.0.5"]: failed to allocate IP 10.0.0.5: the provided IP (10.0.0.5) is not in the valid range. The range of valid IPs is 10.96.0.0/16',
    );
    // Deleting releases the address.
    a.delete(SVC, { namespace: 'default', name: 'dns' });
    expect(a.create(svc('dns2', { clusterIP: '10.96.0.10' })).spec.clusterIP).toBe('10.96.0.10');
  });

  it('keeps the cluster IP on update (carried over when omitted) and refuses a change', () => {
    const a = server();
    const web = a.create(svc('web', {}));
    const replaced = a.update({ ...SVC, metadata: { name: 'web', namespace: 'default', resourceVersion: web.metadata.resourceVersion }, spec: { ports: [{ port: 81 }] } });
    expect(replaced.spec.clusterIP).toBe(web.spec.clusterIP);
    expect(replaced.spec.ipFamilies).toEqual(['IPv4']);
    expect(failure(() => a.patch(SVC, { namespace: 'default', name: 'web' }, 'merge', { spec: { clusterIP: 'None', clusterIPs: ['None'] } }))).toBe(
      '422 Service "web" is invalid: spec.clusterIPs[0]: Invalid value: ["None"]: may not change once set',
    );
  });

  it('allocates node ports for NodePort and LoadBalancer (healthCheckNodePort with externalTrafficPolicy Local), honours requested ones, keeps them on update, drops them for ClusterIP', () => {
    const a = server();
    const np = a.create(svc('np', { type: 'NodePort', ports: [{ name: 'http', port: 80 }, { name: 'https', port: 443 }] }));
    const [p1, p2] = np.spec.ports.map((p: { nodePort: number }) => p.nodePort);
    for (const p of [p1, p2]) {
      expect(p).toBeGreaterThanOrEqual(30000);
      expect(p).toBeLessThanOrEqual(32767);
    }
    expect(p1).not.toBe(p2);
    expect(a.create(svc('fixed', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] })).spec.ports[0].nodePort).toBe(30080);
    expect(failure(() => a.create(svc('dup', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] })))).toBe('422 Service "dup" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated');
    expect(failure(() => a.create(svc('low', { type: 'NodePort', ports: [{ port: 80, nodePort: 29999 }] })))).toBe(
      '422 Service "low" is invalid: spec.ports[0].nodePort: Invalid value: 29999: provided port is not in the valid range. The range of valid ports is 30000-32767',
    );
    const lb = a.create(svc('lb', { type: 'LoadBalancer', externalTrafficPolicy: 'Local' }));
    expect(lb.spec.healthCheckNodePort).toBeGreaterThanOrEqual(30000);
    expect(lb.spec.ports[0].nodePort).toBeGreaterThanOrEqual(30000);
    expect(lb.spec.healthCheckNodePort).not.toBe(lb.spec.ports[0].nodePort);
    // A replace without node ports keeps them (by port name); a switch to ClusterIP drops them, and back allocates again.
    const cur = a.get(SVC, { namespace: 'default', name: 'np' });
    const kept = a.update({ ...SVC, metadata: { name: 'np', namespace: 'default', resourceVersion: cur.metadata.resourceVersion }, spec: { type: 'NodePort', ports: [{ name: 'http', port: 80 }, { name: 'https', port: 443 }] } });
    expect(kept.spec.ports.map((p: { nodePort: number }) => p.nodePort)).toEqual([p1, p2]);
    const cip = a.patch(SVC, { namespace: 'default', name: 'np' }, 'merge', { spec: { type: 'ClusterIP' } });
    expect(cip.spec.ports.map((p: { nodePort?: number }) => p.nodePort)).toEqual([undefined, undefined]);
    const back = a.patch(SVC, { namespace: 'default', name: 'np' }, 'merge', { spec: { type: 'NodePort' } });
    expect(back.spec.ports.every((p: { nodePort?: number }) => (p.nodePort ?? 0) >= 30000)).toBe(true);
  });

  it('is off with the built-in strategies (simulated runs store Services as written)', () => {
    const a = new ApiServer({ clock: manualClock(), builtinStrategies: { defaulting: false } });
    expect(a.create(svc('web', {})).spec.clusterIP).toBeUndefined();
  });

  it('the bootstrap kubernetes Service takes 10.96.0.1', () => {
    const a = server();
    for (const o of kubernetesServiceObjects()) a.create(o);
    expect(a.get(SVC, { namespace: 'default', name: 'kubernetes' }).spec).toMatchObject({ clusterIP: KUBERNETES_SERVICE_IP, clusterIPs: [KUBERNETES_SERVICE_IP], ports: [{ name: 'https', port: 443, targetPort: 6443 }] });
  });
});
