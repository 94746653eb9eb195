/**
 * The tables of one namespace and the changes iptables makes to them: `iptables-restore` (a whole
 * table, or `--noflush` with only the declared chains flushed and refilled), `-N`, `-X`, `-F`, `-P`,
 * `-C`/`-I`/`-A`, `-D`. Chain and Rule records are shared between namespaces and never copied: a table
 * holds the caller's map of chain records and, over it, only this namespace's own changes; compiled
 * chains are shared too (compile.ts). Per namespace are only the packet/byte counters
 * (`iptables-save -c`), kept for the chains packets actually went through.
 */
import { ChainSet, emptyChain } from './chain-set.js';
import { type CompiledChain, compiledChain } from './compile.js';
import { BUILTIN_CHAINS, type Chain, type Rule, type Table, type TableName } from './rule.js';
import type { NfHook, NfResult } from './types.js';

/** Hook numbers (NF_INET_*): the index of `TableRt.hooks`. */
export const HOOKS: readonly NfHook[] = ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'];

const HOOK_INDEX: ReadonlyMap<string, number> = new Map(HOOKS.map((h, i) => [h, i]));

/** One table of one namespace: its chains, the built-in chain of each hook, its counters. */
export class TableRt {
  /** The built-in chain each hook starts at (by hook number), undefined where the table has none. */
  hooks: (CompiledChain | undefined)[] = [];
  /** Packet and byte counters per chain record: [packets of rule 0, bytes of rule 0, packets of rule 1, …]. */
  readonly counters = new Map<Chain, Float64Array>();
  /** Packets and bytes that took each hook's policy: [packets, bytes] at 2 × hook number. */
  readonly policyCounters = new Float64Array(2 * HOOKS.length);

  constructor(
    readonly name: TableName,
    public chains: ChainSet,
  ) {
    this.refresh();
  }

  /** The counters of `chain`, made on the first packet that matches one of its rules. */
  countersOf(chain: Chain): Float64Array {
    let c = this.counters.get(chain);
    if (c === undefined) {
      c = new Float64Array(2 * chain.rules.length);
      this.counters.set(chain, c);
    }
    return c;
  }

  /** After a change: the hooks' chains again, and counters of chains that left the table dropped. */
  refresh(): void {
    const builtins = BUILTIN_CHAINS[this.name];
    this.hooks = HOOKS.map((h, i) => {
      const c = builtins.includes(h) ? this.chains.get(h) : undefined;
      const prev = this.hooks[i];
      if (prev !== undefined && prev.record !== c) {
        this.policyCounters[2 * i] = 0;
        this.policyCounters[2 * i + 1] = 0;
      }
      return c === undefined ? undefined : compiledChain(c);
    });
    for (const chain of this.counters.keys())
      if (this.chains.get(chain.name) !== chain) this.counters.delete(chain);
  }
}

/** Packet and byte counters of one chain, for `iptables-save -c` and `iptables -L -v`. */
export interface ChainCounters {
  /** Built-in chains: what took the policy. */
  readonly policy: { readonly packets: number; readonly bytes: number } | undefined;
  readonly rules: readonly { readonly packets: number; readonly bytes: number }[];
}

const OK: NfResult = { ok: true };

function fail(error: string): NfResult {
  return { ok: false, error };
}

/** Whole-table checks already done, by the caller's chain map and table (a shared map is checked once). */
const validated = new WeakMap<ReadonlyMap<string, Chain>, Map<TableName, string | undefined>>();

/** The rule set of one namespace. */
export class Ruleset {
  /** Tables in the order they came into existence (the order iptables-nft lists them). */
  readonly tables = new Map<TableName, TableRt>();
  /** Bumped on every change, so readers can cache what they derive. */
  generation = 0;

  /** The table, created empty (built-in chains, policy ACCEPT) on first use. */
  table(name: TableName): TableRt {
    let t = this.tables.get(name);
    if (t === undefined) {
      t = new TableRt(name, new ChainSet(new Map(), name));
      this.tables.set(name, t);
      this.generation++;
    }
    return t;
  }

  /**
   * The table becomes exactly `table` (held, not copied): `iptables-restore` of it, or the result of a
   * parsed `--noflush` restore. Counters restart except for chain records that are still there.
   */
  replaceTable(table: Table): NfResult {
    const set = new ChainSet(table.chains, table.name);
    let done = validated.get(table.chains);
    if (done === undefined) {
      done = new Map();
      validated.set(table.chains, done);
    }
    let err: string | undefined;
    if (done.has(table.name)) err = done.get(table.name);
    else {
      err = check(table.name, set, [...set.chains()]);
      done.set(table.name, err);
    }
    if (err !== undefined) return fail(err);
    const next = new TableRt(table.name, set);
    // A chain record that is still there was not restored: its counters carry on (what a parsed
    // `--noflush` restore that kept it means).
    const prev = this.tables.get(table.name);
    if (prev !== undefined) {
      for (const [record, k] of prev.counters)
        if (set.get(record.name) === record) next.counters.set(record, k);
      prev.hooks.forEach((c, i) => {
        if (c !== undefined && next.hooks[i] === c) {
          next.policyCounters[2 * i] = prev.policyCounters[2 * i] ?? 0;
          next.policyCounters[2 * i + 1] = prev.policyCounters[2 * i + 1] ?? 0;
        }
      });
    }
    this.tables.set(table.name, next);
    this.generation++;
    return OK;
  }

  /**
   * `iptables-restore --noflush`: each chain of `table` is created if missing, or flushed, and filled
   * with its rules (a built-in chain also takes the policy given, or keeps its own); others are left.
   */
  restoreNoflush(table: Table): NfResult {
    const t = this.table(table.name);
    const trial = t.chains.fork();
    const changed: Chain[] = [];
    for (const c of table.chains.values()) {
      const builtin = BUILTIN_CHAINS[table.name].includes(c.name);
      const chain = builtin && c.policy === undefined ? { ...c, policy: t.chains.get(c.name)?.policy } : c;
      trial.set(c.name, chain);
      changed.push(chain);
    }
    return this.commit(t, trial, changed);
  }

  /** `iptables -N`. */
  newChain(table: TableName, name: string): NfResult {
    const t = this.table(table);
    if (t.chains.get(name) !== undefined) return fail('Chain already exists.');
    const trial = t.chains.fork();
    const c = emptyChain(name, undefined);
    trial.set(name, c);
    return this.commit(t, trial, [c]);
  }

  /** `iptables -X NAME`: an empty user chain nothing jumps to. */
  deleteChain(table: TableName, name: string): NfResult {
    const t = this.table(table);
    const c = t.chains.get(name);
    if (c === undefined) return fail('No chain/target/match by that name.');
    if (BUILTIN_CHAINS[table].includes(name)) return fail(`Cannot delete built-in chain ${name}`);
    if (c.rules.length > 0) return fail('Directory not empty.');
    for (const other of t.chains.chains())
      for (const r of other.rules) {
        const tg = r.target;
        if (tg !== undefined && (tg.kind === 'jump' || tg.kind === 'goto') && tg.chain === name)
          return fail('Too many links.');
      }
    const trial = t.chains.fork();
    trial.set(name, null);
    return this.commit(t, trial, []);
  }

  /** `iptables -F CHAIN`. */
  flushChain(table: TableName, name: string): NfResult {
    const t = this.table(table);
    const c = t.chains.get(name);
    if (c === undefined) return fail('No chain/target/match by that name.');
    return this.withRules(t, c, [], () => -1);
  }

  /** `iptables -P CHAIN POLICY`; the chain's rule counters stay. */
  setPolicy(table: TableName, name: string, policy: 'ACCEPT' | 'DROP'): NfResult {
    const t = this.table(table);
    const c = t.chains.get(name);
    if (c === undefined || !BUILTIN_CHAINS[table].includes(name)) return fail('Bad built-in chain name');
    const next: Chain = Object.freeze({ name, policy, rules: c.rules });
    const trial = t.chains.fork();
    trial.set(name, next);
    const kept = t.counters.get(c);
    const r = this.commit(t, trial, [next]);
    if (r.ok && kept !== undefined) t.counters.set(next, kept);
    return r;
  }

  /**
   * `iptables -C` then, when the rule is not there, `-I CHAIN 1` (`prepend`) or `-A` (`append`):
   * kube-proxy's EnsureRule. `added` tells whether it was inserted.
   */
  ensureRule(
    table: TableName,
    name: string,
    rule: Rule,
    where: 'prepend' | 'append',
  ): NfResult & { added?: boolean } {
    const t = this.table(table);
    const c = t.chains.get(name);
    if (c === undefined) return fail('No chain/target/match by that name.');
    if (c.rules.some((r) => sameRule(r, rule))) return { ok: true, added: false };
    const rules = where === 'prepend' ? [rule, ...c.rules] : [...c.rules, rule];
    const r = this.withRules(t, c, rules, (i) => (where === 'prepend' ? i + 1 : i));
    return r.ok ? { ok: true, added: true } : r;
  }

  /** `iptables -D CHAIN RULE`: the first equal rule goes. */
  deleteRule(table: TableName, name: string, rule: Rule): NfResult {
    const t = this.table(table);
    const c = t.chains.get(name);
    if (c === undefined) return fail('No chain/target/match by that name.');
    const at = c.rules.findIndex((r) => sameRule(r, rule));
    if (at < 0) return fail('Bad rule (does a matching rule exist in that chain?).');
    const rules = c.rules.filter((_, k) => k !== at);
    return this.withRules(t, c, rules, (i) => (i < at ? i : i === at ? -1 : i - 1));
  }

  /** The counters of a chain. */
  counters(table: TableName, name: string): ChainCounters | undefined {
    const t = this.tables.get(table);
    const c = t?.chains.get(name);
    if (t === undefined || c === undefined) return undefined;
    const k = t.counters.get(c);
    const rules = c.rules.map((_, i) => ({ packets: k?.[2 * i] ?? 0, bytes: k?.[2 * i + 1] ?? 0 }));
    const hook = HOOK_INDEX.get(name) ?? 0;
    const builtin = BUILTIN_CHAINS[table].includes(name);
    return {
      policy: builtin
        ? { packets: t.policyCounters[2 * hook] ?? 0, bytes: t.policyCounters[2 * hook + 1] ?? 0 }
        : undefined,
      rules,
    };
  }

  /** `iptables -Z`: every counter back to 0. */
  zero(): void {
    for (const t of this.tables.values()) {
      t.counters.clear();
      t.policyCounters.fill(0);
    }
  }

  /** The tables as records, chains in iptables-save order (built-ins, then user chains sorted). */
  snapshot(): Table[] {
    const out: Table[] = [];
    for (const t of this.tables.values()) {
      const chains = new Map<string, Chain>();
      const builtins = BUILTIN_CHAINS[t.name];
      for (const n of builtins) {
        const c = t.chains.get(n);
        if (c !== undefined) chains.set(n, c);
      }
      const users = [...t.chains.chains()].filter((c) => !builtins.includes(c.name));
      users.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const c of users) chains.set(c.name, c);
      out.push(Object.freeze({ name: t.name, chains }));
    }
    return out;
  }

  /** Chain `c` refilled with `rules`; counters carried over through `moved` (old index → new, -1 gone). */
  private withRules(t: TableRt, c: Chain, rules: readonly Rule[], moved: (i: number) => number): NfResult {
    const next: Chain = Object.freeze({ name: c.name, policy: c.policy, rules: Object.freeze([...rules]) });
    const trial = t.chains.fork();
    trial.set(c.name, next);
    const old = t.counters.get(c);
    const r = this.commit(t, trial, [next]);
    if (r.ok && old !== undefined) {
      const k = t.countersOf(next);
      for (let i = 0; i < c.rules.length; i++) {
        const j = moved(i);
        if (j < 0) continue;
        k[2 * j] = old[2 * i] ?? 0;
        k[2 * j + 1] = old[2 * i + 1] ?? 0;
      }
    }
    return r;
  }

  private commit(t: TableRt, trial: ChainSet, changed: readonly Chain[]): NfResult {
    const err = check(t.name, trial, changed);
    if (err !== undefined) return fail(err);
    t.chains = trial;
    t.refresh();
    this.generation++;
    return OK;
  }
}

/**
 * translate_table's checks for the `changed` chains of `set`: a built-in chain has a policy and a user
 * chain none; every `-j`/`-g` names an existing user chain; no chain reaches itself (mark_source_chains).
 */
function check(table: TableName, set: ChainSet, changed: readonly Chain[]): string | undefined {
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
