/**
 * topology/ — the topology file. This part owns the loader: multi-document YAML → schema (zod) →
 * cross-field checks → a plain, readonly `Topology` (cluster, node podCIDRs, Pods, scenario) with every
 * default applied, or the complete list of issues, each with file:line:col and a field path, worded by
 * one renderer; and flanneld's subnet.env per node (`subnetEnv`). It reads files but never writes or
 * prints. Address arithmetic on CIDRs happens here, at load time only. Building live devices
 * from a `Topology` is the builder's job (build*.ts).
 */
export { type Cidr, formatCidr, formatIp4, parseIp4 } from './addr.js';
export { type BuildOptions, buildCluster, type Cluster, type Host } from './build.js';
export {
  describeIssue,
  type FormatName,
  formatPath,
  type IssueDetail,
  type IssueSite,
  type LaterFeature,
  type MachineKind,
  type NamedKind,
  type PathKey,
  type PortlessUse,
  renderIssue,
  renderIssues,
  type ServiceRule,
  type TopologyIssue,
  type TopologyIssueCode,
} from './issues.js';
export { type LoadResult, loadTopologyFile, loadTopologyText } from './load.js';
export { parseRef } from './refs.js';
export { type Origin, resolveFrom, resolveTo } from './resolve.js';
export {
  type ExpectationReport,
  type PodProblem,
  type RunReport,
  type RunScenarioOptions,
  runScenario,
  type StepReport,
} from './run.js';
export { API_VERSION, topologyJsonSchema } from './schema.js';
export { kubernetesService } from './services.js';
export { flannelMtu, renderSubnetEnv, type SubnetEnv, subnetEnv } from './subnet-env.js';
export type {
  CaptureSpec,
  ConnectStep,
  ConnectStepOf,
  ContainerPortSpec,
  ContainerSpec,
  Expectation,
  FlannelBackend,
  HostSpec,
  HttpStep,
  IpvsScheduler,
  KubeProxyMode,
  LinkStep,
  NetworkSpec,
  NodeSpec,
  PingStep,
  PodSpec,
  PortProtocol,
  ProbeTransport,
  Ref,
  RestartPolicy,
  RouterInterfaceSpec,
  RouterSpec,
  ScenarioSpec,
  SegmentSpec,
  ServicePortSpec,
  ServiceSpec,
  ServiceType,
  Step,
  TaintEffect,
  TaintSpec,
  TcpStep,
  Topology,
  TracerouteStep,
  TrafficPolicy,
  UdpStep,
} from './types.js';
