import { describe, expect, it } from 'vitest';
import { ApiServer } from '../apiserver.ts';
import { StatusError } from '../api/index.ts';
import type { StatusCause } from '../api/index.ts';
import { manualClock, manualDelivery } from '../testing/manual-clock.ts';

const CRD = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition' };
type Schema = Record<string, unknown>;

const specWith = (rulesAt: Schema[]): Schema => ({
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      'x-kubernetes-validations': rulesAt,
      properties: { size: { type: 'integer' }, name: { type: 'string' }, tags: { type: 'object', additionalProperties: { type: 'string' } }, items: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' } } } } },
    },
  },
});

function crdCauses(versions: Schema[]): { message: string; causes: StatusCause[] } {
  const server = new ApiServer({ clock: manualClock(), deliver: manualDelivery().deliver });
  try {
    server.create({ ...CRD, metadata: { name: 'gadgets.example.dev' }, spec: { group: 'example.dev', scope: 'Namespaced', names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget' }, versions } });
  } catch (e) {
    if (e instanceof StatusError && e.code === 422) return { message: e.message, causes: e.status.details?.causes ?? [] };
    throw e;
  }
  return { message: '', causes: [] };
}

const one = (s: Schema) => crdCauses([{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: s } }]);
const RULE_PATH = 'spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations[0]';

describe('x-kubernetes-validations at CRD create', () => {
  it('accepts rules that compile, including field, map and list access and the Kubernetes libraries', () => {
    expect(
      one(
        specWith([
          { rule: "self.size > 0 && self.name.lowerAscii().startsWith('a') && self.tags.all(k, self.tags[k] != '') && self.items.all(i, i.id.size() < 10)" },
          { rule: "quantity('1Gi').isGreaterThan(quantity('1G')) && isURL('https://x') && self.items.map(i, i.id).isSorted()" },
        ]),
      ).causes,
    ).toEqual([]);
  });

  it('refuses a syntax error with cel-go wording at spec.validation…rule for a single version', () => {
    const { causes } = one(specWith([{ rule: 'self.size >' }]));
    expect(causes).toHaveLength(1);
    expect(causes[0].field).toBe(`${RULE_PATH}.rule`);
    expect(causes[0].reason).toBe('FieldValueInvalid');
    expect(causes[0].message).toMatch(
      /^Invalid value: apiextensions\.ValidationRule\{Rule:"self\.size >", Message:"", MessageExpression:"", Reason:\(\*apiextensions\.FieldValueErrorReason\)\(nil\), FieldPath:"", OptionalOldSelf:\(\*bool\)\(nil\)\}: compilation failed: ERROR: <input>:1:\d+: Syntax error: /,
    );
  });

  it('refuses a field the schema does not declare, with the caret under the selection', () => {
    const { causes } = one(specWith([{ rule: 'self.sise > 0', message: 'size must be positive' }]));
    expect(causes).toEqual([
      {
        reason: 'FieldValueInvalid',
        field: `${RULE_PATH}.rule`,
        message: `Invalid value: apiextensions.ValidationRule{Rule:"self.sise > 0", Message:"size must be positive", MessageExpression:"", Reason:(*apiextensions.FieldValueErrorReason)(nil), FieldPath:"", OptionalOldSelf:(*bool)(nil)}: compilation failed: ERROR: <input>:1:5: undefined field 'sise'\n | self.sise > 0\n | ....^`,
      },
    ]);
  });

  it('accepts a rule calling a Kubernetes function this simulator does not implement, as upstream compiles it', () => {
    expect(one(specWith([{ rule: 'isSemver(self.name) && base64.decode(self.name) != b""' }])).causes).toEqual([]);
  });

  it('refuses undeclared identifiers and functions, and fields of list items under a macro', () => {
    const msgs = one(specWith([{ rule: 'sel.size > 0' }, { rule: 'self.name.shout()' }, { rule: 'self.items.all(i, i.idd != "")' }])).causes.map((c) => `${c.field}: ${c.message.split('compilation failed: ')[1]?.split('\n')[0]}`);
    expect(msgs).toEqual([
      "spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule: ERROR: <input>:1:1: undeclared reference to 'sel' (in container '')",
      "spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations[1].rule: ERROR: <input>:1:16: undeclared reference to 'shout' (in container '')",
      "spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations[2].rule: ERROR: <input>:1:20: undefined field 'idd'",
    ]);
  });

  it('checks messageExpression, reason, fieldPath, message shape and optionalOldSelf', () => {
    const causes = one(
      specWith([
        { rule: 'self.size > 0', messageExpression: "'bad ' + self.nme" },
        { rule: 'self.size > 0', reason: 'FieldValueWrong' },
        { rule: 'self.size > 0', fieldPath: '.nope' },
        { rule: '  ' },
        { rule: 'self.size > 0', optionalOldSelf: true },
        { rule: 'self.size >\n 0' },
      ]),
    ).causes;
    const at = (i: number) => `spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations[${i}]`;
    expect(causes.map((c) => [c.field, c.reason])).toEqual([
      [`${at(0)}.messageExpression`, 'FieldValueInvalid'],
      [`${at(1)}.reason`, 'FieldValueNotSupported'],
      [`${at(2)}.fieldPath`, 'FieldValueInvalid'],
      [`${at(3)}.rule`, 'FieldValueRequired'],
      [`${at(4)}.optionalOldSelf`, 'FieldValueInvalid'],
      [`${at(5)}.message`, 'FieldValueRequired'],
    ]);
    expect(causes[0].message).toContain("messageExpression compilation failed: ERROR: <input>:1:14: undefined field 'nme'");
    expect(causes[1].message).toBe('Unsupported value: "FieldValueWrong": supported values: "FieldValueDuplicate", "FieldValueForbidden", "FieldValueInvalid", "FieldValueRequired"');
    expect(causes[2].message).toBe('Invalid value: ".nope": fieldPath must be a valid path');
    expect(causes[3].message).toBe('Required value: rule is not specified');
    expect(causes[4].message).toBe('Invalid value: true: may not be set if oldSelf is not used in rule');
    expect(causes[5].message).toBe('Required value: message must be specified if rule contains line breaks');
  });

  it('names spec.versions[i].schema when the versions carry different schemas', () => {
    const bad = specWith([{ rule: 'self.nope' }]);
    const { causes, message } = crdCauses([
      { name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: specWith([]) } },
      { name: 'v2', served: true, storage: false, schema: { openAPIV3Schema: bad } },
    ]);
    expect(causes.map((c) => c.field)).toEqual(['spec.versions[1].schema.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule']);
    expect(message).toMatch(/^CustomResourceDefinition\.apiextensions\.k8s\.io "gadgets\.example\.dev" is invalid: spec\.versions\[1\]/);
  });

  it('refuses the same bad rule on a CRD update, and accepts the fix', () => {
    const server = new ApiServer({ clock: manualClock(), deliver: manualDelivery().deliver });
    const base = { ...CRD, metadata: { name: 'gadgets.example.dev' }, spec: { group: 'example.dev', scope: 'Namespaced', names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget' } } };
    const created = server.create({ ...base, spec: { ...base.spec, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: specWith([]) } }] } });
    const withRule = (rule: string) => ({ ...created, spec: { ...base.spec, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: specWith([{ rule }]) } }] } });
    expect(() => server.update(withRule('self.size >'))).toThrow(/x-kubernetes-validations\[0\]\.rule: Invalid value/);
    expect(() => server.update(withRule('self.size > 0'))).not.toThrow();
  });
});
