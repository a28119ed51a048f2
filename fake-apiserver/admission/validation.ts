/**
 * 422 causes of a Validating/MutatingWebhookConfiguration (kube-apiserver
 * `apis/admissionregistration/validation`, the rules that matter for calling it): each webhook has a
 * name, exactly one of clientConfig url / service, sideEffects None or NoneOnDryRun, admissionReviewVersions
 * including v1, failurePolicy and matchPolicy from their enums, timeoutSeconds 1–30.
 */
import type { KubeObject, StatusCause } from '../api/index.ts';
import { isPlainObject } from '../internal/json.ts';
import type { WebhookSpec } from './types.ts';

const notSupported = (v: unknown, allowed: string[], field: string): StatusCause => ({
  reason: 'FieldValueNotSupported',
  message: `Unsupported value: ${JSON.stringify(v)}: supported values: ${allowed.map((a) => JSON.stringify(a)).join(', ')}`,
  field,
});

/** Every cause, with dotted field paths (`webhooks[0].sideEffects`). Empty when valid. */
export function webhookConfigurationCauses(cfg: KubeObject, mutating: boolean): StatusCause[] {
  const out: StatusCause[] = [];
  const hooks = Array.isArray(cfg.webhooks) ? (cfg.webhooks as WebhookSpec[]) : [];
  const names = new Set<string>();
  hooks.forEach((h, i) => {
    const at = `webhooks[${i}]`;
    if (!isPlainObject(h)) return void out.push({ reason: 'FieldValueInvalid', message: 'Invalid value: must be an object', field: at });
    if (!h.name) out.push({ reason: 'FieldValueRequired', message: 'Required value', field: `${at}.name` });
    else if (names.has(h.name)) out.push({ reason: 'FieldValueDuplicate', message: `Duplicate value: ${JSON.stringify(h.name)}`, field: `${at}.name` });
    else names.add(h.name);
    const cc = isPlainObject(h.clientConfig) ? h.clientConfig : {};
    if ((cc.url === undefined) === (cc.service === undefined)) out.push({ reason: 'FieldValueRequired', message: 'Required value: exactly one of url or service is required', field: `${at}.clientConfig` });
    if (h.sideEffects === undefined) out.push({ reason: 'FieldValueRequired', message: 'Required value', field: `${at}.sideEffects` });
    else if (h.sideEffects !== 'None' && h.sideEffects !== 'NoneOnDryRun') out.push(notSupported(h.sideEffects, ['None', 'NoneOnDryRun'], `${at}.sideEffects`));
    if (!Array.isArray(h.admissionReviewVersions) || h.admissionReviewVersions.length === 0)
      out.push({ reason: 'FieldValueRequired', message: 'Required value: must specify one of v1, v1beta1', field: `${at}.admissionReviewVersions` });
    else if (!h.admissionReviewVersions.includes('v1'))
      out.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(h.admissionReviewVersions)}: must include at least one of v1 (the only version this server sends)`, field: `${at}.admissionReviewVersions` });
    if (h.failurePolicy !== undefined && h.failurePolicy !== 'Fail' && h.failurePolicy !== 'Ignore') out.push(notSupported(h.failurePolicy, ['Fail', 'Ignore'], `${at}.failurePolicy`));
    if (h.matchPolicy !== undefined && h.matchPolicy !== 'Exact' && h.matchPolicy !== 'Equivalent') out.push(notSupported(h.matchPolicy, ['Equivalent', 'Exact'], `${at}.matchPolicy`));
    if (h.timeoutSeconds !== undefined && !(Number.isInteger(h.timeoutSeconds) && h.timeoutSeconds >= 1 && h.timeoutSeconds <= 30))
      out.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(h.timeoutSeconds)}: the timeout value must be between 1 and 30 seconds`, field: `${at}.timeoutSeconds` });
    if (mutating && h.reinvocationPolicy !== undefined && h.reinvocationPolicy !== 'Never' && h.reinvocationPolicy !== 'IfNeeded')
      out.push(notSupported(h.reinvocationPolicy, ['IfNeeded', 'Never'], `${at}.reinvocationPolicy`));
  });
  return out;
}
