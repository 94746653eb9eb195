/**
 * The apps/v1 workloads as zod schemas — Deployment, ReplicaSet, DaemonSet, StatefulSet — with the
 * fields real manifests write (strict; `status` is ignored) and the API server's defaults
 * (`SetDefaults_Deployment` etc.). That `spec.selector` selects the template's labels is checked in
 * `manifests-check.ts`, as `ValidateDeploymentSpec` checks it after the types.
 */

import { z } from 'zod';
import * as D from './defaults.js';
import { nodeName, objectMeta } from './formats.js';
import { intOrPercent, labelSelector, podTemplate } from './schema-pod.js';

const replicas = z.int().min(0).default(D.DEFAULT_REPLICAS);

const deploymentSpec = z.strictObject({
  replicas,
  selector: labelSelector,
  template: podTemplate,
  strategy: z
    .strictObject({
      type: z.enum(['RollingUpdate', 'Recreate']).default('RollingUpdate'),
      rollingUpdate: z
        .strictObject({
          maxSurge: intOrPercent.default(D.DEFAULT_MAX_SURGE),
          maxUnavailable: intOrPercent.default(D.DEFAULT_MAX_UNAVAILABLE),
        })
        .optional(),
    })
    .prefault({}),
  minReadySeconds: z.int().min(0).optional(),
  revisionHistoryLimit: z.int().min(0).default(D.DEFAULT_REVISION_HISTORY_LIMIT),
  progressDeadlineSeconds: z.int().min(1).default(D.DEFAULT_PROGRESS_DEADLINE_SECONDS),
  paused: z.boolean().optional(),
});

const replicaSetSpec = z.strictObject({
  replicas,
  selector: labelSelector,
  template: podTemplate,
  minReadySeconds: z.int().min(0).optional(),
});

const daemonSetSpec = z.strictObject({
  selector: labelSelector,
  template: podTemplate,
  updateStrategy: z
    .strictObject({
      type: z.enum(['RollingUpdate', 'OnDelete']).default('RollingUpdate'),
      rollingUpdate: z
        .strictObject({
          maxUnavailable: intOrPercent.default(1),
          maxSurge: intOrPercent.default(0),
        })
        .optional(),
    })
    .prefault({}),
  minReadySeconds: z.int().min(0).optional(),
  revisionHistoryLimit: z.int().min(0).default(D.DEFAULT_REVISION_HISTORY_LIMIT),
});

const statefulSetSpec = z.strictObject({
  replicas,
  selector: labelSelector,
  template: podTemplate,
  // The headless Service that gives the pods their DNS names `<pod>.<serviceName>.<ns>.svc…`.
  serviceName: z.string(),
  podManagementPolicy: z.enum(['OrderedReady', 'Parallel']).default('OrderedReady'),
  updateStrategy: z
    .strictObject({
      type: z.enum(['RollingUpdate', 'OnDelete']).default('RollingUpdate'),
      rollingUpdate: z
        .strictObject({ partition: z.int().min(0).optional(), maxUnavailable: intOrPercent.optional() })
        .optional(),
    })
    .prefault({}),
  minReadySeconds: z.int().min(0).optional(),
  revisionHistoryLimit: z.int().min(0).default(D.DEFAULT_REVISION_HISTORY_LIMIT),
  ordinals: z.strictObject({ start: z.int().min(0).default(0) }).optional(),
  volumeClaimTemplates: z.unknown().optional(),
  persistentVolumeClaimRetentionPolicy: z.unknown().optional(),
});

function workload<K extends string, S extends z.ZodType>(kind: K, spec: S) {
  return z.strictObject({
    apiVersion: z.literal('apps/v1'),
    kind: z.literal(kind),
    metadata: objectMeta(nodeName),
    spec,
    status: z.unknown().optional(),
  });
}

/** A `kind: Deployment` document. */
export const deploymentDocument = workload('Deployment', deploymentSpec);
/** A `kind: ReplicaSet` document. */
export const replicaSetDocument = workload('ReplicaSet', replicaSetSpec);
/** A `kind: DaemonSet` document. */
export const daemonSetDocument = workload('DaemonSet', daemonSetSpec);
/** A `kind: StatefulSet` document. */
export const statefulSetDocument = workload('StatefulSet', statefulSetSpec);

export type DeploymentDocument = z.output<typeof deploymentDocument>;
export type ReplicaSetDocument = z.output<typeof replicaSetDocument>;
export type DaemonSetDocument = z.output<typeof daemonSetDocument>;
export type StatefulSetDocument = z.output<typeof statefulSetDocument>;
/** Any of the four. */
export type WorkloadDocument =
  | DeploymentDocument
  | ReplicaSetDocument
  | DaemonSetDocument
  | StatefulSetDocument;
