/**
 * Public surface of the HTTP front (STYLE.md rule 3): the pure request parser, the executor, and the
 * node:http server that serves an {@link ApiServer} to kubectl and client libraries.
 */
export { parseRequest, parseQuery, parseBody, acceptKind, pathNotFound, methodNotAllowed, PATCH_MEDIA_TYPES } from './request.ts';
export type { ApiRequest, ApiQuery, RawRequest, ResourceRequest, DiscoveryRequest, OtherRequest, ErrorRequest, ResourceVerb, HttpPatchType, AcceptKind } from './request.ts';
export { executeRequest, executeRequestWithWebhooks, openWatch, errorResponse, resolveResource, toScale, watchLine, DEFAULT_VERSION } from './execute.ts';
export type { ApiResponse, ExecuteContext, VersionInfo, WatchSink, OpenWatchOptions, PodLogSource } from './execute.ts';
export { startHttpServer, warningHeader } from './server.ts';
export type { HttpServerOptions, RunningHttpServer } from './server.ts';
export { aggregatedDiscovery, apiGroupList, apiResourceList, apiVersions, compareVersions, AGGREGATED_DISCOVERY_TYPE } from './discovery.ts';
export { openApiV3Doc, openApiV3Index } from './openapi.ts';
export { writeKubeconfig, kubeconfigYaml } from './kubeconfig.ts';
export type { KubeconfigOptions } from './kubeconfig.ts';
export { controlRequest, CONTROL_PREFIX } from './control.ts';
export { generateServingCertificate } from './tls.ts';
export type { ServingCertificate } from './tls.ts';
export { streamUpgradeHandler, openPodStream, streamTarget, parseStreamUrl, streamResource, exitMessage, StreamRefused, REMOTE_COMMAND_PROTOCOLS } from './streaming.ts';
export type { PodStreamSource, PodStreamRequest, StreamOptions, StreamSink, StreamInput, StreamExit, StreamUpgradeHandler, StreamUpgradeOptions } from './streaming.ts';
export { servePortForward, PORT_FORWARD_PROTOCOL } from './port-forward.ts';
export type { PortForwardSource, PortConnection } from './port-forward.ts';
