/**
 * Parse options and result constructors shared by every codec. Checksum policy is an argument, never a
 * global (smoltcp's ChecksumCapabilities): callers that model a NIC with offload simply skip verification.
 */
import type { ParseResult, WireError } from './types.js';

/** How to parse: whether to verify checksums, and which UDP destination ports carry VXLAN. */
export interface ParseOptions {
  /** Reject a wrong IPv4/ICMP/UDP/TCP checksum (UDP checksum 0 means "none" and is accepted). */
  readonly verifyChecksums?: boolean;
  /** UDP destination ports whose payload is tried as VXLAN; default DEFAULT_VXLAN_PORTS. */
  readonly vxlanPorts?: readonly number[];
}

/** Linux's VXLAN port (8472, the flannel default) and the IANA port (4789). */
export const DEFAULT_VXLAN_PORTS: readonly number[] = [8472, 4789];

/** A successful parse. */
export function ok<T>(value: T): ParseResult<T> {
  return { ok: true, value };
}

/** A failed parse naming the layer, the field, its absolute byte offset and what was expected. */
export function fail(
  layer: WireError['layer'],
  field: string,
  offset: number,
  expected: string,
): ParseResult<never> {
  return { ok: false, error: { layer, field, offset, expected } };
}

/** A failed parse for input that ends before a header does (or a negative offset, a caller's slip). */
export function truncated(
  layer: WireError['layer'],
  offset: number,
  need: number,
  have: number,
): ParseResult<never> {
  if (!(offset >= 0)) return fail(layer, 'offset', offset, 'a non-negative offset into the input');
  return fail(layer, 'length', offset, `at least ${need} bytes, got ${Math.max(0, have)}`);
}
