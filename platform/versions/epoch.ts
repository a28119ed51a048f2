/**
 * Epoch-based derivation (book ch. 4, "semantic changes"): a change in what the compiler derives from
 * an unchanged spec is opted into per service with the annotation `platform.lattice.dev/epoch`, so one
 * controller serves two eras at once and the fleet migrates service by service.
 *
 * Epochs: `2025` (absent, or any value this platform does not know) — a single-replica service gets no
 * PodDisruptionBudget; `2026` — a single-replica service gets one (`minAvailable: 1`), which protects it
 * during voluntary disruptions and blocks node drains until its pod is rescheduled.
 * Conversion between API versions never changes the annotation (it lives in metadata).
 */
import type { KubeObject } from '../../fake-apiserver/api/index.ts';

/** The annotation naming a service's derivation epoch. */
export const LATTICE_EPOCH_ANNOTATION = 'platform.lattice.dev/epoch';

/** The epochs this platform derives for, oldest first. */
export const DERIVATION_EPOCHS = [2025, 2026] as const;
export type DerivationEpoch = (typeof DERIVATION_EPOCHS)[number];

/** The derivation epoch of `obj`: its annotation when it names a known epoch, else 2025 (the behaviour every spec had before epochs). */
export function derivationEpoch(obj: Pick<KubeObject, 'metadata'>): DerivationEpoch {
  const v = Number(obj.metadata.annotations?.[LATTICE_EPOCH_ANNOTATION]);
  return (DERIVATION_EPOCHS as readonly number[]).includes(v) ? (v as DerivationEpoch) : 2025;
}
