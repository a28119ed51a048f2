/**
 * `lattice-sim compile`: our own spec directories through `main()`. Each object ends compiled (the
 * platform's outputs listed), denied (gate named, nothing produced), refused (field named) or applied;
 * exit 0 when everything settled, 2 for a missing path; `-o json` carries the manifests.
 */
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../main.ts';
import type { CompileResult } from '../compile.ts';
import { referenceFixture, repoPath } from './run-cli.ts';

async function compile(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['compile', ...args], { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const clinic = repoPath('cli/e2e/testdata/compile/clinic');

describe('lattice-sim compile', () => {
  it('lists what the platform produced for each object, or the gate or field that stopped it (exit 0)', async () => {
    const r = await compile(['--specs', clinic]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(
      /LatticeService clinic\/records .*: compiled \(Ready\), 7 resources\n {2}status compiledResources: 6 \(.*\), generation 1\n {2}CiliumNetworkPolicy clinic\/cnp-mesh-\w+, Deployment clinic\/records, ExternalSecret clinic\/records-records-db, LatticeMeshMember clinic\/records, Service clinic\/records, ServiceAccount clinic\/records, TracingPolicyNamespaced clinic\/allow-binaries-records/,
    );
    expect(r.out).toMatch(/LatticeService clinic\/intake .*: denied \(Failed\), 0 resources/);
    expect(r.out).toContain(
      'condition PolicyAuthorized=False (AccessSecretDenied): AccessSecret denied: Service clinic/intake is not permitted to access secret clinic/billing (resource \'billing-key\', Lattice::SecretPath::"lattice-local:clinic/billing"): no permit policy for this service and resource.',
    );
    expect(r.out).toContain('  status compiledResources: 0\n');
    expect(r.out).toMatch(/LatticeService clinic\/pharmacy .*: refused\n {2}refused: spec\.workload\.containers\.main\.image: Required value/);
    expect(r.out).toMatch(/^compile: 5 objects: 1 compiled, 1 denied, 1 refused, 2 applied, 0 pending; 7 resources produced/m);
  });

  it('-o json gives the manifests without server-populated fields, and the same answer twice', async () => {
    const a = await compile(['--specs', clinic, '-o', 'json']);
    expect(a.code).toBe(0);
    const result = JSON.parse(a.out) as CompileResult;
    const records = result.items.find((i) => i.object === 'LatticeService clinic/records')!;
    const deployment = records.resources.find((o) => o.kind === 'Deployment')!;
    expect(deployment.metadata).not.toHaveProperty('uid');
    expect(deployment.metadata).not.toHaveProperty('managedFields');
    expect(deployment).not.toHaveProperty('status');
    expect(deployment.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'LatticeService', name: 'records' });
    expect(result.items.find((i) => i.object === 'LatticeService clinic/intake')).toMatchObject({ outcome: 'denied', phase: 'Failed', resources: [] });
    const b = await compile(['--specs', clinic, '-o', 'json']);
    expect(b.out).toBe(a.out);
  });

  it('compiles the example fleet shop: every service Ready, with its mesh policies attributed to it', async () => {
    const r = await compile(['--specs', repoPath('topologies/examples/shop'), '-o', 'json']);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.out) as CompileResult;
    const services = result.items.filter((i) => i.object.startsWith('LatticeService '));
    expect(services).toHaveLength(6);
    for (const s of services) {
      expect(s.outcome, s.object).toBe('compiled');
      expect(s.resources.map((o) => o.kind), s.object).toEqual(expect.arrayContaining(['Deployment', 'ServiceAccount', 'LatticeMeshMember', 'CiliumNetworkPolicy']));
    }
  });

  it("compiles the book's checkout (topologies/examples/checkout, §8.6): Ready with the book's 13 resources plus its LatticeMeshMember, and the platform's own count", async () => {
    const r = await compile(['--specs', repoPath('topologies/examples/checkout')]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/LatticeService commerce\/checkout .*: compiled \(Ready\), 14 resources\n/);
    expect(r.out).toContain(
      '  status compiledResources: 13 (AuthorizationPolicy 2, CiliumNetworkPolicy 2, ConfigMap 1, Deployment 1, ExternalSecret 2, PodDisruptionBudget 1, Service 1, ServiceAccount 1, TracingPolicyNamespaced 1, VMServiceScrape 1), generation 1\n',
    );
    const json = JSON.parse((await compile(['--specs', repoPath('topologies/examples/checkout'), '-o', 'json'])).out) as CompileResult;
    const checkout = json.items.find((i) => i.object === 'LatticeService commerce/checkout')!;
    const listed = checkout.resources.filter((o) => o.kind !== 'LatticeMeshMember').map((o) => `${o.kind}/${o.metadata.name}`);
    expect(listed).toHaveLength(13);
    expect(listed).toEqual(expect.arrayContaining(['VMServiceScrape/checkout-scrape', 'TracingPolicyNamespaced/allow-binaries-checkout', 'PodDisruptionBudget/checkout', 'ExternalSecret/checkout-orders-db', 'ExternalSecret/checkout-stripe']));
    expect(checkout.compiledResources?.count).toBe(13);
  });

  it('a missing path is exit 2 naming it; a bad --output is refused by the flag parser', async () => {
    const r = await compile(['--specs', '/nonexistent/specs']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('/nonexistent/specs: no such file or directory');
    const bad = await compile(['--specs', clinic, '-o', 'xml']);
    expect(bad.code).toBe(2);
  });

  // The whole reference folder (its webapp/ is the marker that ../shared is there).
  const reference = referenceFixture('webapp') && dirname(referenceFixture('webapp')!.replace(/\/$/, ''));
  it.skipIf(!reference)(`the reference fixtures${reference ? '' : ' (skipped: ../shared/fixtures/reference is absent)'}: every object compiled, denied or refused with a reason, nothing pending; plex denied on volume access`, async () => {
    const r = await compile(['--specs', reference!, '-o', 'json']);
    expect(r.code, r.err).toBe(0);
    const result = JSON.parse(r.out) as CompileResult;
    for (const item of result.items) {
      expect(item.outcome, item.object).not.toBe('pending');
      if (item.outcome === 'denied' || item.outcome === 'refused') expect(item.message, item.object).toBeTruthy();
    }
    // LatticeModel is served now (issue 9): compiled, or denied naming the gate / field; never refused as an unknown kind.
    const llm = result.items.find((i) => i.object === 'LatticeModel serving/llm-serving')!;
    expect(['compiled', 'denied'], llm.message).toContain(llm.outcome);
    if (llm.outcome === 'denied') expect(llm.message).toMatch(/^Failed to compile: compilation failed for role '(decode|prefill)(-worker)?': /);
    // LatticePackage too: the reference's podinfo is denied on its $secret (AccessSecret) or, when permitted, its chart is not in the local chart directory.
    const podinfo = result.items.find((i) => i.object === 'LatticePackage package-test/podinfo-test')!;
    expect(podinfo, podinfo.message).toMatchObject({ outcome: 'denied', resources: [] });
    expect(podinfo.message).toMatch(/^secret access denied: 'app-creds'/);
    const plex = result.items.find((i) => i.object === 'LatticeService media/plex')!;
    expect(plex).toMatchObject({ outcome: 'denied', resources: [] });
    expect(plex.conditions).toContainEqual(expect.objectContaining({ type: 'PolicyAuthorized', status: 'False', reason: 'AccessVolumeDenied' }));
  });

  it.skipIf(!reference)(`the reference LatticeJobs under an operator's blanket permit produce Volcano Jobs (a CronJob for the scheduled one), the reference LatticeModel serves, the reference LatticePackage's chart is not found offline${reference ? '' : ' (skipped: ../shared/fixtures/reference is absent)'}`, async () => {
    const r = await compile(['--specs', reference!, '--specs', repoPath('cli/e2e/testdata/compile/permit-all'), '-o', 'json']);
    expect(r.code, r.err).toBe(0);
    const jobs = (JSON.parse(r.out) as CompileResult).items.filter((i) => i.object.startsWith('LatticeJob '));
    expect(jobs.map((j) => j.object).sort()).toEqual(['LatticeJob batch/data-pipeline', 'LatticeJob batch/scheduled-pipeline', 'LatticeJob training-pytorch-test/pytorch-ddp']);
    for (const job of jobs) {
      expect(job.outcome, job.object).toBe('compiled');
      const volcano = job.resources.filter((o) => o.apiVersion === 'batch.volcano.sh/v1alpha1').map((o) => o.kind);
      expect(volcano, job.object).toEqual([job.object.includes('scheduled') ? 'CronJob' : 'Job']);
      // The per-task objects (named <job>-<task>, owned as the job itself is) are listed under the job.
      expect(job.resources.some((o) => o.kind === 'ServiceAccount' && o.metadata.name.startsWith(`${job.object.split('/')[1]}-`)), job.object).toBe(true);
    }
    // The reference LatticeModel: Serving, its Kthena objects and per-role objects listed under it.
    const llm = (JSON.parse(r.out) as CompileResult).items.find((i) => i.object === 'LatticeModel serving/llm-serving')!;
    expect(llm, llm.message).toMatchObject({ outcome: 'compiled', phase: 'Serving', message: 'Model is serving inference requests' });
    const kinds = new Set(llm.resources.map((o) => o.kind));
    for (const k of ['ModelServing', 'ModelServer', 'ModelRoute', 'AutoscalingPolicy', 'AutoscalingPolicyBinding', 'LatticeMeshMember', 'ServiceAccount', 'Service']) expect(kinds, k).toContain(k);
    expect(llm.resources.filter((o) => o.kind === 'LatticeMeshMember').map((o) => o.metadata.name).sort()).toEqual(['llm-serving-decode', 'llm-serving-decode-worker', 'llm-serving-prefill']);
    const podinfo = (JSON.parse(r.out) as CompileResult).items.find((i) => i.object === 'LatticePackage package-test/podinfo-test')!;
    expect(podinfo).toMatchObject({ outcome: 'denied', message: 'chart podinfo 6.11.2 not found in oci://ghcr.io/stefanprodan/charts' });
  });
});
