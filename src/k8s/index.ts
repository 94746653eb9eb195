/**
 * k8s/ — the Kubernetes side of the fabric. So far the kubelet's network part: pod sandboxes as network
 * namespaces wired by CNI ADD/DEL, and pod status as kubectl shows it. The API store, scheduler,
 * controllers and kube-proxy arrive with their issues.
 */

export * from './kube-proxy/index.js';
export { Kubelet, type PodDesc, type PodRecord, type PodStatus } from './kubelet.js';
export * from './scheduler/index.js';
export { ClusterIpAllocator, NodePortAllocator, staticBand } from './service-alloc.js';
export * from './store/index.js';
