/**
 * TypeScript shape of LatticeQuota (reference crates/lattice-crd/src/crd/quota.rs): resource limits
 * (cpu, memory, `nvidia.com/gpu`) for a Cedar principal, enforced by the workload compilers and tracked
 * in status by the quota controller. Field names are the wire names (camelCase). Kept beside
 * `types.ts` (a fixed contract) as `model-types.ts` is.
 */
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import { LATTICE_API_VERSION } from './types.ts';

export const LatticeQuotaType = { apiVersion: LATTICE_API_VERSION, kind: 'LatticeQuota' } as const;

/**
 * LatticeQuota spec. `principal` is a Cedar entity reference: `Lattice::Service::"<ns>/<name>"` (one
 * workload), `Lattice::Group::"<g>"` (workloads in namespaces labelled `lattice.dev/group: <g>`) or
 * `Lattice::User::"<email>"` (workloads annotated `lattice.dev/owner: <email>`). `limits` and
 * `maxPerWorkload` map resource names (`cpu` in cores or `<n>m`, `memory` with a Ki/Mi/Gi/Ti/k/M/G/T
 * suffix or bytes, anything else an integer count) to Kubernetes quantity strings. `enabled` defaults
 * to true; a disabled quota is not enforced.
 */
export interface LatticeQuotaSpec {
  principal: string;
  limits: Record<string, string>;
  maxPerWorkload?: Record<string, string>;
  enabled?: boolean;
}

/** Phase of a LatticeQuota (reference `LatticeQuotaPhase`). */
export type LatticeQuotaPhase = 'Pending' | 'Active' | 'Exceeded' | 'Invalid';

/**
 * LatticeQuota status (reference `LatticeQuotaStatus`): `used` has the same keys as the demand the
 * principal's workloads request (`cpu`, `memory`, `nvidia.com/gpu`; zero values left out), formatted
 * as quantities (`4`, `1500m`, `8Gi`, `512Mi`); `workloadCount` counts the workloads that contributed.
 */
export interface LatticeQuotaStatus {
  phase?: LatticeQuotaPhase;
  used?: Record<string, string>;
  workloadCount?: number;
  message?: string | null;
  observedGeneration?: number | null;
}

export interface LatticeQuota extends KubeObject {
  spec: LatticeQuotaSpec;
  status?: LatticeQuotaStatus;
}
