import { describe, expect, it } from 'vitest';
import { ApiServer, DEFAULT_LIMITS } from './apiserver.ts';
import { StatusError } from './api/index.ts';
import type { KubeObject } from './api/index.ts';
import { manualClock } from './testing/manual-clock.ts';

const schema = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      properties: {
        replicas: { type: 'integer' },
        note: { type: 'string' },
        ports: { type: 'array', items: { type: 'object', properties: { port: { type: 'integer' } } } },
      },
    },
  },
};

function serverWithGadgets(): ApiServer {
  const server = new ApiServer({ clock: manualClock() });
  server.create({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'gadgets.example.dev' },
    spec: {
      group: 'example.dev',
      scope: 'Namespaced',
      names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget' },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: schema } }],
    },
  });
  return server;
}

const gadget = (spec: Record<string, unknown>, name = 'g'): KubeObject => ({ apiVersion: 'example.dev/v1', kind: 'Gadget', metadata: { name, namespace: 'default' }, spec });

function statusOf(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (err) {
    if (err instanceof StatusError) return err;
    throw err;
  }
  throw new Error('expected a StatusError');
}

describe('field validation (Ignore / Warn / Strict)', () => {
  it('drops unknown fields and warns once per field by default (Warn), with their paths', () => {
    const server = serverWithGadgets();
    const warnings: string[] = [];
    const out = server.create(gadget({ replicass: 3, replicas: 1, ports: [{ port: 80, nmae: 'http' }] }), { onWarning: (w) => warnings.push(w) });
    expect(warnings).toEqual(['unknown field "spec.replicass"', 'unknown field "spec.ports[0].nmae"']);
    expect(out.spec).toEqual({ replicas: 1, ports: [{ port: 80 }] });
  });

  it('refuses the write under Strict with 400 BadRequest naming every unknown field, and stores nothing', () => {
    const server = serverWithGadgets();
    const err = statusOf(() => server.create(gadget({ replicass: 3, colour: 'red' }), { fieldValidation: 'Strict' }));
    expect(err.status.code).toBe(400);
    expect(err.reason).toBe('BadRequest');
    expect(err.message).toBe('Gadget in version "v1" cannot be handled as a Gadget: strict decoding error: unknown field "spec.replicass", unknown field "spec.colour"');
    expect(server.list({ apiVersion: 'example.dev/v1', kind: 'Gadget' }).items).toHaveLength(0);
  });

  it('drops unknown fields silently under Ignore', () => {
    const server = serverWithGadgets();
    const warnings: string[] = [];
    server.create(gadget({ replicass: 3 }), { fieldValidation: 'Ignore', onWarning: (w) => warnings.push(w) });
    expect(warnings).toEqual([]);
  });

  it('applies to updates and patches too', () => {
    const server = serverWithGadgets();
    server.create(gadget({ replicas: 1 }));
    const warnings: string[] = [];
    server.patch({ apiVersion: 'example.dev/v1', kind: 'Gadget' }, { namespace: 'default', name: 'g' }, 'merge', { spec: { replicass: 2 } }, { onWarning: (w) => warnings.push(w) });
    expect(warnings).toEqual(['unknown field "spec.replicass"']);
  });
});

describe('size limits', () => {
  it('refuses a request body over 3 MiB with 413 RequestEntityTooLarge in the upstream words', () => {
    const server = serverWithGadgets();
    const err = statusOf(() => server.create(gadget({ note: 'x'.repeat(DEFAULT_LIMITS.maxRequestBytes) })));
    expect(err.status.code).toBe(413);
    expect(err.reason).toBe('RequestEntityTooLarge');
    expect(err.message).toBe('Request entity too large: limit is 3145728');
  });

  it('refuses an object over 1.5 MiB as etcd does (500, etcdserver: request is too large), storing nothing', () => {
    const server = serverWithGadgets();
    const err = statusOf(() => server.create(gadget({ note: 'x'.repeat(2 * 1024 * 1024) })));
    expect(err.status.code).toBe(500);
    expect(err.message).toBe('etcdserver: request is too large');
    expect(server.list({ apiVersion: 'example.dev/v1', kind: 'Gadget' }).items).toHaveLength(0);
  });

  it('counts bytes, not characters: 600k three-byte characters are over 1.5 MiB', () => {
    const server = serverWithGadgets();
    expect(statusOf(() => server.create(gadget({ note: '€'.repeat(600_000) }))).message).toBe('etcdserver: request is too large');
    expect(server.create(gadget({ note: 'x'.repeat(600_000) }), {}).metadata.name).toBe('g');
  });

  it('takes its limits from the options', () => {
    const server = new ApiServer({ clock: manualClock(), limits: { maxRequestBytes: 200 } });
    const err = statusOf(() => server.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default' }, data: { k: 'v'.repeat(300) } }));
    expect(err.message).toBe('Request entity too large: limit is 200');
  });
});
