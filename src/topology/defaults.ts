/**
 * Every default of the topology file, with its unit and where the value comes from. The schema applies
 * them; nothing else in the loader invents a value.
 */

/** Seed of the run when the file gives none (DESIGN.md "The CLI": "the file's seed (or 1)"). */
export const DEFAULT_SEED = 1;

/** flannel's `Network` in kube-flannel.yml net-conf.json. */
export const DEFAULT_CLUSTER_CIDR = '10.244.0.0/16';
/** kube-controller-manager `--node-cidr-mask-size` (IPv4) default. */
export const DEFAULT_NODE_CIDR_MASK_SIZE = 24;
/** kubeadm `networking.serviceSubnet` default. */
export const DEFAULT_SERVICE_CIDR = '10.96.0.0/12';
/** kube-flannel.yml `Backend.Type`. */
export const DEFAULT_BACKEND = 'vxlan';
/** flanneld `--ip-masq`, set in kube-flannel.yml. */
export const DEFAULT_IP_MASQ = true;
/** kube-proxy `--proxy-mode` on Linux. */
export const DEFAULT_KUBE_PROXY_MODE = 'iptables';
/** kube-proxy `--ipvs-scheduler` (empty means rr). */
export const DEFAULT_IPVS_SCHEDULER = 'rr';

/** Ethernet MTU, bytes. */
export const DEFAULT_MTU = 1500;
/** One-way latency of an underlay segment: a switch hop in a rack. */
export const DEFAULT_LATENCY = '50us';
/** Underlay bandwidth, bits per second in SI units. */
export const DEFAULT_BANDWIDTH = '10Gbps';
/** Nodes without an `ip` get host numbers from .11 up, in declared order (the gateway is .1). */
export const FIRST_NODE_HOST = 11;
/** Name of the router made when there are several segments and no `routers` list. */
export const IMPLICIT_ROUTER = 'router';

/** Node capacity when not given: a small VM, like minikube's default of 2 CPUs. */
export const DEFAULT_NODE_CPU = '2';
export const DEFAULT_NODE_MEMORY = '4Gi';

/** iputils ping: `-c` has no default (we take 3), `-i 1`, `-s 56`, `-t 64` (net.ipv4.ip_default_ttl), DF set (`-M want`/`do` on Linux). */
export const DEFAULT_PING_COUNT = 3;
export const DEFAULT_PING_INTERVAL = '1s';
export const DEFAULT_PING_SIZE = 56;
export const DEFAULT_PING_TTL = 64;
/** How long ping waits for replies after its last request (iputils lingers 10 s unless -W is given). */
export const DEFAULT_PING_WAIT = '10s';

/** traceroute(8): `-q 3`, `-m 30`, UDP probes, `-w 5`. */
export const DEFAULT_TRACEROUTE_QUERIES = 3;
export const DEFAULT_TRACEROUTE_MAX_HOPS = 30;
export const DEFAULT_TRACEROUTE_PROTO = 'udp';
export const DEFAULT_TRACEROUTE_WAIT = '5s';

/** `metadata.namespace` of a Kubernetes object that names none (kubectl's current namespace, fresh). */
export const DEFAULT_NAMESPACE = 'default';
/** Pod `spec.restartPolicy` as the API server defaults it. */
export const DEFAULT_RESTART_POLICY = 'Always';
/** `containers[].ports[].protocol` as the API server defaults it. */
export const DEFAULT_PORT_PROTOCOL = 'TCP';
/** The pod annotation that overrides the pod's eth0 MTU (DESIGN.md "The topology file"). */
export const MTU_ANNOTATION = 'podwire.io/mtu';

/** `http`/`tcp`/`udp` steps: one request unless `count` says more. */
export const DEFAULT_CONNECT_COUNT = 1;
/** Requests start 1 s apart, ping's cadence (`while :; do curl …; sleep 1; done`). */
export const DEFAULT_CONNECT_INTERVAL = '1s';
/**
 * A request is given up after 5 s, like `curl --connect-timeout 5` or `nc -w 5`; Linux itself would
 * retry an unanswered SYN for about 127 s (net.ipv4.tcp_syn_retries = 6) before connect() fails.
 */
export const DEFAULT_CONNECT_TIMEOUT = '5s';

/** Service `spec.type` as the API server defaults it. */
export const DEFAULT_SERVICE_TYPE = 'ClusterIP';
/** Service `spec.sessionAffinity` as the API server defaults it. */
export const DEFAULT_SESSION_AFFINITY = 'None';
/** `sessionAffinityConfig.clientIP.timeoutSeconds` default (`DefaultClientIPServiceAffinitySeconds`, 3 h). */
export const DEFAULT_AFFINITY_TIMEOUT_SECONDS = 10800;
/** Its upper bound (`MaxClientIPServiceAffinitySeconds`, one day). */
export const MAX_AFFINITY_TIMEOUT_SECONDS = 86400;
/** kube-apiserver `--service-node-port-range` default. */
export const NODE_PORT_MIN = 30000;
export const NODE_PORT_MAX = 32767;
/**
 * The Service the API server makes for itself: `default/kubernetes`, the first address of the service
 * CIDR, port `https` 443/TCP to the apiserver's secure port 6443.
 */
export const KUBERNETES_SERVICE = 'kubernetes';
export const KUBERNETES_SERVICE_PORT = 443;
export const KUBERNETES_SERVICE_PORT_NAME = 'https';
export const KUBE_APISERVER_PORT = 6443;

/** Pod `spec.dnsPolicy` as the API server defaults it. */
export const DEFAULT_DNS_POLICY = 'ClusterFirst';
/** Pod `spec.terminationGracePeriodSeconds` as the API server defaults it. */
export const DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30;
/** Pod `spec.schedulerName` as the API server defaults it. */
export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';
/** `spec.replicas` of a Deployment, ReplicaSet or StatefulSet as the API server defaults it. */
export const DEFAULT_REPLICAS = 1;
/** Deployment RollingUpdate `maxSurge` and `maxUnavailable` (`SetDefaults_Deployment`). */
export const DEFAULT_MAX_SURGE = '25%';
export const DEFAULT_MAX_UNAVAILABLE = '25%';
/** Deployment `revisionHistoryLimit` and `progressDeadlineSeconds` (apps/v1 defaults). */
export const DEFAULT_REVISION_HISTORY_LIMIT = 10;
export const DEFAULT_PROGRESS_DEADLINE_SECONDS = 600;

/** The Cluster's `spec.dns` when not given: no cluster DNS, so files written before it are unchanged. */
export const DEFAULT_CLUSTER_DNS = 'none';
/** kubeadm's CoreDNS: 2 replicas of this image, the `kube-dns` Service at the 10th serviceCIDR address. */
export const COREDNS_IMAGE = 'registry.k8s.io/coredns/coredns:v1.11.3';
export const COREDNS_REPLICAS = 2;
export const KUBE_DNS_SERVICE = 'kube-dns';
export const COREDNS_DEPLOYMENT = 'coredns';
export const KUBE_SYSTEM_NAMESPACE = 'kube-system';
export const KUBE_DNS_HOST_INDEX = 10;
/** The control-plane taint kubeadm puts on control-plane nodes (and CoreDNS tolerates). */
export const CONTROL_PLANE_TAINT = 'node-role.kubernetes.io/control-plane';
