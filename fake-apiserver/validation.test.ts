import { describe, expect, it } from 'vitest';
import { ajvErrorsToCauses, compileSchema, fieldPath, pruneUnknownFields, toJsonSchema } from './validation.ts';

describe('toJsonSchema', () => {
  it('turns nullable into a null type and enum member, drops x-kubernetes keys, and types int-or-string', () => {
    expect(toJsonSchema({ type: 'string', enum: ['a'], nullable: true, 'x-kubernetes-list-type': 'atomic' })).toEqual({ type: ['string', 'null'], enum: ['a', null] });
    expect(toJsonSchema({ 'x-kubernetes-int-or-string': true })).toEqual({ type: ['integer', 'string'] });
  });

  it('removes metadata from the root properties and required list', () => {
    expect(toJsonSchema({ type: 'object', required: ['metadata', 'spec'], properties: { metadata: { type: 'object' }, spec: { type: 'object' } } }, true)).toEqual({
      type: 'object',
      required: ['spec'],
      properties: { spec: { type: 'object' } },
    });
  });
});

describe('pruneUnknownFields', () => {
  const schema = {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        properties: {
          keep: { type: 'string' },
          free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { typed: { type: 'object', properties: { x: { type: 'string' } } } } },
          list: { type: 'array', items: { type: 'object', properties: { a: { type: 'string' } } } },
          map: { type: 'object', additionalProperties: { type: 'object', properties: { v: { type: 'string' } } } },
          defaulted: { type: 'string', default: 'd' },
          embedded: { type: 'object', 'x-kubernetes-embedded-resource': true, properties: { spec: { type: 'object' } } },
        },
      },
    },
  };

  it('drops undeclared fields at every depth and keeps the root apiVersion, kind and metadata', () => {
    const obj: Record<string, unknown> = {
      apiVersion: 'x/v1',
      kind: 'K',
      metadata: { name: 'n', anything: 1 },
      junk: 1,
      spec: {
        keep: 'k',
        drop: 1,
        free: { any: { thing: 1 }, typed: { x: 'y', z: 'gone' } },
        list: [{ a: '1', b: '2' }],
        map: { k: { v: 'x', w: 'gone' } },
        embedded: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { deep: 1 }, other: 1 },
      },
    };
    pruneUnknownFields(obj, schema, true);
    expect(obj).toEqual({
      apiVersion: 'x/v1',
      kind: 'K',
      metadata: { name: 'n', anything: 1 },
      spec: {
        keep: 'k',
        free: { any: { thing: 1 }, typed: { x: 'y' } },
        list: [{ a: '1' }],
        map: { k: { v: 'x' } },
        embedded: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: {} },
      },
    });
  });

  it('removes a null in a non-nullable defaulted field so the default applies', () => {
    const obj = { spec: { defaulted: null } };
    expect(compileSchema(schema)(obj)).toEqual([]);
    expect(obj.spec).toEqual({ defaulted: 'd' });
  });
});

describe('compileSchema', () => {
  it('returns the same validator for the same schema text', () => {
    expect(compileSchema({ type: 'object', properties: { a: { type: 'string' } } })).toBe(compileSchema({ type: 'object', properties: { a: { type: 'string' } } }));
  });

  it('validates formats Kubernetes checks and ignores unknown ones', () => {
    const v = compileSchema({ type: 'object', properties: { t: { type: 'string', format: 'date-time' }, q: { type: 'string', format: 'quantity' }, d: { type: 'string', format: 'duration' } } });
    expect(v({ t: '2026-01-01T00:00:00Z', q: 'whatever', d: '1m30s' })).toEqual([]);
    expect(v({ t: 'yesterday' })[0]).toMatchObject({ field: 't', reason: 'FieldValueInvalid' });
  });

  it('reports length and item limits with upstream reasons', () => {
    const v = compileSchema({ type: 'object', properties: { s: { type: 'string', maxLength: 2 }, l: { type: 'array', maxItems: 1 } } });
    expect(v({ s: 'abc', l: [1, 2] })).toEqual([
      { reason: 'FieldValueTooLong', message: 'Too long: may not be more than 2 bytes', field: 's' },
      { reason: 'FieldValueTooMany', message: 'Too many: 2: must have at most 1 items', field: 'l' },
    ]);
  });

  it('folds anyOf branch errors into one cause', () => {
    const v = compileSchema({ type: 'object', properties: { p: { anyOf: [{ type: 'integer' }, { type: 'string', pattern: '^[a-z]+$' }] } } });
    const causes = v({ p: 'ABC' });
    expect(causes).toHaveLength(1);
    expect(causes[0].field).toBe('p');
  });
});

describe('fieldPath', () => {
  it('renders map keys as segments and array indexes in brackets', () => {
    const data = { spec: { containers: { 'my/app': { ports: [{ port: 1 }] } } } };
    expect(fieldPath('/spec/containers/my~1app/ports/0/port', data)).toBe('spec.containers.my/app.ports[0].port');
    expect(fieldPath('', data)).toBe('');
  });

  it('names the missing property for required errors at the root', () => {
    expect(ajvErrorsToCauses([{ keyword: 'required', instancePath: '', schemaPath: '#/required', params: { missingProperty: 'spec' } }], {})).toEqual([
      { reason: 'FieldValueRequired', message: 'Required value', field: 'spec' },
    ]);
  });
});
