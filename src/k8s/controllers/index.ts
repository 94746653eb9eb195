/**
 * controllers/ — the workload controllers of kube-controller-manager, driven by the API store: the
 * ReplicaSet, Deployment, DaemonSet and StatefulSet controllers and the garbage collector. Each reads
 * shared informer caches (lagging the store by the watch delay), works one key at a time through a
 * deduplicating work queue run on the simulator, and writes to the store.
 */

import type { ControlPlaneContext } from '../api/index.js';
import { DaemonSetController } from './daemonset.js';
import { DeploymentController } from './deployment.js';
import { GarbageCollector } from './garbage-collector.js';
import { SharedInformers } from './informers.js';
import { ReplicaSetController } from './replicaset.js';
import { StatefulSetController } from './statefulset.js';

export { DaemonSetController, type DaemonSetStatusOut } from './daemonset.js';
export {
  nodeShouldRunDaemonPod,
  pinnedToNode,
  targetNodeName,
  withDaemonTolerations,
} from './daemonset-util.js';
export { DeploymentController } from './deployment.js';
export type { DeploymentCondition, DeploymentStatusOut } from './deployment-status.js';
export {
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  maxSurge,
  maxUnavailable,
  REVISION_ANNOTATION,
  resolveFenceposts,
  scaledValue,
} from './deployment-util.js';
export { ControllerExpectations, EXPECTATIONS_TIMEOUT_NS } from './expectations.js';
export { GarbageCollector, type GarbageCollectorOptions } from './garbage-collector.js';
export { canonicalJson, computeHash, fnv32a, safeEncodeString } from './hash.js';
export { SharedInformer, SharedInformers } from './informers.js';
export { DEFAULT_TERMINATION_GRACE_SECONDS, isPodAvailable } from './pods.js';
export { compareForDeletion, podsToDelete } from './ranking.js';
export { BURST_REPLICAS, ReplicaSetController, replicaSetStatus } from './replicaset.js';
export { ordinalOf, POD_INDEX_LABEL, StatefulSetController } from './statefulset.js';

/** The running workload controllers. */
export interface WorkloadControllers {
  readonly informers: SharedInformers;
  readonly replicaSets: ReplicaSetController;
  readonly deployments: DeploymentController;
  readonly daemonSets: DaemonSetController;
  readonly statefulSets: StatefulSetController;
  readonly garbageCollector: GarbageCollector;
  stop(): void;
}

/**
 * Starts the garbage collector and the four workload controllers on one set of shared informers
 * (kube-controller-manager's, also serving its other controllers when given; new ones by default).
 */
export function startWorkloadControllers(
  ctx: ControlPlaneContext,
  shared?: SharedInformers,
): WorkloadControllers {
  const informers = shared ?? new SharedInformers(ctx);
  const garbageCollector = new GarbageCollector(ctx, informers);
  const replicaSets = new ReplicaSetController(ctx, informers);
  const deployments = new DeploymentController(ctx, informers);
  const daemonSets = new DaemonSetController(ctx, informers);
  const statefulSets = new StatefulSetController(ctx, informers);
  informers.start();
  return {
    informers,
    replicaSets,
    deployments,
    daemonSets,
    statefulSets,
    garbageCollector,
    stop(): void {
      for (const c of [garbageCollector, replicaSets, deployments, daemonSets, statefulSets]) c.stop();
      // Informers given by the caller serve its other controllers too: they stop with the caller.
      if (shared === undefined) informers.stop();
    },
  };
}
