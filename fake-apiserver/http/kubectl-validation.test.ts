/**
 * Per-kind validation and decoding of built-in kinds as the real kubectl v1.35 sees them through
 * the HTTP front (`serve` runs the server with `builtinStrategies.validation`): everyday mistakes
 * are refused with kube-apiserver's exact texts, valid manifests still apply.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubectlHarness } from './testing/kubectl.ts';
import type { KubectlHarness } from './testing/kubectl.ts';

let h: KubectlHarness;
beforeAll(async () => {
  h = await startKubectlHarness({ validation: true });
}, 60_000);
afterAll(async () => {
  await h?.close();
});

const deployment = (name: string, selector: string, labels: string, extra = '') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: default
spec:
${extra}  selector:
    matchLabels:
      app: ${selector}
  template:
    metadata:
      labels:
        app: ${labels}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        ports:
        - containerPort: 80
`;

describe('kubectl apply against built-in validation', () => {
  it('refuses a Deployment whose selector does not match its template labels', async () => {
    const r = await h.kubectl(['apply', '-f', '-'], deployment('web', 'web', 'other'));
    expect(r.code).not.toBe(0);
    // kubectl prints a 422 from its causes: `The <Kind> "<name>" is invalid: <field>: <message>`, one `* ` line each when several.
    expect(r.stderr).toBe('The Deployment "web" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"other"}: `selector` does not match template `labels`\n');
  }, 60_000);

  it('refuses a name with capitals', async () => {
    const r = await h.kubectl(['apply', '-f', '-'], deployment('Web', 'web', 'web'));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toBe(
      `The Deployment "Web" is invalid: metadata.name: Invalid value: "Web": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')\n`,
    );
  }, 60_000);

  it('refuses a Service port 70000 (the defaulted targetPort too, as upstream)', async () => {
    const r = await h.kubectl(
      ['apply', '-f', '-'],
      'apiVersion: v1\nkind: Service\nmetadata:\n  name: svc\n  namespace: default\nspec:\n  selector:\n    app: web\n  ports:\n  - port: 70000\n',
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toBe(
      'The Service "svc" is invalid: \n* spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive\n* spec.ports[0].targetPort: Invalid value: 70000: must be between 1 and 65535, inclusive\n',
    );
    // The Status itself, as kube-apiserver words it (utilerrors aggregate: brackets for several causes).
    let err: unknown;
    try {
      h.api.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc', namespace: 'default' }, spec: { ports: [{ port: 70000 }] } });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({
      message:
        'Service "svc" is invalid: [spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive, spec.ports[0].targetPort: Invalid value: 70000: must be between 1 and 65535, inclusive]',
      status: { code: 422, reason: 'Invalid', details: { causes: [{ reason: 'FieldValueInvalid', field: 'spec.ports[0].port' }, { reason: 'FieldValueInvalid', field: 'spec.ports[0].targetPort' }] } },
    });
  }, 60_000);

  it('refuses a string replicas with the decoder error', async () => {
    const r = await h.kubectl(['apply', '-f', '-'], deployment('typed', 'typed', 'typed', '  replicas: "3"\n'));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32');
  }, 60_000);

  it('applies a valid manifest set, then refuses a change of the Deployment selector as immutable', async () => {
    const valid = `${deployment('app', 'app', 'app')}---
apiVersion: v1
kind: Service
metadata:
  name: app
  namespace: default
spec:
  selector:
    app: app
  ports:
  - name: http
    port: 80
    targetPort: 8080
  - name: metrics
    port: 9090
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: app-config
  namespace: default
data:
  app.properties: "a=b"
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly
  namespace: default
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
          - name: job
            image: busybox
`;
    const out = await h.ok(['apply', '-f', '-'], valid);
    expect(out).toContain('deployment.apps/app created');
    expect(out).toContain('service/app created');
    expect(out).toContain('configmap/app-config created');
    expect(out).toContain('cronjob.batch/nightly created');
    const r = await h.kubectl(['apply', '-f', '-'], deployment('app', 'app2', 'app2'));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toBe(
      'The Deployment "app" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"app2"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable\n',
    );
  }, 90_000);
});
