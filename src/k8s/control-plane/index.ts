/**
 * control-plane/ — the Kubernetes control plane wired over the API store: registry strategies, the
 * endpoints controllers, kube-proxy per node, the kubelets' pod lifecycle and the container runtime.
 */
export {
  type Component,
  ControlPlane,
  type ControlPlaneNode,
  type ControlPlaneOptions,
  NODE_INFO,
} from './control-plane.js';
export { serviceEndpoints } from './endpoints.js';
export { EndpointsController, SERVICE_NAME_LABEL } from './endpoints-controller.js';
export { KubeProxyFeed, ProxyRunner, proxyEndpointsOf, proxyServiceOf } from './kube-proxy-agent.js';
export { KubeletAgent, type KubeletNode, MTU_ANNOTATION } from './kubelet-agent.js';
export { installRegistry, type ServiceAllocators } from './registry.js';
export { ContainerRuntime, type ImageProgram, type Process } from './runtime.js';
