/**
 * The checks iptables-restore's commit makes (translate_table): jumps name existing user chains, built-in
 * chains have a policy and user chains none, nothing loops — and the rule equality `iptables -C` uses.
 */
import type { ChainSet } from './chain-set.js';
import { BUILTIN_CHAINS, type Chain, type Rule, type TableName } from './rule.js';

/**
 * translate_table's checks for the `changed` chains of `set`: a built-in chain has a policy and a user
 * chain none; every `-j`/`-g` names an existing user chain; no chain reaches itself (mark_source_chains).
 */
export function check(table: TableName, set: ChainSet, changed: readonly Chain[]): string | undefined {
  const builtins = BUILTIN_CHAINS[table];
  for (const c of changed) {
    const builtin = builtins.includes(c.name);
    if (!builtin && c.policy !== undefined) return `Chain '${c.name}' is not a built-in chain`;
    for (const r of c.rules) {
      const tg = r.target;
      if (tg === undefined || (tg.kind !== 'jump' && tg.kind !== 'goto')) continue;
      if (set.get(tg.chain) === undefined || builtins.includes(tg.chain))
        return `Couldn't load target \`${tg.chain}':No such file or directory`;
    }
  }
  // Nothing can jump to a built-in chain, so a loop can only pass through a changed user chain.
  const users = changed.filter((c) => !builtins.includes(c.name));
  return reachesItself(set, users) ? 'Too many levels of symbolic links.' : undefined;
}

/** Whether a path of jumps from one of `from` comes back to a chain on it (a new loop passes a changed chain). */
function reachesItself(set: ChainSet, from: readonly Chain[]): boolean {
  const state = new Map<Chain, 1 | 2>();
  const visit = (c: Chain): boolean => {
    const s = state.get(c);
    if (s === 2) return false;
    if (s === 1) return true;
    state.set(c, 1);
    for (const r of c.rules) {
      const tg = r.target;
      if (tg === undefined || (tg.kind !== 'jump' && tg.kind !== 'goto')) continue;
      const next = set.get(tg.chain);
      if (next !== undefined && visit(next)) return true;
    }
    state.set(c, 2);
    return false;
  };
  for (const c of from) if (visit(c)) return true;
  return false;
}

/** Rule records with the same content, whatever their key order (what `iptables -C` compares). */
export function sameRule(a: Rule, b: Rule): boolean {
  return a === b || deepEqual(a, b);
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a).filter((k) => Reflect.get(a, k) !== undefined);
  const kb = Object.keys(b).filter((k) => Reflect.get(b, k) !== undefined);
  if (ka.length !== kb.length) return false;
  for (const k of ka) if (!deepEqual(Reflect.get(a, k), Reflect.get(b, k))) return false;
  return true;
}
