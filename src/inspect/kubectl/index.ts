/**
 * kubectl/ — `kubectl get` for API objects as the store holds them: each resource's table and -o wide
 * columns (kubernetes pkg/printers/internalversion/printers.go), `-o json` and `-o yaml` as kubectl's
 * printers write them, and `-o name`. Pure functions of the objects and the request's time.
 */

export { apiObject, rfc3339, rfc3339Micro } from './api-object.js';
export { DAEMON_SET_TABLE, getDaemonSets } from './daemonsets.js';
export { DEPLOYMENT_TABLE, getDeployments } from './deployments.js';
export { ENDPOINTS_TABLE, formatEndpoints, getEndpoints } from './endpoints.js';
export { ENDPOINT_SLICE_TABLE, getEndpointSlices } from './endpointslices.js';
export {
  age,
  type GetOptions,
  type GetOutput,
  type GetResult,
  kubectlGet,
  type ResourceTable,
} from './get.js';
export { goJsonIndent, goJsonString } from './go-json.js';
export { goYaml, yamlKeyLess } from './go-yaml.js';
export { resolvesToNonString, type ScalarStyle, scalarStyle } from './go-yaml-scalar.js';
export { containerCells, formatLabelSelector, formatLabels, selectorString } from './labels.js';
export { getNodes, NODE_TABLE } from './nodes.js';
export { getPods, POD_TABLE } from './pods.js';
export { getReplicaSets, REPLICA_SET_TABLE } from './replicasets.js';
export { getServices, SERVICE_TABLE } from './services.js';
export { getStatefulSets, STATEFUL_SET_TABLE } from './statefulsets.js';
