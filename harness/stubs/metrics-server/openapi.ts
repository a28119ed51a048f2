/**
 * The OpenAPI v3 schemas metrics-server publishes for `metrics.k8s.io/v1beta1` (generated from
 * k8s.io/metrics pkg/apis/metrics/v1beta1 types.go; kube-apiserver merges them into its document of
 * the group/version), for `kubectl explain podmetrics|nodemetrics`. Component names, field
 * descriptions and required fields as upstream publishes them; `ObjectMeta`, `Time` and `Quantity` are
 * the API server's own components.
 */
const PREFIX = 'io.k8s.metrics.pkg.apis.metrics.v1beta1';
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const ref = (name: string, description?: string) => ({ allOf: [{ $ref: `#/components/schemas/${name}` }], ...(description !== undefined ? { description } : {}) });

const TYPE_META = {
  apiVersion: {
    description:
      'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources',
    type: 'string',
  },
  kind: {
    description:
      'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds',
    type: 'string',
  },
  metadata: ref(`${META}.ObjectMeta`, "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"),
};
const TIMESTAMP = ref(`${META}.Time`, 'The following fields define time interval from which metrics were collected from the interval [Timestamp-Window, Timestamp].');
const WINDOW = ref(`${META}.Duration`);
const USAGE = { description: 'The memory usage is the memory working set.', type: 'object', additionalProperties: ref('io.k8s.apimachinery.pkg.api.resource.Quantity') };
const DURATION = { description: 'Duration is a wrapper around time.Duration which supports correct marshaling to YAML and JSON. In particular, it marshals into strings, which can be used as map keys in json.', type: 'string' };

/** Components of PodMetrics (`name`: the kind's component). */
export const POD_METRICS_OPENAPI = {
  name: `${PREFIX}.PodMetrics`,
  components: {
    [`${PREFIX}.PodMetrics`]: {
      description: 'PodMetrics sets resource usage metrics of a pod.',
      type: 'object',
      required: ['timestamp', 'window', 'containers'],
      properties: {
        ...TYPE_META,
        containers: { description: 'Metrics for all containers are collected within the same time window.', type: 'array', items: ref(`${PREFIX}.ContainerMetrics`, undefined) },
        timestamp: TIMESTAMP,
        window: WINDOW,
      },
    },
    [`${PREFIX}.ContainerMetrics`]: {
      description: 'ContainerMetrics sets resource usage metrics of a container.',
      type: 'object',
      required: ['name', 'usage'],
      properties: { name: { description: 'Container name corresponding to the one from pod.spec.containers.', type: 'string' }, usage: USAGE },
    },
    [`${META}.Duration`]: DURATION,
  },
};

/** Components of NodeMetrics (`name`: the kind's component). */
export const NODE_METRICS_OPENAPI = {
  name: `${PREFIX}.NodeMetrics`,
  components: {
    [`${PREFIX}.NodeMetrics`]: {
      description: 'NodeMetrics sets resource usage metrics of a node.',
      type: 'object',
      required: ['timestamp', 'window', 'usage'],
      properties: { ...TYPE_META, timestamp: TIMESTAMP, usage: USAGE, window: WINDOW },
    },
    [`${META}.Duration`]: DURATION,
  },
};
