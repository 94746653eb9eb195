/**
 * The API objects the control plane stores, in the shape of their JSON (k8s.io/api core/v1, apps/v1,
 * discovery/v1, coordination/v1): field names and nesting exactly as `kubectl get -o json` prints them,
 * only the fields podwire's components read or write. Times are simulated ns (see store/types.ts).
 *
 * Every component agrees on these shapes: the loader writes them, controllers, the scheduler, the
 * kubelets, kube-proxy and CoreDNS read them, and `podwire get -o json|yaml` prints them.
 */

import type { KubeObject, LabelSelector } from '../store/index.js';

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

// --- Pod -------------------------------------------------------------------------------------------

export interface ContainerPort {
  readonly containerPort: number;
  readonly protocol?: Protocol;
  readonly name?: string;
  readonly hostPort?: number;
  readonly hostIP?: string;
}

/** A probe's handler and timing (v1.Probe); podwire runs tcpSocket and httpGet against the pod's IP. */
export interface Probe {
  readonly tcpSocket?: { readonly port: number | string };
  readonly httpGet?: { readonly port: number | string; readonly path?: string };
  readonly exec?: { readonly command: readonly string[] };
  readonly initialDelaySeconds?: number;
  readonly periodSeconds?: number;
  readonly timeoutSeconds?: number;
  readonly successThreshold?: number;
  readonly failureThreshold?: number;
}

/** Resource quantities as written (`"500m"`, `"128Mi"`); parsed where they are used. */
export interface ResourceRequirements {
  readonly requests?: Readonly<Record<string, string>>;
  readonly limits?: Readonly<Record<string, string>>;
}

export interface Container {
  readonly name: string;
  readonly image: string;
  readonly ports?: readonly ContainerPort[];
  readonly resources?: ResourceRequirements;
  readonly readinessProbe?: Probe;
  readonly livenessProbe?: Probe;
  readonly lifecycle?: {
    readonly preStop?: { readonly exec?: unknown; readonly sleep?: { readonly seconds: number } };
  };
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly [field: string]: unknown;
}

export interface Toleration {
  readonly key?: string;
  readonly operator?: 'Equal' | 'Exists';
  readonly value?: string;
  readonly effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  readonly tolerationSeconds?: number;
}

export interface NodeSelectorRequirement {
  readonly key: string;
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';
  readonly values?: readonly string[];
}

export interface NodeSelectorTerm {
  readonly matchExpressions?: readonly NodeSelectorRequirement[];
  readonly matchFields?: readonly NodeSelectorRequirement[];
}

export interface PodAffinityTerm {
  readonly labelSelector?: LabelSelector;
  readonly namespaces?: readonly string[];
  readonly topologyKey: string;
}

export interface WeightedPodAffinityTerm {
  readonly weight: number;
  readonly podAffinityTerm: PodAffinityTerm;
}

export interface PodAffinityRules {
  readonly requiredDuringSchedulingIgnoredDuringExecution?: readonly PodAffinityTerm[];
  readonly preferredDuringSchedulingIgnoredDuringExecution?: readonly WeightedPodAffinityTerm[];
}

export interface Affinity {
  readonly nodeAffinity?: {
    readonly requiredDuringSchedulingIgnoredDuringExecution?: {
      readonly nodeSelectorTerms: readonly NodeSelectorTerm[];
    };
    readonly preferredDuringSchedulingIgnoredDuringExecution?: readonly {
      readonly weight: number;
      readonly preference: NodeSelectorTerm;
    }[];
  };
  readonly podAffinity?: PodAffinityRules;
  readonly podAntiAffinity?: PodAffinityRules;
}

export interface TopologySpreadConstraint {
  readonly maxSkew: number;
  readonly topologyKey: string;
  readonly whenUnsatisfiable: 'DoNotSchedule' | 'ScheduleAnyway';
  readonly labelSelector?: LabelSelector;
  readonly minDomains?: number;
  readonly matchLabelKeys?: readonly string[];
  readonly nodeAffinityPolicy?: 'Honor' | 'Ignore';
  readonly nodeTaintsPolicy?: 'Honor' | 'Ignore';
}

export interface PodSpec {
  readonly containers: readonly Container[];
  readonly initContainers?: readonly Container[];
  readonly nodeName?: string;
  readonly nodeSelector?: Readonly<Record<string, string>>;
  readonly affinity?: Affinity;
  readonly tolerations?: readonly Toleration[];
  readonly topologySpreadConstraints?: readonly TopologySpreadConstraint[];
  readonly hostNetwork?: boolean;
  readonly restartPolicy?: 'Always' | 'OnFailure' | 'Never';
  readonly dnsPolicy?: 'ClusterFirst' | 'ClusterFirstWithHostNet' | 'Default' | 'None';
  readonly hostname?: string;
  readonly subdomain?: string;
  readonly terminationGracePeriodSeconds?: number;
  readonly priority?: number;
  readonly priorityClassName?: string;
  readonly schedulerName?: string;
  readonly serviceAccountName?: string;
  readonly [field: string]: unknown;
}

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

export interface PodCondition {
  readonly type:
    | 'PodScheduled'
    | 'PodReadyToStartContainers'
    | 'Initialized'
    | 'ContainersReady'
    | 'Ready'
    | 'DisruptionTarget';
  readonly status: 'True' | 'False' | 'Unknown';
  readonly reason?: string;
  readonly message?: string;
  readonly lastTransitionTime?: number;
}

/** v1.ContainerStatus: `state` has exactly one of waiting, running, terminated. */
export interface ContainerStatus {
  readonly name: string;
  readonly image: string;
  readonly ready: boolean;
  readonly started?: boolean;
  readonly restartCount: number;
  readonly containerID?: string;
  readonly state: {
    readonly waiting?: { readonly reason: string; readonly message?: string };
    readonly running?: { readonly startedAt: number };
    readonly terminated?: { readonly exitCode: number; readonly reason: string; readonly finishedAt: number };
  };
}

export interface PodStatusApi {
  readonly phase?: PodPhase;
  readonly conditions?: readonly PodCondition[];
  readonly hostIP?: string;
  readonly podIP?: string;
  readonly podIPs?: readonly { readonly ip: string }[];
  readonly startTime?: number;
  readonly containerStatuses?: readonly ContainerStatus[];
  /** Set by the scheduler on a preemptor; unused otherwise. */
  readonly nominatedNodeName?: string;
  /** `Evicted`, `NodeLost`, … (kubectl shows it as STATUS when set). */
  readonly reason?: string;
  readonly message?: string;
}

export type Pod = KubeObject<PodSpec, PodStatusApi> & { readonly spec: PodSpec };

// --- Node ------------------------------------------------------------------------------------------

export interface Taint {
  readonly key: string;
  readonly value?: string;
  readonly effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  /** Set by the node lifecycle controller on NoExecute taints it adds. */
  readonly timeAdded?: number;
}

export interface NodeCondition {
  readonly type: 'Ready' | 'MemoryPressure' | 'DiskPressure' | 'PIDPressure' | 'NetworkUnavailable';
  readonly status: 'True' | 'False' | 'Unknown';
  readonly reason?: string;
  readonly message?: string;
  readonly lastHeartbeatTime?: number;
  readonly lastTransitionTime?: number;
}

export interface NodeSpecApi {
  readonly podCIDR?: string;
  readonly podCIDRs?: readonly string[];
  readonly unschedulable?: boolean;
  readonly taints?: readonly Taint[];
}

export interface NodeStatusApi {
  readonly capacity?: Readonly<Record<string, string>>;
  readonly allocatable?: Readonly<Record<string, string>>;
  readonly conditions?: readonly NodeCondition[];
  readonly addresses?: readonly {
    readonly type: 'InternalIP' | 'Hostname' | 'ExternalIP';
    readonly address: string;
  }[];
  readonly nodeInfo?: Readonly<Record<string, string>>;
}

export type Node = KubeObject<NodeSpecApi, NodeStatusApi> & { readonly spec: NodeSpecApi };

/** coordination.k8s.io/v1 Lease in kube-node-lease: the kubelet's heartbeat. */
export interface LeaseSpec {
  readonly holderIdentity: string;
  readonly leaseDurationSeconds: number;
  readonly renewTime: number;
}
export type Lease = KubeObject<LeaseSpec> & { readonly spec: LeaseSpec };

// --- Service, Endpoints, EndpointSlice ----------------------------------------------------------

export interface ServicePort {
  readonly name?: string;
  readonly protocol?: Protocol;
  readonly port: number;
  readonly targetPort?: number | string;
  readonly nodePort?: number;
  readonly appProtocol?: string;
}

export interface ServiceSpecApi {
  readonly type?: 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';
  readonly selector?: Readonly<Record<string, string>>;
  readonly ports?: readonly ServicePort[];
  readonly clusterIP?: string;
  readonly clusterIPs?: readonly string[];
  readonly externalIPs?: readonly string[];
  readonly externalName?: string;
  readonly sessionAffinity?: 'None' | 'ClientIP';
  readonly sessionAffinityConfig?: { readonly clientIP?: { readonly timeoutSeconds?: number } };
  readonly externalTrafficPolicy?: 'Cluster' | 'Local';
  readonly internalTrafficPolicy?: 'Cluster' | 'Local';
  readonly healthCheckNodePort?: number;
  readonly loadBalancerIP?: string;
  readonly loadBalancerSourceRanges?: readonly string[];
  readonly allocateLoadBalancerNodePorts?: boolean;
  readonly publishNotReadyAddresses?: boolean;
  readonly ipFamilies?: readonly string[];
  readonly ipFamilyPolicy?: string;
  readonly [field: string]: unknown;
}

export interface ServiceStatusApi {
  readonly loadBalancer?: { readonly ingress?: readonly { readonly ip: string }[] };
}

export type Service = KubeObject<ServiceSpecApi, ServiceStatusApi> & { readonly spec: ServiceSpecApi };

export interface EndpointAddress {
  readonly ip: string;
  readonly hostname?: string;
  readonly nodeName?: string;
  readonly targetRef?: {
    readonly kind: 'Pod';
    readonly namespace: string;
    readonly name: string;
    readonly uid: string;
  };
}

export interface EndpointSubset {
  readonly addresses?: readonly EndpointAddress[];
  readonly notReadyAddresses?: readonly EndpointAddress[];
  readonly ports?: readonly { readonly name?: string; readonly port: number; readonly protocol: Protocol }[];
}

/** v1.Endpoints: no spec/status, `subsets` at the top. */
export type Endpoints = KubeObject & { readonly subsets?: readonly EndpointSubset[] };

export interface SliceEndpoint {
  readonly addresses: readonly string[];
  readonly conditions: {
    readonly ready?: boolean;
    readonly serving?: boolean;
    readonly terminating?: boolean;
  };
  readonly hostname?: string;
  readonly nodeName?: string;
  readonly zone?: string;
  readonly targetRef?: EndpointAddress['targetRef'];
}

/** discovery.k8s.io/v1 EndpointSlice: also flat (addressType, endpoints, ports). */
export type EndpointSlice = KubeObject & {
  readonly addressType: 'IPv4' | 'IPv6' | 'FQDN';
  readonly endpoints: readonly SliceEndpoint[];
  readonly ports?: readonly {
    readonly name?: string;
    readonly port?: number;
    readonly protocol?: Protocol;
  }[];
};

// --- Workloads ---------------------------------------------------------------------------------------

export interface PodTemplate {
  readonly metadata?: {
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
  };
  readonly spec: PodSpec;
}

export interface DeploymentSpecApi {
  readonly replicas?: number;
  readonly selector: LabelSelector;
  readonly template: PodTemplate;
  readonly strategy?: {
    readonly type?: 'RollingUpdate' | 'Recreate';
    readonly rollingUpdate?: {
      readonly maxSurge?: number | string;
      readonly maxUnavailable?: number | string;
    };
  };
  readonly minReadySeconds?: number;
  readonly revisionHistoryLimit?: number;
  readonly progressDeadlineSeconds?: number;
  readonly paused?: boolean;
}

export interface DeploymentStatusApi {
  readonly observedGeneration?: number;
  readonly replicas?: number;
  readonly updatedReplicas?: number;
  readonly readyReplicas?: number;
  readonly availableReplicas?: number;
  readonly unavailableReplicas?: number;
  readonly collisionCount?: number;
  readonly conditions?: readonly {
    readonly type: string;
    readonly status: string;
    readonly reason?: string;
    readonly message?: string;
  }[];
}

export type Deployment = KubeObject<DeploymentSpecApi, DeploymentStatusApi> & {
  readonly spec: DeploymentSpecApi;
};

export interface ReplicaSetSpecApi {
  readonly replicas?: number;
  readonly selector: LabelSelector;
  readonly template: PodTemplate;
  readonly minReadySeconds?: number;
}

export interface ReplicaSetStatusApi {
  readonly replicas: number;
  readonly fullyLabeledReplicas?: number;
  readonly readyReplicas?: number;
  readonly availableReplicas?: number;
  readonly observedGeneration?: number;
}

export type ReplicaSet = KubeObject<ReplicaSetSpecApi, ReplicaSetStatusApi> & {
  readonly spec: ReplicaSetSpecApi;
};

export interface DaemonSetSpecApi {
  readonly selector: LabelSelector;
  readonly template: PodTemplate;
  readonly updateStrategy?: {
    readonly type?: 'RollingUpdate' | 'OnDelete';
    readonly rollingUpdate?: {
      readonly maxUnavailable?: number | string;
      readonly maxSurge?: number | string;
    };
  };
  readonly minReadySeconds?: number;
}

export interface DaemonSetStatusApi {
  readonly currentNumberScheduled: number;
  readonly desiredNumberScheduled: number;
  readonly numberMisscheduled: number;
  readonly numberReady: number;
  readonly updatedNumberScheduled?: number;
  readonly numberAvailable?: number;
  readonly observedGeneration?: number;
}

export type DaemonSet = KubeObject<DaemonSetSpecApi, DaemonSetStatusApi> & {
  readonly spec: DaemonSetSpecApi;
};

export interface StatefulSetSpecApi {
  readonly replicas?: number;
  readonly selector: LabelSelector;
  readonly template: PodTemplate;
  readonly serviceName: string;
  readonly podManagementPolicy?: 'OrderedReady' | 'Parallel';
  readonly updateStrategy?: {
    readonly type?: 'RollingUpdate' | 'OnDelete';
    readonly rollingUpdate?: { readonly partition?: number; readonly maxUnavailable?: number | string };
  };
  readonly minReadySeconds?: number;
}

export interface StatefulSetStatusApi {
  readonly replicas: number;
  readonly readyReplicas?: number;
  readonly currentReplicas?: number;
  readonly updatedReplicas?: number;
  readonly availableReplicas?: number;
  readonly currentRevision?: string;
  readonly updateRevision?: string;
  readonly observedGeneration?: number;
}

export type StatefulSet = KubeObject<StatefulSetSpecApi, StatefulSetStatusApi> & {
  readonly spec: StatefulSetSpecApi;
};

/** The label every Deployment-owned ReplicaSet and pod carries (apps.DefaultDeploymentUniqueLabelKey). */
export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';
/** The StatefulSet controller's per-pod label (apps.StatefulSetPodNameLabel). */
export const STATEFULSET_POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
/** The DaemonSet controller's revision label (apps.ControllerRevisionHashLabelKey). */
export const CONTROLLER_REVISION_HASH_LABEL = 'controller-revision-hash';
