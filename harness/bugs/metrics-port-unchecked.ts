/**
 * `metrics-port-unchecked` (area: compiler): an `observability.metrics.port` that names no service port
 * is dropped instead of failing the compile, so the service goes Ready scraping its default `metrics`
 * port, or nothing at all, where the reference refuses it (`observability.metrics.port '<p>' not found in
 * service.ports`, crates/lattice-service/src/compiler/vm_service_scrape.rs; book §8.6 counts the
 * VMServiceScrape among the checkout's 13 resources). The port the developer asked for is silently
 * never scraped.
 *
 * Applied from outside: a read interceptor on the platform's KubeClient. LatticeServices read by the
 * platform lose `spec.observability.metrics.port` when it names no port of `spec.workload.service.ports`.
 * Nothing is written. Only topologies that render such a port (the `metrics-port-missing` invalid-spec
 * draw) see it.
 */
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import { LatticeServiceType } from '../../platform/index.ts';
import type { LatticeService } from '../../platform/index.ts';
import type { BugDefinition, BugSeams } from './types.ts';
import { rewriteReads } from './internal/rewrite.ts';

/** `ls` without a metrics port override that names no service port (a new object; `ls` is left alone when unchanged). */
export function dropUnknownMetricsPort(ls: KubeObject): KubeObject {
  const spec = (ls as LatticeService).spec;
  const port = (spec?.observability as { metrics?: { port?: string } } | undefined)?.metrics?.port;
  if (port === undefined || spec.workload?.service?.ports?.[port]) return ls;
  const next = structuredClone(ls) as LatticeService;
  delete (next.spec.observability as { metrics: { port?: string } }).metrics.port;
  return next as KubeObject;
}

/** The `metrics-port-unchecked` catalogue entry. */
export const metricsPortUnchecked: BugDefinition<'metrics-port-unchecked'> = {
  name: 'metrics-port-unchecked',
  description: 'an observability.metrics.port naming no service port is ignored (the default metrics port, or nothing, is scraped) instead of failing the compile',
  area: 'compiler',
  apply: (seams: BugSeams): BugSeams => ({
    ...seams,
    platformClient: rewriteReads(seams.platformClient, LatticeServiceType, (all) => all.map(dropUnknownMetricsPort)),
  }),
};
