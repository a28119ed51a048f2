/**
 * The system under test: Lattice's compiler and controllers. Imports only `fake-apiserver/api`
 * (the KubeClient contract), so it runs unchanged against a real cluster.
 */
import type { KubeClient } from '../fake-apiserver/api/index.ts';
import type { ControllerDefinition } from './runtime/index.ts';
import type { EsoWait, ImageVerifier, PackageControllerOptions } from './controllers/index.ts';
import type { OutboundServiceWildcard } from './compiler/index.ts';
import { CedarLoader, cedarPolicyController, jobController, meshMemberController, modelController, packageController, quotaController, secretProviderController, serviceController } from './controllers/index.ts';

export * from './install.ts';
export * from './controllers/index.ts';
export * from './runtime/index.ts';
export * from './crds/types.ts';
export * from './crds/model-types.ts';
export * from './crds/quota-types.ts';

/** Platform options. */
export interface PlatformOptions {
  /** What every controller reads and writes through: in-process, or a real cluster over HTTP. */
  client: KubeClient;
  /** Name of this cluster; templates see it as `${cluster.name}`. */
  clusterName: string;
  /** SPIFFE trust domain of the mesh, e.g. `lattice.sim`. */
  trustDomain: string;
  /**
   * Periodic Cedar reload in ms (default 60 000, the reference operator's): each reload moves the
   * epoch, so every LatticeMeshMember re-applies its policies within about two periods and hand-made
   * drift is repaired (platform/README.md "Fidelity"). 0 = reload only when a CedarPolicy changes
   * (no drift repair).
   */
  cedarReloadIntervalMs?: number;
  /**
   * Monitoring (VictoriaMetrics) on the cluster (reference `MonitoringConfig.enabled`, default true):
   * services with a metrics port get a VMServiceScrape and vmagent's access to that port.
   */
  monitoring?: boolean;
  /**
   * How image signatures are checked for ImageProviders that enforce `trust`, for services, jobs and models alike (reference cosign.rs;
   * controllers/image-trust.ts): default the `cosign` binary (`cosignImageVerifier`). The simulator
   * passes its simulated registry's signatures.
   */
  imageVerifier?: ImageVerifier;
  /**
   * What a LatticeService's Deployment waits for (poll 2 s, Failed after 120 s): `all` (default, the
   * book's pipeline: every Secret its pods read) or `imagePullSecrets` (the reference operator's wait;
   * the pods of a Deployment applied early wait in the kubelet for their env and file Secrets).
   */
  esoWait?: EsoWait;
  /**
   * What an outbound `type: service` resource with `id: "*"` means: `dependsAll` (default, wildcard
   * outbound: AllowWildcard is asked and edges form to every member allowing the caller) or `dependency`
   * (the reference operator: an ordinary dependency named `*`, no edge, no AllowWildcard). platform/README.md "Fidelity".
   */
  outboundServiceWildcard?: OutboundServiceWildcard;
  /** LatticePackage rendering (platform/controllers/package-controller.ts): helm binary (default `helm`), chart locator, how wall-time work is awaited, allowed repositories. */
  packages?: Pick<PackageControllerOptions, 'helmBinary' | 'chartSource' | 'runWallWork' | 'allowedRepositories'>;
}

/** Every platform controller, sharing one Cedar loader. The job controller watches Volcano Jobs (`batch.volcano.sh/v1alpha1`) and the model controller Kthena ModelServings (`workload.serving.volcano.sh/v1alpha1`): Volcano's and Kthena's CRDs must be installed. */
export function platformControllers(opts: PlatformOptions): ControllerDefinition[] {
  const cedar = new CedarLoader(opts.client, { reloadIntervalMs: opts.cedarReloadIntervalMs });
  return [
    cedarPolicyController(opts.client),
    secretProviderController(opts.client),
    meshMemberController({ client: opts.client, cedar, trustDomain: opts.trustDomain }),
    serviceController({ client: opts.client, cedar, clusterName: opts.clusterName, trustDomain: opts.trustDomain, monitoring: opts.monitoring, imageVerifier: opts.imageVerifier, esoWait: opts.esoWait, outboundServiceWildcard: opts.outboundServiceWildcard }),
    jobController({ client: opts.client, cedar, clusterName: opts.clusterName, imageVerifier: opts.imageVerifier, outboundServiceWildcard: opts.outboundServiceWildcard }),
    modelController({ client: opts.client, cedar, clusterName: opts.clusterName, imageVerifier: opts.imageVerifier, outboundServiceWildcard: opts.outboundServiceWildcard }),
    packageController({ client: opts.client, cedar, clusterName: opts.clusterName, ...opts.packages }),
    quotaController(opts.client),
  ];
}
export * from './versions/index.ts';
