/**
 * The per-packet form of rules and chains, computed once per Rule / Chain record and shared by every
 * namespace that holds the record (WeakMaps keyed by the records): state names become bit masks,
 * address types RTN masks, REJECT's `--reject-with` an ICMP code, interface names memoising tests, so
 * matching compares numbers. What differs per namespace — which chain a `-j NAME` reaches, counters —
 * is kept by the namespace (ruleset.ts).
 */
import { IfaceTest } from './iface.js';
import type { Chain, Match, Rule, Target } from './rule.js';
import { RTN } from './types.js';

/** xt_conntrack state bits (XT_CONNTRACK_STATE_BIT(ctinfo) = 1 << (ctinfo % 3 + 1), plus the virtual ones). */
export const CT_STATE = {
  INVALID: 1 << 0,
  ESTABLISHED: 1 << 1,
  RELATED: 1 << 2,
  NEW: 1 << 3,
  SNAT: 1 << 8,
  DNAT: 1 << 9,
  UNTRACKED: 1 << 10,
} as const;

export const M_TCPUDP = 1;
export const M_ICMP = 2;
export const M_MULTIPORT = 3;
export const M_MARK = 4;
export const M_STATISTIC = 5;
export const M_ADDRTYPE = 6;
export const M_CONNTRACK = 7;
export const M_SET = 8;
export const M_RECENT = 9;
export const M_PHYSDEV = 10;

/** A match with everything a packet is compared to as numbers; `src` is the record it came from. */
export type CompiledMatch =
  | {
      readonly k: typeof M_TCPUDP;
      readonly proto: number;
      readonly sFrom: number;
      readonly sTo: number;
      readonly sInv: boolean;
      readonly dFrom: number;
      readonly dTo: number;
      readonly dInv: boolean;
    }
  | {
      readonly k: typeof M_ICMP;
      /** 0xff: any type. */
      readonly type: number;
      readonly codeMin: number;
      readonly codeMax: number;
      readonly inv: boolean;
    }
  | {
      readonly k: typeof M_MULTIPORT;
      readonly dst: boolean;
      readonly ports: Int32Array;
      readonly inv: boolean;
    }
  | { readonly k: typeof M_MARK; readonly value: number; readonly mask: number; readonly inv: boolean }
  | { readonly k: typeof M_STATISTIC; readonly stored: number; readonly inv: boolean }
  | {
      readonly k: typeof M_ADDRTYPE;
      /** RTN bit masks, 0 when the side is not tested. */
      readonly srcMask: number;
      readonly srcInv: boolean;
      readonly dstMask: number;
      readonly dstInv: boolean;
      readonly limitIn: boolean;
      readonly limitOut: boolean;
    }
  | { readonly k: typeof M_CONNTRACK; readonly mask: number; readonly inv: boolean }
  | { readonly k: typeof M_SET; readonly m: Extract<Match, { kind: 'set' }> }
  | { readonly k: typeof M_RECENT; readonly m: Extract<Match, { kind: 'recent' }> }
  | { readonly k: typeof M_PHYSDEV; readonly m: Extract<Match, { kind: 'physdev' }> };

export const T_NONE = 0;
export const T_ACCEPT = 1;
export const T_DROP = 2;
export const T_RETURN = 3;
export const T_JUMP = 4;
export const T_GOTO = 5;
export const T_REJECT = 6;
export const T_DNAT = 7;
export const T_SNAT = 8;
export const T_MASQUERADE = 9;
export const T_MARK = 10;
export const T_OTHER = 11;
export const T_NOTRACK = 12;

/** What the per-packet path needs of one rule. */
export class CompiledRule {
  /** Where `jumpName` resolved in the shared chain map `memoKey` (the map never changes). */
  memoKey: object | undefined = undefined;
  memoChain: CompiledChain | undefined = undefined;

  constructor(
    readonly rule: Rule,
    /** `-s`/`-d` network, masked, as a signed 32-bit number to compare with `addr & mask`. */
    readonly srcNet: number,
    readonly dstNet: number,
    readonly inTest: IfaceTest | undefined,
    readonly outTest: IfaceTest | undefined,
    /** From the rule's (first) `-m physdev`. */
    readonly physInTest: IfaceTest | undefined,
    readonly physOutTest: IfaceTest | undefined,
    readonly matches: readonly CompiledMatch[],
    readonly target: number,
    /** REJECT: the ICMP destination-unreachable code, or -1 for tcp-reset. */
    readonly rejectCode: number,
    /** `-j`/`-g` to a user chain: its name. */
    readonly jumpName: string | undefined,
  ) {}
}

/** A chain record with its rules compiled, shared by every namespace holding the record. */
export interface CompiledChain {
  readonly record: Chain;
  readonly rules: readonly CompiledRule[];
}

const chainCache = new WeakMap<Chain, CompiledChain>();

/** The compiled form of `chain`, made on first use and shared from then on. */
export function compiledChain(chain: Chain): CompiledChain {
  let c = chainCache.get(chain);
  if (c === undefined) {
    c = { record: chain, rules: chain.rules.map(compiled) };
    chainCache.set(chain, c);
  }
  return c;
}

/** `--reject-with` names (xt_REJECT, libipt_REJECT.c) and their ICMP destination-unreachable codes. */
export const REJECT_CODES: ReadonlyMap<string, number> = new Map([
  ['icmp-net-unreachable', 0],
  ['icmp-host-unreachable', 1],
  ['icmp-proto-unreachable', 2],
  ['icmp-port-unreachable', 3],
  ['icmp-net-prohibited', 9],
  ['icmp-host-prohibited', 10],
  ['icmp-admin-prohibited', 13],
  ['tcp-reset', -1],
]);

const cache = new WeakMap<Rule, CompiledRule>();

/** The compiled form of `rule`, made on first use and shared from then on. */
export function compiled(rule: Rule): CompiledRule {
  let c = cache.get(rule);
  if (c === undefined) {
    c = compile(rule);
    cache.set(rule, c);
  }
  return c;
}

function compile(rule: Rule): CompiledRule {
  const matches: CompiledMatch[] = [];
  let physIn: IfaceTest | undefined;
  let physOut: IfaceTest | undefined;
  let physSeen = false;
  for (const m of rule.matches) {
    const cm = compileMatch(m);
    if (cm !== undefined) matches.push(cm);
    if (m.kind === 'physdev' && !physSeen) {
      physSeen = true;
      if (m.physdevIn !== undefined) physIn = new IfaceTest(m.physdevIn);
      if (m.physdevOut !== undefined) physOut = new IfaceTest(m.physdevOut);
    }
  }
  const t = rule.target;
  return new CompiledRule(
    rule,
    rule.src === undefined ? 0 : rule.src.addr & rule.src.mask,
    rule.dst === undefined ? 0 : rule.dst.addr & rule.dst.mask,
    rule.inIface === undefined ? undefined : new IfaceTest(rule.inIface),
    rule.outIface === undefined ? undefined : new IfaceTest(rule.outIface),
    physIn,
    physOut,
    matches,
    t === undefined ? T_NONE : targetKind(t),
    t?.kind === 'REJECT' ? (REJECT_CODES.get(t.with) ?? 3) : 3,
    t !== undefined && (t.kind === 'jump' || t.kind === 'goto') ? t.chain : undefined,
  );
}

function targetKind(t: Target): number {
  switch (t.kind) {
    case 'ACCEPT':
      return T_ACCEPT;
    case 'DROP':
      return T_DROP;
    case 'RETURN':
      return T_RETURN;
    case 'jump':
      return T_JUMP;
    case 'goto':
      return T_GOTO;
    case 'REJECT':
      return T_REJECT;
    case 'DNAT':
      return T_DNAT;
    case 'SNAT':
      return T_SNAT;
    case 'MASQUERADE':
      return T_MASQUERADE;
    case 'MARK':
      return T_MARK;
    case 'other':
      return /^(NOTRACK|CT --notrack)\b/.test(t.text) ? T_NOTRACK : T_OTHER;
  }
}

const CT_STATE_BY_NAME: ReadonlyMap<string, number> = new Map(Object.entries(CT_STATE));
const RTN_BY_NAME: ReadonlyMap<string, number> = new Map(Object.entries(RTN));

const ANY_PORT = { from: 0, to: 0xffff, invert: false } as const;

function compileMatch(m: Match): CompiledMatch | undefined {
  switch (m.kind) {
    case 'comment':
      return undefined;
    case 'tcp':
    case 'udp': {
      const s = m.sport ?? ANY_PORT;
      const d = m.dport ?? ANY_PORT;
      return {
        k: M_TCPUDP,
        proto: m.kind === 'tcp' ? 6 : 17,
        sFrom: s.from,
        sTo: s.to,
        sInv: s.invert,
        dFrom: d.from,
        dTo: d.to,
        dInv: d.invert,
      };
    }
    case 'icmp':
      return {
        k: M_ICMP,
        type: m.type,
        codeMin: m.code ?? 0,
        codeMax: m.code ?? 0xff,
        inv: m.invert,
      };
    case 'multiport':
      return { k: M_MULTIPORT, dst: m.dir === 'dports', ports: Int32Array.from(m.ports), inv: m.invert };
    case 'mark':
      return { k: M_MARK, value: m.value >>> 0, mask: m.mask >>> 0, inv: m.invert };
    case 'statistic':
      return { k: M_STATISTIC, stored: m.stored, inv: m.invert };
    case 'addrtype':
      return {
        k: M_ADDRTYPE,
        srcMask: m.srcType === undefined ? 0 : rtnMask(m.srcType.type),
        srcInv: m.srcType?.invert ?? false,
        dstMask: m.dstType === undefined ? 0 : rtnMask(m.dstType.type),
        dstInv: m.dstType?.invert ?? false,
        limitIn: m.limitIfaceIn === true,
        limitOut: m.limitIfaceOut === true,
      };
    case 'conntrack': {
      let mask = 0;
      for (const s of m.ctstate) mask |= CT_STATE_BY_NAME.get(s) ?? 0;
      return { k: M_CONNTRACK, mask, inv: m.invert };
    }
    case 'set':
      return { k: M_SET, m };
    case 'recent':
      return { k: M_RECENT, m };
    case 'physdev':
      return { k: M_PHYSDEV, m };
  }
}

/** `LOCAL,UNICAST` → (1 << RTN_LOCAL) | (1 << RTN_UNICAST). */
function rtnMask(types: string): number {
  let mask = 0;
  for (const t of types.split(',')) {
    const v = RTN_BY_NAME.get(t);
    if (v !== undefined) mask |= 1 << v;
  }
  return mask;
}
