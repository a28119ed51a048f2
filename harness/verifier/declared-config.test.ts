import { describe, expect, it } from 'vitest';
import type { KubeObject, TypeRef } from '../../fake-apiserver/api/index.ts';
import type { LatticeService } from '../../platform/index.ts';
import type { ClusterReader } from '../cluster.ts';
import { declaredConfigProblems } from './admission-judge.ts';

/** A reader over a fixed object list (kind and namespace filters only). */
const readerOf = (objects: readonly KubeObject[]): ClusterReader => ({
  list: <T extends KubeObject>(type: TypeRef, opts?: { namespace?: string }) =>
    objects.filter((o) => o.kind === type.kind && (!opts?.namespace || o.metadata.namespace === opts.namespace)) as T[],
  revision: () => 1,
});

const b64 = (s: string) => Buffer.from(s).toString('base64');
const ls = {
  metadata: { name: 'web', namespace: 'shop' },
  spec: {
    workload: {
      containers: {
        main: {
          image: 'nginx',
          variables: { LATTICE_SIM_ROLE: 'server', DB_PASSWORD: '${secret.db.password}' },
          files: { '/etc/app/app.conf': { content: 'mode=fast\n' }, '/etc/secrets/token': { content: 'token=${secret.db.token}' } },
        },
      },
    },
  },
} as unknown as LatticeService;

/** What a correct compile of `ls` yields (reference §2.3 routes): env ConfigMap via envFrom, secretKeyRef, a files ConfigMap and a file Secret, each mounted by subPath. */
function objects(main: Record<string, unknown> = {}, roleValue = 'server'): KubeObject[] {
  const mounts = [
    { name: 'web-main-files', mountPath: '/etc/app/app.conf', subPath: 'app.conf', readOnly: true },
    { name: 'web-main-file-token', mountPath: '/etc/secrets/token', subPath: 'token', readOnly: true },
  ];
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'shop' },
      spec: {
        template: {
          spec: {
            automountServiceAccountToken: false,
            containers: [
              {
                name: 'main',
                image: 'nginx',
                env: [{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'web-db', key: 'password' } } }],
                envFrom: [{ configMapRef: { name: 'web-main-env' } }],
                volumeMounts: mounts,
                ...main,
              },
            ],
            volumes: [
              { name: 'web-main-files', configMap: { name: 'web-main-files' } },
              { name: 'web-main-file-token', secret: { secretName: 'web-main-file-token' } },
            ],
          },
        },
      },
    },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-main-env', namespace: 'shop' }, data: { LATTICE_SIM_ROLE: roleValue } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-main-files', namespace: 'shop' }, data: { 'app.conf': 'mode=fast\n' } },
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'web-db', namespace: 'shop' }, data: { password: b64('s3cret') } },
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'web-main-file-token', namespace: 'shop' }, data: { token: b64('token=abc') } },
  ] as KubeObject[];
}

describe('declaredConfigProblems: what the main container declares, as the kubelet gives it to the container', () => {
  it('finds nothing wrong when every variable and file reaches the container by its route', () => {
    expect(declaredConfigProblems(readerOf(objects()), ls)).toEqual([]);
  });

  it('reports a plain variable whose ConfigMap the container never reads, and one with another value', () => {
    expect(declaredConfigProblems(readerOf(objects({ envFrom: [] })), ls)).toEqual(['config: variable LATTICE_SIM_ROLE is not set in the main container']);
    expect(declaredConfigProblems(readerOf(objects({}, 'client')), ls)).toEqual(['config: variable LATTICE_SIM_ROLE is "client" in the main container, declared "server"']);
  });

  it('reports a file mounted as a directory (no subPath), a missing one, and literal content that differs', () => {
    const noSubPath = objects({
      volumeMounts: [
        { name: 'web-main-files', mountPath: '/etc/app/app.conf', subPath: 'app.conf', readOnly: true },
        { name: 'web-main-file-token', mountPath: '/etc/secrets/token', readOnly: true },
      ],
    });
    expect(declaredConfigProblems(readerOf(noSubPath), ls)).toEqual(['config: file /etc/secrets/token is a directory in the main container']);
    const missing = objects({ volumeMounts: [{ name: 'web-main-file-token', mountPath: '/etc/secrets/token', subPath: 'token', readOnly: true }] });
    expect(declaredConfigProblems(readerOf(missing), ls)).toEqual(['config: file /etc/app/app.conf is missing in the main container']);
    const changed = objects().map((o) => (o.metadata.name === 'web-main-files' ? ({ ...o, data: { 'app.conf': 'mode=slow\n' } } as KubeObject) : o));
    expect(declaredConfigProblems(readerOf(changed), ls)).toEqual(['config: file /etc/app/app.conf in the main container does not hold its declared content']);
  });

  it('reports a Ready service without a main container, and nothing for one that declares nothing', () => {
    expect(declaredConfigProblems(readerOf([]), ls)).toEqual(['config: Deployment shop/web has no main container for its 2 variable(s) and 2 file(s)']);
    expect(declaredConfigProblems(readerOf([]), { ...ls, spec: { workload: { containers: { main: { image: 'nginx' } } } } } as unknown as LatticeService)).toEqual([]);
  });
});
