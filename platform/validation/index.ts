export type { ValidationProblem } from './problems.ts';
export { dnsLabelProblem, formatProblem, isReferenceDnsLabel } from './problems.ts';
export { containerProblems, fileModeProblems, imageProblems, absoluteCommandProblems, runtimeProblems, servicePortsProblems, workloadProblems } from './workload.ts';
export { latticeJobProblems, latticeMeshMemberProblems, latticeServiceProblems, secretProviderProblems } from './crds.ts';
export type { LatticeAdmissionRequest, LatticeAdmissionResponse } from './admission.ts';
export { LATTICE_VALIDATING_WEBHOOK, SYSTEM_NAMESPACES, VALIDATED_KINDS, admitLatticeObject, isSystemNamespace, objectProblems, systemNamespaceProblems } from './admission.ts';
export { packageProblems, type PackageAdmissionOptions } from './package.ts';
export { latticeQuotaProblems } from './quota.ts';
