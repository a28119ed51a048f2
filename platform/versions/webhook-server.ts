/**
 * The platform's webhook Service, `lattice-system/lattice-webhook` (reference crates/lattice-webhook):
 * one HTTP-shaped handler routing by path. `/convert` is the LatticeService conversion webhook; the
 * validating webhook `validate.lattice.dev` is registered separately (platform/install.ts
 * `platformValidatingWebhook`).
 */
import { CONVERSION_PATH, latticeConversionWebhook } from './latticeservice-conversion.ts';

/** Namespace and name of the Service the CRDs' `conversion.webhook.clientConfig` names. */
export const LATTICE_WEBHOOK_SERVICE = { namespace: 'lattice-system', name: 'lattice-webhook' } as const;

/**
 * Handles one POST to the webhook Service: the JSON body and the request path in, the JSON answer out.
 * @throws Error `no webhook at <path>` for an unknown path (an HTTP server answers 404), and what the route throws.
 */
export function latticeWebhookServer(body: unknown, path: string): unknown {
  if (path === CONVERSION_PATH) return latticeConversionWebhook(body);
  throw new Error(`no webhook at ${path}`);
}
