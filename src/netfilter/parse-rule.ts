/**
 * One rule specification (`-s … -p tcp -m comment --comment x -m tcp --dport 80 -j KUBE-SVC-…`) → the
 * canonical Rule records of rule.ts, with iptables' argument semantics (xshared.c do_parse, command_match,
 * command_jump): options in any order, `!` before the option it negates, an option dispatched to the most
 * recently loaded extension that has it, the protocol's match loaded implicitly for `-p tcp --dport 80`,
 * and comma lists in `-s`/`-d` expanded into one rule per address pair (source outer, destination inner).
 */
import { maskOf } from '../wire/index.js';
import { protoByName, TARGET_NAMES, UNSUPPORTED_MATCHES } from './iptables-names.js';
import type { ExtParser, OptionDef, RuleContext } from './parse-ext.js';
import { MATCH_PARSERS } from './parse-match.js';
import { TARGET_PARSERS } from './parse-target.js';
import { type ColError, checkIfaceName, parseAddrPrefix, parseUint, type Tokens } from './parse-tokens.js';
import {
  type AddrMatch,
  BUILTIN_CHAINS,
  type IfaceMatch,
  type Match,
  type Rule,
  type TableName,
  type Target,
} from './rule.js';

/** Where the rule goes: its table, its chain (for `-i`/`-o` checks) and the user chains `-j`/`-g` may name. */
export interface RuleSpecContext {
  readonly table: TableName;
  readonly chain: string;
  /**
   * The user chain `name` of this table as the table stores the name (so every rule jumping there shares
   * one string), or undefined when the table has no such user chain.
   */
  readonly userChain: (name: string) => string | undefined;
}

export type RuleSpecResult =
  | { readonly ok: true; readonly rules: Rule[] }
  | { readonly ok: false; readonly error: ColError };

interface Loaded {
  readonly parser: ExtParser<Match> | ExtParser<Target>;
  readonly isTarget: boolean;
  readonly col: number;
  /** Options already given to this extension (a handful at most, so an array). */
  readonly seen: string[];
}

type BaseOption = 's' | 'd' | 'i' | 'o' | 'p' | 'm' | 'j' | 'g' | 'f';

/** iptables' own options (xshared.c); Maps rather than records: looked up for every word of every rule. */
const BASE_OPTIONS: ReadonlyMap<string, BaseOption> = new Map<string, BaseOption>([
  ['-s', 's'],
  ['--source', 's'],
  ['--src', 's'],
  ['-d', 'd'],
  ['--destination', 'd'],
  ['--dst', 'd'],
  ['-i', 'i'],
  ['--in-interface', 'i'],
  ['-o', 'o'],
  ['--out-interface', 'o'],
  ['-p', 'p'],
  ['--protocol', 'p'],
  ['-m', 'm'],
  ['--match', 'm'],
  ['-j', 'j'],
  ['--jump', 'j'],
  ['-g', 'g'],
  ['--goto', 'g'],
  ['-f', 'f'],
  ['--fragment', 'f'],
]);

/** The standard verdicts: `-j ACCEPT` and friends are not extensions. */
const VERDICTS: ReadonlyMap<string, Target> = new Map<string, Target>([
  ['ACCEPT', { kind: 'ACCEPT' }],
  ['DROP', { kind: 'DROP' }],
  ['RETURN', { kind: 'RETURN' }],
]);
const MATCHES: ReadonlyMap<string, () => ExtParser<Match>> = new Map(Object.entries(MATCH_PARSERS));
const TARGETS: ReadonlyMap<string, () => ExtParser<Target>> = new Map(Object.entries(TARGET_PARSERS));

/** Protocols whose match iptables loads by itself when one of its options appears after `-p`. */
const IMPLICIT_MATCH: Readonly<Record<number, string>> = { 1: 'icmp', 6: 'tcp', 17: 'udp' };

function fail(col: number, message: string): RuleSpecResult {
  return { ok: false, error: { col, message } };
}

function findOption(loaded: readonly Loaded[], name: string): { ext: Loaded; def: OptionDef } | undefined {
  for (let k = loaded.length - 1; k >= 0; k--) {
    const ext = loaded[k] as Loaded;
    const def = ext.parser.options[name];
    if (def !== undefined) return { ext, def };
  }
  return undefined;
}

/**
 * The argument of the option at `tokens[i - 1]`: its `=value` part if it had one, else `tokens[i]`.
 * A bare `!` there is the old intrapositioned negation (`-s ! 1.2.3.4`), which iptables 1.8 refuses.
 */
function argument(
  tokens: Tokens,
  i: number,
  inline: string | undefined,
  optCol: number,
  optName: string,
): string | ColError {
  if (inline !== undefined) return inline;
  if (i >= tokens.length) return { col: optCol, message: `option "${optName}" requires an argument` };
  const next = tokens.text(i);
  if (next === '!' && tokens.quoted[i] !== true) {
    return { col: tokens.col(i), message: `intrapositioned negation (\`${optName} !') is not supported` };
  }
  return next;
}

function parseAddrList(text: string, col: number): { addr: number; prefixLen: number }[] | ColError {
  if (!text.includes(',')) {
    const a = parseAddrPrefix(text);
    return typeof a === 'string' ? { col, message: a } : [a];
  }
  const out: { addr: number; prefixLen: number }[] = [];
  for (const part of text.split(',')) {
    const a = parseAddrPrefix(part);
    if (typeof a === 'string') return { col, message: a };
    out.push(a);
  }
  return out;
}

function addrMatch(
  a: { addr: number; prefixLen: number } | undefined,
  invert: boolean,
): AddrMatch | undefined {
  if (a === undefined || a.prefixLen === 0) return undefined;
  return { addr: a.addr, prefixLen: a.prefixLen, mask: maskOf(a.prefixLen), invert };
}

/**
 * Parses `tokens[start..]` as one rule specification. Errors carry the column of the offending token;
 * nothing is ignored: an unknown option, match or target, or a chain that does not exist, is an error.
 */
export function parseRuleSpec(tokens: Tokens, start: number, ctx: RuleSpecContext): RuleSpecResult {
  let invert = false;
  let invertCol = 0;
  let srcs: { addr: number; prefixLen: number }[] | undefined;
  let dsts: { addr: number; prefixLen: number }[] | undefined;
  let srcInvert = false;
  let dstInvert = false;
  let inIface: IfaceMatch | undefined;
  let outIface: IfaceMatch | undefined;
  let proto: { num: number; invert: boolean } | undefined;
  let protoSeen = false;
  let implicitLoaded = false;
  let target: Target | undefined;
  let targetLoaded = false;
  const loaded: Loaded[] = [];
  const builtins = BUILTIN_CHAINS[ctx.table];

  for (let i = start; i < tokens.length; ) {
    const t = tokens.text(i);
    const col = tokens.col(i);
    if (t === '!' && tokens.quoted[i] !== true) {
      if (invert) return fail(col, 'multiple consecutive ! not allowed');
      invert = true;
      invertCol = col;
      i++;
      continue;
    }
    if (t.length < 2 || t.charCodeAt(0) !== 0x2d /* - */) return fail(col, `Bad argument \`${t}'`);
    let optName = t;
    let inline: string | undefined;
    const eq = t.startsWith('--') ? t.indexOf('=') : -1;
    if (eq > 0) {
      optName = t.slice(0, eq);
      inline = t.slice(eq + 1);
    }
    i++;
    const base = BASE_OPTIONS.get(optName);
    if (base !== undefined) {
      const wasInverted = invert;
      invert = false;
      if (wasInverted && (base === 'm' || base === 'j' || base === 'g')) {
        return fail(invertCol, `cannot have ! before ${optName}`);
      }
      if (base === 'f') return fail(col, 'fragment matching (-f) is not supported by podwire');
      const arg = argument(tokens, i, inline, col, optName);
      if (typeof arg !== 'string') return { ok: false, error: arg };
      if (inline === undefined) i++;
      switch (base) {
        case 's':
        case 'd': {
          if ((base === 's' ? srcs : dsts) !== undefined)
            return fail(col, `multiple -${base} flags not allowed`);
          const list = parseAddrList(arg, col);
          if (!Array.isArray(list)) return { ok: false, error: list };
          if (wasInverted && list.some((a) => a.prefixLen === 0)) {
            return fail(invertCol, `! -${base} with a /0 prefix never matches`);
          }
          if (base === 's') {
            srcs = list;
            srcInvert = wasInverted;
          } else {
            dsts = list;
            dstInvert = wasInverted;
          }
          break;
        }
        case 'i':
        case 'o': {
          if ((base === 'i' ? inIface : outIface) !== undefined) {
            return fail(col, `multiple -${base} flags not allowed`);
          }
          const bad = checkIfaceName(arg);
          if (bad !== undefined) return fail(col, bad);
          const forbidden = base === 'i' ? ['OUTPUT', 'POSTROUTING'] : ['INPUT', 'PREROUTING'];
          if (builtins.includes(ctx.chain) && forbidden.includes(ctx.chain)) {
            return fail(col, `Can't use -${base} with ${ctx.chain}`);
          }
          const m = { name: arg, invert: wasInverted };
          if (base === 'i') inIface = m;
          else outIface = m;
          break;
        }
        case 'p': {
          if (protoSeen) return fail(col, 'multiple -p flags not allowed');
          protoSeen = true;
          const num = parseUint(arg, 255) ?? protoByName(arg);
          if (num === undefined) return fail(col, `unknown protocol "${arg}" specified`);
          if (num === 0 && wasInverted) return fail(invertCol, 'rule would never match protocol');
          proto = num === 0 ? undefined : { num, invert: wasInverted };
          break;
        }
        case 'm': {
          const factory = MATCHES.get(arg);
          if (factory === undefined) {
            if (UNSUPPORTED_MATCHES.has(arg)) return fail(col, `match \`${arg}' is not supported by podwire`);
            return fail(col, `Couldn't load match \`${arg}':No such file or directory`);
          }
          loaded.push({ parser: factory(), isTarget: false, col, seen: [] });
          break;
        }
        default: {
          // -j / -g
          if (target !== undefined || targetLoaded) {
            return fail(col, 'multiple -j flags not allowed');
          }
          if (base === 'g') {
            const chain = ctx.userChain(arg);
            if (chain === undefined) return fail(col, `Chain '${arg}' does not exist`);
            target = { kind: 'goto', chain };
            break;
          }
          const verdict = VERDICTS.get(arg);
          const factory = TARGETS.get(arg);
          const chain = verdict === undefined && factory === undefined ? ctx.userChain(arg) : undefined;
          if (verdict !== undefined) target = verdict;
          else if (factory !== undefined) {
            loaded.push({ parser: factory(), isTarget: true, col, seen: [] });
            targetLoaded = true;
          } else if (chain !== undefined) target = { kind: 'jump', chain };
          else if (builtins.includes(arg)) return fail(col, `cannot jump to the built-in chain ${arg}`);
          else if (TARGET_NAMES.has(arg)) return fail(col, `target \`${arg}' is not supported by podwire`);
          else return fail(col, `Couldn't load target \`${arg}':No such file or directory`);
        }
      }
      continue;
    }
    if (!optName.startsWith('--')) return fail(col, `unknown option "${optName}"`);
    const name = optName.slice(2);
    let found = findOption(loaded, name);
    if (found === undefined && !implicitLoaded && proto !== undefined) {
      const implicit = IMPLICIT_MATCH[proto.num];
      const factory = implicit === undefined ? undefined : MATCHES.get(implicit);
      if (factory !== undefined && factory().options[name] !== undefined) {
        implicitLoaded = true;
        loaded.push({ parser: factory(), isTarget: false, col, seen: [] });
        found = findOption(loaded, name);
      }
    }
    if (found === undefined) return fail(col, `unknown option "${optName}"`);
    const { ext, def } = found;
    const canon = def.alias ?? name;
    if (def.unsupported === true)
      return fail(col, `${ext.parser.name}: option "${optName}" is not supported by podwire`);
    if (invert && def.invert !== true)
      return fail(invertCol, `${ext.parser.name}: option "${optName}" cannot be inverted`);
    if (ext.seen.includes(canon))
      return fail(col, `${ext.parser.name}: option "--${canon}" may only be specified once`);
    ext.seen.push(canon);
    if (def.args === 0 && inline !== undefined) return fail(col, `option "${optName}" takes no argument`);
    let arg = '';
    let arg2: string | undefined;
    if (def.args >= 1) {
      const a = argument(tokens, i, inline, col, optName);
      if (typeof a !== 'string') return { ok: false, error: a };
      if (inline === undefined) i++;
      arg = a;
    }
    if (def.args === 2 && i < tokens.length) {
      // getopt hands over one argument; --match-set reads the next word itself (libxt_set.c).
      arg2 = tokens.text(i);
      i++;
    }
    const err = ext.parser.option(canon, arg, invert, arg2);
    invert = false;
    if (err !== undefined) return fail(col, err);
  }
  if (invert) return fail(invertCol, '! is not followed by an option');

  const rctx: RuleContext = { table: ctx.table, proto };
  const matches: Match[] = [];
  for (const ext of loaded) {
    const r = ext.parser.finish(rctx);
    if (typeof r === 'string') return fail(ext.col, r);
    if (ext.isTarget) {
      target = r as Target;
    } else matches.push(r as Match);
  }

  const rules: Rule[] = [];
  for (const s of srcs ?? [undefined]) {
    for (const d of dsts ?? [undefined]) {
      const rule: { -readonly [K in keyof Rule]: Rule[K] } = { matches };
      const src = addrMatch(s, srcInvert);
      const dst = addrMatch(d, dstInvert);
      if (src !== undefined) rule.src = src;
      if (dst !== undefined) rule.dst = dst;
      if (inIface !== undefined) rule.inIface = inIface;
      if (outIface !== undefined) rule.outIface = outIface;
      if (proto !== undefined) rule.proto = proto;
      if (target !== undefined) rule.target = target;
      rules.push(rule);
    }
  }
  return { ok: true, rules };
}
