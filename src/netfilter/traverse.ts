/**
 * ipt_do_table: one table's walk for one packet at one hook. Rules are tried in order; a match bumps
 * the rule's counters and runs its target. `-j CHAIN` pushes the return point, `-g CHAIN` does not, so a
 * RETURN (or the end of a user chain) resumes after the last `-j` — from a chain entered by `-g` that is
 * the caller of the chain that did the goto. A RETURN with nothing to resume, or the end of the built-in
 * chain, takes the built-in chain's policy (its "underflow" entry, counted as the policy).
 */

import type { ChainSet } from './chain-set.js';
import {
  type CompiledChain,
  type CompiledRule,
  compiledChain,
  T_ACCEPT,
  T_DNAT,
  T_DROP,
  T_GOTO,
  T_JUMP,
  T_MARK,
  T_MASQUERADE,
  T_NONE,
  T_NOTRACK,
  T_REJECT,
  T_RETURN,
  T_SNAT,
} from './compile.js';
import type { HookCtx } from './context.js';
import type { NfExplainer } from './explain.js';
import { type MatchEnv, matchRule } from './match.js';
import { MANIP_DST, MANIP_SRC, natSetup } from './nat.js';
import type { TableRt } from './ruleset.js';
import type { Conntrack } from './tracker.js';
import { CtInfo } from './types.js';

export const NF_DROP = 0;
export const NF_ACCEPT = 1;
/** Internal: REJECT — dropped, and the stack sends `HookCtx.rejectCode`'s error. */
export const NF_REJECT = 2;
/** Internal: a target that lets the walk go on (XT_CONTINUE). */
const XT_CONTINUE = -1;

/** What the walk needs besides matching: conntrack for NAT targets, and the tracer. */
export interface TraverseEnv extends MatchEnv {
  readonly conntrack: Conntrack;
  readonly explain: NfExplainer | undefined;
}

/** The jump stack, kept between walks so a walk allocates nothing once it has grown. */
export class JumpStack {
  chains: CompiledChain[] = [];
  idx: number[] = [];
}

/**
 * The chain `-j`/`-g` of `r` reaches in `set`: this namespace's own version if it has one, else the
 * shared map's, memoised on the (shared) compiled rule for that map.
 */
function jumpTarget(r: CompiledRule, set: ChainSet): CompiledChain | undefined {
  const name = r.jumpName ?? '';
  const own = set.override(name);
  if (own !== undefined) return own === null ? undefined : compiledChain(own);
  const shared = set.shared;
  if (r.memoKey === shared) return r.memoChain;
  const record = shared.get(name);
  const c = record === undefined ? undefined : compiledChain(record);
  r.memoKey = shared;
  r.memoChain = c;
  return c;
}

/**
 * Walks `t` from the built-in chain of hook number `hook` for the packet in `c`; returns NF_DROP,
 * NF_ACCEPT or NF_REJECT.
 */
export function traverse(t: TableRt, hook: number, c: HookCtx, env: TraverseEnv, stack: JumpStack): number {
  const start = t.hooks[hook];
  if (start === undefined) return NF_ACCEPT;
  const len = c.pkt.totalLength;
  let chain = start;
  let counters: Float64Array | undefined;
  let i = 0;
  let sp = 0;
  for (;;) {
    const rules = chain.rules;
    if (i >= rules.length) {
      if (chain === start || sp === 0) return policy(t, hook, start, c, env, len);
      sp--;
      chain = stack.chains[sp] ?? start;
      i = (stack.idx[sp] ?? 0) + 1;
      counters = undefined;
      continue;
    }
    const r = rules[i];
    if (r === undefined || !matchRule(r, c, env)) {
      i++;
      continue;
    }
    if (counters === undefined) counters = t.countersOf(chain.record);
    counters[2 * i] = (counters[2 * i] ?? 0) + 1;
    counters[2 * i + 1] = (counters[2 * i + 1] ?? 0) + len;
    const x = env.explain;
    if (x !== undefined) x.rule(c.hook, t.name, chain.record.name, i + 1, r.rule);
    switch (r.target) {
      case T_NONE:
        i++;
        continue;
      case T_ACCEPT:
        return NF_ACCEPT;
      case T_DROP:
        return NF_DROP;
      case T_RETURN:
        if (sp === 0) return policy(t, hook, start, c, env, len);
        sp--;
        chain = stack.chains[sp] ?? start;
        i = (stack.idx[sp] ?? 0) + 1;
        counters = undefined;
        continue;
      case T_JUMP:
      case T_GOTO: {
        const to = jumpTarget(r, t.chains);
        if (to === undefined) return NF_DROP;
        if (r.target === T_JUMP) {
          stack.chains[sp] = chain;
          stack.idx[sp] = i;
          sp++;
        }
        chain = to;
        i = 0;
        counters = undefined;
        continue;
      }
      default: {
        const v = runTarget(r, c, env);
        if (v !== XT_CONTINUE) return v;
        i++;
      }
    }
  }
}

/** The underflow entry: the built-in chain's policy, with its counters. */
function policy(
  t: TableRt,
  hook: number,
  start: CompiledChain,
  c: HookCtx,
  env: TraverseEnv,
  len: number,
): number {
  t.policyCounters[2 * hook] = (t.policyCounters[2 * hook] ?? 0) + 1;
  t.policyCounters[2 * hook + 1] = (t.policyCounters[2 * hook + 1] ?? 0) + len;
  const p = start.record.policy ?? 'ACCEPT';
  const x = env.explain;
  if (x !== undefined) x.policy(c.hook, t.name, start.record.name, p);
  return p === 'DROP' ? NF_DROP : NF_ACCEPT;
}

/** The targets that are not jumps or verdicts: REJECT, MARK, the NAT targets, NOTRACK, LOG and friends. */
function runTarget(r: CompiledRule, c: HookCtx, env: TraverseEnv): number {
  const target = r.rule.target;
  if (target === undefined) return XT_CONTINUE;
  switch (r.target) {
    case T_REJECT:
      c.rejectCode = r.rejectCode;
      return NF_REJECT;
    case T_MARK:
      if (target.kind === 'MARK') c.meta.mark = ((c.meta.mark & ~target.mask) ^ target.value) >>> 0;
      return XT_CONTINUE;
    case T_NOTRACK:
      // The raw table runs before conntrack: the packet will not be tracked (IP_CT_UNTRACKED).
      c.meta.nfct = undefined;
      c.meta.ctinfo = CtInfo.UNTRACKED;
      return XT_CONTINUE;
    case T_DNAT:
    case T_SNAT:
    case T_MASQUERADE:
      return natTarget(r, c, env);
    default:
      return XT_CONTINUE;
  }
}

/** xt_nat / MASQUERADE: bind the packet's (new) entry, then stop walking the nat table (NF_ACCEPT). */
function natTarget(r: CompiledRule, c: HookCtx, env: TraverseEnv): number {
  const conn = env.conntrack.entryOf(c.meta);
  const target = r.rule.target;
  if (conn === undefined || target === undefined) return NF_ACCEPT;
  const now = env.now();
  switch (target.kind) {
    case 'DNAT':
      natSetup(
        env.conntrack,
        conn,
        MANIP_DST,
        { addr: target.toAddr, port: target.toPort, randomFully: false },
        env.rng,
        now,
      );
      return NF_ACCEPT;
    case 'SNAT':
      natSetup(
        env.conntrack,
        conn,
        MANIP_SRC,
        { addr: target.toAddr, port: target.toPort, randomFully: target.randomFully },
        env.rng,
        now,
      );
      return NF_ACCEPT;
    case 'MASQUERADE': {
      // nf_nat_masquerade_ipv4: a locally generated packet without a source yet is left alone.
      if (conn.orig.src === 0) return NF_ACCEPT;
      const out = c.outDev;
      const addr = out === undefined ? undefined : env.host.masqueradeSource(out, c.pkt.dst);
      if (addr === undefined) return NF_DROP;
      natSetup(
        env.conntrack,
        conn,
        MANIP_SRC,
        { addr, port: undefined, randomFully: target.randomFully },
        env.rng,
        now,
      );
      return NF_ACCEPT;
    }
    default:
      return NF_ACCEPT;
  }
}
