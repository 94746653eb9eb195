/**
 * One table of the proxier's output put into a node's netfilter, the way syncProxyRules leaves it:
 * `iptables-restore --noflush` of kube-proxy's chains (every one it writes replaced, its stale service
 * chains deleted, other components' chains untouched) and EnsureRule(Prepend) of the jumps, which end up
 * the first rules of their built-in chains. The chain records stay the generator's: nodes that got the
 * same output object share one map of them (Netfilter.restoreShared holds it, never copies it).
 */

import type { Chain, Netfilter, Rule, TableName } from '../../netfilter/index.js';
import type { ProxyJump, ProxyTableRules } from './types.js';

/**
 * Per-service chains kube-proxy deletes once it no longer writes them (the `-X` lines for stale
 * KUBE-SVC-/SVL-/EXT-/FW-/SEP- chains); any other chain not in its output is left alone.
 */
const STALE_CHAIN = /^KUBE-(SVC|SVL|EXT|FW|SEP)-/;

/** The chain map of one output table, made once and shared by every node given that output. */
const bases = new WeakMap<ProxyTableRules, ReadonlyMap<string, Chain>>();
/** The jumps grouped by built-in chain, per (frozen, shared) jump list. */
const prepends = new WeakMap<readonly ProxyJump[], ReadonlyMap<string, readonly Rule[]>>();

function baseOf(t: ProxyTableRules): ReadonlyMap<string, Chain> {
  let m = bases.get(t);
  if (m === undefined) {
    m = new Map(t.chains.map((c) => [c.name, c]));
    bases.set(t, m);
  }
  return m;
}

function prependOf(jumps: readonly ProxyJump[]): ReadonlyMap<string, readonly Rule[]> {
  let m = prepends.get(jumps);
  if (m === undefined) {
    const by = new Map<string, Rule[]>();
    for (const j of jumps) {
      const list = by.get(j.chain);
      if (list === undefined) by.set(j.chain, [j.rule]);
      else list.push(j.rule);
    }
    m = by;
    prepends.set(jumps, m);
  }
  return m;
}

/** Whether a chain that is not in kube-proxy's output stays (everything but its stale service chains). */
export function keepsChain(name: string): boolean {
  return !STALE_CHAIN.test(name);
}

/**
 * Installs `rules` as table `table` of `nf`. Throws when the engine refuses it: the rules are
 * generated, so a refusal is a podwire bug, or another component's rule jumping into a stale chain.
 */
export function installProxyTable(nf: Netfilter, table: TableName, rules: ProxyTableRules): void {
  const r = nf.restoreShared(table, baseOf(rules), prependOf(rules.jumps), keepsChain);
  if (!r.ok) throw new Error(`kube-proxy: iptables-restore of table ${table} failed: ${r.error}`);
}
