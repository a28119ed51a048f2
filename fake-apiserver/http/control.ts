/**
 * The control endpoint of `lattice-sim serve` (issue 8): fault rules, forced compaction, dropped
 * watches and snapshot/restore over HTTP, under `/lattice-sim/`, beside the Kubernetes API. Pure
 * request → answer (the server in server.ts does the I/O); bodies are JSON or YAML; every failure is a
 * Kubernetes Status with its code, so `curl` and client libraries read errors the same way.
 *
 * | method and path | effect | answer |
 * |---|---|---|
 * | `GET /lattice-sim/faults` | list the active rules | `{items: [ {id, hits, …rule} ]}` |
 * | `POST /lattice-sim/faults` | add a rule (`FaultRule`, see ../faults.ts) | 201 `{id, hits: 0, …rule}` |
 * | `DELETE /lattice-sim/faults` | remove every rule | `{removed: n}` |
 * | `DELETE /lattice-sim/faults/<id>` | remove one rule | `{removed: 1}`, 404 when unknown |
 * | `POST /lattice-sim/compact` | compact the watch history (etcd compaction) | `{compactedRevision}` |
 * | `DELETE /lattice-sim/watches[?group=g&resource=r]` | close open watches from the server side | `{closed: n}` |
 * | `GET /lattice-sim/snapshot` | the whole store (`ApiServerSnapshot`) | the document |
 * | `PUT /lattice-sim/snapshot` | restore the store from a snapshot | `{revision, objects}` |
 */
import { parse as parseYaml } from 'yaml';
import { notFound, statusError } from '../api/index.ts';
import type { ApiServer } from '../apiserver.ts';
import type { FaultInjector } from '../faults.ts';
import { errorResponse } from './execute.ts';
import type { ApiResponse } from './execute.ts';

/** Path prefix of the control endpoint. */
export const CONTROL_PREFIX = '/lattice-sim/';

const json = (body: unknown, code = 200): ApiResponse => ({ code, contentType: 'application/json', body, warnings: [] });

function parseBody(text: string): unknown {
  if (!text.trim()) throw statusError('BadRequest', 'the request needs a body (JSON or YAML)');
  try {
    return parseYaml(text, { maxAliasCount: 100 }) as unknown;
  } catch (e) {
    throw statusError('BadRequest', `the body is not JSON or YAML: ${(e as Error).message.split('\n')[0]}`);
  }
}

/**
 * Answers a control request, or returns undefined when `url` is not under {@link CONTROL_PREFIX}
 * (the request is then an ordinary API request). Never throws: failures are Status answers
 * (400 for a bad body, 404 for an unknown path or rule, 405 for a wrong method).
 */
export function controlRequest(api: ApiServer, faults: FaultInjector, method: string, url: string, body: string): ApiResponse | undefined {
  // Every request of `lattice-sim serve` passes here: skip the URL parser when the target cannot name
  // the prefix. Normalization (dot segments, `\\` as `/`, percent-encoding) keeps a path's segments
  // verbatim or drops them, so the `lattice-sim` segment must be in the target as written, unless
  // tabs or newlines (which the URL parser removes) split it.
  if (!url.includes('lattice-sim') && !/[\t\n\r]/.test(url)) return undefined;
  const u = new URL(url, 'http://control');
  if (!u.pathname.startsWith(CONTROL_PREFIX)) return undefined;
  const parts = u.pathname.slice(CONTROL_PREFIX.length).split('/').filter(Boolean);
  const wrong = () => errorResponse(statusError('MethodNotAllowed', `the server does not allow this method on the requested resource`));
  try {
    switch (parts[0]) {
      case 'faults':
        if (parts.length === 1) {
          if (method === 'GET') return json({ items: faults.list() });
          if (method === 'POST') {
            const id = faults.add(parseBody(body));
            return json(faults.list().find((r) => r.id === id), 201);
          }
          if (method === 'DELETE') return json({ removed: faults.clear() });
          return wrong();
        }
        if (parts.length === 2 && method === 'DELETE') {
          if (!faults.remove(parts[1])) throw notFound('faults', 'lattice-sim.dev', parts[1]);
          return json({ removed: 1 });
        }
        break;
      case 'compact':
        if (parts.length !== 1) break;
        if (method !== 'POST') return wrong();
        api.compact();
        return json({ compactedRevision: api.revision });
      case 'watches': {
        if (parts.length !== 1) break;
        if (method !== 'DELETE') return wrong();
        const group = u.searchParams.get('group') ?? '';
        const resource = u.searchParams.get('resource');
        if (!resource) return json({ closed: api.disconnectWatches() });
        const info = api.registry.all().find((i) => i.group === group && i.plural === resource);
        if (!info) throw notFound(resource, group, '');
        return json({ closed: api.disconnectWatches({ apiVersion: info.apiVersion, kind: info.kind }) });
      }
      case 'snapshot':
        if (parts.length !== 1) break;
        if (method === 'GET') return json(api.snapshot());
        if (method === 'PUT') {
          api.restore(parseBody(body));
          return json({ revision: api.revision, objects: api.objects().length });
        }
        return wrong();
    }
    return errorResponse(statusError('NotFound', 'the server could not find the requested resource'));
  } catch (e) {
    return errorResponse(e);
  }
}
