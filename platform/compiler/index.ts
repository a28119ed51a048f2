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
export { compileJob, jobOwnerReference, mergeTask, mergedTasks, LABEL_TRAINING_JOB, DEFAULT_MASTER_PORT, VolcanoJobType, VolcanoCronJobType, type CompiledJob, type JobCompileResult, type JobLayers } from './job-compiler.ts';
export { gpuProductLabel, GPU_PRODUCT_LABEL, GPU_RESOURCE, VGPU_CORES, VGPU_MEMORY, VGPU_NUMBER, VOLCANO_SCHEDULER, type GpuParams } from './workload-compiler.ts';
export { esoContentHash, ESO_API_VERSION } from './secrets.ts';
export { buildTemplateContext, expandTemplate, parseEndpoint, type Endpoint, type TemplateContext } from './template.ts';
