/**
 * Realistic platform bugs written as source edits of platform/ (one find/replace each), for
 * `npm run mutants` (mutation.ts). Unlike the seeded-bug catalogue (harness/bugs, applied from
 * outside the platform through client wrappers), these change the platform's own code the way a
 * platform engineer's slip would: a dropped condition, a wrong field, a skipped step. They measure
 * how much of what a platform team really breaks the default `lattice-sim run` catches; they are not
 * a test oracle and never run in `npm test`.
 */

/** One source mutant of platform/. `find` must occur exactly once in `file`. */
export interface PlatformMutant {
  /** Stable kebab-case id. */
  id: string;
  /** The part of the platform the slip is in (same vocabulary as harness/bugs BugArea). */
  area: 'compiler' | 'mesh-graph' | 'gates' | 'controller' | 'status' | 'lifecycle';
  /** Path relative to the repository root. */
  file: string;
  find: string;
  replace: string;
  /** One line: what the platform gets wrong. */
  breaks: string;
}

/** The mutants, grouped by area. */
export const PLATFORM_MUTANTS: readonly PlatformMutant[] = [
  // mesh graph
  {
    id: 'graph-unilateral',
    area: 'mesh-graph',
    file: 'platform/mesh/live-graph.ts',
    find: '      if (s && dep !== n.key && this.allows(s, n)) link(n.key, dep);',
    replace: '      if (s && dep !== n.key) link(n.key, dep);',
    breaks: 'an edge forms from the caller declaration alone when the caller changes last',
  },
  {
    id: 'graph-inbound-unilateral',
    area: 'mesh-graph',
    file: 'platform/mesh/live-graph.ts',
    find: '      if (c && from !== n.key && this.allows(n, c)) link(from, n.key);',
    replace: '      if (c && from !== n.key) link(from, n.key);',
    breaks: 'an edge forms from the caller declaration alone when the callee changes last',
  },
  {
    id: 'allows-all-ignored',
    area: 'mesh-graph',
    file: 'platform/mesh/live-graph.ts',
    find: '    return callee.allowsAll || callee.allowedCallers.includes(caller.key);',
    replace: '    return callee.allowedCallers.includes(caller.key);',
    breaks: 'wildcard inbound (allowedCallers "*") admits nobody',
  },
  {
    id: 'ref-namespace-ignored',
    area: 'mesh-graph',
    file: 'platform/mesh/graph.ts',
    find: 'const refKey = (r: { name: string; namespace?: string }) => `${r.namespace || namespace}/${r.name}`;',
    replace: 'const refKey = (r: { name: string; namespace?: string }) => `${namespace}/${r.name}`;',
    breaks: 'dependencies and allowedCallers always resolve in the member\'s own namespace',
  },
  {
    id: 'service-account-ignored',
    area: 'mesh-graph',
    file: 'platform/mesh/graph.ts',
    find: 'serviceAccount: spec.serviceAccount || name,',
    replace: 'serviceAccount: name,',
    breaks: 'a mesh member\'s SPIFFE identity uses its name instead of spec.serviceAccount',
  },
  {
    id: 'depends-all-ignored',
    area: 'mesh-graph',
    file: 'platform/mesh/live-graph.ts',
    find: '    if (n.dependsAll) this.dependsAll.add(n.key);',
    replace: '',
    breaks: 'dependsAll members get no inbound edge at callees that allow them',
  },
  {
    id: 'target-port-from-service-port',
    area: 'mesh-graph',
    file: 'platform/mesh/graph.ts',
    find: '    targetPort: p.port,',
    replace: '    targetPort: p.servicePort || p.port,',
    breaks: 'policies list Service ports where pods listen on target ports',
  },
  // policy compiler
  {
    id: 'cross-namespace-peer-label',
    area: 'compiler',
    file: 'platform/mesh/policy-compiler.ts',
    find: '  if (peer.namespace !== self.namespace) labels[CILIUM_NAMESPACE_LABEL] = peer.namespace;',
    replace: '',
    breaks: 'Cilium peer selectors of cross-namespace peers miss the namespace label',
  },
  {
    id: 'principal-own-namespace',
    area: 'compiler',
    file: 'platform/mesh/policy-compiler.ts',
    find: 'const principals = inbound.map((c) => principal(opts.trustDomain, c.namespace, c.serviceAccount));',
    replace: 'const principals = inbound.map((c) => principal(opts.trustDomain, self.namespace, c.serviceAccount));',
    breaks: 'AuthorizationPolicy principals put every caller in the callee\'s namespace',
  },
  {
    id: 'principal-name-not-sa',
    area: 'compiler',
    file: 'platform/mesh/policy-compiler.ts',
    find: 'const principals = inbound.map((c) => principal(opts.trustDomain, c.namespace, c.serviceAccount));',
    replace: 'const principals = inbound.map((c) => principal(opts.trustDomain, c.namespace, c.name));',
    breaks: 'AuthorizationPolicy principals use the caller\'s name instead of its service account',
  },
  {
    id: 'ap-first-port-only',
    area: 'compiler',
    file: 'platform/mesh/policy-compiler.ts',
    find: '  const ports = targetPorts(self).map(String);',
    replace: '  const ports = targetPorts(self).slice(0, 1).map(String);',
    breaks: 'the inbound AuthorizationPolicy lists only the lowest port',
  },
  {
    id: 'non-ambient-callee-egress',
    area: 'compiler',
    file: 'platform/mesh/policy-compiler.ts',
    find: '    if (!callee.ambient) egress.push(',
    replace: '    if (callee.ambient) egress.push(',
    breaks: 'ambient callers get direct egress to ambient callees instead of non-ambient ones',
  },
  {
    id: 'non-ambient-ingress-ports',
    area: 'compiler',
    file: 'platform/mesh/policy-compiler.ts',
    find: '    ingress.push(withPorts({ fromEndpoints: [{ matchLabels: peerLabels(self, caller) }] }, ownPorts));',
    replace: '    ingress.push(withPorts({ fromEndpoints: [{ matchLabels: ciliumLabels(caller) }] }, ownPorts));',
    breaks: 'non-ambient members admit callers by labels without their namespace',
  },
  {
    id: 'dns-callees-dropped',
    area: 'compiler',
    file: 'platform/mesh/policy-compiler.ts',
    find: '  return uniqSorted([...fqdns, ...outbound.map(serviceDnsName)]);',
    replace: '  return uniqSorted([...fqdns]);',
    breaks: 'the DNS egress rule no longer lists callee Service names',
  },
  {
    id: 'replicas-ignored',
    area: 'compiler',
    file: 'platform/compiler/service-compiler.ts',
    find: '  const replicas = spec.replicas ?? 1;',
    replace: '  const replicas = 1;',
    breaks: 'Deployments always run one replica',
  },
  {
    id: 'service-target-port-dropped',
    area: 'compiler',
    file: 'platform/compiler/service-compiler.ts',
    find: '        if (p.targetPort !== undefined) out.targetPort = p.targetPort;',
    replace: '',
    breaks: 'Services forward to the Service port instead of the declared target port',
  },
  {
    id: 'secret-remote-property',
    area: 'compiler',
    file: 'platform/compiler/secrets.ts',
    find: 'if (s.keys) spec.data = s.keys.map((k) => ({ secretKey: k, remoteRef: { key: s.remoteKey, property: k } }));',
    replace: 'if (s.keys) spec.data = s.keys.map((k) => ({ secretKey: k, remoteRef: { key: s.remoteKey } }));',
    breaks: 'ExternalSecrets fetch the whole remote secret instead of the declared property',
  },
  // gates
  {
    id: 'secret-gate-skipped',
    area: 'gates',
    file: 'platform/compiler/workload-compiler.ts',
    find: '      ...secretRequests(principal, resources),\n',
    replace: '',
    breaks: 'secrets are never checked against Cedar AccessSecret',
  },
  {
    id: 'forbid-reads-as-no-permit',
    area: 'gates',
    file: 'platform/cedar/engine.ts',
    find: "    if (decision === 'allow') return { request, allowed: true, reason: '', policies };",
    replace: "    if (decision === 'allow' || policies.length > 0) return { request, allowed: true, reason: '', policies };",
    breaks: 'a request denied by a matching forbid is allowed',
  },
  {
    id: 'empty-policy-set-allows',
    area: 'gates',
    file: 'platform/cedar/engine.ts',
    find: '    if (this.policySetId === undefined) return deny(REASON_NO_PERMIT);',
    replace: "    if (this.policySetId === undefined) return { request, allowed: true, reason: '', policies: [] };",
    breaks: 'with no CedarPolicy loaded every gate request is allowed',
  },
  {
    id: 'principal-id-name-only',
    area: 'gates',
    file: 'platform/cedar/entities.ts',
    find: "    uid: { type: `${CEDAR_NAMESPACE}::Service`, id: `${p.namespace}/${p.name}` },",
    replace: "    uid: { type: `${CEDAR_NAMESPACE}::Service`, id: p.name },",
    breaks: 'Cedar principals are named without their namespace',
  },
  {
    id: 'wildcard-gate-skipped',
    area: 'gates',
    file: 'platform/mesh/wildcards.ts',
    find: "  if (spec.dependsAll === true) dirs.push('outbound');",
    replace: '',
    breaks: 'dependsAll needs no AllowWildcard permit',
  },
  {
    id: 'disabled-policy-loaded',
    area: 'gates',
    file: 'platform/cedar/engine.ts',
    find: ' && o.spec.enabled !== false)',
    replace: ')',
    breaks: 'CedarPolicies with enabled: false still grant',
  },
  // controllers, status, lifecycle
  {
    id: 'ready-before-mesh',
    area: 'status',
    file: 'platform/controllers/service-controller.ts',
    find: "    if (meshPhase !== 'Ready' || lmm?.status?.observedGeneration !== lmm?.metadata.generation) {",
    replace: "    if (meshPhase === 'Pending') {",
    breaks: 'a LatticeService is reported Ready before its mesh member applied policies',
  },
  {
    id: 'observed-generation-not-written',
    area: 'status',
    file: 'platform/controllers/service-controller.ts',
    find: "    await writeStatus(ls, { phase: 'Ready', message: 'Service is operational', conditions, observedGeneration: generation });",
    replace: "    await writeStatus(ls, { phase: 'Ready', message: 'Service is operational', conditions, observedGeneration: status.observedGeneration ?? generation });",
    breaks: 'observedGeneration stays at the first generation a service became Ready with',
  },
  {
    id: 'denied-external-secrets-kept',
    area: 'lifecycle',
    file: 'platform/controllers/service-controller.ts',
    find: '        for (const es of externalSecrets.items) await deleteIfExists(client, ExternalSecretType, ns, es.metadata.name);',
    replace: '',
    breaks: 'a service denied after a policy change keeps its ExternalSecrets',
  },
  {
    id: 'orphan-policies-kept',
    area: 'lifecycle',
    file: 'platform/controllers/mesh-member-controller.ts',
    find: '      if (type && !keep.has(`${prev.kind}/${prev.name}`)) await deleteIfExists(client, type, member.metadata.namespace!, prev.name);',
    replace: '',
    breaks: 'an AuthorizationPolicy no longer produced (last caller removed) is never deleted',
  },
  {
    id: 'neighbours-not-requeued',
    area: 'controller',
    file: 'platform/controllers/mesh-member-controller.ts',
    find: '    for (const k of graph.neighbours(key)) affected.add(k);',
    replace: '',
    breaks: 'members that gain an edge from a change are not re-queued',
  },
  {
    id: 'skip-ignores-graph-hash',
    area: 'controller',
    file: 'platform/controllers/mesh-member-controller.ts',
    find: "    if (status.phase === 'Ready' && status.observedGeneration === member.metadata.generation && member.metadata.annotations?.[GRAPH_HASH_ANNOTATION] === hash) {",
    replace: "    if (status.phase === 'Ready' && status.observedGeneration === member.metadata.generation) {",
    breaks: 'a Ready member is not recompiled when its peers\' edges change',
  },
  {
    id: 'ambient-label-skipped',
    area: 'controller',
    file: 'platform/controllers/mesh-member-controller.ts',
    find: "    if (member.spec.ambient !== false) {\n      const ns",
    replace: "    if (member.spec.ambient === false) {\n      const ns",
    breaks: 'namespaces of ambient members are never enrolled (and non-ambient ones are)',
  },
  {
    id: 'cedar-change-not-requeued',
    area: 'controller',
    file: 'platform/controllers/service-controller.ts',
    find: '      { type: CedarPolicyType, generationChangedOnly: true, map: allServices },',
    replace: '',
    breaks: 'a CedarPolicy change does not re-evaluate LatticeServices',
  },
  // LatticeJobs (caught by the random topologies' job tasks, topologies/arbitraries/job.ts)
  {
    id: 'job-principal-kind-service',
    area: 'gates',
    file: 'platform/compiler/job-compiler.ts',
    find: "        kind: 'job',",
    replace: "        kind: 'service',",
    breaks: 'a job task meets its Cedar gates as a service, so permits written for services (principal.kind == "service") admit it',
  },
  {
    id: 'job-task-service-account-dropped',
    area: 'compiler',
    file: 'platform/compiler/job-compiler.ts',
    find: 'const { schedulerName: _scheduler, ...podSpec } = result.podTemplate.spec;',
    replace: 'const { schedulerName: _scheduler, serviceAccountName: _account, ...podSpec } = result.podTemplate.spec;',
    breaks: "a job task's pod template loses its ServiceAccount, so its workers run as `default` and no callee admits them",
  },
  {
    id: 'job-compile-error-task-lost',
    area: 'status',
    file: 'platform/compiler/job-compiler.ts',
    find: "if (!result.ok) return { ...result, message: `compilation failed for task '${task}': ${result.message}` };",
    replace: 'if (!result.ok) return result;',
    breaks: "a job's compile failure no longer says which task failed",
  },
  {
    id: 'job-running-generation-unset',
    area: 'status',
    file: 'platform/controllers/job-controller.ts',
    find: "await writeStatus(lj, { phase: 'Running', message: 'Job running', observedGeneration: generation });",
    replace: "await writeStatus(lj, { phase: 'Running', message: 'Job running' });",
    breaks: 'a LatticeJob turning Running clears status.observedGeneration',
  },
  {
    id: 'job-mesh-members-not-applied',
    area: 'compiler',
    file: 'platform/compiler/job-compiler.ts',
    find: 'infrastructure.push(...configMaps, ...secrets, ...externalSecrets, ...pvcs, ...meshMembers);',
    replace: 'infrastructure.push(...configMaps, ...secrets, ...externalSecrets, ...pvcs);',
    breaks: "a job's per-task LatticeMeshMembers are compiled but never applied, so its workers get no mesh policies",
  },
];
