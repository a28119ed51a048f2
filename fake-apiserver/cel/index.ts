/**
 * CRD validation rules (`x-kubernetes-validations`) in CEL, evaluated with @bufbuild/cel plus the
 * Kubernetes CEL libraries (apiextensions-apiserver pkg/apiserver/schema/cel). Entry points:
 * {@link compileRules} (cached rule tree of a schema, undefined when it has no rules),
 * {@link celValidationCauses} (422 causes for an object and its old version) and
 * {@link crdValidationRuleCauses} (the CRD's own admission of its rules).
 */
export { compileRules, compileRule, compileExpression } from './compile.ts';
export type { CompiledRule, RuleNode, ValidationRule, CelProgram } from './compile.ts';
export { celAdmissionCauses, celValidationCauses } from './validate.ts';
export { crdValidationRuleCauses, goValidationRule } from './crd-rules.ts';
export { kubernetesLibrary } from './library.ts';
export { toCelValue, escapePropertyName } from './values.ts';
