/**
 * One table while iptables-restore input edits it, and the checks its COMMIT makes. The checks are the
 * kernel's, done where nft does them (at commit, over the whole table): a target may only sit in a chain
 * reachable from the hooks its module registers for (DNAT: PREROUTING/OUTPUT, xt_nat.c; REJECT:
 * INPUT/FORWARD/OUTPUT, ipt_REJECT.c; …), and no jump cycle may be reachable from a built-in chain (ELOOP).
 */
import { TARGET_NAMES } from './iptables-names.js';
import { BUILTIN_CHAINS, type Chain, type Rule, type Table, type TableName } from './rule.js';

/** A chain being edited; `lines[i]` is the input line of `rules[i]` (0 for rules the table already had). */
export interface ChainState {
  readonly name: string;
  readonly builtin: boolean;
  policy: 'ACCEPT' | 'DROP' | undefined;
  rules: Rule[];
  lines: number[];
  /** How many rules jump or go here (a referenced chain cannot be deleted). */
  refs: number;
}

/** XT_EXTENSION_MAXNAMELEN − 1: iptables' limit for a chain name. */
const CHAIN_NAME_MAX = 28;

/** Why iptables refuses `name` as a user chain name, or undefined when it is fine. */
export function checkChainName(name: string): string | undefined {
  if (name.length > CHAIN_NAME_MAX) {
    return `chain name \`${name}' too long (must be under ${CHAIN_NAME_MAX + 1} chars)`;
  }
  if (name === '') return 'empty chain name';
  if (name.startsWith('-')) return "chain name not allowed to start with `-'";
  if (name.startsWith('!')) return "chain name not allowed to start with `!'";
  if (TARGET_NAMES.has(name)) return 'chain name may not clash with target name';
  if (/\s/.test(name)) return `Invalid chain name \`${name}'`;
  return undefined;
}

function targetChain(rule: Rule): string | undefined {
  const t = rule.target;
  return t !== undefined && (t.kind === 'jump' || t.kind === 'goto') ? t.chain : undefined;
}

export class TableBuilder {
  readonly chains = new Map<string, ChainState>();
  /** Whether the table exists after COMMIT: it did before, or the input declared or added something. */
  present: boolean;
  /** The stored name of user chain `name` (RuleSpecContext.userChain); one closure per table, not per rule. */
  readonly userChain = (name: string): string | undefined => {
    const c = this.chains.get(name);
    return c === undefined || c.builtin ? undefined : c.name;
  };

  constructor(
    readonly name: TableName,
    from: Table | undefined,
  ) {
    this.present = from !== undefined;
    for (const b of BUILTIN_CHAINS[name]) {
      const policy = from?.chains.get(b)?.policy ?? 'ACCEPT';
      this.chains.set(b, { name: b, builtin: true, policy, rules: [], lines: [], refs: 0 });
    }
    for (const c of from?.chains.values() ?? []) {
      let st = this.chains.get(c.name);
      if (st === undefined) {
        st = { name: c.name, builtin: false, policy: undefined, rules: [], lines: [], refs: 0 };
        this.chains.set(c.name, st);
      }
    }
    for (const c of from?.chains.values() ?? []) {
      const st = this.chains.get(c.name) as ChainState;
      for (const r of c.rules) this.insertRule(st, st.rules.length, r, 0);
    }
  }

  private ref(rule: Rule, delta: number): void {
    const target = targetChain(rule);
    if (target === undefined) return;
    const c = this.chains.get(target);
    if (c !== undefined) c.refs += delta;
  }

  createChain(name: string): void {
    this.chains.set(name, { name, builtin: false, policy: undefined, rules: [], lines: [], refs: 0 });
    this.present = true;
  }

  insertRule(chain: ChainState, at: number, rule: Rule, line: number): void {
    if (at === chain.rules.length) {
      chain.rules.push(rule);
      chain.lines.push(line);
    } else {
      chain.rules.splice(at, 0, rule);
      chain.lines.splice(at, 0, line);
    }
    this.ref(rule, 1);
  }

  removeRule(chain: ChainState, at: number): void {
    const [rule] = chain.rules.splice(at, 1);
    chain.lines.splice(at, 1);
    if (rule !== undefined) this.ref(rule, -1);
  }

  flush(chain: ChainState): void {
    for (const r of chain.rules) this.ref(r, -1);
    chain.rules = [];
    chain.lines = [];
  }

  flushAll(): void {
    for (const c of this.chains.values()) this.flush(c);
  }

  /** `-X CHAIN`: nft refuses (EBUSY) while the chain has rules or something jumps to it. */
  deleteChain(chain: ChainState, col: number): { col: number; message: string } | undefined {
    if (chain.refs > 0 || chain.rules.length > 0) {
      const why = chain.rules.length > 0 ? 'is not empty' : 'is referenced';
      return { col, message: `CHAIN_DEL failed (Device or resource busy): chain ${chain.name} ${why}` };
    }
    this.chains.delete(chain.name);
    return undefined;
  }

  /** `-X` alone: every user chain, which must all be empty (so only built-in chains can still jump to them). */
  deleteAllUserChains(col: number): { col: number; message: string } | undefined {
    const users = [...this.chains.values()].filter((c) => !c.builtin);
    for (const c of users) {
      if (c.rules.length > 0 || c.refs > 0) return this.deleteChain(c, col);
    }
    for (const c of users) this.chains.delete(c.name);
    return undefined;
  }

  /** The finished table: built-in chains in kernel order, then user chains sorted (as iptables-save lists them). */
  freeze(): Table {
    const chains = new Map<string, Chain>();
    const users: string[] = [];
    for (const c of this.chains.values()) {
      if (c.builtin) chains.set(c.name, { name: c.name, policy: c.policy, rules: c.rules });
      else users.push(c.name);
    }
    // The default sort compares UTF-16 code units, which for chain names is strcmp's byte order.
    for (const name of users.sort()) {
      chains.set(name, { name, policy: undefined, rules: (this.chains.get(name) as ChainState).rules });
    }
    return { name: this.name, chains };
  }
}

/** Hook bits (NF_INET_* order), one per built-in chain name. */
const PRE = 1;
const IN = 2;
const FWD = 4;
const OUT = 8;
const POST = 16;
const HOOK: Readonly<Record<string, number>> = {
  PREROUTING: PRE,
  INPUT: IN,
  FORWARD: FWD,
  OUTPUT: OUT,
  POSTROUTING: POST,
};
const ALL_HOOKS = PRE | IN | FWD | OUT | POST;

/** The hooks a rule may run in, from the `.hooks` of its target's and matches' kernel modules. */
function allowedHooks(rule: Rule): number {
  let hooks = ALL_HOOKS;
  switch (rule.target?.kind) {
    case 'DNAT':
      hooks = PRE | OUT;
      break;
    case 'SNAT':
      hooks = POST | IN;
      break;
    case 'MASQUERADE':
      hooks = POST;
      break;
    case 'REJECT':
      hooks = IN | FWD | OUT;
      break;
    default:
      break;
  }
  for (const m of rule.matches) {
    if (m.kind !== 'addrtype') continue;
    // xt_addrtype.c addrtype_mt_checkentry_v1.
    if (m.limitIfaceIn === true) hooks &= PRE | IN | FWD;
    if (m.limitIfaceOut === true) hooks &= OUT | POST | FWD;
  }
  return hooks;
}

/** What in `rule` is not allowed in `hook` (for the error message). */
function restrictedPart(rule: Rule, hook: number): string {
  const target = rule.target;
  if (target !== undefined && (allowedHooks({ matches: [], target }) & hook) === 0)
    return `${target.kind} target`;
  return rule.matches.some((m) => m.kind === 'addrtype' && m.limitIfaceIn === true)
    ? 'addrtype --limit-iface-in'
    : 'addrtype --limit-iface-out';
}

/** A problem found at COMMIT, on the line of the rule that causes it. */
export interface CommitError {
  readonly line: number;
  readonly col: number;
  readonly message: string;
}

/** Finds a jump cycle reachable from a built-in chain: the kernel refuses those with ELOOP. */
function findLoop(tb: TableBuilder, commitLine: number): CommitError | undefined {
  const color = new Map<string, 1 | 2>();
  for (const b of BUILTIN_CHAINS[tb.name]) {
    const root = tb.chains.get(b);
    if (root === undefined || color.has(b)) continue;
    const stack: { chain: ChainState; idx: number }[] = [{ chain: root, idx: 0 }];
    color.set(b, 1);
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as { chain: ChainState; idx: number };
      if (top.idx >= top.chain.rules.length) {
        color.set(top.chain.name, 2);
        stack.pop();
        continue;
      }
      const i = top.idx++;
      const name = targetChain(top.chain.rules[i] as Rule);
      if (name === undefined) continue;
      const next = tb.chains.get(name);
      if (next === undefined) continue;
      const seen = color.get(name);
      if (seen === 1) {
        const from = stack.findIndex((f) => f.chain.name === name);
        const path = [...stack.slice(from).map((f) => f.chain.name), name].join(' -> ');
        return {
          line: top.chain.lines[i] || commitLine,
          col: 1,
          message: `Too many links: chain loop ${path}`,
        };
      }
      if (seen === undefined) {
        color.set(name, 1);
        stack.push({ chain: next, idx: 0 });
      }
    }
  }
  return undefined;
}

/** The checks nft makes when the table is committed; undefined when the table is acceptable. */
export function validateTable(tb: TableBuilder, commitLine: number): CommitError | undefined {
  const loop = findLoop(tb, commitLine);
  if (loop !== undefined) return loop;
  for (const b of BUILTIN_CHAINS[tb.name]) {
    const hook = HOOK[b] ?? 0;
    const visited = new Set<string>([b]);
    const queue: string[] = [b];
    while (queue.length > 0) {
      const chain = tb.chains.get(queue.pop() as string);
      if (chain === undefined) continue;
      for (let i = 0; i < chain.rules.length; i++) {
        const rule = chain.rules[i] as Rule;
        if ((allowedHooks(rule) & hook) === 0) {
          const via = chain.name === b ? '' : ` (chain ${chain.name} is reached from ${b})`;
          const what = restrictedPart(rule, hook);
          return {
            line: chain.lines[i] || commitLine,
            col: 1,
            message: `${what} is not valid in ${b}${via}`,
          };
        }
        const next = targetChain(rule);
        if (next !== undefined && !visited.has(next)) {
          visited.add(next);
          queue.push(next);
        }
      }
    }
  }
  return undefined;
}
