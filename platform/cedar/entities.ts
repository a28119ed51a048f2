/**
 * Cedar entities for the workload gates (reference §3.1): the principal `Lattice::Service` and one
 * resource entity per gate request, rendered in Cedar's JSON entity format. Pure functions; no
 * Cedar engine calls here.
 */
import type { CedarPrincipal, CedarResource, GateAction, GateRequest } from './types.ts';

/** Cedar JSON entity uid `{type, id}` (type includes the `Lattice::` namespace). */
export interface CedarUid {
  type: string;
  id: string;
}

/** Cedar JSON entity: uid, string attributes, no parents (workload gates use none). */
export interface CedarEntity {
  uid: CedarUid;
  attrs: Record<string, string>;
  parents: CedarUid[];
}

/** Cedar namespace of every Lattice entity type. */
export const CEDAR_NAMESPACE = 'Lattice';

/** Every entity type this module renders (principal, action, gate resources), namespace included. */
export const CEDAR_ENTITY_TYPES: readonly string[] = ['Service', 'Action', 'SecretPath', 'SecurityOverride', 'Volume', 'ExternalEndpoint', 'Mesh', 'ImageRef'].map(
  (t) => `${CEDAR_NAMESPACE}::${t}`,
);

/**
 * `Lattice::Action::"<action>"` as a JSON uid. Input: a gate name. Source: reference §3.2.
 */
export function actionUid(action: GateAction): CedarUid {
  return { type: `${CEDAR_NAMESPACE}::Action`, id: action };
}

/**
 * The principal entity `Lattice::Service::"<namespace>/<name>"` with attributes namespace, name,
 * kind (reference §3.1). Services, jobs, models and packages all use the Service type.
 */
export function principalEntity(p: CedarPrincipal): CedarEntity {
  return {
    uid: { type: `${CEDAR_NAMESPACE}::Service`, id: `${p.namespace}/${p.name}` },
    attrs: { namespace: p.namespace, name: p.name, kind: p.kind },
    parents: [],
  };
}

/**
 * The resource entity of a gate request (reference §3.1): uid and attributes per type.
 * SecretPath `"<provider>:<path>"` {path, provider}; SecurityOverride `<id>` {category,
 * override_id}; Volume `"<ns>/<id>"` {namespace, volume_id}; ExternalEndpoint `"<host>:<port>"`
 * {host, port (string), protocol}; Mesh `inbound|outbound|advertise` {}; ImageRef `<image>`
 * {registry, name, tag}.
 */
export function resourceEntity(r: CedarResource): CedarEntity {
  const entity = (type: string, id: string, attrs: Record<string, string>): CedarEntity => ({
    uid: { type: `${CEDAR_NAMESPACE}::${type}`, id },
    attrs,
    parents: [],
  });
  switch (r.type) {
    case 'SecretPath':
      return entity('SecretPath', `${r.provider}:${r.path}`, { path: r.path, provider: r.provider });
    case 'SecurityOverride':
      return entity('SecurityOverride', r.id, { category: r.category, override_id: r.id });
    case 'Volume':
      return entity('Volume', `${r.namespace}/${r.volumeId}`, { namespace: r.namespace, volume_id: r.volumeId });
    case 'ExternalEndpoint':
      return entity('ExternalEndpoint', `${r.host}:${r.port}`, { host: r.host, port: r.port, protocol: r.protocol });
    case 'Mesh':
      return entity('Mesh', r.id, {});
    case 'ImageRef':
      return entity('ImageRef', r.image, { registry: r.registry, name: r.name, tag: r.tag });
  }
}

/**
 * Everything Cedar needs for one request: principal, action and resource uids and the entity
 * list (principal and resource only; the context is empty). Source: reference §3.1 ("Workload
 * gates evaluate with an empty Cedar context and an entity set containing only principal and
 * resource").
 */
export function requestEntities(req: GateRequest): { principal: CedarUid; action: CedarUid; resource: CedarUid; entities: CedarEntity[] } {
  const principal = principalEntity(req.principal);
  const resource = resourceEntity(req.resource);
  return { principal: principal.uid, action: actionUid(req.action), resource: resource.uid, entities: [principal, resource] };
}

/**
 * An `ImageRef` resource for an image string, with Docker Hub defaulting: no registry host in the
 * first path component ⇒ `docker.io`; a single-component Docker Hub name gets `library/`; no tag
 * ⇒ `latest`; a digest (`@sha256:...`) is kept as the tag. Input: e.g. `nginx:1-alpine`. Output:
 * `{type: 'ImageRef', image, registry: 'docker.io', name: 'library/nginx', tag: '1-alpine'}`.
 * Source: reference §3.1 (ImageRef attributes, docker.io/library defaulting).
 */
export function imageRefResource(image: string): Extract<CedarResource, { type: 'ImageRef' }> {
  let rest = image;
  let tag = 'latest';
  const at = rest.indexOf('@');
  if (at >= 0) {
    tag = rest.slice(at + 1);
    rest = rest.slice(0, at);
  } else {
    const colon = rest.lastIndexOf(':');
    if (colon > rest.lastIndexOf('/')) {
      tag = rest.slice(colon + 1);
      rest = rest.slice(0, colon);
    }
  }
  const slash = rest.indexOf('/');
  const first = slash < 0 ? '' : rest.slice(0, slash);
  let registry = 'docker.io';
  let name = rest;
  if (first && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    registry = first;
    name = rest.slice(slash + 1);
  }
  if (registry === 'docker.io' && !name.includes('/')) name = `library/${name}`;
  return { type: 'ImageRef', image, registry, name, tag };
}
