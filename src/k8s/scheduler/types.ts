/**
 * Plain inputs of the scheduler core: the parts of v1.Node and v1.Pod that the default Filter and Score
 * plugins read (pkg/scheduler/framework/plugins). Nothing here is live state; callers build these from
 * their API objects and pass the pods already bound to each node.
 */

export type TaintEffect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';

export interface Taint {
  readonly key: string;
  readonly value: string;
  readonly effect: TaintEffect;
}

/** v1.Toleration. `effect` '' means every effect; `operator` defaults to Equal. */
export interface Toleration {
  readonly key: string;
  readonly operator: 'Equal' | 'Exists';
  readonly value: string;
  readonly effect: TaintEffect | '';
}

export type NodeSelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';

export interface NodeSelectorRequirement {
  readonly key: string;
  readonly operator: NodeSelectorOperator;
  readonly values: readonly string[];
}

/** One nodeSelectorTerm: its expressions (and fields) are ANDed; an empty term matches no node. */
export interface NodeSelectorTerm {
  readonly matchExpressions: readonly NodeSelectorRequirement[];
  /** Only `metadata.name` with In/NotIn is valid, as in the API. */
  readonly matchFields?: readonly NodeSelectorRequirement[];
}

export interface PreferredSchedulingTerm {
  /** 1–100. */
  readonly weight: number;
  readonly preference: NodeSelectorTerm;
}

export interface NodeAffinity {
  /** requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms (ORed); absent = no constraint. */
  readonly required?: readonly NodeSelectorTerm[];
  readonly preferred?: readonly PreferredSchedulingTerm[];
}

/**
 * metav1.LabelSelector: matchLabels and matchExpressions ANDed; an empty selector matches every pod.
 * `nothing` is labels.Nothing(), what an absent (nil) selector converts to: it matches no pod.
 */
export interface SchedLabelSelector {
  readonly nothing?: boolean;
  readonly matchLabels?: ReadonlyMap<string, string>;
  readonly matchExpressions?: readonly {
    readonly key: string;
    readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
    readonly values: readonly string[];
  }[];
}

/** v1.PodAffinityTerm; `namespaces` absent or empty = the namespace of the pod declaring the term. */
export interface PodAffinityTerm {
  readonly labelSelector: SchedLabelSelector;
  readonly namespaces?: readonly string[];
  readonly topologyKey: string;
}

/** v1.WeightedPodAffinityTerm (preferredDuringSchedulingIgnoredDuringExecution); weight 1–100. */
export interface WeightedPodAffinityTerm {
  readonly weight: number;
  readonly term: PodAffinityTerm;
}

export interface PodAffinityRules {
  readonly required?: readonly PodAffinityTerm[];
  readonly preferred?: readonly WeightedPodAffinityTerm[];
}

/** v1.TopologySpreadConstraint; absent policies default as the scheduler does (Honor / Ignore). */
export interface SpreadConstraint {
  readonly maxSkew: number;
  readonly topologyKey: string;
  readonly whenUnsatisfiable: 'DoNotSchedule' | 'ScheduleAnyway';
  /** Absent = labels.Nothing() (counts no pod). */
  readonly labelSelector?: SchedLabelSelector;
  /** Only for DoNotSchedule; absent = 1. */
  readonly minDomains?: number;
  readonly matchLabelKeys?: readonly string[];
  readonly nodeAffinityPolicy?: 'Honor' | 'Ignore';
  readonly nodeTaintsPolicy?: 'Honor' | 'Ignore';
}

export interface HostPort {
  readonly protocol: 'TCP' | 'UDP' | 'SCTP';
  /** '' or '0.0.0.0' = every address. */
  readonly hostIP: string;
  readonly hostPort: number;
}

export interface SchedNode {
  readonly name: string;
  readonly labels: ReadonlyMap<string, string>;
  readonly taints: readonly Taint[];
  /** spec.unschedulable (kubectl cordon). */
  readonly unschedulable: boolean;
  readonly allocatable: { readonly cpuMilli: number; readonly memoryBytes: number; readonly pods: number };
}

export interface SchedPodAffinity {
  readonly nodeAffinity?: NodeAffinity;
  readonly podAffinity?: PodAffinityRules;
  readonly podAntiAffinity?: PodAffinityRules;
}

/**
 * A pod reduced to one effective request (the pod's summed container requests). An absent request is
 * "not set": Filter counts it as 0, scoring as the non-zero default (100m / 200 MiB).
 */
export interface SchedPod {
  readonly namespace: string;
  readonly name: string;
  readonly labels: ReadonlyMap<string, string>;
  /** spec.nodeName: set for pods bound already, or pinned by the user before scheduling. */
  readonly nodeName?: string;
  readonly nodeSelector: ReadonlyMap<string, string>;
  readonly affinity?: SchedPodAffinity;
  /** spec.topologySpreadConstraints. */
  readonly topologySpreadConstraints?: readonly SpreadConstraint[];
  /**
   * helper.DefaultSelector: the selectors of the Services, ReplicaSet/StatefulSet (controller owner)
   * selecting this pod, merged. The system default spread constraints apply only when it is non-empty
   * and the pod has no constraints of its own.
   */
  readonly defaultSpreadSelector?: SchedLabelSelector;
  /** metadata.deletionTimestamp is set: spreading does not count it (countPodsMatchSelector). */
  readonly terminating?: boolean;
  readonly tolerations: readonly Toleration[];
  readonly requests: { readonly cpuMilli?: number; readonly memoryBytes?: number };
  /**
   * The scoring requests with each container's missing request replaced by 100m / 200 MiB
   * (NonMissingContainerRequests). Absent: derived from `requests` as if the pod had one container.
   */
  readonly nonZeroRequests?: { readonly cpuMilli: number; readonly memoryBytes: number };
  readonly hostPorts: readonly HostPort[];
  /** spec.priority (PriorityClass value); 0 when absent. */
  readonly priority?: number;
}

/**
 * Pods already bound, keyed by node name. A cache may also index them by label (`podsWithLabel`: every
 * bound pod carrying `key=value`, with its node), so counting the pods a selector matches costs the
 * matching pods rather than every pod of every node.
 */
export type BoundPods = ReadonlyMap<string, readonly SchedPod[]> & {
  readonly podsWithLabel?: (key: string, value: string) => ReadonlyMap<SchedPod, string>;
  /** The nodes holding a pod with pod affinity or anti-affinity terms (the only ones such pods affect). */
  readonly nodesWithAffinityPods?: () => Iterable<string>;
};
