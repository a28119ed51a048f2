/** Public surface of platform/versions: LatticeService conversion (v1alpha1 ⇄ v1beta1), the platform's webhook Service, derivation epochs. */
export { CONVERSION_PATH, LATTICE_V1ALPHA1, LATTICE_V1BETA1, convertLatticeService, latticeConversionWebhook } from './latticeservice-conversion.ts';
export { DERIVATION_EPOCHS, LATTICE_EPOCH_ANNOTATION, derivationEpoch } from './epoch.ts';
export type { DerivationEpoch } from './epoch.ts';
export { LATTICE_WEBHOOK_SERVICE, latticeWebhookServer } from './webhook-server.ts';
