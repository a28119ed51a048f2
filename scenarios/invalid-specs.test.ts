import { describe, expect, test } from 'vitest';
import { World } from '../harness/world.ts';
import { LatticeServiceType, type LatticeService } from '../platform/index.ts';
import { objectProblems } from '../platform/validation/index.ts';
import { renderService } from '../topologies/render.ts';
import { ADMISSION_REFUSED_SPECS, INVALID_SPEC_FIELDS, type TopologyService } from '../topologies/topology.ts';

/**
 * The invalid-spec knob's two halves agree: each field random topologies render invalid
 * (topologies INVALID_SPEC_FIELDS, what the admission oracle expects to be named) is the first
 * problem the platform's validation reports for the rendered LatticeService, and the same service
 * rendered without it is valid.
 */
describe('invalid fields of random topologies are the ones the platform validation names', () => {
  const server: TopologyService = { namespace: 'ns', name: 'api', layer: 1, ports: [{ name: 'http', port: 80, targetPort: 8080 }, { name: 'grpc', port: 9090, targetPort: 50051 }], outbound: [], inbound: [], wildcardInbound: false };
  const generator: TopologyService = { namespace: 'ns', name: 'gen', layer: 0, ports: [], outbound: [], inbound: [], wildcardInbound: false };
  test('a valid rendering has no problem', () => {
    expect(objectProblems(renderService(server))).toEqual([]);
    expect(objectProblems(renderService(generator))).toEqual([]);
  });
  // The fields the webhook refuses (the others, such as secret-without-id, fail later in the compiler).
  test.each([...ADMISSION_REFUSED_SPECS])('%s', (id) => {
    expect(objectProblems(renderService({ ...server, invalidSpec: id }))[0]?.field).toBe(INVALID_SPEC_FIELDS[id]);
    if (id !== 'port-name') expect(objectProblems(renderService({ ...generator, invalidSpec: id }))[0]?.field).toBe(INVALID_SPEC_FIELDS[id]);
  });
});

describe('a World runs the platform webhook (validate.lattice.dev) unless told not to', () => {
  const invalid = () => renderService({ namespace: 'shop', name: 'api', layer: 1, ports: [{ name: 'http', port: 80, targetPort: 8080 }], outbound: [], inbound: [], wildcardInbound: false, invalidSpec: 'relative-command' });
  const namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } };

  test('by default the API refuses an invalid LatticeService: 403, the webhook and the field named', async () => {
    const world = await World.create({ seed: 1 });
    const refused = await world.apply([namespace, invalid()]);
    world.stop();
    expect(refused.map((r) => [r.object.kind, r.error.status.code, r.error.message])).toEqual([
      ['LatticeService', 403, "admission webhook \"validate.lattice.dev\" denied the request: spec.workload.containers.main.command[0]: 'main': command[0] 'nginx' must be an absolute path (start with '/')"],
    ]);
  });

  test('without it the controller fails the stored service with the field named, and nothing is produced', async () => {
    const world = await World.create({ seed: 1, validatingWebhook: false });
    expect(await world.apply([namespace, invalid()])).toEqual([]);
    await world.advance(world.clock.now() + 30_000);
    world.stop();
    const ls = world.reader.list(LatticeServiceType, { namespace: 'shop' })[0] as LatticeService;
    expect(ls.status).toMatchObject({ phase: 'Failed', message: expect.stringContaining(INVALID_SPEC_FIELDS['relative-command']) });
    expect(world.reader.list({ apiVersion: 'apps/v1', kind: 'Deployment' }, { namespace: 'shop' })).toEqual([]);
  });
});
