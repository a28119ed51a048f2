/**
 * LatticePackage controller (reference §1.5; crates/lattice-package controller.rs, helm.rs, mesh.rs).
 * Per reconcile:
 * 1. Admission again (`packageProblems` with the platform's `allowedRepositories`): a problem ⇒ Failed
 *    `<field>: <message>` (Ready/False/AdmissionDenied), requeue 300 s.
 * 2. `compilePackage`: `$secret` directives → ExternalSecrets behind Cedar AccessSecret (kind `package`);
 *    a denial ⇒ Failed (Ready/False/SecretAccessDenied), an invalid directive ⇒ Failed (InvalidValues).
 * 3. The chart is located (`chartSource`, a platform option: by default the repository itself, `oci://…`
 *    or `--repo https://…`) and rendered with the real `helm template <package> <chart> --namespace <ns>
 *    --version <v> -f -` (values on stdin; `--include-crds` unless `skipCrds`) by the binary at
 *    `helmBinary`. The child process runs in wall time; `runWallWork` (a platform option) is how the
 *    caller's clock waits for it, and the reconcile awaits the render before it resolves.
 * 4. Apply: the mesh member, the ExternalSecrets, then every rendered object (server-side apply, field
 *    manager `lattice-package-controller`), labelled `lattice.dev/package=<package>`; objects in the
 *    package's namespace are owned by it (so deleting the package garbage-collects them: uninstall), others
 *    are deleted by the package's finalizer `lattice.dev/package-cleanup`. Objects applied before and no
 *    longer rendered are deleted (upgrade). `status.appliedResources` records what was applied.
 * 5. Status Ready (`Ready/True/Installed`, `chartVersion`, observedGeneration), plus the warning
 *    condition `MeshCovered=False/NoMeshMember` when a rendered pod template is selected by no
 *    LatticeMeshMember of its namespace (its pods get no mesh policy: default-deny).
 * A render or apply error ⇒ Failed (Ready/False/InstallFailed), requeue 60 s. Ready requeues every 300 s.
 * Requeue times are simulated ms under a VirtualClock.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { Condition, KubeClient, KubeObject, ObjectKey, TypeRef } from '../../fake-apiserver/api/index.ts';
import { ignoreNotFound, rfc3339 } from '../../fake-apiserver/api/index.ts';
import { compilePackage, packageOwnerReference } from '../compiler/index.ts';
import { LatticeMeshMemberType, type LatticeMeshMember } from '../crds/types.ts';
import { LatticePackageType, type LatticePackage } from '../crds/model-types.ts';
import type { ControllerDefinition, ReconcileContext, ReconcileResult } from '../runtime/index.ts';
import { controllerOwnerOfKind, done, requeueAfter } from '../runtime/index.ts';
import { formatProblem, packageProblems } from '../validation/index.ts';
import { applyAll } from './apply.ts';
import type { CedarLoader } from './cedar-loader.ts';
import { mergeCondition } from './conditions.ts';

/** Field manager of every write. */
export const PACKAGE_CONTROLLER = 'lattice-package-controller';
/** Finalizer that deletes what a package applied outside its own namespace. */
export const PACKAGE_FINALIZER = 'lattice.dev/package-cleanup';
/** Label on every object a package applied. */
export const LABEL_PACKAGE = 'lattice.dev/package';

/** Where `helm template` finds a chart: the chart argument and extra flags (e.g. `--repo`, `--version`). */
export interface ChartSource {
  chart: string;
  args: string[];
}

/** The default locator: the repository itself (`oci://repo/name --version v`, or `name --repo https://repo --version v`). */
export function remoteChartSource(chart: LatticePackage['spec']['chart']): ChartSource {
  if (chart.repository.startsWith('oci://')) return { chart: `${chart.repository.replace(/\/$/, '')}/${chart.name}`, args: ['--version', chart.version] };
  return { chart: chart.name, args: ['--repo', chart.repository, '--version', chart.version] };
}

/** Options of the package controller. */
export interface PackageControllerOptions {
  client: KubeClient;
  cedar: CedarLoader;
  clusterName: string;
  /** Path of the helm (v3 / v4) binary, or a function giving it on first use; default `helm` on PATH. */
  helmBinary?: string | (() => string);
  /** Chart locator (default {@link remoteChartSource}); undefined = the chart cannot be found. */
  chartSource?: (chart: LatticePackage['spec']['chart']) => ChartSource | undefined;
  /** How wall-time work is awaited (default: as is). A simulator passes its clock's hold. */
  runWallWork?: <T>(work: Promise<T>) => Promise<T>;
  /** Allowed chart repositories (see `PackageAdmissionOptions`); absent = any HTTPS / OCI repository. */
  allowedRepositories?: readonly string[];
}

const CLUSTER_SCOPED = new Set(['Namespace', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding', 'PriorityClass', 'StorageClass', 'PersistentVolume', 'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration', 'APIService', 'IngressClass', 'RuntimeClass']);
const POD_TEMPLATE_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']);

interface AppliedRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}
const refKey = (r: AppliedRef) => `${r.apiVersion}|${r.kind}|${r.namespace ?? ''}|${r.name}`;

/** Runs `helm template`; resolves with stdout or rejects with helm's stderr. Wall-time work. */
function helmTemplate(bin: string, args: string[], stdin: string, home: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, HELM_CACHE_HOME: join(home, 'cache'), HELM_CONFIG_HOME: join(home, 'config'), HELM_DATA_HOME: join(home, 'data') };
    const child = execFile(bin, args, { env, timeout: 300_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error((stderr || err.message).trim()));
      else resolve(stdout);
    });
    child.stdin?.end(stdin);
  });
}

/** The LatticePackage controller as a runner definition. */
export function packageController(opts: PackageControllerOptions): ControllerDefinition {
  const { client } = opts;
  const locate = opts.chartSource ?? remoteChartSource;
  const wall = opts.runWallWork ?? (<T>(w: Promise<T>) => w);
  let home: string | undefined;

  async function writeStatus(p: LatticePackage, status: Record<string, unknown>): Promise<void> {
    const cur = (p.status ?? {}) as Record<string, unknown>;
    const next = { ...cur, ...status };
    const strip = (s: Record<string, unknown>) => JSON.stringify({ ...s, conditions: ((s.conditions as Condition[] | undefined) ?? []).map(({ lastTransitionTime: _t, ...c }) => c) });
    if (strip(next) === strip(cur)) return;
    await client.patchStatus(LatticePackageType, { namespace: p.metadata.namespace, name: p.metadata.name }, 'merge', { status }).catch(ignoreNotFound);
  }

  async function fail(p: LatticePackage, reason: string, message: string, ctx: ReconcileContext, afterMs: number): Promise<ReconcileResult> {
    ctx.log.warn(`LatticePackage ${p.metadata.namespace}/${p.metadata.name}: ${message}`);
    const now = rfc3339(ctx.clock.now());
    await writeStatus(p, { phase: 'Failed', message, observedGeneration: p.metadata.generation ?? null, conditions: mergeCondition(p.status?.conditions as Condition[] | undefined, { type: 'Ready', status: 'False', reason, message }, now) });
    return requeueAfter(afterMs);
  }

  async function deleteRefs(refs: AppliedRef[]): Promise<void> {
    for (const r of refs) await client.delete({ apiVersion: r.apiVersion, kind: r.kind } as TypeRef, { namespace: r.namespace, name: r.name }).catch(ignoreNotFound);
  }

  const appliedOf = (p: LatticePackage): AppliedRef[] => ((p.status as { appliedResources?: AppliedRef[] } | undefined)?.appliedResources ?? []) as AppliedRef[];

  async function reconcile(key: ObjectKey, ctx: ReconcileContext): Promise<ReconcileResult> {
    const p = (await client.get<LatticePackage>(LatticePackageType, key).catch(ignoreNotFound)) as LatticePackage | undefined;
    if (!p) return done();
    const ns = p.metadata.namespace!;
    if (p.metadata.deletionTimestamp) {
      // Uninstall: what the GC cannot reach (other namespaces, cluster scope); owned objects go by garbage collection.
      if ((p.metadata.finalizers ?? []).includes(PACKAGE_FINALIZER)) {
        await deleteRefs(appliedOf(p).filter((r) => r.namespace !== ns));
        await client.patch(LatticePackageType, key, 'merge', { metadata: { finalizers: (p.metadata.finalizers ?? []).filter((f) => f !== PACKAGE_FINALIZER) } }).catch(ignoreNotFound);
      }
      return done();
    }

    const problems = packageProblems(p, { allowedRepositories: opts.allowedRepositories });
    if (problems.length > 0) return fail(p, 'AdmissionDenied', formatProblem(problems[0]), ctx, 300_000);
    const engine = await opts.cedar.load();
    const c = compilePackage(p, { authorizer: engine, clusterName: opts.clusterName });
    if (!c.ok) return fail(p, c.reason === 'denied' ? 'SecretAccessDenied' : 'InvalidValues', c.message, ctx, 300_000);
    const source = locate(p.spec.chart);
    if (!source) return fail(p, 'InstallFailed', `chart ${p.spec.chart.name} ${p.spec.chart.version} not found in ${p.spec.chart.repository}`, ctx, 60_000);

    let rendered: KubeObject[];
    try {
      home ??= mkdtempSync(join(tmpdir(), 'lattice-helm-'));
      const args = ['template', p.metadata.name, source.chart, '--namespace', c.namespace, ...source.args, '-f', '-'];
      if (!p.spec.skipCrds) args.push('--include-crds');
      const bin = typeof opts.helmBinary === 'function' ? opts.helmBinary() : (opts.helmBinary ?? 'helm');
      const out = await wall(helmTemplate(bin, args, JSON.stringify(c.values), home));
      rendered = parseAllDocuments(out)
        .map((d) => d.toJS() as KubeObject | null)
        .filter((o): o is KubeObject => !!o && typeof o === 'object' && typeof o.kind === 'string');
    } catch (err) {
      return fail(p, 'InstallFailed', `helm template failed: ${(err as Error).message}`, ctx, 60_000);
    }

    const owner = packageOwnerReference(p);
    const objects: KubeObject[] = [...(c.meshMember ? [c.meshMember] : []), ...c.externalSecrets];
    for (const o of rendered) {
      const namespaced = !CLUSTER_SCOPED.has(o.kind);
      const objNs = namespaced ? (o.metadata.namespace ?? c.namespace) : undefined;
      const metadata = { ...o.metadata, labels: { ...o.metadata.labels, [LABEL_PACKAGE]: p.metadata.name }, ...(objNs ? { namespace: objNs } : {}) };
      if (objNs === ns) metadata.ownerReferences = [...(o.metadata.ownerReferences ?? []), owner];
      objects.push({ ...o, metadata });
    }
    const refs: AppliedRef[] = objects.map((o) => ({ apiVersion: o.apiVersion, kind: o.kind, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}), name: o.metadata.name }));
    try {
      if (refs.some((r) => r.namespace !== ns) && !(p.metadata.finalizers ?? []).includes(PACKAGE_FINALIZER)) {
        await client.patch(LatticePackageType, key, 'merge', { metadata: { finalizers: [...(p.metadata.finalizers ?? []), PACKAGE_FINALIZER] } });
      }
      if (p.spec.createNamespace && c.namespace !== ns) await applyAll(client, [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: c.namespace } }], PACKAGE_CONTROLLER);
      await applyAll(client, objects, PACKAGE_CONTROLLER);
      const keep = new Set(refs.map(refKey));
      await deleteRefs(appliedOf(p).filter((r) => !keep.has(refKey(r))));
    } catch (err) {
      return fail(p, 'InstallFailed', `apply failed: ${(err as Error).message}`, ctx, 60_000);
    }

    // Mesh coverage: every rendered pod template should be selected by some LatticeMeshMember of its namespace.
    const uncovered: string[] = [];
    for (const o of objects.filter((x) => POD_TEMPLATE_KINDS.has(x.kind))) {
      const labels: Record<string, string> = o.spec?.template?.metadata?.labels ?? {};
      const members = (await client.list<LatticeMeshMember>(LatticeMeshMemberType, { namespace: o.metadata.namespace })).items;
      const covered = members.some((m) => {
        const t = m.spec?.target as { selector?: Record<string, string>; namespace?: string } | undefined;
        if (t?.namespace !== undefined) return t.namespace === o.metadata.namespace;
        return !!t?.selector && Object.entries(t.selector).every(([k, v]) => labels[k] === v);
      });
      if (!covered) uncovered.push(`${o.kind}/${o.metadata.name}`);
    }
    const now = rfc3339(ctx.clock.now());
    let conditions = mergeCondition(p.status?.conditions as Condition[] | undefined, { type: 'Ready', status: 'True', reason: 'Installed', message: `chart ${p.spec.chart.name} ${p.spec.chart.version} installed` }, now);
    conditions = mergeCondition(
      conditions,
      uncovered.length > 0
        ? { type: 'MeshCovered', status: 'False', reason: 'NoMeshMember', message: `no LatticeMeshMember selects the pods of ${uncovered.join(', ')}: they get no mesh policy (default-deny); add spec.mesh` }
        : { type: 'MeshCovered', status: 'True', reason: 'Covered', message: 'every pod template is selected by a LatticeMeshMember' },
      now,
    );
    if (uncovered.length > 0) ctx.log.warn(`LatticePackage ${ns}/${p.metadata.name}: no mesh member covers ${uncovered.join(', ')}`);
    await writeStatus(p, { phase: 'Ready', message: null, chartVersion: p.spec.chart.version, observedGeneration: p.metadata.generation ?? null, conditions, appliedResources: refs });
    return requeueAfter(300_000);
  }

  return {
    name: PACKAGE_CONTROLLER,
    primary: LatticePackageType,
    generationChangedOnly: true,
    watches: [{ type: LatticeMeshMemberType, map: controllerOwnerOfKind('LatticePackage') }],
    reconciler: { reconcile },
  };
}
