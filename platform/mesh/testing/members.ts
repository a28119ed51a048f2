/**
 * Test builders for mesh members (shared fakes live in `testing/`, STYLE.md rule 25). Not used by
 * production code.
 */
import { LatticeMeshMemberType, type LatticeMeshMember, type LatticeMeshMemberSpec } from '../../crds/types.ts';

/**
 * A LatticeMeshMember `ns/name` with uid `uid-<ns>-<name>`, a selector target
 * `{app.kubernetes.io/name: <name>}`, one Strict port `http` 8080 (service port 80), and `spec`
 * fields overriding those defaults.
 */
export function lmm(ns: string, name: string, spec: Partial<LatticeMeshMemberSpec> = {}): LatticeMeshMember {
  return {
    ...LatticeMeshMemberType,
    metadata: { name, namespace: ns, uid: `uid-${ns}-${name}` },
    spec: {
      target: { selector: { 'app.kubernetes.io/name': name } },
      ports: [{ name: 'http', port: 8080, servicePort: 80 }],
      ...spec,
    },
  };
}
