/**
 * The validated topology: plain readonly data with every default applied, addresses as uint32, durations
 * in integer nanoseconds, and lists in declared order. Maps are `ReadonlyMap`s filled in sorted key order,
 * never plain objects. The builder reads only this; it never sees YAML.
 */

import type { ObjectInput, Timings } from '../k8s/index.js';
import type { Ip4 } from '../wire/index.js';
import type { Cidr } from './addr.js';

export type { Cidr } from './addr.js';

/** flannel backends (`Backend.Type` in flannel's net-conf.json; DirectRouting is vxlan with that flag). */
export type FlannelBackend = 'vxlan' | 'host-gw' | 'vxlan-directrouting' | 'udp';

/** kube-proxy `--proxy-mode`. */
export type KubeProxyMode = 'iptables' | 'ipvs';

/** IPVS schedulers kube-proxy accepts for `--ipvs-scheduler`. */
export type IpvsScheduler =
  | 'rr'
  | 'wrr'
  | 'lc'
  | 'wlc'
  | 'lblc'
  | 'lblcr'
  | 'sh'
  | 'dh'
  | 'sed'
  | 'nq'
  | 'mh';

/** Cluster-wide networking. */
export interface NetworkSpec {
  readonly clusterCIDR: Cidr;
  readonly nodeCIDRMaskSize: number;
  readonly serviceCIDR: Cidr;
  readonly backend: FlannelBackend;
  /** flanneld `--ip-masq` (FLANNEL_IPMASQ). */
  readonly ipMasq: boolean;
  /** Whether flanneld runs on the nodes; false shows the underlay and each node's pods without the overlay. */
  readonly flanneld: boolean;
  readonly kubeProxyMode: KubeProxyMode;
  readonly ipvsScheduler: IpvsScheduler;
  /**
   * The Cluster's `spec.dns`: `coredns` runs kubeadm's CoreDNS Deployment and the `kube-system/kube-dns`
   * Service at the 10th address of serviceCIDR (`coreDnsObjects`); `none` runs no cluster DNS.
   */
  readonly dns: ClusterDns;
}

/** The Cluster's `spec.dns`. */
export type ClusterDns = 'coredns' | 'none';

/** An underlay L2 segment (one broadcast domain, one IPv4 subnet). */
export interface SegmentSpec {
  readonly name: string;
  readonly network: Ip4;
  readonly prefixLen: number;
  readonly mtu: number;
  readonly latencyNs: number;
  readonly bandwidthBps: number;
  /** The router address on this segment and every node's default gateway. */
  readonly gateway: Ip4;
}

/** A router interface: the router holds the segment's gateway address. */
export interface RouterInterfaceSpec {
  readonly segment: string;
  readonly ip: Ip4;
}

/** A router joining segments; `implicit` when the loader made it because the file named none. */
export interface RouterSpec {
  readonly name: string;
  readonly interfaces: readonly RouterInterfaceSpec[];
  readonly implicit: boolean;
}

/** Kubernetes taint effects. */
export type TaintEffect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';

/** A node taint (`kubectl taint`); `value` is '' when not given, as the API server stores it. */
export interface TaintSpec {
  readonly key: string;
  readonly value: string;
  readonly effect: TaintEffect;
}

/** A Kubernetes node on one underlay segment; its `eth0` holds `ip`. */
export interface NodeSpec {
  readonly name: string;
  readonly segment: string;
  readonly ip: Ip4;
  readonly role: 'control-plane' | 'worker';
  readonly labels: ReadonlyMap<string, string>;
  readonly taints: readonly TaintSpec[];
  /** Quantities kept as written (`"4"`, `"500m"`, `"8Gi"`). */
  readonly capacity: { readonly cpu: string; readonly memory: string };
  readonly sysctls: ReadonlyMap<string, string>;
  /**
   * The node's pod network (`node.spec.podCIDR`): the i-th block of `/nodeCIDRMaskSize` in clusterCIDR
   * for the i-th declared node, as kube-controller-manager's range allocator hands them out.
   */
  readonly podCIDR: Cidr;
}

/** Container port protocols the fabric serves (Kubernetes also knows SCTP). */
export type PortProtocol = 'TCP' | 'UDP';

/** A `containers[].ports[]` entry; `protocol` defaults to TCP as the API server defaults it. */
export interface ContainerPortSpec {
  readonly containerPort: number;
  readonly protocol: PortProtocol;
  readonly name?: string;
  readonly hostPort?: number;
  readonly hostIP?: Ip4;
}

/** A container: its name, image and declared ports (other container fields are accepted and ignored). */
export interface ContainerSpec {
  readonly name: string;
  readonly image: string;
  readonly ports: readonly ContainerPortSpec[];
}

/** Pod `spec.restartPolicy`. */
export type RestartPolicy = 'Always' | 'OnFailure' | 'Never';

/** A `kind: Pod` document. */
export interface PodSpec {
  readonly name: string;
  /** `metadata.namespace`, `default` when not given. */
  readonly namespace: string;
  /** `spec.nodeName`: a node of the cluster, or undefined when the scheduler is to place the pod. */
  readonly node: string | undefined;
  readonly labels: ReadonlyMap<string, string>;
  readonly annotations: ReadonlyMap<string, string>;
  readonly containers: readonly ContainerSpec[];
  /** `spec.hostNetwork`: the pod shares its node's network namespace. */
  readonly hostNetwork: boolean;
  readonly restartPolicy: RestartPolicy;
  /** The annotation `podwire.io/mtu`: the pod's eth0 MTU instead of the one the CNI config gives. */
  readonly mtuOverride?: number;
}

/** A plain Linux machine on an underlay segment (not a node): a client from outside the cluster. */
export interface HostSpec {
  readonly name: string;
  readonly segment: string;
  readonly ip: Ip4;
}

/** `spec.type` of a Service. */
export type ServiceType = 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';

/** `externalTrafficPolicy` / `internalTrafficPolicy`. */
export type TrafficPolicy = 'Cluster' | 'Local';

/** A Service `spec.ports[]` entry, with the API server's defaults applied. */
export interface ServicePortSpec {
  /** '' when the Service's only port has no name, as the API server stores it. */
  readonly name: string;
  readonly protocol: PortProtocol;
  readonly port: number;
  /** A container port number, or the name of a container port; `port` when not given. */
  readonly targetPort: number | string;
  /** Only when the file gives one; allocating the others (30000–32767) is the control plane's job. */
  readonly nodePort?: number;
  readonly appProtocol?: string;
}

/** A `kind: Service` document. */
export interface ServiceSpec {
  readonly name: string;
  readonly namespace: string;
  readonly labels: ReadonlyMap<string, string>;
  readonly annotations: ReadonlyMap<string, string>;
  readonly type: ServiceType;
  /** undefined: no selector (endpoints are managed by hand), as distinct from an empty one. */
  readonly selector: ReadonlyMap<string, string> | undefined;
  readonly ports: readonly ServicePortSpec[];
  /** An address in serviceCIDR, 'None' for a headless Service, undefined to allocate one. */
  readonly clusterIP: Ip4 | 'None' | undefined;
  readonly externalIPs: readonly Ip4[];
  readonly sessionAffinity: 'None' | 'ClientIP';
  /** `sessionAffinityConfig.clientIP.timeoutSeconds`; 10800 when not given (and when affinity is None). */
  readonly affinityTimeoutSeconds: number;
  /** 'Cluster' unless set (it may be set only on NodePort, LoadBalancer or with externalIPs). */
  readonly externalTrafficPolicy: TrafficPolicy;
  readonly internalTrafficPolicy: TrafficPolicy;
  /** Only when the file gives one (LoadBalancer with externalTrafficPolicy Local). */
  readonly healthCheckNodePort?: number;
  readonly loadBalancerIP?: Ip4;
  readonly loadBalancerSourceRanges: readonly Cidr[];
  readonly loadBalancerClass?: string;
  /** true unless a LoadBalancer sets it false (then its ports get no nodePort). */
  readonly allocateLoadBalancerNodePorts: boolean;
  readonly externalName?: string;
  readonly publishNotReadyAddresses: boolean;
  readonly trafficDistribution?: string;
}

/**
 * A `from`/`to` reference; `text` is what the file said. `port` is what followed a `:` — a number, or
 * for pods and Services a port name (resolved against the documents in the steps that use it).
 */
export type Ref =
  | { readonly kind: 'node'; readonly name: string; readonly text: string; readonly port?: number }
  | { readonly kind: 'router'; readonly name: string; readonly text: string; readonly port?: number }
  | { readonly kind: 'host'; readonly name: string; readonly text: string; readonly port?: number }
  | {
      readonly kind: 'pod';
      readonly name: string;
      readonly namespace: string;
      readonly text: string;
      readonly port?: number | string;
    }
  | {
      readonly kind: 'svc';
      readonly name: string;
      readonly namespace: string;
      readonly text: string;
      readonly port?: number | string;
    }
  | {
      /** `deploy/[NAMESPACE/]NAME`: the Deployment's first ready pod by name, chosen at run time. */
      readonly kind: 'deploy';
      readonly name: string;
      readonly namespace: string;
      readonly text: string;
      readonly port?: number | string;
    }
  | {
      /** `sts/[NAMESPACE/]NAME`: the StatefulSet's first ready pod by name, chosen at run time. */
      readonly kind: 'sts';
      readonly name: string;
      readonly namespace: string;
      readonly text: string;
      readonly port?: number | string;
    }
  | {
      /**
       * A DNS name (`web`, `web.default`, `web.default.svc.cluster.local`, `db-0.db`) the source pod
       * resolves through the cluster DNS with its resolv.conf search path, as written (no trailing dot
       * added or removed).
       */
      readonly kind: 'dns';
      readonly name: string;
      readonly text: string;
      readonly port?: number;
    }
  | { readonly kind: 'ip'; readonly ip: Ip4; readonly text: string; readonly port?: number };

/** The references that stand for a pod: a named pod, or a workload's first ready pod. */
export type PodRef = Ref & { readonly kind: 'pod' | 'deploy' | 'sts' };

/** `ping -c COUNT -i INTERVAL -s SIZE -t TTL [-M do|dont] -W WAIT`. */
export interface PingStep {
  readonly action: 'ping';
  readonly atNs: number;
  readonly from: Ref;
  readonly to: Ref;
  readonly count: number;
  readonly intervalNs: number;
  readonly size: number;
  readonly ttl: number;
  /** `-M do` (true) or `-M dont` (false); absent is ping's default, DF when the packet fits. */
  readonly df?: boolean;
  /** `-W`: how long to wait for replies after the last request. */
  readonly waitNs: number;
}

/** `traceroute -q QUERIES -m MAXHOPS -w WAIT [-I]`. */
export interface TracerouteStep {
  readonly action: 'traceroute';
  readonly atNs: number;
  readonly from: Ref;
  readonly to: Ref;
  readonly queries: number;
  readonly maxHops: number;
  readonly proto: 'udp' | 'icmp';
  readonly waitNs: number;
}

/** Takes a node's `eth0` link down or up (`ip link set eth0 down|up`). */
export interface LinkStep {
  readonly action: 'linkDown' | 'linkUp';
  readonly atNs: number;
  readonly node: string;
}

/** The kinds a `delete` step removes (besides nodes, which `NodeStep` leaves the cluster with). */
export type DeletableKind = 'Pod' | 'Deployment' | 'ReplicaSet' | 'DaemonSet' | 'StatefulSet' | 'Service';

/** An object of the API by kind, namespace and name. */
export interface ObjectKey<K extends string = string> {
  readonly kind: K;
  readonly namespace: string;
  readonly name: string;
}

/**
 * `kubectl delete KIND NAME`: a pod terminates gracefully (its sandbox goes with CNI DEL), a workload
 * takes its pods with it (foreground cascading), a Service its ClusterIP and rules.
 */
export interface DeleteStep {
  readonly action: 'delete';
  readonly atNs: number;
  readonly target: ObjectKey<DeletableKind>;
}

/** `kubectl apply -f` of one manifest written inline in the step (any kind the file accepts). */
export interface ApplyStep {
  readonly action: 'apply';
  readonly atNs: number;
  /** In the shape of the API objects (src/k8s/api/types.ts), defaults applied as for the file's objects. */
  readonly object: ObjectInput;
}

/** `kubectl scale KIND NAME --replicas=N`. */
export interface ScaleStep {
  readonly action: 'scale';
  readonly atNs: number;
  readonly target: ObjectKey<'Deployment' | 'ReplicaSet' | 'StatefulSet'>;
  readonly replicas: number;
}

/** `kubectl set image deployment/NAME CONTAINER=IMAGE`: a new pod template, so a new rollout. */
export interface RolloutStep {
  readonly action: 'rollout';
  readonly atNs: number;
  readonly target: ObjectKey<'Deployment'>;
  /** The container whose image changes: as written, or the template's only container. */
  readonly container: string;
  readonly image: string;
}

/** `kubectl cordon|uncordon NODE`: sets or clears `spec.unschedulable`. */
export interface CordonStep {
  readonly action: 'cordon' | 'uncordon';
  readonly atNs: number;
  readonly node: string;
}

/** `kubectl drain NODE [--ignore-daemonsets] [--force] [--delete-emptydir-data]`. */
export interface DrainStep {
  readonly action: 'drain';
  readonly atNs: number;
  readonly node: string;
  readonly ignoreDaemonsets: boolean;
  readonly force: boolean;
  readonly deleteEmptydirData: boolean;
}

/** `kubectl taint nodes NODE key[=value]:Effect`; `value` is '' when not given. */
export interface TaintStep {
  readonly action: 'taint';
  readonly atNs: number;
  readonly node: string;
  readonly taint: TaintSpec;
}

/** `kubectl taint nodes NODE key[:Effect]-`: removes the key's taints of that effect, or of every effect. */
export interface UntaintStep {
  readonly action: 'untaint';
  readonly atNs: number;
  readonly node: string;
  readonly key: string;
  readonly effect?: TaintEffect;
}

/**
 * `kubectl label node|pod NAME k=v k2- [--overwrite]`: a null value removes the label. Without
 * `overwrite`, changing a label that has another value is refused at run time, as kubectl refuses it.
 */
export interface LabelStep {
  readonly action: 'label';
  readonly atNs: number;
  readonly target: { readonly kind: 'Node'; readonly name: string } | ObjectKey<'Pod'>;
  /** In sorted key order. */
  readonly labels: ReadonlyMap<string, string | null>;
  readonly overwrite: boolean;
}

/** A node fails (its kubelet stops heartbeating and its datapath stops forwarding) or recovers. */
export interface NodeHealthStep {
  readonly action: 'fail' | 'recover';
  readonly atNs: number;
  readonly node: string;
}

/** `kubectl delete node` (the node leaves: peers drop its flannel entries) or `kubeadm join` (it comes back). */
export interface NodeStep {
  readonly action: 'deleteNode' | 'joinNode';
  readonly atNs: number;
  readonly node: string;
}

/**
 * `http`, `tcp` and `udp`: `count` requests from `from` to `to`, `interval` apart, each given up after
 * `timeout` (like `curl --connect-timeout` / `nc -w`); the answer names the backend that served it.
 */
export interface ConnectStepOf<A extends 'http' | 'tcp' | 'udp'> {
  readonly action: A;
  readonly atNs: number;
  readonly from: Ref;
  readonly to: Ref;
  /**
   * The destination port on the address `to` stands for: the number written, a named port resolved
   * (a Service port or container port), or the only port of a single-port Service. For `node/NAME:PORT`
   * it is the NodePort, for `svc/…` the Service (ClusterIP) port.
   */
  readonly port: number;
  readonly count: number;
  readonly intervalNs: number;
  readonly timeoutNs: number;
}

/** `curl http://TO:PORT/`: a TCP connection carrying one request line; the answer names the pod. */
export type HttpStep = ConnectStepOf<'http'>;
/** A TCP connection with one request and its answer (`nc TO PORT`). */
export type TcpStep = ConnectStepOf<'tcp'>;
/** One UDP datagram and the echoed answer (`nc -u -w TIMEOUT TO PORT`). */
export type UdpStep = ConnectStepOf<'udp'>;
/** Any of the three. */
export type ConnectStep = HttpStep | TcpStep | UdpStep;

/** A cluster operation (what `kubectl` or a failure does to the API objects). */
export type OperationStep =
  | ApplyStep
  | DeleteStep
  | ScaleStep
  | RolloutStep
  | CordonStep
  | DrainStep
  | TaintStep
  | UntaintStep
  | LabelStep
  | NodeHealthStep;

/** One timed action of the scenario. */
export type Step = PingStep | TracerouteStep | ConnectStep | LinkStep | NodeStep | OperationStep;

/** The transport an expectation probes with when its `to` carries a port. */
export interface ProbeTransport {
  readonly protocol: PortProtocol;
  readonly port: number;
}

/**
 * What the scenario expects at the end of the run. Without `transport` the probe is one echo request
 * (ping); with it, a TCP connection with one request (or one UDP datagram) that must get an answer.
 */
export interface Expectation {
  readonly kind: 'reachable' | 'unreachable';
  readonly from: Ref;
  readonly to: Ref;
  readonly transport?: ProbeTransport;
}

/** Which capture points `--pcap` writes. */
export type CaptureSpec =
  | { readonly kind: 'all' }
  | { readonly kind: 'none' }
  | { readonly kind: 'points'; readonly points: readonly string[] };

/** The scenario timeline; empty (capture all, no steps) when the file has no Scenario document. */
export interface ScenarioSpec {
  readonly capture: CaptureSpec;
  readonly steps: readonly Step[];
  readonly expectations: readonly Expectation[];
}

/** A whole validated topology file. */
export interface Topology {
  /** `metadata.name` of the Cluster document, if given. */
  readonly name: string | null;
  readonly seed: number;
  readonly network: NetworkSpec;
  readonly segments: readonly SegmentSpec[];
  readonly routers: readonly RouterSpec[];
  readonly nodes: readonly NodeSpec[];
  /** Plain machines on the underlay (`spec.hosts`), in declared order. */
  readonly hosts: readonly HostSpec[];
  /** The `kind: Pod` documents, in file order. */
  readonly pods: readonly PodSpec[];
  /** The `kind: Service` documents, in file order (without `default/kubernetes`, which the run adds). */
  readonly services: readonly ServiceSpec[];
  /**
   * Every Kubernetes document of the file (Pod, Service, Deployment, ReplicaSet, DaemonSet, StatefulSet,
   * Endpoints, EndpointSlice) as the API object a client sends (src/k8s/api/types.ts shapes, the API
   * server's defaults applied), in file order. Without the objects podwire makes itself
   * (`default/kubernetes`, and CoreDNS: `coreDnsObjects`).
   */
  readonly objects: readonly ObjectInput[];
  /** The Cluster's `spec.controlPlane`, in ns; what is not given keeps `DEFAULT_TIMINGS`. */
  readonly timings: Partial<Timings>;
  readonly scenario: ScenarioSpec;
}
