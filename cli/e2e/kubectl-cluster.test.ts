/**
 * Cluster, config and access commands of kubectl v1.35 against `lattice-sim serve --stubs` (issue 8),
 * as a platform engineer runs them: `version`, `get componentstatuses`, discovery (`api-resources -o wide`, `apply --prune` with kubectl's
 * default prune list), the health endpoints (`get --raw /livez?verbose`), what every namespace holds
 * (ServiceAccount `default`, ConfigMap `kube-root-ca.crt`), nodes as `get nodes -o wide` and
 * `describe node` show them, ResourceQuota usage, `kubectl proxy` to services/proxy and pods/proxy, CertificateSigningRequests (`certificate approve|deny`), a CRD and its
 * custom resource in one file, `/openapi/v2`, `explain podmetrics`, and a NoExecute taint evicting
 * the pods that do not tolerate it. One server for the file; the tests share it, in order.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useServeSession } from './serve-session.ts';

const linuxX64 = process.platform === 'linux' && process.arch === 'x64';
const rows = (out: string): string[][] => out.trim().split('\n').map((l) => l.trim().split(/\s+/));

/** A PKCS#10 request for CN=jane, O=dev (openssl req -new; public data, its key is not kept). */
const JANE_CSR = `-----BEGIN CERTIFICATE REQUEST-----
MIICYjCCAUoCAQAwHTENMAsGA1UEAwwEamFuZTEMMAoGA1UECgwDZGV2MIIBIjAN
BgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAt2nJpSsYzT+k5XvNfpEIBJVB2AIU
K7MbmrI2upuNZLaKtngdD1SiO0gJ3MKyrPoUm46gPObcoYZ+OZ1SdElvJW0UZJDh
07grgzrgoidnFP5Z4D7uwX3jPfguRI/F1sMi3SMfukaquPkclaO0xco0K5JcrBU9
d7be8HKpRS/KjE90T9OJpHMbb/1DBSWTuF4yDWMKf4uirRssQkJhTb0K3XKfSWkI
sUfCzDsGUiTELAABQ6QWn48MW5/4gz6Lku58WxQwLU8CkMvrV6U8JvYzsY3KDH7t
v0U4InSrhiB4inOpQUvB5SdoCaC7/LfYjl6wjE11ycL7YHBxOFltnK8n8wIDAQAB
oAAwDQYJKoZIhvcNAQELBQADggEBAHKJOJSgGeZ62mjr0G2wM1Veo7KFftu9r1AG
vRnjPTIt1xdfzDKZv76JSQHLu2c9SviY9zg1D2Evbhdh4pQQeRsoQU0/a5xwAZ1E
fcoVUIcL57iFF56C7Nc0tyIIbsn3YBL12zyphqxw587wJ+kOwoecuC0rrWI0r5q5
AWBAJIF8g9A1ZxkNibgoRW3hGg7B5V0VRpmWEZKxUQg463dc76d+iKPyiflls5Ik
C3tspMTO5pmbcJK+VH1y6YDLZIHcre5L5SWwaun1Nl4etxy6WWBpUAuolKof8Et6
N3PZBXE23tfw3xOyBuM8OTg/4ntme/LHGjrYGYbhmn3zrzjHc2A=
-----END CERTIFICATE REQUEST-----
`;

const csr = (name: string, seconds: number) => `apiVersion: certificates.k8s.io/v1
kind: CertificateSigningRequest
metadata: {name: ${name}}
spec:
  request: ${Buffer.from(JANE_CSR).toString('base64')}
  signerName: kubernetes.io/kube-apiserver-client
  expirationSeconds: ${seconds}
  usages: [client auth]
`;

describe.skipIf(!linuxX64)('cluster, config and access commands against serve --stubs', () => {
  const session = useServeSession('cluster', 11);
  const { k, kr } = session;
  const file = (name: string, text: string) => {
    writeFileSync(join(session.dir, name), text);
    return join(session.dir, name);
  };
  /** `kubectl args` until its stdout and stderr match `re` (the simulated cluster runs in real time): the last of them. */
  const until = async (re: RegExp, ...args: string[]): Promise<string> => {
    let out = '';
    for (let i = 0; i < 60 && !re.test(out); i++) {
      if (i) await new Promise((r) => setTimeout(r, 250));
      const r = await kr(...args);
      out = r.stdout + r.stderr;
    }
    return out;
  };

  it('api-resources -o wide lists deletecollection, replicationcontrollers (rc) and certificatesigningrequests (csr)', async () => {
    const wide = await k('api-resources', '-o', 'wide');
    expect(wide).toMatch(/^pods\s+po\s+v1\s+true\s+Pod\s+create,delete,deletecollection,get,list,patch,update,watch\s+all$/m);
    expect(wide).toMatch(/^replicationcontrollers\s+rc\s+v1\s+true\s+ReplicationController\s+create,delete,deletecollection,get,list,patch,update,watch\s+all$/m);
    expect(wide).toMatch(/^certificatesigningrequests\s+csr\s+certificates\.k8s\.io\/v1\s+false\s+CertificateSigningRequest\s+/m);
    expect(await k('api-resources', '--api-group=certificates.k8s.io', '--no-headers')).toMatch(/^certificatesigningrequests\s+csr\s+certificates\.k8s\.io\/v1\s+false\s+CertificateSigningRequest$/m);
  });

  it('version -o json carries the emulation and minimum compatibility versions; get componentstatuses and get endpoints warn of their deprecation; the system PriorityClasses exist', async () => {
    const v = JSON.parse(await k('version', '-o', 'json')) as { serverVersion: Record<string, string> };
    expect(v.serverVersion).toMatchObject({ major: '1', minor: '35', emulationMajor: '1', emulationMinor: '35', minCompatibilityMajor: '1', minCompatibilityMinor: '34' });
    const cs = await kr('get', 'componentstatuses');
    expect(cs.code).toBe(0);
    expect(cs.stderr).toBe('Warning: v1 ComponentStatus is deprecated in v1.19+\n');
    expect(rows(cs.stdout)).toEqual([
      ['NAME', 'STATUS', 'MESSAGE', 'ERROR'],
      ['controller-manager', 'Healthy', 'ok'],
      ['etcd-0', 'Healthy', 'ok'],
      ['scheduler', 'Healthy', 'ok'],
    ]);
    expect((await kr('get', 'cs', 'nope')).stderr).toMatch(/Error from server \(NotFound\): componentstatus "nope" not found/);
    const ep = await kr('get', 'endpoints', 'kubernetes', '--no-headers');
    expect([ep.code, ep.stderr]).toEqual([0, 'Warning: v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice\n']);
    expect(ep.stdout).toMatch(/^kubernetes\s+\S+:6443\s+\S+$/m);
    expect(rows(await k('get', 'priorityclasses', '--no-headers')).map((r) => [r[0], r[1], r[2], r[4]])).toEqual([
      ['system-cluster-critical', '2000000000', 'false', 'PreemptLowerPriority'],
      ['system-node-critical', '2000001000', 'false', 'PreemptLowerPriority'],
    ]);
  });

  it('apply --prune -l without --prune-allowlist walks kubectl’s default list and prunes what left the directory', async () => {
    const cm = (n: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${n}, labels: {app: pr}}\ndata: {k: v}\n`;
    file('cm-a.yaml', cm('cm-a'));
    expect(await k('apply', '-f', file('both.yaml', `${cm('cm-a')}---\n${cm('cm-b')}`))).toBe('configmap/cm-a created\nconfigmap/cm-b created\n');
    const r = await kr('apply', '--prune', '-l', 'app=pr', '-f', join(session.dir, 'cm-a.yaml'));
    expect(r.stderr).not.toMatch(/RESTMapping|no matches for kind/);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('configmap/cm-a unchanged\nconfigmap/cm-b pruned\n');
    expect((await kr('get', 'cm', 'cm-b')).stderr).toMatch(/configmaps "cm-b" not found/);
  });

  it('get --raw of the health endpoints: ok, ?verbose one line per check, ?exclude, a single check, an unknown one 404', async () => {
    expect(await k('get', '--raw', '/healthz')).toBe('ok');
    const live = await k('get', '--raw', '/livez?verbose');
    expect(live).toMatch(/^\[\+\]ping ok\n\[\+\]log ok\n\[\+\]etcd ok\n/);
    expect(live).toMatch(/\[\+\]poststarthook\/rbac\/bootstrap-roles ok\n/);
    expect(live.endsWith('livez check passed\n')).toBe(true);
    const ready = await k('get', '--raw', '/readyz?verbose&exclude=etcd');
    expect(ready).toMatch(/^\[\+\]etcd excluded: ok$/m);
    expect(ready).toMatch(/^\[\+\]informer-sync ok$/m);
    expect(ready).toMatch(/^\[\+\]shutdown ok\nreadyz check passed\n$/m);
    expect(await k('get', '--raw', '/livez/etcd')).toBe('ok');
    const missing = await kr('get', '--raw', '/livez/nosuch');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/NotFound/);
  });

  it('a new namespace gets the ServiceAccount default and the ConfigMap kube-root-ca.crt; create token default works there', async () => {
    await k('create', 'namespace', 'team');
    expect(await until(/^default\s+0\s+\S+$/m, 'get', 'sa', '-n', 'team', '--no-headers')).toMatch(/^default\s+0\s+\S+$/m);
    const cm = await until(/kube-root-ca\.crt/, 'get', 'cm', '-n', 'team', '--no-headers');
    expect(cm).toMatch(/^kube-root-ca\.crt\s+1\s+\S+$/m);
    expect(await k('get', 'cm', 'kube-root-ca.crt', '-n', 'team', '-o', 'jsonpath={.data.ca\\.crt}')).toMatch(/^-----BEGIN CERTIFICATE-----\n[\s\S]+-----END CERTIFICATE-----\n?$/);
    expect(await k('get', 'cm', 'kube-root-ca.crt', '-n', 'team', '-o', 'jsonpath={.metadata.annotations.kubernetes\\.io/description}')).toMatch(/^Contains a CA bundle that can be used to verify the kube-apiserver/);
    const token = (await k('create', 'token', 'default', '-n', 'team', '--duration=10m')).trim();
    expect(JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')).sub).toBe('system:serviceaccount:team:default');
    const unbound = await kr('create', 'token', 'default', '-n', 'team', '--bound-object-kind=Secret', '--bound-object-name=nosuch');
    expect([unbound.code, unbound.stderr]).toEqual([1, 'error: failed to create token: secrets "nosuch" not found\n']);
    // The serviceaccount controller puts it back when deleted.
    await k('delete', 'sa', 'default', '-n', 'team');
    expect(await until(/^default\s/m, 'get', 'sa', '-n', 'team', '--no-headers')).toMatch(/^default\s/m);
  });

  it('get nodes -o wide shows INTERNAL-IP; pods get IPs from their node’s podCIDR; describe node lists addresses, PodCIDR and heartbeat times', async () => {
    const nodes = rows(await k('get', 'nodes', '-o', 'wide', '--no-headers'));
    const node0 = nodes.find((r) => r[0] === 'sim-node-0')!;
    expect(node0.slice(5, 7)).toEqual(['10.0.0.10', '<none>']);
    expect(new Set(nodes.map((r) => r[5])).size).toBe(nodes.length);
    await k('create', 'deployment', 'web', '--image=nginx', '--replicas=2');
    await k('wait', '--for=condition=Available', 'deployment/web', '--timeout=60s');
    for (const [, , , , , ip, node] of rows(await k('get', 'pods', '-l', 'app=web', '-o', 'wide', '--no-headers'))) {
      const cidr = await k('get', 'node', node!, '-o', 'jsonpath={.spec.podCIDR}');
      expect(cidr).toMatch(/^10\.244\.\d+\.0\/24$/);
      expect(ip!.startsWith(cidr.replace(/0\/24$/, ''))).toBe(true);
    }
    const d = await k('describe', 'node', 'sim-node-0');
    expect(d).toMatch(/^Addresses:\n {2}InternalIP: {2}10\.0\.0\.10\n {2}Hostname: {4}sim-node-0\n/m);
    expect(d).toMatch(/^PodCIDR:\s+10\.244\.0\.0\/24$/m);
    expect(d).toMatch(/^PodCIDRs:\s+10\.244\.0\.0\/24$/m);
    expect(d).toMatch(/^ {2}Machine ID:\s+[0-9a-f]{32}$/m);
    expect(d).toMatch(/^ {2}Ready\s+True\s+\w{3}, \d\d \w{3} 20\d\d /m);
    expect(d).not.toMatch(/0001 00:00:00/);
    expect(d).toMatch(/^Labels:\s+beta\.kubernetes\.io\/arch=amd64\n\s+beta\.kubernetes\.io\/os=linux\n\s+kubernetes\.io\/arch=amd64\n/m);
    expect(d).toMatch(/^Annotations:\s+node\.alpha\.kubernetes\.io\/ttl: 0\n\s+volumes\.kubernetes\.io\/controller-managed-attach-detach: true\n/m);
  });

  it('kubectl proxy --port=0, then the API, services/proxy and pods/proxy through it; a refused port and a missing service port answer upstream\'s 503', async () => {
    await k('expose', 'deployment', 'web', '--port=8080', '--target-port=80');
    await k('patch', 'deployment', 'web', '--type=json', '-p', '[{"op":"add","path":"/spec/template/spec/containers/0/ports","value":[{"containerPort":80}]}]');
    await k('rollout', 'status', 'deployment/web', '--timeout=60s');
    const child = spawn(session.kubectl.bin, ['proxy', '--port=0'], { env: session.kubectl.env });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          const m = /Starting to serve on 127\.0\.0\.1:(\d+)/.exec(d.toString());
          if (m) resolve(Number(m[1]));
        });
        child.on('exit', () => reject(new Error('kubectl proxy exited')));
      });
      const get = async (path: string) => {
        const r = await fetch(`http://127.0.0.1:${port}${path}`);
        return { status: r.status, body: await r.text() };
      };
      const ns = JSON.parse((await get('/api/v1/namespaces')).body) as { kind: string; items: { metadata: { name: string } }[] };
      expect(ns.kind).toBe('NamespaceList');
      expect(ns.items.map((n) => n.metadata.name)).toContain('kube-system');
      const viaSvc = await get('/api/v1/namespaces/default/services/web:8080/proxy/healthz?probe=1');
      expect(viaSvc.status).toBe(200);
      expect(viaSvc.body).toMatch(/^lattice-sim: default\/web-\S+ container nginx port 80: GET \/healthz\?probe=1\n$/);
      expect((await get('/api/v1/namespaces/default/services/http:web:8080/proxy/')).body).toMatch(/port 80: GET \/\n$/);
      const pod = (await k('get', 'pods', '-l', 'app=web', '-o', 'jsonpath={.items[0].metadata.name}')).trim();
      expect((await get(`/api/v1/namespaces/default/pods/${pod}:80/proxy/a/b`)).body).toBe(`lattice-sim: default/${pod} container nginx port 80: GET /a/b\n`);
      const ip = (await k('get', 'pod', pod, '-o', 'jsonpath={.status.podIP}')).trim();
      const refused = await get(`/api/v1/namespaces/default/pods/${pod}:81/proxy/`);
      expect(refused.status).toBe(503);
      expect(JSON.parse(refused.body)).toMatchObject({ kind: 'Status', reason: 'ServiceUnavailable', message: `error trying to reach service: dial tcp ${ip}:81: connect: connection refused` });
      const noPort = await get('/api/v1/namespaces/default/services/web:9/proxy/');
      expect(JSON.parse(noPort.body)).toMatchObject({ code: 503, message: 'no service port "9" found for service "web"' });
    } finally {
      child.kill();
    }
    // kubectl get --raw reaches the same subresource.
    expect(await k('get', '--raw', '/api/v1/namespaces/default/services/web:8080/proxy/raw')).toMatch(/container nginx port 80: GET \/raw\n$/);
  });

  it('create quota: the quota controller fills status, so get quota prints used/hard and describe quota the table', async () => {
    await k('create', 'namespace', 'quota-ns');
    await k('create', 'quota', 'q', '-n', 'quota-ns', '--hard=pods=10,requests.cpu=2,requests.memory=1Gi,limits.memory=2Gi,configmaps=5,count/deployments.apps=3');
    await k('create', 'deployment', 'api', '-n', 'quota-ns', '--image=nginx', '--replicas=2');
    await k('set', 'resources', 'deployment', 'api', '-n', 'quota-ns', '--requests=cpu=250m,memory=64Mi', '--limits=memory=128Mi');
    await k('rollout', 'status', 'deployment/api', '-n', 'quota-ns', '--timeout=60s');
    // The rollout's old pod may still count for a moment: wait for the settled usage.
    const row = await until(/pods: 2\/10, requests\.cpu: 500m\/2/, 'get', 'quota', '-n', 'quota-ns', '--no-headers');
    expect(row.trim()).toMatch(/^q\s+\S+\s+configmaps: 1\/5, count\/deployments\.apps: 1\/3, pods: 2\/10, requests\.cpu: 500m\/2, requests\.memory: 128Mi\/1Gi\s+limits\.memory: 256Mi\/2Gi$/);
    expect(await k('describe', 'quota', 'q', '-n', 'quota-ns')).toMatch(/^Resource\s+Used\s+Hard\n-+\s+-+\s+-+\nconfigmaps\s+1\s+5\ncount\/deployments\.apps\s+1\s+3\nlimits\.memory\s+256Mi\s+2Gi\npods\s+2\s+10\nrequests\.cpu\s+500m\s+2\nrequests\.memory\s+128Mi\s+1Gi\n$/m);
  });

  it('certificate approve and deny: get csr shows the requestor, the requested duration and the condition', async () => {
    expect(await k('apply', '-f', file('csr.yaml', `${csr('jane', 86400)}---\n${csr('mallory', 3600)}`))).toBe(
      'certificatesigningrequest.certificates.k8s.io/jane created\ncertificatesigningrequest.certificates.k8s.io/mallory created\n',
    );
    expect(rows(await k('get', 'csr', '--no-headers')).map((r) => [r[0], ...r.slice(2)])).toEqual([
      ['jane', 'kubernetes.io/kube-apiserver-client', 'system:admin', '24h', 'Pending'],
      ['mallory', 'kubernetes.io/kube-apiserver-client', 'system:admin', '60m', 'Pending'],
    ]);
    expect(await k('certificate', 'approve', 'jane')).toBe('certificatesigningrequest.certificates.k8s.io/jane approved\n');
    expect(await k('certificate', 'deny', 'mallory')).toBe('certificatesigningrequest.certificates.k8s.io/mallory denied\n');
    expect(rows(await k('get', 'csr', '--no-headers')).map((r) => [r[0], r.at(-1)])).toEqual([
      ['jane', 'Approved'],
      ['mallory', 'Denied'],
    ]);
    const cond = JSON.parse(await k('get', 'csr', 'jane', '-o', 'jsonpath={.status.conditions[0]}')) as Record<string, string>;
    expect(cond).toMatchObject({ type: 'Approved', status: 'True', reason: 'KubectlApprove', message: 'This CSR was approved by kubectl certificate approve.' });
    expect(cond.lastTransitionTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const again = await kr('certificate', 'deny', 'jane');
    expect(again.code).toBe(1);
    expect(again.stderr).toBe('error: certificate signing request "jane" is already Approved\n');
    const short = await kr('apply', '-f', file('short.yaml', csr('short', 60)));
    expect(short.code).toBe(1);
    expect(short.stderr).toMatch(/spec\.expirationSeconds: Invalid value: 60: may not specify a duration less than 600 seconds \(10 minutes\)/);
  });

  it('a CRD and its custom resource in one file: the first apply creates the CRD and fails on the resource as on a cluster, the second creates it', async () => {
    const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  names: {kind: Widget, plural: widgets, singular: widget, shortNames: [wg]}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {type: object, properties: {size: {type: integer}}}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: w1}
spec: {size: 3}
`;
    const f = file('widgets.yaml', crd);
    const first = await kr('apply', '-f', f);
    expect(first.code).toBe(1);
    expect(first.stdout).toBe('customresourcedefinition.apiextensions.k8s.io/widgets.example.com created\n');
    expect(first.stderr).toBe(`error: resource mapping not found for name: "w1" namespace: "" from "${f}": no matches for kind "Widget" in version "example.com/v1"\nensure CRDs are installed first\n`);
    expect(await k('apply', '-f', f)).toBe('customresourcedefinition.apiextensions.k8s.io/widgets.example.com unchanged\nwidget.example.com/w1 created\n');
  });

  it('get --raw /openapi/v2 is the Swagger 2.0 document with the built-in definitions', async () => {
    const doc = JSON.parse(await k('get', '--raw', '/openapi/v2')) as { swagger: string; paths: Record<string, unknown>; definitions: Record<string, { description?: string; properties?: Record<string, Record<string, unknown>> }> };
    expect(doc.swagger).toBe('2.0');
    expect(doc.definitions['io.k8s.api.apps.v1.Deployment']?.description).toBe('Deployment enables declarative updates for Pods and ReplicaSets.');
    expect(doc.definitions['io.k8s.api.apps.v1.Deployment']?.properties?.spec).toMatchObject({ $ref: '#/definitions/io.k8s.api.apps.v1.DeploymentSpec' });
    expect(Object.keys(doc.paths)).toContain('/apis/apps/v1/namespaces/{namespace}/deployments/{name}');
    expect(JSON.stringify(doc)).not.toContain('#/components/schemas/');
  });

  it('explain podmetrics and nodemetrics: metrics-server’s published schema', async () => {
    const pm = await k('explain', 'podmetrics');
    expect(pm).toMatch(/^GROUP:\s+metrics\.k8s\.io\nKIND:\s+PodMetrics\nVERSION:\s+v1beta1\n/);
    expect(pm).toMatch(/PodMetrics sets resource usage metrics of a pod\./);
    expect(pm).toMatch(/^ {2}containers\t<\[\]ContainerMetrics> -required-$/m);
    expect(await k('explain', 'podmetrics.containers.usage')).toMatch(/^FIELD: usage <map\[string\]string>\n\n\nDESCRIPTION:\n {4}The memory usage is the memory working set\.$/m);
    expect(await k('explain', 'nodemetrics')).toMatch(/NodeMetrics sets resource usage metrics of a node\./);
  });

  it('taint NoExecute evicts the pods that do not tolerate it (TaintManagerEviction), keeps a tolerating one, and removing it stops evictions', async () => {
    const node = 'sim-node-3';
    const pod = (name: string, tolerate: boolean) =>
      `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}}\nspec:\n  nodeName: ${node}\n  containers: [{name: c, image: nginx}]\n${tolerate ? '  tolerations: [{key: dedicated, operator: Exists, effect: NoExecute}]\n' : ''}`;
    await k('apply', '-f', file('pods.yaml', `${pod('plain', false)}---\n${pod('tolerant', true)}`));
    await k('wait', '--for=condition=Ready', 'pod/plain', 'pod/tolerant', '--timeout=60s');
    expect(await k('taint', 'nodes', node, 'dedicated=ops:NoExecute')).toBe(`node/${node} tainted\n`);
    expect(await until(/not found/, 'get', 'pod', 'plain', '-o', 'name')).toBe('Error from server (NotFound): pods "plain" not found\n');
    const ev = await until(/TaintManagerEviction/, 'get', 'events', '--field-selector', 'involvedObject.name=plain', '--no-headers');
    expect(ev).toMatch(/Normal\s+TaintManagerEviction\s+pod\/plain\s+Marking for deletion Pod default\/plain$/m);
    expect(await k('get', 'pod', 'tolerant', '-o', 'jsonpath={.status.phase}')).toBe('Running');
    expect(await k('taint', 'nodes', node, 'dedicated:NoExecute-')).toBe(`node/${node} untainted\n`);
  });

  it('cordon and uncordon: the kubelet reports NodeNotSchedulable and NodeSchedulable, shown by describe node', async () => {
    expect(await k('cordon', 'sim-node-5')).toBe('node/sim-node-5 cordoned\n');
    await until(/NodeNotSchedulable/, 'get', 'events', '--field-selector', 'involvedObject.name=sim-node-5');
    expect(await k('uncordon', 'sim-node-5')).toBe('node/sim-node-5 uncordoned\n');
    const ev = await until(/NodeSchedulable\s+node/, 'get', 'events', '--field-selector', 'involvedObject.name=sim-node-5', '--no-headers');
    expect(ev).toMatch(/^\S+\s+Normal\s+NodeNotSchedulable\s+node\/sim-node-5\s+Node sim-node-5 status is now: NodeNotSchedulable\n\S+\s+Normal\s+NodeSchedulable\s+node\/sim-node-5\s+Node sim-node-5 status is now: NodeSchedulable$/m);
    expect(await k('describe', 'node', 'sim-node-5')).toMatch(/^ {2}Normal\s+NodeNotSchedulable\s+\S+\s+kubelet\s+Node sim-node-5 status is now: NodeNotSchedulable$/m);
  });
});
