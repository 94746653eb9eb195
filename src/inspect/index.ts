/**
 * inspect/ — the model's state printed in the real tools' own formats, byte for byte: `ip route`,
 * `ip route get`, `ip addr`, `ip neigh`, `ip -d link`, `bridge fdb show`, and their `ip -j` JSON shapes; and
 * `kubectl get pods [-o wide]`; a picture of the fabric (`graph`); and `podwire trace`: one packet and its
 * answer followed step by step through the namespaces' explainers and netfilter's observer, as data and
 * as text.
 */

export { type BridgeFdbShowOptions, bridgeFdbShow, selfFdbMacs } from './bridge-fdb.js';
export {
  type FabricGraph,
  type FabricSource,
  fabricGraph,
  type GraphBackend,
  type GraphInterface,
  type GraphLink,
  type GraphLinkKind,
  type GraphNode,
  type GraphPod,
  type GraphRack,
  type GraphRouter,
  nodePairPath,
  vertexLines,
} from './graph.js';
export { renderDot, renderMermaid } from './graph-render.js';
export { ipAddr, linkLocal6 } from './ip-addr.js';
export { describeLink, ipLink, type LinkInfoJson, type LinkJson, linkJson } from './ip-link.js';
export { ipNeigh, type NeighJson, neighJson } from './ip-neigh.js';
export { ipRoute, ipRouteGet, type RouteJson, routeJson, routeLine } from './ip-route.js';
export * from './kubectl/index.js';
export { humanDuration, tabwrite } from './kubectl-get.js';
export {
  packetSummary,
  TRACE_UDP_PORT,
  type TraceFabric,
  type TraceFlowOptions,
  type TraceHost,
  traceFlow,
  tracePlaces,
} from './trace.js';
export { type Match, TracedFlow } from './trace-match.js';
export type {
  BridgeFdbStep,
  ConntrackStep,
  DecapStep,
  DeliverStep,
  DropReason,
  DropStep,
  EncapStep,
  ForwardStep,
  IcmpErrorStep,
  NatStep,
  NeighResolvedStep,
  NeighStep,
  NfHookStep,
  NfPolicyStep,
  NfRuleStep,
  ProxyStepRecord,
  ReceiveStep,
  RouteStep,
  SendStep,
  StepBase,
  SwitchStep,
  TracedPacket,
  TraceFate,
  TraceHop,
  TraceProto,
  TraceReport,
  TraceStep,
  VxlanFdbStep,
} from './trace-model.js';
export type { TraceNetfilter } from './trace-netfilter.js';
export { type RecordedPlace, type TracePlace, TraceRecorder } from './trace-recorder.js';
export { renderPacket, renderTrace, stepText } from './trace-render.js';
