/**
 * Does a packet match a rule? ip_packet_match (addresses, interfaces, protocol) and then every `-m`
 * match in order, each as its xt_*.c module decides, stopping at the first that fails — so a later
 * `-m statistic` draws a random number only when everything before it matched, as in the kernel.
 * Integer compares only; nothing is allocated for a rule that does not match.
 */
import type { Rng } from '../sim/index.js';
import {
  type CompiledMatch,
  type CompiledRule,
  CT_STATE,
  M_ADDRTYPE,
  M_CONNTRACK,
  M_ICMP,
  M_MARK,
  M_MULTIPORT,
  M_PHYSDEV,
  M_RECENT,
  M_SET,
  M_STATISTIC,
  M_TCPUDP,
} from './compile.js';
import { Conn, IPS } from './conntrack.js';
import type { HookCtx } from './context.js';
import type { RecentLists } from './recent.js';
import { CtInfo, type NfHost, type SetLookup } from './types.js';

/** What matching reads besides the packet: the namespace's host, ipsets, recent lists, PRNG and clock. */
export interface MatchEnv {
  readonly host: NfHost;
  readonly sets: SetLookup | undefined;
  readonly recent: RecentLists;
  readonly rng: Rng;
  now(): number;
}

/** ip_packet_match + the matches of rule `k`. */
export function matchRule(k: CompiledRule, c: HookCtx, env: MatchEnv): boolean {
  const r = k.rule;
  const p = c.pkt;
  if (r.src !== undefined && ((p.src & r.src.mask) === k.srcNet) === r.src.invert) return false;
  if (r.dst !== undefined && ((p.dst & r.dst.mask) === k.dstNet) === r.dst.invert) return false;
  if (k.inTest !== undefined && !k.inTest.test(c.inDev)) return false;
  if (k.outTest !== undefined && !k.outTest.test(c.outDev)) return false;
  const proto = r.proto;
  if (proto !== undefined && proto.num !== 0 && (c.proto === proto.num) === proto.invert) return false;
  const ms = k.matches;
  for (let i = 0; i < ms.length; i++) {
    const m = ms[i];
    if (m !== undefined && !matchOne(m, k, c, env)) return false;
  }
  return true;
}

function matchOne(m: CompiledMatch, k: CompiledRule, c: HookCtx, env: MatchEnv): boolean {
  switch (m.k) {
    case M_TCPUDP:
      // tcp_mt / udp_mt: never a non-first fragment; ports compared as ranges.
      if (c.fragoff !== 0 || c.proto !== m.proto || c.sport < 0) return false;
      return (
        (c.sport >= m.sFrom && c.sport <= m.sTo) !== m.sInv &&
        (c.dport >= m.dFrom && c.dport <= m.dTo) !== m.dInv
      );
    case M_ICMP:
      if (c.fragoff !== 0 || c.icmpType < 0) return false;
      return (
        (m.type === 0xff || (c.icmpType === m.type && c.icmpCode >= m.codeMin && c.icmpCode <= m.codeMax)) !==
        m.inv
      );
    case M_MULTIPORT: {
      if (c.fragoff !== 0) return false;
      const port = m.dst ? c.dport : c.sport;
      if (port < 0) return false;
      return m.ports.includes(port) !== m.inv;
    }
    case M_MARK:
      return ((c.meta.mark & m.mask) >>> 0 === m.value) !== m.inv;
    case M_STATISTIC:
      // xt_statistic random mode: (get_random_u32() & 0x7FFFFFFF) < probability.
      return (env.rng.u32() & 0x7fffffff) < m.stored !== m.inv;
    case M_ADDRTYPE: {
      const dev = m.limitIn ? c.inDev : m.limitOut ? c.outDev : undefined;
      if (m.srcMask !== 0 && (((1 << env.host.addrType(c.pkt.src, dev)) & m.srcMask) !== 0) === m.srcInv)
        return false;
      if (m.dstMask !== 0 && (((1 << env.host.addrType(c.pkt.dst, dev)) & m.dstMask) !== 0) === m.dstInv)
        return false;
      return true;
    }
    case M_CONNTRACK:
      return ((ctStateBits(c) & m.mask) !== 0) !== m.inv;
    case M_SET: {
      const sets = env.sets;
      if (sets === undefined) return m.m.invert;
      const sp = c.setPkt;
      sp.src = c.pkt.src;
      sp.dst = c.pkt.dst;
      sp.proto = c.proto;
      sp.sport = c.icmpType >= 0 ? (c.icmpType << 8) | c.icmpCode : Math.max(c.sport, 0);
      sp.dport = c.icmpType >= 0 ? (c.icmpType << 8) | c.icmpCode : Math.max(c.dport, 0);
      return sets.test(m.m.name, sp, m.m.flags) !== m.m.invert;
    }
    case M_RECENT:
      return env.recent.test(m.m, c.pkt.src, c.pkt.dst, env.now());
    case M_PHYSDEV:
      return physdev(m.m, k, c);
  }
}

/** conntrack_mt's state bits of the packet: its ctinfo class, plus SNAT/DNAT of its entry. */
export function ctStateBits(c: HookCtx): number {
  const meta = c.meta;
  const conn = meta.nfct;
  if (!(conn instanceof Conn))
    return meta.ctinfo === CtInfo.UNTRACKED ? CT_STATE.UNTRACKED : CT_STATE.INVALID;
  const cls = meta.ctinfo % CtInfo.IS_REPLY;
  let bits =
    cls === CtInfo.NEW ? CT_STATE.NEW : cls === CtInfo.RELATED ? CT_STATE.RELATED : CT_STATE.ESTABLISHED;
  if ((conn.status & IPS.SRC_NAT) !== 0) bits |= CT_STATE.SNAT;
  if ((conn.status & IPS.DST_NAT) !== 0) bits |= CT_STATE.DNAT;
  return bits;
}

/** physdev_mt: bridge port tests; a packet that never crossed a bridge matches only inverted options. */
function physdev(
  m: { readonly isBridged?: boolean; readonly physdevIn?: unknown; readonly physdevOut?: unknown },
  k: CompiledRule,
  c: HookCtx,
): boolean {
  const meta = c.meta;
  if (meta.physIn === undefined) {
    if (m.isBridged === true) return false;
    if (m.physdevIn !== undefined && k.physInTest !== undefined && !k.physInTest.test(undefined))
      return false;
    if (m.physdevOut !== undefined && k.physOutTest !== undefined && !k.physOutTest.test(undefined))
      return false;
    return true;
  }
  const bridged = meta.physOut !== undefined;
  if (m.isBridged !== undefined && bridged !== m.isBridged) return false;
  if (k.physInTest !== undefined && !k.physInTest.test(meta.physIn)) return false;
  if (k.physOutTest !== undefined && (!bridged || !k.physOutTest.test(meta.physOut))) return false;
  return true;
}
