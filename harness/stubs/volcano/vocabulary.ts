/**
 * Volcano's names (volcano.sh/apis batch/v1alpha1 and scheduling/v1beta1 labels.go; anchors-netpol.md
 * §5): kinds, the labels and annotations its job controller puts on task pods, and its defaults.
 */
import { StubTypes } from '../third-party-crds.ts';

export const VolcanoJobType = StubTypes.VolcanoJob;
export const PodGroupType = StubTypes.PodGroup;
export const QueueType = StubTypes.Queue;

/** Scheduler name of Volcano's pods (a VCJob's default `spec.schedulerName`). */
export const VOLCANO_SCHEDULER = 'volcano';
/** The queue Volcano installs and jobs without `spec.queue` land in. */
export const DEFAULT_QUEUE = 'default';
/** Default `spec.maxRetry` of a VCJob. */
export const DEFAULT_MAX_RETRY = 3;

/** Task pod labels (also on the pod's annotations, as the job controller writes both). */
export const JOB_NAME_KEY = 'volcano.sh/job-name';
export const JOB_NAMESPACE_KEY = 'volcano.sh/job-namespace';
export const QUEUE_NAME_KEY = 'volcano.sh/queue-name';
export const TASK_SPEC_KEY = 'volcano.sh/task-spec';
export const TASK_INDEX_KEY = 'volcano.sh/task-index';
export const JOB_VERSION_KEY = 'volcano.sh/job-version';
/** Pod annotation naming its PodGroup (KubeGroupNameAnnotationKey). */
export const GROUP_NAME_ANNOTATION = 'scheduling.k8s.io/group-name';

/** `"ns/name"` of an object. */
export const keyOf = (o: { metadata: { namespace?: string; name: string } }): string => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
