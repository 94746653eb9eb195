/**
 * The core/v1 PodSpec as zod schemas, shared by `kind: Pod` and the pod template of every workload:
 * the fields the scheduler, the kubelet and the endpoint controllers read are typed (affinity,
 * tolerations, resources, probes, lifecycle, hostname, priority); the fields real manifests carry that
 * podwire does not model (env, volumes, securityContext, …) are accepted with their contents unchecked.
 * Objects are strict: a field Kubernetes does not have is an issue. Defaults are the API server's
 * (`SetDefaults_PodSpec`, `SetDefaults_Probe`, `SetDefaults_ContainerPort`).
 */

import { z } from 'zod';
import { parseIp4 } from './addr.js';
import * as D from './defaults.js';
import {
  badFormat,
  dnsLabel,
  isPortName,
  isQuantity,
  k8sStringMap,
  nodeName,
  objectMeta,
  portName,
  reject,
} from './formats.js';

/** An IPv4 address kept as written (the API objects hold dotted strings). */
export const ipv4Text = z
  .string()
  .superRefine((s, ctx) => {
    if (parseIp4(s) === undefined) badFormat(ctx, 'ipv4', s);
  })
  .meta({ description: 'IPv4 address, e.g. 10.244.1.3' });

/** A Kubernetes quantity; YAML numbers (`cpu: 4`) are kept as their decimal text. */
export const quantity = z
  .union([z.string(), z.number()])
  .transform((v, ctx) => {
    const text = String(v);
    return isQuantity(text) ? text : badFormat(ctx, 'quantity', text);
  })
  .meta({ description: 'a Kubernetes quantity: 4, 500m, 128Mi, 8Gi' });

/** An IntOrString port: a number 1–65535 or the name of a container port. */
export const intOrPortName = z
  .union([z.int(), z.string()])
  .transform((v, ctx): number | string => {
    if (typeof v === 'string') return isPortName(v) ? v : badFormat(ctx, 'port_name', v);
    if (v >= 1 && v <= 65535) return v;
    return reject(ctx, v, { code: 'out_of_range', origin: 'number', received: v, min: 1, max: 65535 });
  })
  .meta({ description: 'a port number, or the name of a container port' });

/** An IntOrString count or percentage (`maxSurge: 25%`, `maxUnavailable: 1`). */
export const intOrPercent = z
  .union([z.int().min(0), z.string().regex(/^\d+%$/)])
  .meta({ description: 'a number, or a percentage such as 25%' });

const labelSelectorRequirement = z.strictObject({
  key: z.string().min(1),
  operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']),
  values: z.array(z.string()).optional(),
});

/** metav1.LabelSelector: matchLabels AND matchExpressions. */
export const labelSelector = z.strictObject({
  matchLabels: k8sStringMap.optional(),
  matchExpressions: z.array(labelSelectorRequirement).optional(),
});

const containerPort = z.strictObject({
  containerPort: z.int().min(1).max(65535),
  protocol: z.enum(['TCP', 'UDP']).default(D.DEFAULT_PORT_PROTOCOL),
  name: portName.optional(),
  hostPort: z.int().min(1).max(65535).optional(),
  hostIP: ipv4Text.optional(),
});

const httpGet = z.strictObject({
  path: z.string().optional(),
  port: intOrPortName,
  host: z.string().optional(),
  scheme: z.enum(['HTTP', 'HTTPS']).default('HTTP'),
  httpHeaders: z.array(z.strictObject({ name: z.string(), value: z.string() })).optional(),
});
const tcpSocket = z.strictObject({ port: intOrPortName, host: z.string().optional() });
const exec = z.strictObject({ command: z.array(z.string()).optional() });

/** v1.Probe with `SetDefaults_Probe`: every 10 s, 1 s timeout, 1 success, 3 failures. */
const probe = z.strictObject({
  tcpSocket: tcpSocket.optional(),
  httpGet: httpGet.optional(),
  exec: exec.optional(),
  grpc: z.strictObject({ port: z.int().min(1).max(65535), service: z.string().optional() }).optional(),
  initialDelaySeconds: z.int().min(0).optional(),
  periodSeconds: z.int().min(1).default(10),
  timeoutSeconds: z.int().min(1).default(1),
  successThreshold: z.int().min(1).default(1),
  failureThreshold: z.int().min(1).default(3),
  terminationGracePeriodSeconds: z.int().min(1).optional(),
});

const lifecycleHandler = z.strictObject({
  exec: exec.optional(),
  httpGet: httpGet.optional(),
  tcpSocket: tcpSocket.optional(),
  sleep: z.strictObject({ seconds: z.int().min(0) }).optional(),
});

const resources = z.strictObject({
  requests: z.record(z.string(), quantity).optional(),
  limits: z.record(z.string(), quantity).optional(),
  claims: z.unknown().optional(),
});

/**
 * A container. name, image, ports, resources, probes and lifecycle are typed; the rest is accepted so
 * real manifests load unchanged.
 */
const container = z.strictObject({
  name: dnsLabel,
  image: z.string().min(1),
  ports: z.array(containerPort).default([]),
  imagePullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']).optional(),
  command: z.array(z.string()).optional(),
  args: z.array(z.string()).optional(),
  workingDir: z.string().optional(),
  resources: resources.optional(),
  readinessProbe: probe.optional(),
  livenessProbe: probe.optional(),
  startupProbe: probe.optional(),
  lifecycle: z
    .strictObject({ preStop: lifecycleHandler.optional(), postStart: lifecycleHandler.optional() })
    .optional(),
  // A restartable init container (sidecar) says `restartPolicy: Always`.
  restartPolicy: z.enum(['Always']).optional(),
  env: z.unknown().optional(),
  envFrom: z.unknown().optional(),
  volumeMounts: z.unknown().optional(),
  volumeDevices: z.unknown().optional(),
  securityContext: z.unknown().optional(),
  terminationMessagePath: z.string().optional(),
  terminationMessagePolicy: z.enum(['File', 'FallbackToLogsOnError']).optional(),
  resizePolicy: z.unknown().optional(),
  stdin: z.boolean().optional(),
  stdinOnce: z.boolean().optional(),
  tty: z.boolean().optional(),
});

const nodeSelectorRequirement = z.strictObject({
  key: z.string().min(1),
  operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt']),
  values: z.array(z.string()).optional(),
});

const nodeSelectorTerm = z.strictObject({
  matchExpressions: z.array(nodeSelectorRequirement).optional(),
  matchFields: z.array(nodeSelectorRequirement).optional(),
});

const podAffinityTerm = z.strictObject({
  labelSelector: labelSelector.optional(),
  namespaceSelector: labelSelector.optional(),
  namespaces: z.array(z.string()).optional(),
  topologyKey: z.string().min(1),
  matchLabelKeys: z.array(z.string()).optional(),
  mismatchLabelKeys: z.array(z.string()).optional(),
});

const podAffinityRules = z.strictObject({
  requiredDuringSchedulingIgnoredDuringExecution: z.array(podAffinityTerm).optional(),
  preferredDuringSchedulingIgnoredDuringExecution: z
    .array(z.strictObject({ weight: z.int().min(1).max(100), podAffinityTerm }))
    .optional(),
});

const affinity = z.strictObject({
  nodeAffinity: z
    .strictObject({
      requiredDuringSchedulingIgnoredDuringExecution: z
        .strictObject({ nodeSelectorTerms: z.array(nodeSelectorTerm).min(1) })
        .optional(),
      preferredDuringSchedulingIgnoredDuringExecution: z
        .array(z.strictObject({ weight: z.int().min(1).max(100), preference: nodeSelectorTerm }))
        .optional(),
    })
    .optional(),
  podAffinity: podAffinityRules.optional(),
  podAntiAffinity: podAffinityRules.optional(),
});

const taintEffect = z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']);

const toleration = z.strictObject({
  key: z.string().optional(),
  operator: z.enum(['Equal', 'Exists']).optional(),
  value: z.string().optional(),
  effect: taintEffect.optional(),
  tolerationSeconds: z.int().optional(),
});

const topologySpreadConstraint = z.strictObject({
  maxSkew: z.int().min(1),
  topologyKey: z.string().min(1),
  whenUnsatisfiable: z.enum(['DoNotSchedule', 'ScheduleAnyway']),
  labelSelector: labelSelector.optional(),
  minDomains: z.int().min(1).optional(),
  matchLabelKeys: z.array(z.string()).optional(),
  nodeAffinityPolicy: z.enum(['Honor', 'Ignore']).optional(),
  nodeTaintsPolicy: z.enum(['Honor', 'Ignore']).optional(),
});

/** The PodSpec, with the API server's defaults for restartPolicy, dnsPolicy, grace period and scheduler. */
export const podSpec = z.strictObject({
  containers: z.array(container).min(1),
  initContainers: z.array(container).optional(),
  ephemeralContainers: z.unknown().optional(),
  // Set: the pod is bound to that node without the scheduler (it must be a node of the cluster).
  nodeName: nodeName.optional(),
  nodeSelector: k8sStringMap.optional(),
  affinity: affinity.optional(),
  tolerations: z.array(toleration).optional(),
  topologySpreadConstraints: z.array(topologySpreadConstraint).optional(),
  schedulerName: z.string().min(1).default(D.DEFAULT_SCHEDULER_NAME),
  priority: z.int().optional(),
  priorityClassName: z.string().optional(),
  preemptionPolicy: z.enum(['PreemptLowerPriority', 'Never']).optional(),
  hostname: dnsLabel.optional(),
  subdomain: dnsLabel.optional(),
  setHostnameAsFQDN: z.boolean().optional(),
  hostNetwork: z.boolean().default(false),
  hostPID: z.boolean().optional(),
  hostIPC: z.boolean().optional(),
  shareProcessNamespace: z.boolean().optional(),
  restartPolicy: z.enum(['Always', 'OnFailure', 'Never']).default(D.DEFAULT_RESTART_POLICY),
  dnsPolicy: z
    .enum(['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None'])
    .default(D.DEFAULT_DNS_POLICY),
  dnsConfig: z.unknown().optional(),
  hostAliases: z.unknown().optional(),
  terminationGracePeriodSeconds: z.int().min(0).default(D.DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS),
  activeDeadlineSeconds: z.int().min(1).optional(),
  serviceAccountName: z.string().optional(),
  serviceAccount: z.string().optional(),
  automountServiceAccountToken: z.boolean().optional(),
  enableServiceLinks: z.boolean().optional(),
  readinessGates: z.unknown().optional(),
  runtimeClassName: z.string().optional(),
  overhead: z.unknown().optional(),
  os: z.unknown().optional(),
  schedulingGates: z.unknown().optional(),
  resourceClaims: z.unknown().optional(),
  volumes: z.unknown().optional(),
  securityContext: z.unknown().optional(),
  imagePullSecrets: z.unknown().optional(),
});

/** `spec.template.metadata` of a workload: labels and annotations (a name is accepted and unused). */
export const templateMeta = z.strictObject({
  name: z.string().optional(),
  namespace: z.string().optional(),
  labels: k8sStringMap.default({}),
  annotations: k8sStringMap.default({}),
  creationTimestamp: z.unknown().optional(),
});

/** A workload's pod template. */
export const podTemplate = z.strictObject({
  metadata: templateMeta.prefault({}),
  spec: podSpec,
});

/** A `kind: Pod` document as Kubernetes writes it (`status`, if present, is ignored). */
export const podDocument = z.strictObject({
  apiVersion: z.literal('v1'),
  kind: z.literal('Pod'),
  metadata: objectMeta(nodeName),
  spec: podSpec,
  status: z.unknown().optional(),
});

/** The parsed Pod document. */
export type PodDocument = z.output<typeof podDocument>;
/** A parsed PodSpec. */
export type PodSpecDocument = z.output<typeof podSpec>;
/** A parsed pod template. */
export type PodTemplateDocument = z.output<typeof podTemplate>;
