/**
 * IPv4 CIDRs as unsigned 32-bit numbers, for load-time checks (containment, overlap, address carving).
 * Dotted quads are parsed by `wire/` (strict: no leading zeros, so `010.0.0.1` is refused, not read as
 * octal the way inet_aton would).
 */

import { formatIp4, maskOf, parseIp4 } from '../wire/index.js';

export { formatIp4, maskOf, parseIp4 };

/** An IPv4 network: `network` has no host bits set. */
export interface Cidr {
  readonly network: number;
  readonly prefixLen: number;
}

/** Number of addresses in a network of this prefix length. */
export function sizeOf(prefixLen: number): number {
  return 2 ** (32 - prefixLen);
}

/** The last (broadcast) address of a network. */
export function lastOf(cidr: Cidr): number {
  return cidr.network + sizeOf(cidr.prefixLen) - 1;
}

/** Whether `ip` lies inside `cidr`. */
export function contains(cidr: Cidr, ip: number): boolean {
  return (ip & maskOf(cidr.prefixLen)) >>> 0 === cidr.network;
}

/** Whether two networks share any address. */
export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.network <= lastOf(b) && b.network <= lastOf(a);
}

/** Formats a network as `10.244.0.0/16`. */
export function formatCidr(cidr: Cidr): string {
  return `${formatIp4(cidr.network)}/${cidr.prefixLen}`;
}

/** A parsed CIDR: canonical, or with host bits set (and the network it names). */
export type CidrParse =
  | { readonly kind: 'ok'; readonly cidr: Cidr }
  | { readonly kind: 'host_bits'; readonly network: Cidr }
  | { readonly kind: 'malformed' };

const CIDR = /^([0-9.]+)\/(0|[1-9]\d?)$/;

/** Parses `a.b.c.d/n`; a network with host bits set is reported with the network it would be. */
export function parseCidr(text: string): CidrParse {
  const m = CIDR.exec(text);
  const ip = parseIp4(m?.[1] ?? '');
  const prefixLen = Number(m?.[2]);
  if (ip === undefined || !(prefixLen <= 32)) return { kind: 'malformed' };
  const network = (ip & maskOf(prefixLen)) >>> 0;
  if (network !== ip) return { kind: 'host_bits', network: { network, prefixLen } };
  return { kind: 'ok', cidr: { network, prefixLen } };
}
