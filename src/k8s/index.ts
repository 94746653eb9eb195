/**
 * k8s/ — the Kubernetes side of the fabric: the API store and object shapes, the scheduler, the
 * controllers, the kubelet (pod sandboxes wired by CNI ADD/DEL), kube-proxy, CoreDNS, node health and
 * the kubectl operations, wired together in control-plane/.
 */

// The API object shapes whose names the scheduler's internal types share are reached as `api.Taint` etc.
export * as api from './api/index.js';
export {
  type Container,
  type ContainerPort,
  ControlPlaneContext,
  type DaemonSet,
  DEFAULT_TIMINGS,
  type Deployment,
  type EndpointSlice,
  type Endpoints,
  isPodReady,
  type Lease,
  type Node,
  type Pod,
  type PodTemplate,
  type ReplicaSet,
  type Service,
  type ServicePort,
  type ServiceSpecApi,
  type StatefulSet,
  type Timings,
} from './api/index.js';
export * from './control-plane/index.js';
export * from './controllers/index.js';
export * from './coredns/index.js';
export * from './kube-proxy/index.js';
export * from './kubectl/index.js';
export { Kubelet, type PodDesc, type PodRecord, type PodStatus } from './kubelet.js';
export * from './node-lifecycle/index.js';
export * from './scheduler/index.js';
export { ClusterIpAllocator, NodePortAllocator, staticBand } from './service-alloc.js';
export * from './store/index.js';
