/**
 * The tables of one namespace and the changes iptables makes to them: `iptables-restore` (a whole
 * table, or `--noflush` with only the declared chains flushed and refilled), `-N`, `-X`, `-F`, `-P`,
 * `-C`/`-I`/`-A`, `-D`. Chain and Rule records are shared between namespaces and never copied: a table
 * holds the caller's map of chain records and, over it, only this namespace's own changes; compiled
 * chains are shared too (compile.ts). Per namespace are only the packet/byte counters
 * (`iptables-save -c`), kept for the chains packets actually went through.
 */
import { ChainSet, EMPTY_BUILTIN, emptyChain } from './chain-set.js';
import { type CompiledChain, compiledChain } from './compile.js';
import { BUILTIN_CHAINS, type Chain, type Rule, type Table, type TableName } from './rule.js';
import { check, sameRule } from './ruleset-check.js';
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
    this.install(table.name, set);
    return OK;
  }

  /**
   * A restore whose chains many namespaces share, in one step — kube-proxy's `iptables-restore
   * --noflush` of its chains plus its EnsureRule(Prepend) jumps: the table's chains become `base`'s (the
   * map is held, not copied, so namespaces handed the same map share it) with this namespace's own laid
   * over it — every chain it has now that `base` does not name and `keep` accepts (the others, such as
   * stale service chains, are deleted). A built-in chain named in `prepend` then starts with those rules
   * in order, followed by its other rules (any equal to one of them dropped). Counters carry over for
   * the rules that stay.
   */
  restoreShared(
    name: TableName,
    base: ReadonlyMap<string, Chain>,
    prepend: ReadonlyMap<string, readonly Rule[]>,
    keep: (chain: string) => boolean,
  ): NfResult {
    const prev = this.tables.get(name);
    const set = new ChainSet(base, name);
    const changed: Chain[] = [];
    const moved = new Map<Chain, { readonly from: Chain; readonly at: readonly number[] }>();
    if (prev !== undefined) {
      for (const c of prev.chains.chains()) {
        if (base.has(c.name) || prepend.has(c.name) || !keep(c.name) || EMPTY_BUILTIN.get(c.name) === c)
          continue;
        set.set(c.name, c);
        changed.push(c);
      }
    }
    for (const [chain, first] of prepend) {
      if (!BUILTIN_CHAINS[name].includes(chain)) return fail(`Chain '${chain}' is not a built-in chain`);
      const cur = (base.has(chain) ? undefined : prev?.chains.get(chain)) ?? set.get(chain);
      const old = cur?.rules ?? [];
      const at: number[] = [];
      const rules: Rule[] = [...first];
      old.forEach((r) => {
        const dup = first.some((f) => sameRule(f, r));
        at.push(dup ? -1 : rules.length);
        if (!dup) rules.push(r);
      });
      const same = cur !== undefined && rules.length === old.length && rules.every((r, i) => r === old[i]);
      const next = same ? cur : Object.freeze({ name: chain, policy: cur?.policy ?? 'ACCEPT', rules });
      if (!same && cur !== undefined) moved.set(next, { from: cur, at });
      set.set(chain, next);
      changed.push(next);
    }
    const err = this.checkShared(name, base, set, changed);
    if (err !== undefined) return fail(err);
    const t = this.install(name, set);
    for (const [next, m] of moved) {
      // Inserting rules does not reset what took the chain's policy.
      const h = HOOK_INDEX.get(next.name) ?? 0;
      t.policyCounters[2 * h] = prev?.policyCounters[2 * h] ?? 0;
      t.policyCounters[2 * h + 1] = prev?.policyCounters[2 * h + 1] ?? 0;
      const k = prev?.counters.get(m.from);
      if (k === undefined) continue;
      const into = t.countersOf(next);
      m.at.forEach((j, i) => {
        if (j < 0) return;
        into[2 * j] = k[2 * i] ?? 0;
        into[2 * j + 1] = k[2 * i + 1] ?? 0;
      });
    }
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

  /**
   * The table becomes `set`. A chain record that is still there was not restored: its counters carry on
   * (what a parsed `--noflush` restore that kept it means), as do a built-in chain's policy counters.
   */
  private install(name: TableName, set: ChainSet): TableRt {
    const next = new TableRt(name, set);
    const prev = this.tables.get(name);
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
    this.tables.set(name, next);
    this.generation++;
    return next;
  }

  /**
   * translate_table's checks for a shared base with own chains over it: the base alone is checked once
   * per map (then only the own chains need checking), or, when it names chains only the namespace has,
   * the whole set every time.
   */
  private checkShared(
    name: TableName,
    base: ReadonlyMap<string, Chain>,
    set: ChainSet,
    own: readonly Chain[],
  ): string | undefined {
    let done = validated.get(base);
    if (done === undefined) {
      done = new Map();
      validated.set(base, done);
    }
    if (!done.has(name)) {
      const alone = new ChainSet(base, name);
      done.set(name, check(name, alone, [...alone.chains()]));
    }
    return done.get(name) === undefined ? check(name, set, own) : check(name, set, [...set.chains()]);
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
