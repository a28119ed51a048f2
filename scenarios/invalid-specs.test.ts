import { describe, expect, test } from 'vitest';
import { objectProblems } from '../platform/validation/index.ts';
import { renderService } from '../topologies/render.ts';
import { INVALID_SPEC_FIELDS, type InvalidSpecId, type TopologyService } from '../topologies/topology.ts';

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
  test.each(Object.keys(INVALID_SPEC_FIELDS) as InvalidSpecId[])('%s', (id) => {
    expect(objectProblems(renderService({ ...server, invalidSpec: id }))[0]?.field).toBe(INVALID_SPEC_FIELDS[id]);
    if (id !== 'port-name') expect(objectProblems(renderService({ ...generator, invalidSpec: id }))[0]?.field).toBe(INVALID_SPEC_FIELDS[id]);
  });
});
