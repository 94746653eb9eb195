/**
 * `iptables-restore` input → tables, with the semantics iptables-nft 1.8.9 showed in a network namespace:
 * `*table` starts a table afresh (or, with `--noflush`, from what the namespace has), `:CHAIN POLICY [p:b]`
 * sets a built-in chain's policy or creates/flushes a user chain, `-A`/`-I`/`-D`/`-N`/`-X`/`-F`/`-P`/`-Z`
 * edit it, and `COMMIT` checks the table as the kernel would (targets only in the hooks they register for,
 * no chain loops reachable from a built-in chain) before it replaces the old one. A table the input names
 * but leaves empty disappears (nft deletes it). On an error only the error is returned, where
 * iptables-restore would already have committed the tables before the failing one.
 */
import { parseRuleSpec, type RuleSpecContext, type RuleSpecResult } from './parse-rule.js';
import { checkChainName, TableBuilder, validateTable } from './parse-table.js';
import { Tokens, tokenize } from './parse-tokens.js';
import { BUILTIN_CHAINS, type Table, type TableName } from './rule.js';
import { formatRuleSpec, TABLE_SAVE_ORDER } from './save.js';

/** Where the input is wrong: 1-based line and column, and iptables' wording where it has one. */
export interface RestoreError {
  readonly line: number;
  readonly col: number;
  readonly message: string;
}

export type RestoreResult =
  | { readonly ok: true; readonly tables: Table[] }
  | { readonly ok: false; readonly error: RestoreError };

export interface RestoreOptions {
  /** The tables the namespace has before the restore; tables the input does not name are kept as they are. */
  readonly base?: readonly Table[];
  /** `iptables-restore --noflush`: a named table keeps its chains and rules (`:CHAIN` still flushes CHAIN). */
  readonly noflush?: boolean;
}

const TABLE_NAMES: ReadonlySet<string> = new Set(Object.keys(BUILTIN_CHAINS));

function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

/**
 * Parses iptables-restore input and applies it to `opts.base` (default: no tables). Returns every table of
 * the resulting namespace in iptables-save's table order, or the first error with its line and column.
 */
export function parseIptablesRestore(text: string, opts: RestoreOptions = {}): RestoreResult {
  const state = new Map<TableName, Table>();
  for (const t of opts.base ?? []) state.set(t.name, t);
  let current: TableBuilder | undefined;
  let tableLine = 0;
  let lineNo = 0;
  let pos = 0;
  const tokens = new Tokens();
  const err = (line: number, col: number, message: string): RestoreResult => ({
    ok: false,
    error: { line, col, message },
  });

  while (pos < text.length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    const line = text.slice(pos, end);
    pos = end + 1;
    lineNo++;
    if (line.length === 0 || line.charCodeAt(0) === 0x23 /* # */) continue;
    const first = line.charCodeAt(0);

    if (line === 'COMMIT') {
      if (current === undefined) return err(lineNo, 1, 'COMMIT without a table (missing *table line)');
      const bad = validateTable(current, lineNo);
      if (bad !== undefined) return err(bad.line, bad.col, bad.message);
      if (current.present) state.set(current.name, current.freeze());
      else state.delete(current.name);
      current = undefined;
      continue;
    }

    if (first === 0x2a /* * */) {
      if (current !== undefined)
        return err(lineNo, 1, `COMMIT expected before a new table (table ${current.name})`);
      let e = 1;
      while (e < line.length && !isBlank(line.charCodeAt(e))) e++;
      const name = line.slice(1, e);
      if (name === 'security') return err(lineNo, 2, "table 'security' is not supported by podwire");
      if (!TABLE_NAMES.has(name)) return err(lineNo, 2, `table name '${name}' invalid`);
      const tname = name as TableName;
      current = new TableBuilder(tname, opts.noflush === true ? state.get(tname) : undefined);
      tableLine = lineNo;
      continue;
    }

    if (current === undefined) return err(lineNo, 1, 'no table specified (a *table line must come first)');
    const tb = current;

    if (first === 0x3a /* : */) {
      const words = tokenize(line, 1, tokens);
      if (!(words instanceof Tokens)) return err(lineNo, words.col, words.message);
      if (words.length === 0 || words.col(0) !== 2) return err(lineNo, 2, 'no chain name specified');
      const name = words.text(0);
      if (words.length < 2) return err(lineNo, line.length + 1, `no policy specified for chain ${name}`);
      const policy = words.text(1);
      if (policy !== 'ACCEPT' && policy !== 'DROP' && policy !== '-') {
        return err(lineNo, words.col(1), 'Bad policy name.');
      }
      const existing = tb.chains.get(name);
      if (existing?.builtin === true) {
        if (policy !== '-') existing.policy = policy;
        tb.present = true;
        continue;
      }
      if (existing === undefined) {
        const bad = checkChainName(name);
        if (bad !== undefined) return err(lineNo, 2, bad);
        tb.createChain(name);
      } else {
        tb.flush(existing);
      }
      continue;
    }

    // A command line, optionally prefixed by counters `[packets:bytes]` (ignored without --counters).
    let start = 0;
    if (first === 0x5b /* [ */) {
      start = line.indexOf(']');
      if (start < 0) return err(lineNo, 1, `Bad line ${lineNo}: need ]`);
      start++;
    }
    const words = tokenize(line, start, tokens);
    if (!(words instanceof Tokens)) return err(lineNo, words.col, words.message);
    const bad = applyCommand(tb, words, lineNo);
    if (bad !== undefined) return err(lineNo, bad.col, bad.message);
  }
  if (current !== undefined)
    return err(lineNo + 1, 1, `COMMIT expected (table ${current.name} opened at line ${tableLine})`);

  const tables: Table[] = [];
  for (const name of TABLE_SAVE_ORDER) {
    const t = state.get(name);
    if (t !== undefined) tables.push(t);
  }
  return { ok: true, tables };
}

export type { RuleSpecContext, RuleSpecResult };

/**
 * One rule specification given as text (`-p tcp -m tcp --dport 80 -j ACCEPT`, what follows `-A CHAIN` in
 * restore input or on an `iptables -A` command line) → its Rule records (several when `-s`/`-d` list
 * addresses). Errors carry the column in `text`.
 */
export function parseRuleText(text: string, ctx: RuleSpecContext): RuleSpecResult {
  const tokens = tokenize(text, 0);
  if (!(tokens instanceof Tokens)) return { ok: false, error: tokens };
  return parseRuleSpec(tokens, 0, ctx);
}

interface ColMessage {
  readonly col: number;
  readonly message: string;
}

const COMMANDS: Readonly<Record<string, string>> = {
  '-A': 'A',
  '--append': 'A',
  '-I': 'I',
  '--insert': 'I',
  '-D': 'D',
  '--delete': 'D',
  '-N': 'N',
  '--new-chain': 'N',
  '-X': 'X',
  '--delete-chain': 'X',
  '-F': 'F',
  '--flush': 'F',
  '-P': 'P',
  '--policy': 'P',
  '-Z': 'Z',
  '--zero': 'Z',
};

const NO_SUCH_CHAIN = 'No chain/target/match by that name.';

/** A word after a command's last argument: iptables' "Bad argument". */
function extraArgument(tokens: Tokens, k: number): ColMessage | undefined {
  return k < tokens.length ? { col: tokens.col(k), message: `Bad argument \`${tokens.text(k)}'` } : undefined;
}

/** Applies one command line (`-A CHAIN …`, `-N CHAIN`, …) to the table being built. */
function applyCommand(tb: TableBuilder, tokens: Tokens, line: number): ColMessage | undefined {
  if (tokens.length === 0) return { col: 1, message: 'no command specified' };
  const cmdText = tokens.text(0);
  const cmdCol = tokens.col(0);
  if (cmdText === '-t' || cmdText === '--table') {
    return {
      col: cmdCol,
      message: `The -t option (seen in line ${line}) cannot be used in iptables-restore.`,
    };
  }
  const cmd = COMMANDS[cmdText];
  if (cmd === undefined) {
    if (cmdText.startsWith('-')) return { col: cmdCol, message: `command "${cmdText}" is not supported` };
    return { col: cmdCol, message: `Bad argument \`${cmdText}'` };
  }
  const hasChain = tokens.length > 1;
  const chainName = hasChain ? tokens.text(1) : '';
  const chainCol = hasChain ? tokens.col(1) : cmdCol;
  const chain = hasChain ? tb.chains.get(chainName) : undefined;
  switch (cmd) {
    case 'N': {
      if (!hasChain) return { col: cmdCol, message: 'option "-N" requires an argument' };
      if (chain !== undefined) return { col: chainCol, message: 'Chain already exists.' };
      const bad = checkChainName(chainName);
      if (bad !== undefined) return { col: chainCol, message: bad };
      tb.createChain(chainName);
      return extraArgument(tokens, 2);
    }
    case 'X':
    case 'F':
    case 'Z': {
      if (!hasChain) {
        if (cmd === 'X') {
          tb.present = true;
          return tb.deleteAllUserChains(cmdCol);
        }
        if (cmd === 'F') tb.flushAll();
        return undefined;
      }
      if (chain === undefined || (cmd === 'X' && chain.builtin))
        return { col: chainCol, message: NO_SUCH_CHAIN };
      if (cmd === 'X') {
        tb.present = true;
        const bad = tb.deleteChain(chain, chainCol);
        if (bad !== undefined) return bad;
      } else if (cmd === 'F') tb.flush(chain);
      return extraArgument(tokens, 2);
    }
    case 'P': {
      if (!hasChain) return { col: cmdCol, message: 'option "-P" requires an argument' };
      if (chain === undefined || !chain.builtin)
        return { col: chainCol, message: 'Bad built-in chain name.' };
      const policy = tokens.length > 2 ? tokens.text(2) : '';
      if (policy !== 'ACCEPT' && policy !== 'DROP') {
        return { col: tokens.length > 2 ? tokens.col(2) : chainCol, message: 'Bad policy name.' };
      }
      chain.policy = policy;
      tb.present = true;
      return extraArgument(tokens, 3);
    }
    default:
      break;
  }
  // -A, -I, -D
  if (!hasChain) return { col: cmdCol, message: `option "${cmdText}" requires an argument` };
  if (chain === undefined) return { col: chainCol, message: NO_SUCH_CHAIN };
  let specStart = 2;
  let rulenum: number | undefined;
  const numCol = tokens.length > 2 ? tokens.col(2) : chainCol;
  if ((cmd === 'I' || cmd === 'D') && tokens.length > 2) {
    const numText = tokens.text(2);
    if (!numText.startsWith('-') && numText !== '!') {
      const n = /^\d+$/.test(numText) ? Number(numText) : Number.NaN;
      if (!(n >= 1 && n <= 0x7fffffff)) return { col: numCol, message: `Invalid rule number \`${numText}'` };
      rulenum = n;
      specStart = 3;
    }
  }
  if (cmd === 'D' && rulenum !== undefined) {
    if (rulenum > chain.rules.length) return { col: numCol, message: 'Index of deletion too big.' };
    const bad = extraArgument(tokens, 3);
    if (bad !== undefined) return bad;
    tb.removeRule(chain, rulenum - 1);
    return undefined;
  }
  const parsed = parseRuleSpec(tokens, specStart, {
    table: tb.name,
    chain: chain.name,
    userChain: tb.userChain,
  });
  if (!parsed.ok) return parsed.error;
  tb.present = true;
  if (cmd === 'D') {
    for (const rule of parsed.rules) {
      const want = formatRuleSpec(rule);
      const idx = chain.rules.findIndex((r) => formatRuleSpec(r) === want);
      if (idx < 0) return { col: cmdCol, message: 'Bad rule (does a matching rule exist in that chain?).' };
      tb.removeRule(chain, idx);
    }
    return undefined;
  }
  if (cmd === 'A') {
    for (const rule of parsed.rules) tb.insertRule(chain, chain.rules.length, rule, line);
    return undefined;
  }
  const at = (rulenum ?? 1) - 1;
  if (at > chain.rules.length) return { col: numCol, message: 'Index of insertion too big.' };
  // Each expanded rule goes in at the same position, so the last one ends up first (as iptables does).
  for (const rule of parsed.rules) tb.insertRule(chain, at, rule, line);
  return undefined;
}
