/**
 * apps/ — programs that run inside a namespace and print what their Linux counterparts print:
 * iputils `ping` and `traceroute` (2.1, numeric output). They use only the namespace's socket API.
 */
export { percentG, pingIcmpText, pingTime, tracerouteAnnotation } from './format.js';
export { type AppLine, errnoText, Ping, type PingOptions, type PingResult } from './ping.js';
export {
  TRACEROUTE_DEFAULT_WAIT_NS,
  Traceroute,
  type TracerouteHop,
  type TracerouteOptions,
  type TracerouteResult,
} from './traceroute.js';
