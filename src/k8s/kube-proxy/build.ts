/**
 * Small constructors for the frozen Rule and Chain records kube-proxy's rules are made of. A rule written
 * by kube-proxy as `-m comment --comment C -m tcp -p tcp -d IP --dport P -j X` becomes
 * `{ dst, proto, matches: [comment, tcp{dport}], target }`: addresses and `-p` are fields, the `-m`
 * matches keep the order kube-proxy gives them (iptables prints them in that order).
 */

import type { AddrMatch, Chain, Match, Rule, Target } from '../../netfilter/index.js';
import { type Ip4, maskOf, parseCidr } from '../../wire/index.js';
import type { ServiceProtocol } from './types.js';

/** The parts of a rule; absent parts are left out of the record. */
export interface RuleParts {
  readonly src?: AddrMatch;
  readonly dst?: AddrMatch;
  readonly proto?: ServiceProtocol;
  readonly matches?: readonly Match[];
  readonly target: Target;
}

const NO_MATCHES: readonly Match[] = Object.freeze([]);
const PROTO_NUM: Readonly<Record<ServiceProtocol, number>> = { TCP: 6, UDP: 17, SCTP: 132 };
const PROTOS = new Map<ServiceProtocol, { readonly num: number; readonly invert: boolean }>(
  (['TCP', 'UDP', 'SCTP'] as const).map((p) => [p, Object.freeze({ num: PROTO_NUM[p], invert: false })]),
);

/** A frozen rule; `matches` is frozen too (callers pass fresh or already-frozen arrays). */
export function rule(parts: RuleParts): Rule {
  const r: {
    src?: AddrMatch;
    dst?: AddrMatch;
    proto?: { readonly num: number; readonly invert: boolean };
    matches: readonly Match[];
    target: Target;
  } = {
    matches: parts.matches === undefined ? NO_MATCHES : Object.freeze(parts.matches),
    target: parts.target,
  };
  if (parts.src !== undefined) r.src = parts.src;
  if (parts.dst !== undefined) r.dst = parts.dst;
  if (parts.proto !== undefined) r.proto = PROTOS.get(parts.proto) ?? { num: 0, invert: false };
  return Object.freeze(r);
}

/** A frozen user chain (policy `-`). */
export function chain(name: string, rules: readonly Rule[]): Chain {
  return Object.freeze({ name, policy: undefined, rules: Object.freeze(rules) });
}

/** `[!] -s/-d IP/len`. */
export function addr(ip: Ip4, prefixLen: number, invert = false): AddrMatch {
  const mask = maskOf(prefixLen);
  return Object.freeze({ addr: (ip & mask) >>> 0, prefixLen, mask, invert });
}

/** `[!] -s/-d CIDR` from text; throws RangeError on bad text (configuration errors are caller bugs). */
export function cidr(text: string, invert = false): AddrMatch {
  const c = parseCidr(text);
  if (c === undefined) throw new RangeError(`not a CIDR: "${text}"`);
  return addr(c.ip, c.len, invert);
}

/** `-m comment --comment TEXT`. */
export function comment(text: string): Match {
  return Object.freeze({ kind: 'comment', text });
}

const TCP_ANY: Match = Object.freeze({ kind: 'tcp' });
const UDP_ANY: Match = Object.freeze({ kind: 'udp' });

/** `-m tcp|udp [--dport P]` for a TCP/UDP port; undefined for SCTP (no `-m sctp` in the rule model). */
export function l4(protocol: ServiceProtocol, dport?: number): Match | undefined {
  if (protocol === 'SCTP') return undefined;
  const kind = protocol === 'TCP' ? 'tcp' : 'udp';
  if (dport === undefined) return kind === 'tcp' ? TCP_ANY : UDP_ANY;
  return Object.freeze({ kind, dport: Object.freeze({ from: dport, to: dport, invert: false }) });
}

/** `-m addrtype --dst-type LOCAL`. */
export const DST_LOCAL: Match = Object.freeze({
  kind: 'addrtype',
  dstType: Object.freeze({ type: 'LOCAL', invert: false }),
});

/** `-m addrtype --src-type LOCAL`. */
export const SRC_LOCAL: Match = Object.freeze({
  kind: 'addrtype',
  srcType: Object.freeze({ type: 'LOCAL', invert: false }),
});

/** `-m conntrack [!] --ctstate S1,S2`. */
export function ctstate(states: readonly string[], invert = false): Match {
  return Object.freeze({ kind: 'conntrack', ctstate: Object.freeze([...states]), invert });
}

/** `-m conntrack --ctstate NEW` (the jump rules of the filter table). */
export const CT_NEW: Match = ctstate(['NEW']);

/** `-m mark [!] --mark V/V`. */
export function markMatch(mark: number, invert = false): Match {
  return Object.freeze({ kind: 'mark', value: mark, mask: mark, invert });
}

/** `-m set [!] --match-set NAME dir,dir`. */
export function matchSet(name: string, flags: readonly ('src' | 'dst')[], invert = false): Match {
  return Object.freeze({ kind: 'set', name, flags: Object.freeze([...flags]), invert });
}

/** `-j CHAIN`. */
export function jump(chainName: string): Target {
  return Object.freeze({ kind: 'jump', chain: chainName });
}

export const ACCEPT: Target = Object.freeze({ kind: 'ACCEPT' });
export const DROP: Target = Object.freeze({ kind: 'DROP' });
export const RETURN: Target = Object.freeze({ kind: 'RETURN' });
/** `-j REJECT` (default `--reject-with icmp-port-unreachable`). */
export const REJECT: Target = Object.freeze({ kind: 'REJECT', with: 'icmp-port-unreachable' });
export const MARK_MASQ_CHAIN = 'KUBE-MARK-MASQ';
export const TO_MARK_MASQ: Target = jump(MARK_MASQ_CHAIN);
