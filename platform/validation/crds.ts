/**
 * Spec validation of each Lattice CRD the platform serves, as the reference does it
 * (evan-hines-js/lattice 08fbacb0). Pure functions `(spec) → problems[]` (empty = valid), fields
 * named from the object root (`spec.…`), messages in the reference's words. The reference stops at its
 * first error; these list every problem in its checking order, so `problems[0]` is what it reports.
 */
import { mergeTask } from '../compiler/job-compiler.ts';
import type { LatticeJobSpec, LatticeMeshMemberSpec, LatticeServiceSpec } from '../crds/types.ts';
import type { ValidationProblem } from './problems.ts';
import { dnsLabelProblem, keySegment, sortedKeys } from './problems.ts';
import { absoluteCommandProblems, containerProblems, runtimeProblems, workloadProblems } from './workload.ts';

/**
 * `LatticeServiceSpec::validate` (crates/lattice-crd/src/crd/service.rs:153-187): the workload
 * (workload/spec.rs:187-244), the runtime (sidecars, spec.rs:80-87), an external `serviceType`
 * (NodePort / LoadBalancer) together with `ingress` refused, `replicas` (default 1) ≤
 * `autoscaling.max` and metric targets > 0 (≤ 100 for cpu / memory, scaling.rs:22-38), backup hook
 * commands non-empty with an absolute `command[0]` (backup.rs:43-51, 129-139).
 */
export function latticeServiceProblems(spec: LatticeServiceSpec | undefined): ValidationProblem[] {
  const out = [...workloadProblems(spec?.workload, 'spec.workload'), ...runtimeProblems(spec, 'spec')];
  const serviceType = spec?.workload?.service?.serviceType;
  if ((serviceType === 'NodePort' || serviceType === 'LoadBalancer') && spec?.ingress != null) {
    out.push({ field: 'spec.workload.service.serviceType', message: `service.serviceType=${serviceType} is mutually exclusive with spec.ingress; pick exactly one external-access path` });
  }
  const autoscaling = spec?.autoscaling;
  if (autoscaling) {
    if ((spec.replicas ?? 1) > autoscaling.max) out.push({ field: 'spec.replicas', message: 'replicas cannot exceed autoscaling max' });
    (autoscaling.metrics ?? []).forEach((m, i) => {
      const at = `spec.autoscaling.metrics[${i}].target`;
      if (!(m.target > 0)) out.push({ field: at, message: `autoscaling metric '${m.metric}' target must be greater than 0` });
      else if ((m.metric === 'cpu' || m.metric === 'memory') && m.target > 100) out.push({ field: at, message: `autoscaling metric '${m.metric}' target cannot exceed 100%` });
    });
  }
  const hooks = (spec?.backup as { hooks?: { pre?: BackupHook[]; post?: BackupHook[] } } | undefined)?.hooks;
  for (const phase of ['pre', 'post'] as const) {
    (hooks?.[phase] ?? []).forEach((hook, i) => {
      const at = `spec.backup.hooks.${phase}[${i}].command`;
      if (!hook.command || hook.command.length === 0) out.push({ field: at, message: `backup hook '${hook.name}': command must not be empty` });
      else out.push(...absoluteCommandProblems(hook.command, `backup hook '${hook.name}'`, at));
    });
  }
  return out;
}

interface BackupHook {
  name: string;
  command?: string[];
}

/**
 * `LatticeMeshMemberSpec::validate` (crates/lattice-crd/src/crd/mesh_member.rs:325-355): port
 * names are DNS labels; a namespace target is not empty; a selector target has at least one label and
 * no empty key.
 */
export function latticeMeshMemberProblems(spec: LatticeMeshMemberSpec | undefined): ValidationProblem[] {
  const out: ValidationProblem[] = [];
  (spec?.ports ?? []).forEach((p, i) => {
    const problem = dnsLabelProblem(String(p?.name ?? ''), 'port name', `spec.ports[${i}].name`);
    if (problem) out.push(problem);
  });
  const target = (spec?.target ?? {}) as { namespace?: string; selector?: Record<string, string> };
  if ('namespace' in target && !target.namespace) out.push({ field: 'spec.target.namespace', message: 'namespace target cannot be empty' });
  if ('selector' in target) {
    const keys = Object.keys(target.selector ?? {});
    if (keys.length === 0) out.push({ field: 'spec.target.selector', message: 'selector must have at least one label' });
    else if (keys.some((k) => k === '')) out.push({ field: 'spec.target.selector', message: 'selector label key cannot be empty' });
  }
  return out;
}

/**
 * `SecretProviderSpec::validate` (crates/lattice-crd/src/crd/secrets_provider.rs:152-167):
 * `spec.provider` holds exactly one provider key (`vault`, `aws`, `webhook` …); the message lists
 * the keys found, sorted, as Rust prints a `Vec<&String>`.
 */
export function secretProviderProblems(spec: { provider?: Record<string, unknown> } | undefined): ValidationProblem[] {
  const keys = sortedKeys(spec?.provider);
  if (keys.length === 0) return [{ field: 'spec.provider', message: 'spec.provider must contain exactly one provider key' }];
  if (keys.length > 1) return [{ field: 'spec.provider', message: `spec.provider must contain exactly one provider key, found ${keys.length}: [${keys.map((k) => JSON.stringify(k)).join(', ')}]` }];
  return [];
}

/**
 * `LatticeJobSpec::validate` (crates/lattice-crd/src/crd/job.rs:375-430), over the tasks with the
 * job's defaults merged in: at least one task; with `training`, the coordinator task (default
 * `master`) exists, every container names a command and no task restarts other than `Never`; then
 * every task's containers (`task '<t>': <container problem>`) and runtime (sidecars).
 */
export function latticeJobProblems(spec: LatticeJobSpec | undefined): ValidationProblem[] {
  const names = sortedKeys(spec?.tasks);
  if (names.length === 0) return [{ field: 'spec.tasks', message: 'job has no tasks' }];
  const tasks = names.map((name) => [name, mergeTask(spec!.tasks[name], spec!.defaults)] as const);
  const out: ValidationProblem[] = [];
  if (spec!.training) {
    const coordinator = spec!.training.coordinatorTask ?? 'master';
    if (!names.includes(coordinator)) out.push({ field: 'spec.training.coordinatorTask', message: `training coordinator task '${coordinator}' not found in job tasks` });
    for (const [t, task] of tasks) {
      for (const c of sortedKeys(task.workload?.containers)) {
        if (task.workload!.containers![c].command == null)
          out.push({ field: `spec.tasks${keySegment(t)}.workload.containers${keySegment(c)}.command`, message: `training task '${t}' container '${c}' must specify a command` });
      }
    }
    for (const [t, task] of tasks) {
      if (task.restartPolicy != null && task.restartPolicy !== 'Never')
        out.push({
          field: `spec.tasks${keySegment(t)}.restartPolicy`,
          message: `training task '${t}' has restart_policy '${task.restartPolicy}', but training jobs require 'Never' so Volcano can manage gang restarts`,
        });
    }
  }
  for (const [t, task] of tasks) {
    const at = `spec.tasks${keySegment(t)}`;
    for (const c of sortedKeys(task.workload?.containers)) {
      for (const p of containerProblems(task.workload!.containers![c], c, `${at}.workload.containers${keySegment(c)}`)) out.push({ field: p.field, message: `task '${t}': ${p.message}` });
    }
    out.push(...runtimeProblems(task, at));
  }
  return out;
}
