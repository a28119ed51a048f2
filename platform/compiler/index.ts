/**
 * Public surface of the shared WorkloadCompiler and the LatticeService wrapper (reference §2).
 * Everything here is pure: `(spec, context) → objects`, no I/O, no clock.
 */
export type {
  CompileContext,
  CompileFailure,
  CompiledService,
  CompiledWorkload,
  DeniedResult,
  InvalidResult,
  OutboundServiceWildcard,
  PodTemplate,
  RuntimeSpec,
  ServiceCompileResult,
  ServiceLayers,
  ServiceLookupResult,
  WorkloadCompileInput,
  WorkloadCompileResult,
} from './types.ts';
export { SpecError } from './types.ts';
export { compileWorkload, CONFIG_HASH_ANNOTATION, containerSecurityContext, imagePullPolicy } from './workload-compiler.ts';
export { compileService, deploymentStrategy, serviceOwnerReference } from './service-compiler.ts';
export { compileJob, jobImages, jobOwnerReference, mergeTask, mergedTasks, LABEL_TRAINING_JOB, DEFAULT_MASTER_PORT, VolcanoJobType, VolcanoCronJobType, type CompiledJob, type JobCompileResult, type JobLayers } from './job-compiler.ts';
export { gpuProductLabel, GPU_PRODUCT_LABEL, GPU_RESOURCE, VGPU_CORES, VGPU_MEMORY, VGPU_NUMBER, VOLCANO_SCHEDULER, type GpuParams } from './workload-compiler.ts';
export { esoContentHash, ESO_API_VERSION } from './secrets.ts';
export { buildTemplateContext, egressTarget, expandTemplate, parseEndpoint, type Endpoint, type TemplateContext } from './template.ts';
export { compileModel, modelImages, mergeRole, mergedRoles, isPrefillDecode, modelOwnerReference, modelServingName, downloadEgressFqdns, KthenaTypes, KTHENA_LABELS, KTHENA_NAMESPACE, KTHENA_ROUTER_SA, KTHENA_AUTOSCALER_SA, LABEL_MODEL, DEFAULT_KV_SIDE_CHANNEL_PORT, DEFAULT_MODEL_SERVER_PORT, type CompiledModel, type ModelCompileResult, type ModelLayers } from './model-compiler.ts';
export { compilePackage, packageOwnerReference, type CompiledPackage, type PackageCompileResult, type SecretDirective } from './package-compiler.ts';
