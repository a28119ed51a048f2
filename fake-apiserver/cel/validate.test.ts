import { describe, expect, it } from 'vitest';
import { ApiServer } from '../apiserver.ts';
import { StatusError } from '../api/index.ts';
import type { KubeObject, StatusCause } from '../api/index.ts';
import { manualClock, manualDelivery } from '../testing/manual-clock.ts';

const CRD = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition' };
const GADGET = { apiVersion: 'example.dev/v1', kind: 'Gadget' };

type Schema = Record<string, unknown>;
const rules = (...r: Schema[]) => ({ 'x-kubernetes-validations': r });

const schema: Schema = {
  type: 'object',
  ...rules({ rule: "self.metadata.name.startsWith('g-')", message: 'name must start with g-' }),
  properties: {
    spec: {
      type: 'object',
      ...rules(
        { rule: 'self.minReplicas <= self.maxReplicas', message: 'minReplicas must not exceed maxReplicas', fieldPath: '.minReplicas' },
        { rule: "!has(self.mode) || self.mode != 'legacy' || has(self.legacyConfig)", reason: 'FieldValueRequired', message: 'legacy mode needs legacyConfig', fieldPath: '.legacyConfig' },
        { rule: 'self.ratio < 1.0', messageExpression: "'ratio ' + string(self.ratio) + ' must be below 1'" },
      ),
      properties: {
        minReplicas: { type: 'integer', default: 1 },
        maxReplicas: { type: 'integer', default: 3 },
        ratio: { type: 'number', default: 0.5 },
        mode: { type: 'string' },
        legacyConfig: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        region: { type: 'string', ...rules({ rule: 'self == oldSelf', message: 'region is immutable' }) },
        tier: { type: 'string', ...rules({ rule: "self in ['gold', 'silver']" }) },
        owner: { type: 'string', ...rules({ rule: '!oldSelf.hasValue() || oldSelf.value() == self', optionalOldSelf: true, message: 'owner is set once' }) },
        ports: {
          type: 'array',
          ...rules({ rule: 'self.all(p, self.exists_one(q, q.name == p.name))', reason: 'FieldValueDuplicate', message: 'port names must be unique' }),
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
          items: {
            type: 'object',
            required: ['name'],
            ...rules({ rule: 'self.port > 0 && self.port < 65536', message: 'port out of range' }, { rule: 'self.port == oldSelf.port', message: 'a named port keeps its number' }),
            properties: { name: { type: 'string' }, port: { type: 'integer' } },
          },
        },
        labels: {
          type: 'object',
          additionalProperties: { type: 'string', ...rules({ rule: 'self.size() <= 5', reason: 'FieldValueForbidden', message: 'label values are short' }) },
          ...rules({ rule: "!('forbidden' in self)", message: 'no forbidden label' }),
        },
        'x-weird.name': { type: 'integer', ...rules({ rule: 'self >= 0' }) },
      },
    },
    status: { type: 'object', properties: { phase: { type: 'string', ...rules({ rule: "self in ['Pending', 'Ready']", message: 'unknown phase' }) } } },
  },
};

function setup(s: Schema = schema) {
  const server = new ApiServer({ clock: manualClock(), deliver: manualDelivery().deliver });
  server.create({
    ...CRD,
    metadata: { name: 'gadgets.example.dev' },
    spec: { group: 'example.dev', scope: 'Namespaced', names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget' }, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: s }, subresources: { status: {} } }] },
  });
  return server;
}

const gadget = (spec: Record<string, unknown>, name = 'g-1'): KubeObject => ({ ...GADGET, metadata: { name, namespace: 'default' }, spec });

function causes(fn: () => unknown): { message: string; causes: StatusCause[] } {
  try {
    fn();
  } catch (e) {
    if (e instanceof StatusError && e.code === 422) return { message: e.message, causes: e.status.details?.causes ?? [] };
    throw e;
  }
  throw new Error('expected a 422');
}

describe('x-kubernetes-validations on custom resources', () => {
  it('accepts an object every rule holds for, after defaulting', () => {
    const s = setup();
    const g = s.create(gadget({ ports: [{ name: 'http', port: 80 }], labels: { team: 'a' }, 'x-weird.name': 1 }));
    expect(g.spec).toMatchObject({ minReplicas: 1, maxReplicas: 3, ratio: 0.5 });
  });

  it('checks a rule on the root, at the <nil> path, with metadata.name visible', () => {
    const { message, causes: cs } = causes(() => setup().create(gadget({}, 'bad')));
    expect(cs).toEqual([{ reason: 'FieldValueInvalid', message: 'Invalid value: name must start with g-', field: '<nil>' }]);
    expect(message).toBe('Gadget.example.dev "bad" is invalid: <nil>: Invalid value: name must start with g-');
  });

  it('puts a failed nested rule at its node path plus fieldPath, one cause per rule', () => {
    const { causes: cs } = causes(() => setup().create(gadget({ minReplicas: 5, maxReplicas: 2, mode: 'legacy' })));
    expect(cs).toEqual([
      { reason: 'FieldValueInvalid', message: 'Invalid value: minReplicas must not exceed maxReplicas', field: 'spec.minReplicas' },
      { reason: 'FieldValueRequired', message: 'Required value: legacy mode needs legacyConfig', field: 'spec.legacyConfig' },
    ]);
  });

  it('uses messageExpression, and binds number fields as doubles and integer fields as ints', () => {
    expect(causes(() => setup().create(gadget({ ratio: 1.5 }))).causes).toEqual([{ reason: 'FieldValueInvalid', message: 'Invalid value: ratio 1.5 must be below 1', field: 'spec' }]);
    // 2 arrives as a JSON integer but the schema says number: still a double, so `self.ratio < 1.0` type-checks.
    expect(causes(() => setup().create(gadget({ ratio: 2 }))).causes[0].message).toBe('Invalid value: ratio 2 must be below 1');
  });

  it('falls back to "failed rule: <rule>" and shows scalar values in the message', () => {
    expect(causes(() => setup().create(gadget({ tier: 'bronze' }))).causes).toEqual([
      { reason: 'FieldValueInvalid', message: `Invalid value: "bronze": failed rule: self in ['gold', 'silver']`, field: 'spec.tier' },
    ]);
    expect(causes(() => setup().create(gadget({ 'x-weird.name': -1 }))).causes).toEqual([{ reason: 'FieldValueInvalid', message: 'Invalid value: -1: failed rule: self >= 0', field: 'spec.x-weird.name' }]);
  });

  it('evaluates rules on list items and on the list, with list indexes in the path', () => {
    const { causes: cs } = causes(() =>
      setup().create(
        gadget({
          ports: [
            { name: 'a', port: 70000 },
            { name: 'a', port: 1 },
          ],
        }),
      ),
    );
    expect(cs).toEqual([
      { reason: 'FieldValueDuplicate', message: 'Duplicate value', field: 'spec.ports' },
      { reason: 'FieldValueInvalid', message: 'Invalid value: port out of range', field: 'spec.ports[0]' },
    ]);
  });

  it('evaluates rules on map values and on the map, with map keys in brackets', () => {
    const { causes: cs } = causes(() => setup().create(gadget({ labels: { team: 'much-too-long', forbidden: 'x' } })));
    expect(cs).toEqual([
      { reason: 'FieldValueInvalid', message: 'Invalid value: no forbidden label', field: 'spec.labels' },
      { reason: 'FieldValueForbidden', message: 'Forbidden: label values are short', field: 'spec.labels[team]' },
    ]);
  });

  it('skips transition rules on create and checks them against the old value on update', () => {
    const s = setup();
    const g = s.create(gadget({ region: 'eu', ports: [{ name: 'http', port: 80 }] }));
    const moved = { ...g, spec: { ...g.spec, region: 'us' } };
    expect(causes(() => s.update(moved)).causes).toEqual([{ reason: 'FieldValueInvalid', message: 'Invalid value: "us": region is immutable', field: 'spec.region' }]);
    // A list-map item correlates by key: same name, new number is refused; a new name has no old value.
    const renumbered = { ...g, spec: { ...g.spec, ports: [{ name: 'http', port: 81 }] } };
    expect(causes(() => s.update(renumbered)).causes).toEqual([{ reason: 'FieldValueInvalid', message: 'Invalid value: a named port keeps its number', field: 'spec.ports[0]' }]);
    const renamed = s.update({ ...g, spec: { ...g.spec, ports: [{ name: 'web', port: 81 }] } });
    expect((renamed.spec as { ports: unknown[] }).ports).toEqual([{ name: 'web', port: 81 }]);
  });

  it('skips a transition rule where the old object lacks the field', () => {
    const s = setup();
    const g = s.create(gadget({}));
    const u = s.update({ ...g, spec: { ...g.spec, region: 'eu' } });
    expect((u.spec as { region: string }).region).toBe('eu');
  });

  it('runs an optionalOldSelf rule on create with oldSelf empty, and on update with its value', () => {
    const s = setup();
    const g = s.create(gadget({ owner: 'ann' }));
    expect(causes(() => s.update({ ...g, spec: { ...g.spec, owner: 'bob' } })).causes).toEqual([{ reason: 'FieldValueInvalid', message: 'Invalid value: "bob": owner is set once', field: 'spec.owner' }]);
  });

  it('validates status subresource writes against the rules under status', () => {
    const s = setup();
    const g = s.create(gadget({}));
    expect(causes(() => s.updateStatus({ ...g, status: { phase: 'Exploded' } })).causes).toEqual([{ reason: 'FieldValueInvalid', message: 'Invalid value: "Exploded": unknown phase', field: 'status.phase' }]);
    expect(s.updateStatus({ ...g, status: { phase: 'Ready' } }).status).toEqual({ phase: 'Ready' });
  });

  it('reports a runtime error as the cause, with the type and the rule', () => {
    const s = setup({
      type: 'object',
      properties: { spec: { type: 'object', ...rules({ rule: 'self.items[2] > 0' }), properties: { items: { type: 'array', items: { type: 'integer' } }, n: { type: 'integer' } } } },
    });
    expect(causes(() => s.create(gadget({ items: [1] }))).causes).toEqual([
      { reason: 'FieldValueInvalid', message: 'Invalid value: "object": index out of bounds: 2 evaluating rule: self.items[2] > 0', field: 'spec' },
    ]);
  });

  it('ratchets: a rule added after the object was stored does not block updates that leave its value unchanged', () => {
    const loose: Schema = { type: 'object', properties: { spec: { type: 'object', properties: { tier: { type: 'string' }, size: { type: 'integer' } } }, status: { type: 'object', properties: { phase: { type: 'string' } } } } };
    const strict: Schema = { ...loose, properties: { ...(loose.properties as Schema), spec: { type: 'object', properties: { tier: { type: 'string', ...rules({ rule: "self in ['gold', 'silver']" }) }, size: { type: 'integer' } } } } };
    const s = setup(loose);
    const g = s.create(gadget({ tier: 'bronze', size: 1 }));
    const crd = s.get({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition' }, { name: 'gadgets.example.dev' });
    s.update({ ...crd, spec: { ...(crd.spec as Schema), versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: strict }, subresources: { status: {} } }] } });
    const resized = s.update({ ...g, spec: { tier: 'bronze', size: 2 } });
    const ready = s.updateStatus({ ...resized, status: { phase: 'Ready' } });
    expect(ready.status).toEqual({ phase: 'Ready' });
    expect(causes(() => s.update({ ...ready, spec: { tier: 'copper', size: 2 } })).causes).toEqual([{ reason: 'FieldValueInvalid', message: `Invalid value: "copper": failed rule: self in ['gold', 'silver']`, field: 'spec.tier' }]);
  });

  it('reports a call to a function the simulator does not implement as a runtime error of the rule', () => {
    const s = setup({ type: 'object', properties: { spec: { type: 'object', properties: { v: { type: 'string', ...rules({ rule: 'isSemver(self)' }) } } } } });
    expect(causes(() => s.create(gadget({ v: '1.0.0' }))).causes).toEqual([{ reason: 'FieldValueInvalid', message: 'Invalid value: "string": unbound function: isSemver evaluating rule: isSemver(self)', field: 'spec.v' }]);
  });

  it('skips CEL when the schema found a blocking error, saying so once', () => {
    const { causes: cs } = causes(() => setup().create(gadget({ minReplicas: 'many', maxReplicas: 0 })));
    expect(cs).toContainEqual({ reason: 'FieldValueInvalid', message: 'Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation', field: '<nil>' });
    expect(cs.some((c) => c.message.includes('minReplicas must not exceed'))).toBe(false);
  });
});
