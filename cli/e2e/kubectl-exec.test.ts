/**
 * kubectl v1.35's streaming commands against `lattice-sim serve --stubs` (issue 8): `exec` (over
 * WebSocket, RemoteCommand v5) into the kubelet stub's modelled containers — their environment,
 * mounted ConfigMap files, exit codes, container choice, stdin — `cp` both ways (tar over exec,
 * through a container's writable layer) and `attach`.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useServeSession } from './serve-session.ts';

const linuxX64 = process.platform === 'linux' && process.arch === 'x64';

const manifest = `apiVersion: v1
kind: ConfigMap
metadata: {name: app-config}
data:
  app.conf: |
    mode=production
    level=info
  other: "x"
---
apiVersion: v1
kind: Secret
metadata: {name: creds}
stringData: {password: s3cret}
---
apiVersion: v1
kind: Service
metadata: {name: backend-api}
spec:
  selector: {app: backend}
  ports: [{name: http, port: 8080, targetPort: 80}]
---
apiVersion: v1
kind: Pod
metadata: {name: web, labels: {app: web}}
spec:
  containers:
  - name: app
    image: busybox
    command: [sleep, infinity]
    env:
    - {name: GREETING, value: hello}
    - name: PASSWORD
      valueFrom: {secretKeyRef: {name: creds, key: password}}
    - name: POD_NAME
      valueFrom: {fieldRef: {fieldPath: metadata.name}}
    envFrom:
    - configMapRef: {name: app-config}
      prefix: CFG_
    volumeMounts:
    - {name: config, mountPath: /etc/app}
    - {name: config, mountPath: /etc/single.conf, subPath: app.conf}
  - name: sidecar
    image: busybox
    command: [sleep, infinity]
  volumes:
  - name: config
    configMap: {name: app-config}
`;

describe.skipIf(!linuxX64)('kubectl exec, cp and attach against serve --stubs', () => {
  const session = useServeSession('exec', 11);
  const { k, kr } = session;

  it('exec -- env: the container environment with resolved references and service links', async () => {
    writeFileSync(join(session.dir, 'm.yaml'), manifest);
    await k('apply', '-f', join(session.dir, 'm.yaml'));
    await k('wait', '--for=condition=Ready', 'pod/web', '--timeout=60s');
    const env = await k('exec', 'web', '-c', 'app', '--', 'env');
    const lines = env.trimEnd().split('\n');
    expect(lines).toContain('GREETING=hello');
    expect(lines).toContain('PASSWORD=s3cret');
    expect(lines).toContain('POD_NAME=web');
    expect(lines).toContain('CFG_other=x');
    expect(lines).toContain('HOSTNAME=web');
    expect(lines).toContain('KUBERNETES_SERVICE_HOST=10.96.0.1');
    expect(lines.find((l) => l.startsWith('BACKEND_API_SERVICE_HOST='))).toMatch(/^BACKEND_API_SERVICE_HOST=10\.96\.\d+\.\d+$/);
    expect(lines).toContain('BACKEND_API_SERVICE_PORT_HTTP=8080');
    expect((await k('exec', 'web', '-c', 'app', '--', 'printenv', 'GREETING'))).toBe('hello\n');
  });
});
