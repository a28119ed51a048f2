/**
 * Provider config checks of a SecretStore / ClusterSecretStore `spec.provider`, the fields ESO's API
 * marks required (external-secrets.io API reference: VaultProvider `server`, `auth`; VaultKubernetesAuth
 * `role`; AWSProvider `service` (SecretsManager | ParameterStore), `region`; WebhookProvider `url`,
 * `result`; GCPSMProvider and the rest: no required field checked here). Exactly one provider key.
 * Returns the first problem as `<field path>: <reason>` (the API server's wording), or undefined when
 * the config is well-formed. ESO runs the same check (ValidateStore) in its admission webhook and
 * fails client creation at reconcile (condition Ready=False, InvalidProviderConfig).
 */

/** Provider keys of `spec.provider` that ESO v1 registers. */
export const ESO_PROVIDERS = new Set([
  'akeyless', 'alibaba', 'aws', 'azurekv', 'beyondtrust', 'bitwardensecretsmanager', 'chef', 'conjur', 'delinea', 'device42',
  'doppler', 'fake', 'fortanix', 'gcpsm', 'gitlab', 'github', 'ibm', 'infisical', 'keepersecurity', 'kubernetes', 'onboardbase',
  'onepassword', 'onepasswordSDK', 'oracle', 'passbolt', 'passworddepot', 'previder', 'pulumi', 'scaleway', 'secretserver',
  'senhasegura', 'upboundspaces', 'vault', 'webhook', 'yandexcertificatemanager', 'yandexlockbox',
]);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const nonEmpty = (v: unknown): boolean => typeof v === 'string' && v.length > 0;

/** The provider type of a store's `spec.provider` (its one key), or '' when there is none. */
export function providerType(provider: unknown): string {
  return isObj(provider) ? (Object.keys(provider)[0] ?? '') : '';
}

/** The first problem of `spec.provider`, or undefined when ESO would accept it. */
export function validateProvider(provider: unknown): string | undefined {
  if (!isObj(provider)) return 'spec.provider: Required value';
  const keys = Object.keys(provider);
  if (keys.length !== 1) return `spec.provider: Invalid value: must configure exactly one provider (found ${keys.length})`;
  const type = keys[0]!;
  if (!ESO_PROVIDERS.has(type)) return `spec.provider.${type}: Unsupported value: no registered store backend for type ${type}`;
  const cfg = provider[type];
  const at = `spec.provider.${type}`;
  if (!isObj(cfg)) return `${at}: Required value`;
  switch (type) {
    case 'vault': {
      if (!nonEmpty(cfg.server)) return `${at}.server: Required value`;
      if (cfg.version !== undefined && cfg.version !== 'v1' && cfg.version !== 'v2') return `${at}.version: Unsupported value: "${String(cfg.version)}": supported values: "v1", "v2"`;
      if (!isObj(cfg.auth)) return `${at}.auth: Required value`;
      const methods = Object.keys(cfg.auth);
      if (methods.length === 0) return `${at}.auth: Required value: one authentication method`;
      const k8s = cfg.auth.kubernetes;
      if (k8s !== undefined && (!isObj(k8s) || !nonEmpty(k8s.role))) return `${at}.auth.kubernetes.role: Required value`;
      return undefined;
    }
    case 'aws':
      if (cfg.service !== 'SecretsManager' && cfg.service !== 'ParameterStore') {
        return cfg.service === undefined ? `${at}.service: Required value` : `${at}.service: Unsupported value: "${String(cfg.service)}": supported values: "SecretsManager", "ParameterStore"`;
      }
      if (!nonEmpty(cfg.region)) return `${at}.region: Required value`;
      return undefined;
    case 'webhook':
      if (!nonEmpty(cfg.url)) return `${at}.url: Required value`;
      if (!isObj(cfg.result)) return `${at}.result: Required value`;
      return undefined;
    default:
      return undefined;
  }
}
