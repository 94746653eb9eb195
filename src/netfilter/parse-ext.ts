/**
 * The contract between the rule parser (parse-rule.ts) and one `-m` match or `-j` target extension,
 * mirroring libxtables: an extension declares its long options, receives them one at a time with their
 * arguments and the `!` that preceded them, and finally checks that what it was given forms a whole
 * (x6_parse / x6_fcheck in xtables.h).
 */
import type { TableName } from './rule.js';

/** One long option: how many arguments follow it, and whether a `!` may precede it. */
export interface OptionDef {
  readonly args: 0 | 1 | 2;
  readonly invert?: boolean;
  /** The canonical option this one is an alias of (`destination-port` → `dport`). */
  readonly alias?: string;
  /** iptables knows the option but podwire does not model it: an error naming it, not "unknown". */
  readonly unsupported?: boolean;
}

/** What an extension's final check may look at: the rule's `-p` and where the rule lives. */
export interface RuleContext {
  readonly table: TableName;
  readonly proto: { readonly num: number; readonly invert: boolean } | undefined;
}

/**
 * One loaded extension of one rule. `option` gets the canonical option name, its argument ('' for an
 * option without one; `arg2` for the two-argument --match-set) and the `!` before it; `option` and
 * `finish` return an error message on failure.
 */
export interface ExtParser<T> {
  readonly name: string;
  readonly options: Readonly<Record<string, OptionDef>>;
  option(name: string, arg: string, invert: boolean, arg2?: string): string | undefined;
  finish(ctx: RuleContext): T | string;
}

/** Marks the options iptables has for an extension that podwire does not model. */
export function unsupported(...names: string[]): Record<string, OptionDef> {
  const out: Record<string, OptionDef> = {};
  for (const n of names) out[n] = { args: 0, unsupported: true };
  return out;
}

/** `0x4000` — marks, masks and zones print as lowercase hex (libxt_mark.c, libxt_MARK.c). */
export function hex(v: number): string {
  return `0x${(v >>> 0).toString(16)}`;
}

const SAFE_CHARS = /^[A-Za-z0-9_-]+$/;
const ESCAPED = /["\\']/g;

/**
 * xtables_save_string: a word of `[A-Za-z0-9_-]` prints bare; anything else (including the empty string)
 * prints in double quotes with `"`, `\` and `'` escaped by a backslash.
 */
export function saveString(s: string): string {
  return SAFE_CHARS.test(s) ? s : `"${s.replace(ESCAPED, '\\$&')}"`;
}
