/**
 * CustomResourceDefinition handling (Kubernetes API concepts: CustomResourceDefinitions;
 * anchors-apiserver.md §3.19–3.20): validation of the CRD itself, the kinds it serves, and the
 * status the apiextensions controllers would write. Internal to fake-apiserver.
 */
import type { KubeObject, StatusCause } from '../api/index.ts';
import type { ResourceInfo } from '../registry.ts';
import { crdValidationRuleCauses } from '../cel/index.ts';
import { deprecationWarning } from '../conversion/conversion.ts';
import type { CrdConversion } from '../conversion/conversion.ts';
import { compileSchema } from '../validation.ts';
import type { OpenApiSchema } from '../validation.ts';
import { isPlainObject } from './json.ts';

interface CrdVersion {
  name: string;
  served?: boolean;
  storage?: boolean;
  schema?: { openAPIV3Schema?: OpenApiSchema };
  subresources?: { status?: object; scale?: object };
  deprecated?: boolean;
  deprecationWarning?: string;
}

interface CrdSpec {
  group?: string;
  scope?: string;
  names?: { plural?: string; singular?: string; kind?: string; listKind?: string; shortNames?: string[] };
  versions?: CrdVersion[];
  conversion?: CrdConversion;
}

const spec = (crd: KubeObject): CrdSpec => (isPlainObject(crd.spec) ? (crd.spec as CrdSpec) : {});

/** 422 causes of a CRD (name = plural.group, group with a dot, names, scope, one storage version, compilable schemas and CEL rules). */
export function crdCauses(crd: KubeObject): StatusCause[] {
  const out: StatusCause[] = [];
  const s = spec(crd);
  const req = (field: string) => out.push({ reason: 'FieldValueRequired', message: 'Required value', field });
  if (!s.group) req('spec.group');
  else if (!s.group.includes('.')) out.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(s.group)}: should be a domain with at least one dot`, field: 'spec.group' });
  if (!s.names?.plural) req('spec.names.plural');
  if (!s.names?.kind) req('spec.names.kind');
  if (s.group && s.names?.plural && crd.metadata.name !== `${s.names.plural}.${s.group}`)
    out.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(crd.metadata.name)}: must be spec.names.plural+"."+spec.group`, field: 'metadata.name' });
  if (s.scope !== 'Namespaced' && s.scope !== 'Cluster')
    out.push(
      s.scope === undefined
        ? { reason: 'FieldValueRequired', message: 'Required value', field: 'spec.scope' }
        : { reason: 'FieldValueNotSupported', message: `Unsupported value: ${JSON.stringify(s.scope)}: supported values: "Cluster", "Namespaced"`, field: 'spec.scope' },
    );
  const versions = Array.isArray(s.versions) ? s.versions : [];
  if (versions.length === 0) out.push({ reason: 'FieldValueInvalid', message: 'Invalid value: []: must have exactly one version marked as storage version', field: 'spec.versions' });
  else if (versions.filter((v) => v.storage === true).length !== 1)
    out.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(versions.map((v) => v.name))}: must have exactly one version marked as storage version`, field: 'spec.versions' });
  const conv = s.conversion;
  if (conv?.strategy !== undefined && conv.strategy !== 'None' && conv.strategy !== 'Webhook')
    out.push({ reason: 'FieldValueNotSupported', message: `Unsupported value: ${JSON.stringify(conv.strategy)}: supported values: "None", "Webhook"`, field: 'spec.conversion.strategy' });
  if (conv?.strategy === 'Webhook') {
    const cc = conv.webhook?.clientConfig;
    if (!cc) out.push({ reason: 'FieldValueRequired', message: 'Required value: required when strategy is set to Webhook', field: 'spec.conversion.webhook' });
    else if ((cc.url === undefined) === (cc.service === undefined)) out.push({ reason: 'FieldValueRequired', message: 'Required value: exactly one of url or service is required', field: 'spec.conversion.webhook.clientConfig' });
    if (!conv.webhook?.conversionReviewVersions?.includes('v1'))
      out.push({ reason: 'FieldValueInvalid', message: 'Invalid value: must include at least one of v1', field: 'spec.conversion.webhook.conversionReviewVersions' });
  }
  versions.forEach((v, i) => {
    if (!v.name) req(`spec.versions[${i}].name`);
    if (v.deprecationWarning !== undefined && !v.deprecated) out.push({ reason: 'FieldValueInvalid', message: 'Invalid value: can only be set for deprecated versions', field: `spec.versions[${i}].deprecationWarning` });
    const schema = v.schema?.openAPIV3Schema;
    if (schema !== undefined) {
      try {
        compileSchema(schema);
      } catch (e) {
        out.push({ reason: 'FieldValueInvalid', message: `Invalid value: "object": ${(e as Error).message}`, field: `spec.versions[${i}].schema.openAPIV3Schema` });
      }
    }
  });
  out.push(...crdValidationRuleCauses(versions));
  return out;
}

/** The kinds a (valid) CRD serves: one ResourceInfo per served version. */
export function crdResourceInfos(crd: KubeObject): ResourceInfo[] {
  const s = spec(crd);
  const group = s.group ?? '';
  const kind = s.names?.kind ?? '';
  const versions = s.versions ?? [];
  const storage = versions.find((v) => v.storage === true)?.name ?? versions[0]?.name ?? '';
  return versions
    .filter((v) => v.served !== false)
    .map((v) => ({
      group,
      version: v.name,
      apiVersion: `${group}/${v.name}`,
      kind,
      plural: s.names?.plural ?? '',
      listKind: s.names?.listKind ?? `${kind}List`,
      namespaced: s.scope !== 'Cluster',
      statusSubresource: isPlainObject(v.subresources?.status),
      hasGeneration: true,
      ...(v.schema?.openAPIV3Schema ? { schema: v.schema.openAPIV3Schema } : {}),
      custom: true,
      storageApiVersion: `${group}/${storage}`,
      ...(s.conversion?.strategy === 'Webhook' ? { conversion: s.conversion } : {}),
      ...(v.deprecated ? { deprecationWarning: deprecationWarning(group, kind, versions, v.name) } : {}),
    }));
}

/** Status the apiextensions controllers write at once: names accepted, Established, stored versions. */
export function crdStatus(crd: KubeObject, now: string, old?: Record<string, unknown>): Record<string, unknown> {
  const s = spec(crd);
  const storage = (s.versions ?? []).find((v) => v.storage === true)?.name;
  const stored = new Set<string>(Array.isArray(old?.storedVersions) ? (old.storedVersions as string[]) : []);
  if (storage) stored.add(storage);
  const oldConds = Array.isArray(old?.conditions) ? (old.conditions as { type: string; lastTransitionTime?: string }[]) : [];
  const since = (type: string) => oldConds.find((c) => c.type === type)?.lastTransitionTime ?? now;
  return {
    conditions: [
      { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found', lastTransitionTime: since('NamesAccepted') },
      { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted', lastTransitionTime: since('Established') },
    ],
    acceptedNames: { ...s.names, listKind: s.names?.listKind ?? `${s.names?.kind ?? ''}List` },
    storedVersions: [...stored],
  };
}
