/**
 * Test helpers for topology tests (oracle, admission, render, scenarios): not used by the tool itself.
 */
import type { TopologyService } from './topology.ts';

/**
 * A server of a hand-written test topology: layer 1, one `http` port (Service 80, target 8080), no
 * declarations and no wildcard; `over` replaces any field. Input: namespace, name, overrides. Never throws.
 */
export function testService(namespace: string, name: string, over: Partial<TopologyService> = {}): TopologyService {
  return {
    namespace,
    name,
    layer: 1,
    ports: [{ name: 'http', port: 80, targetPort: 8080 }],
    outbound: [],
    inbound: [],
    wildcardInbound: false,
    ...over,
  };
}
