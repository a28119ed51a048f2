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
 * An `ImageRef` resource for an image string, parsed as the reference does (`parse_image_ref`,
 * crates/lattice-cedar/src/entities.rs:321-360): the tag is what follows the last `@` (a digest), else
 * the last `:` unless a `/` follows it (a registry port), else `latest`; a name without `/` is
 * `docker.io/library`'s; a first component with `.` or `:` is a registry host and every component but
 * the last joins the registry; otherwise (`user/app`) the registry is `docker.io` and the name is the
 * whole path. E.g. `nginx:1-alpine` → registry `docker.io/library`, name `nginx`, tag `1-alpine`;
 * `ghcr.io/a/b` → `ghcr.io/a`, `b`, `latest`. Never throws.
 */
export function imageRefResource(image: string): Extract<CedarResource, { type: 'ImageRef' }> {
  let rest = image;
  let tag = 'latest';
  const at = image.lastIndexOf('@');
  const colon = image.lastIndexOf(':');
  if (at >= 0) [rest, tag] = [image.slice(0, at), image.slice(at + 1)];
  else if (colon >= 0 && !image.slice(colon + 1).includes('/')) [rest, tag] = [image.slice(0, colon), image.slice(colon + 1)];
  const slash = rest.indexOf('/');
  if (slash < 0) return { type: 'ImageRef', image, registry: 'docker.io/library', name: rest, tag };
  const first = rest.slice(0, slash);
  if (!first.includes('.') && !first.includes(':')) return { type: 'ImageRef', image, registry: 'docker.io', name: rest, tag };
  const last = rest.lastIndexOf('/');
  return { type: 'ImageRef', image, registry: rest.slice(0, last), name: rest.slice(last + 1), tag };
}
