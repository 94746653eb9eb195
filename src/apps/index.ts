/**
 * apps/ — programs that run inside a namespace and print what their Linux counterparts print:
 * iputils `ping` and `traceroute` (2.1, numeric output), `curl`-like HTTP, line-over-TCP and UDP
 * requests, and the responder that serves a container port. They use only the namespace's socket API.
 */

export * from './dns.js';
export { percentG, pingIcmpText, pingTime, tracerouteAnnotation } from './format.js';
export {
  CURL_USER_AGENT,
  curlMessage,
  curlRequest,
  type HttpGetOptions,
  httpCompletion,
  httpGet,
} from './http.js';
export { type AppLine, errnoText, Ping, type PingOptions, type PingResult } from './ping.js';
export type { RequestFailed, RequestOk, RequestProto, RequestResult } from './request.js';
export {
  httpRun,
  RequestRun,
  type RequestRunOptions,
  type RequestRunResult,
  requestMessage,
} from './request-run.js';
export {
  endpointText,
  httpResponse,
  parseResponderLine,
  type Responder,
  type ResponderAnswer,
  type ResponderOptions,
  responderLine,
  startResponder,
} from './responder.js';
export {
  type Completion,
  type TcpClientOptions,
  type TcpExchangeOptions,
  type TcpRequestOptions,
  tcpExchange,
  tcpRequest,
} from './tcp.js';
export {
  TRACEROUTE_DEFAULT_WAIT_NS,
  Traceroute,
  type TracerouteHop,
  type TracerouteOptions,
  type TracerouteResult,
} from './traceroute.js';
export { type UdpRequestOptions, udpRequest } from './udp.js';
