/**
 * NodePorts plugin: a requested hostPort conflicts with one in use on the node when protocol and port
 * agree and either address is the wildcard or both are equal (framework HostPortInfo.CheckConflict).
 */
import type { HostPort, SchedPod } from './types.js';

export const ERR_REASON_NODE_PORTS = "node(s) didn't have free ports for the requested pod ports";

function wildcard(ip: string): boolean {
  return ip === '' || ip === '0.0.0.0';
}

export function hostPortsConflict(a: HostPort, b: HostPort): boolean {
  if (a.hostPort <= 0 || b.hostPort <= 0) return false;
  if (a.protocol !== b.protocol || a.hostPort !== b.hostPort) return false;
  return wildcard(a.hostIP) || wildcard(b.hostIP) || a.hostIP === b.hostIP;
}

export function nodePortsFit(pod: SchedPod, bound: readonly SchedPod[]): boolean {
  for (const want of pod.hostPorts) {
    for (const other of bound) {
      for (const used of other.hostPorts) if (hostPortsConflict(want, used)) return false;
    }
  }
  return true;
}
