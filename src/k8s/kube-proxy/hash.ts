/**
 * kube-proxy's chain names: a 16-character prefix of the RFC 4648 base32 encoding (standard alphabet,
 * uppercase) of a SHA-256 digest, so that every name fits iptables' 28-character limit
 * (pkg/proxy/iptables/proxier.go portProtoHash, servicePortEndpointChainName). Hashing runs once per
 * service port and endpoint when rules are built, never per packet.
 */

import { createHash } from 'node:crypto';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** The first 16 base32 characters (80 bits, the first 10 digest bytes) of sha256(text). */
export function hash16(text: string): string {
  const digest = createHash('sha256').update(text, 'utf8').digest();
  let out = '';
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < 10; i++) {
    acc = ((acc << 8) | (digest[i] ?? 0)) & 0xfff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += BASE32[(acc >> bits) & 31];
    }
  }
  return out;
}

/** `"<namespace>/<name>"` plus `":<port name>"` when the port is named (proxy.ServicePortName.String). */
export function servicePortName(namespace: string, name: string, portName: string): string {
  return portName === '' ? `${namespace}/${name}` : `${namespace}/${name}:${portName}`;
}

/** The chain names of one service port; all four share one hash (portProtoHash). */
export interface ServiceChainNames {
  /** KUBE-SVC-…: dispatch over the Cluster-policy endpoints. */
  readonly svc: string;
  /** KUBE-SVL-…: dispatch over the node's local endpoints (Local policies). */
  readonly svl: string;
  /** KUBE-EXT-…: external destinations (NodePort, ExternalIP, LoadBalancer IP). */
  readonly ext: string;
  /** KUBE-FW-…: loadBalancerSourceRanges filtering. */
  readonly fw: string;
}

/** Chain names for a service port; `protocol` is lowercase ("tcp", "udp", "sctp"). */
export function serviceChainNames(spn: string, protocol: string): ServiceChainNames {
  const h = hash16(spn + protocol);
  return { svc: `KUBE-SVC-${h}`, svl: `KUBE-SVL-${h}`, ext: `KUBE-EXT-${h}`, fw: `KUBE-FW-${h}` };
}

/** KUBE-SEP-… for one endpoint "IP:port" of a service port (servicePortEndpointChainName). */
export function endpointChainName(spn: string, protocol: string, endpoint: string): string {
  return `KUBE-SEP-${hash16(spn + protocol + endpoint)}`;
}
