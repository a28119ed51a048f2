/**
 * Compiler golden pairs over the project's own example fleets (STYLE.md rule 14). The input of each
 * case is one example file, `topologies/examples/<fleet>/<file>.yaml` (read as data, never imported:
 * platform/ depends on nothing above it); its output is `testdata/examples/<fleet>/<file>.output.yaml`:
 * for every object of the file, what the platform derives from it inside its fleet —
 * - LatticeService: the Cedar gate requests and the fleet's decisions, `compileService`'s result
 *   (layers, hashes, secret names, notModelled), and the mesh objects `compileMeshPolicies` builds for
 *   its generated LatticeMeshMember in the fleet's service graph;
 * - LatticeMeshMember (escape hatch): its AllowWildcard decisions and its mesh objects;
 * - CedarPolicy: its validation status and every request of the fleet it permits;
 * - Namespace, SecretProvider: listed as applied unchanged (a controller, not a compiler, handles them).
 * Volatile values are placeholders: every uid is `<uid>`. Nothing else in a compile varies.
 *
 * A fleet is a folder of topologies/examples holding at least one LatticeService or LatticeMeshMember
 * (so `webapp-cedar/`, a lone CedarPolicy for the reference webapp, is not one).
 *
 * `UPDATE_GOLDEN=1 npx vitest run platform/compiler/examples.golden.test.ts` rewrites the outputs (and
 * deletes outputs whose input is gone); review the diff. Needs nothing outside this repository.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, stringify } from 'yaml';
import { describe, expect, test } from 'vitest';
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import { CedarEngine, parseCedarText, policyEffect, validateCedarPolicy, volumeDecisionDenies, volumeOwnerIndex, type GateDecision, type GateRequest } from '../cedar/index.ts';
import type { CedarPolicy, ImageProvider, LatticeMeshMember, LatticeService } from '../crds/types.ts';
import { buildServiceGraph, compileMeshPolicies, wildcardRequests } from '../mesh/index.ts';
import { compileService, type ServiceLookupResult } from './index.ts';

const UPDATE = process.env.UPDATE_GOLDEN === '1';
const TESTDATA = fileURLToPath(new URL('./testdata/examples/', import.meta.url));
const EXAMPLES = fileURLToPath(new URL('../../topologies/examples/', import.meta.url));
/** The World's defaults (harness/world.ts), so the goldens show what a simulated run applies. */
const CLUSTER_NAME = 'sim';
const TRUST_DOMAIN = 'lattice.sim';
const UID = '<uid>';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

interface FleetObject {
  file: string;
  object: KubeObject;
}

/** Every object of a fleet folder's `*.yaml` files (sorted by file name), uids set to the placeholder. */
function fleetObjects(fleet: string): FleetObject[] {
  const dir = join(EXAMPLES, fleet);
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .flatMap((file) =>
      parseAllDocuments(readFileSync(join(dir, file), 'utf8'))
        .map((d) => d.toJS() as KubeObject | null)
        .filter((o): o is KubeObject => !!o && typeof o === 'object' && typeof o.kind === 'string')
        .map((o) => ({ file, object: { ...o, metadata: { ...o.metadata, uid: UID } } })),
    );
}

/** The example fleets: folders of topologies/examples with a LatticeService or LatticeMeshMember, sorted. */
const FLEETS = readdirSync(EXAMPLES, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort()
  .filter((f) => fleetObjects(f).some((o) => o.object.kind === 'LatticeService' || o.object.kind === 'LatticeMeshMember'));

/** A gate request and its decision, in words a reviewer reads: `action resource-uid (subject, container)`. */
function gateLine(d: GateDecision): Json {
  const r = d.request.resource;
  const resource =
    r.type === 'SecretPath'
      ? `SecretPath::"${r.provider}:${r.path}"`
      : r.type === 'SecurityOverride'
        ? `SecurityOverride::"${r.id}"`
        : r.type === 'ExternalEndpoint'
          ? `ExternalEndpoint::"${r.host}:${r.port}" (${r.protocol})`
          : r.type === 'Mesh'
            ? `Mesh::"${r.id}"`
            : JSON.stringify(r);
  return {
    request: `${d.request.action} ${resource}`,
    subject: d.request.subject,
    ...(d.request.container !== undefined ? { container: d.request.container } : {}),
    allowed: d.allowed,
    ...(d.allowed ? { by: d.policies } : { reason: d.reason }),
  };
}

/** Compiles a whole fleet the way the platform's controllers do, in pure calls; returns one output document per example file. */
function compileFleet(fleet: string): { outputs: Map<string, Json[]>; decisions: GateDecision[] } {
  const objects = fleetObjects(fleet);
  const engine = CedarEngine.fromPolicies(objects.filter((o) => o.object.kind === 'CedarPolicy').map((o) => o.object as CedarPolicy));
  const decisions: GateDecision[] = [];
  const authorizer = {
    authorize(requests: readonly GateRequest[]): GateDecision[] {
      const out = engine.authorize(requests);
      decisions.push(...out);
      return out;
    },
  };
  const ports = new Map<string, ServiceLookupResult>();
  for (const { object } of objects) {
    const p = (object as LatticeService).spec?.workload?.service?.ports;
    if (object.kind === 'LatticeService' && p) ports.set(`${object.metadata.namespace}/${object.metadata.name}`, { ports: p });
  }

  // Shared-volume owners of the fleet (the AccessVolume owner-consent layer and co-location).
  const volumeOwner = volumeOwnerIndex(
    objects.filter((o) => o.object.kind === 'LatticeService').map(({ object }) => ({ namespace: object.metadata.namespace!, name: object.metadata.name, resources: (object as LatticeService).spec?.workload?.resources })),
  );
  // ImageProviders of the fleet (lattice-system), for imagePullSecrets.
  const imageProviders = new Map(
    objects.filter((o) => o.object.kind === 'ImageProvider' && o.object.metadata.namespace === 'lattice-system').map(({ object }) => [object.metadata.name, (object as ImageProvider).spec.credentials]),
  );
  // 1. LatticeServices (every Cedar workload gate is asked here), collecting the generated members.
  const services = new Map<FleetObject, Json>();
  const members: LatticeMeshMember[] = [];
  for (const entry of objects.filter((o) => o.object.kind === 'LatticeService')) {
    const before = decisions.length;
    const result = compileService(entry.object as LatticeService, { authorizer, clusterName: CLUSTER_NAME, trustDomain: TRUST_DOMAIN, serviceLookup: (ns, name) => ports.get(`${ns}/${name}`), volumeOwner, imageProviders: (name) => imageProviders.get(name) });
    const gates = decisions.slice(before).map(gateLine);
    // The generated member as the API server stores it (with a uid of its own).
    const member = result.ok ? ({ ...result.meshMember, metadata: { ...result.meshMember.metadata, uid: UID } } as LatticeMeshMember) : undefined;
    services.set(entry, { gates, result, member });
    if (member) members.push(member);
  }
  const escapeHatches = objects.filter((o) => o.object.kind === 'LatticeMeshMember');
  members.push(...escapeHatches.map((o) => o.object as LatticeMeshMember));

  // 2. The service graph of every member, then each member's mesh objects (and its wildcard gate).
  const graph = buildServiceGraph(members);
  const mesh = (m: LatticeMeshMember): Json => {
    const wildcard = wildcardRequests(m);
    const gates = wildcard.length > 0 ? authorizer.authorize(wildcard).map(gateLine) : [];
    return { gates, objects: compileMeshPolicies(m, graph, { trustDomain: TRUST_DOMAIN }) };
  };

  const outputs = new Map<string, Json[]>();
  const add = (file: string, doc: Json) => outputs.set(file, [...(outputs.get(file) ?? []), doc]);
  for (const entry of objects) {
    const { file, object } = entry;
    const id = `${object.kind} ${object.metadata.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata.name}`;
    if (object.kind === 'LatticeService') {
      const { gates, result, member } = services.get(entry)!;
      if (!result.ok) {
        add(file, { object: id, gates, result });
        continue;
      }
      const meshOut = mesh(member);
      add(file, {
        object: id,
        gates: [...gates, ...meshOut.gates],
        compiled: {
          configHash: result.configHash,
          secretNames: result.secretNames,
          externalSecretNames: result.externalSecretNames,
          notModelled: result.notModelled,
          layers: result.layers,
        },
        mesh: meshOut.objects,
      });
    } else if (object.kind === 'LatticeMeshMember') {
      const meshOut = mesh(object as LatticeMeshMember);
      add(file, { object: id, gates: meshOut.gates, mesh: meshOut.objects });
    } else if (object.kind !== 'CedarPolicy') {
      add(file, { object: id, compiled: 'applied unchanged (no compiler step)' });
    }
  }
  // 3. CedarPolicies last: what each one permits of everything the fleet asked.
  for (const { file, object } of objects.filter((o) => o.object.kind === 'CedarPolicy')) {
    const name = object.metadata.name;
    const permits = decisions.filter((d) => d.allowed && d.policies.some((p) => p.startsWith(`${name}_`))).map((d) => ({ principal: `${d.request.principal.namespace}/${d.request.principal.name}`, ...gateLine(d) }));
    add(file, { object: `CedarPolicy ${object.metadata.namespace}/${name}`, status: validateCedarPolicy(object as CedarPolicy), permits });
  }
  return { outputs, decisions };
}

function render(fleet: string, file: string, docs: Json[]): string {
  const header = `# Golden output of topologies/examples/${fleet}/${file} (platform/compiler/examples.golden.test.ts; UPDATE_GOLDEN=1 rewrites it)\n`;
  return header + docs.map((d) => stringify(d, { aliasDuplicateObjects: false, lineWidth: 0 })).join('---\n');
}

const outputName = (file: string) => `${file.replace(/\.ya?ml$/, '')}.output.yaml`;

test('the example fleets are found (no ../shared needed)', () => {
  expect(FLEETS).toEqual(expect.arrayContaining(['newsroom', 'observatory', 'settlement', 'shop']));
});

describe.each(FLEETS.map((f) => [f]))('golden: example fleet %s compiled by the platform', (fleet) => {
  const { outputs, decisions } = compileFleet(fleet);
  const dir = join(TESTDATA, fleet);

  for (const [file, docs] of [...outputs].sort(([a], [b]) => (a < b ? -1 : 1))) {
    test(`${fleet}/${file} -> testdata/examples/${fleet}/${outputName(file)}`, () => {
      const path = join(dir, outputName(file));
      const actual = render(fleet, file, docs);
      if (UPDATE) {
        mkdirSync(dir, { recursive: true });
        writeFileSync(path, actual);
        return;
      }
      expect(existsSync(path), `missing golden ${path}: run UPDATE_GOLDEN=1 npx vitest run platform/compiler/examples.golden.test.ts`).toBe(true);
      expect(actual).toBe(readFileSync(path, 'utf8'));
    });
  }

  test(`testdata/examples/${fleet}/ holds an output for every example file and nothing else`, () => {
    const wanted = new Set([...outputs.keys()].map(outputName));
    const present = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.output.yaml')) : [];
    const stale = present.filter((f) => !wanted.has(f));
    if (UPDATE) for (const f of stale) rmSync(join(dir, f));
    else expect(stale, `stale goldens (their input is gone): rerun with UPDATE_GOLDEN=1`).toEqual([]);
  });

  test(`every Cedar request of ${fleet} is allowed, and every permit statement of its CedarPolicies is used`, () => {
    // AccessVolume runs in permissive mode after owner consent (platform/cedar/volumes.ts): no matching policy is no denial.
    expect(decisions.filter((d) => (d.request.action === 'AccessVolume' ? volumeDecisionDenies(d, true) : !d.allowed)).map(gateLine)).toEqual([]);
    const used = new Set(decisions.flatMap((d) => d.policies));
    const declared = fleetObjects(fleet)
      .filter((o) => o.object.kind === 'CedarPolicy')
      .flatMap(({ object }) => {
        const parsed = parseCedarText((object as CedarPolicy).spec.policies);
        return parsed.ok ? parsed.policies.flatMap((text, i) => (policyEffect(text) === 'permit' ? [`${object.metadata.name}_${i}`] : [])) : [`${object.metadata.name}: does not parse`];
      });
    expect(declared.filter((id) => !used.has(id)), 'permit statements no request of the fleet needs').toEqual([]);
  });
});
