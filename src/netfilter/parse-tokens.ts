/**
 * The lexical layer of iptables-restore: splitting a line into arguments the way xshared.c
 * `add_param_to_argv` does, and the number/address readers the extensions share (xtables_strtoui with
 * base 0, xtables_parse_port, ipparse). One pass over the characters, no regular expressions per token.
 */
import { type Ip4, maskOf } from '../wire/index.js';

/**
 * The arguments of one line: text, 1-based starting column (the opening quote if quoted) and whether any
 * part was quoted (a quoted `"!"` is an argument, not a negation). Parallel arrays reused line after line,
 * so reading 60,000 rules does not allocate an object per argument.
 */
export class Tokens {
  readonly texts: string[] = [];
  readonly cols: number[] = [];
  readonly quoted: boolean[] = [];
  length = 0;

  text(i: number): string {
    return this.texts[i] as string;
  }

  col(i: number): number {
    return this.cols[i] as number;
  }

  push(text: string, col: number, quoted: boolean): void {
    this.texts[this.length] = text;
    this.cols[this.length] = col;
    this.quoted[this.length] = quoted;
    this.length++;
  }
}

/** A problem at a column of the current line (the line number is added by the caller). */
export interface ColError {
  readonly col: number;
  readonly message: string;
}

/** xshared.c keeps each argument in a 1024-byte buffer. */
const MAX_PARAM = 1023;

const SPACE = 0x20;
const TAB = 0x09;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Splits `line` from index `start` into arguments: blanks separate them, `"` opens and closes a quoted
 * part (a closing quote also ends the argument, so `""` is an empty argument), and inside quotes `\x`
 * stands for `x`. Outside quotes a backslash is an ordinary character. Unquoted runs are sliced, not
 * copied character by character: restore input of 60,000 rules goes through here.
 */
export function tokenize(line: string, start: number, tokens: Tokens = new Tokens()): Tokens | ColError {
  tokens.length = 0;
  const n = line.length;
  let i = start;
  while (i < n) {
    let c = line.charCodeAt(i);
    if (c === SPACE || c === TAB) {
      i++;
      continue;
    }
    const col = i + 1;
    let text = '';
    let quoted = false;
    while (i < n) {
      c = line.charCodeAt(i);
      if (c === SPACE || c === TAB) break;
      if (c === QUOTE) {
        quoted = true;
        const quoteCol = i + 1;
        let seg = ++i;
        for (;;) {
          if (i >= n) return { col: quoteCol, message: 'unterminated quoted string' };
          const q = line.charCodeAt(i);
          if (q === BACKSLASH && i + 1 < n) {
            text += line.slice(seg, i) + line[i + 1];
            i += 2;
            seg = i;
          } else if (q === QUOTE) {
            text += line.slice(seg, i);
            i++;
            break;
          } else {
            i++;
          }
        }
        break; // a closing quote ends the argument (xshared.c: `case '"': break;`)
      }
      const run = i;
      while (i < n) {
        c = line.charCodeAt(i);
        if (c === SPACE || c === TAB || c === QUOTE) break;
        i++;
      }
      text += line.slice(run, i);
    }
    if (text.length > MAX_PARAM) return { col, message: 'Parameter too long!' };
    tokens.push(text, col, quoted);
  }
  return tokens;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/**
 * An unsigned integer as `strtoul(text, &end, 0)` reads it when the whole text must be consumed: `0x…` hex,
 * a leading `0` octal, otherwise decimal. Undefined when the text is not such a number or exceeds `max`.
 */
export function parseUint(text: string, max: number): number | undefined {
  const n = text.length;
  if (n === 0) return undefined;
  let base = 10;
  let i = 0;
  if (n > 2 && text.charCodeAt(0) === 0x30 && (text.charCodeAt(1) | 0x20) === 0x78) {
    base = 16;
    i = 2;
  } else if (n > 1 && text.charCodeAt(0) === 0x30) {
    base = 8;
    i = 1;
  }
  let v = 0;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    let d: number;
    if (isDigit(c)) d = c - 0x30;
    else if (base === 16 && (c | 0x20) >= 0x61 && (c | 0x20) <= 0x66) d = (c | 0x20) - 0x61 + 10;
    else return undefined;
    if (d >= base) return undefined;
    v = v * base + d;
    if (v > max) return undefined;
  }
  return v;
}

/** A port number 0..65535 (xtables_parse_port without /etc/services names). */
export function parsePort(text: string): number | undefined {
  return parseUint(text, 0xffff);
}

/** `A`, `A:B`, `:B` (from 0), `A:` (to 65535), as libxt_tcp's parse_tcp_ports reads them. */
export function parsePortRange(text: string): { from: number; to: number } | string {
  const colon = text.indexOf(':');
  if (colon < 0) {
    const p = parsePort(text);
    return p === undefined ? `invalid port/service \`${text}' specified` : { from: p, to: p };
  }
  const a = text.slice(0, colon);
  const b = text.slice(colon + 1);
  const from = a === '' ? 0 : parsePort(a);
  const to = b === '' ? 0xffff : parsePort(b);
  if (from === undefined) return `invalid port/service \`${a}' specified`;
  if (to === undefined) return `invalid port/service \`${b}' specified`;
  if (from > to) return 'invalid portrange (min > max)';
  return { from, to };
}

/**
 * A dotted quad of decimal octets without leading zeros (what wire's parseIp4 accepts), read without a
 * RegExp: every `-s`/`-d` of a 60,000-rule restore comes through here.
 */
export function parseDottedQuad(text: string): Ip4 | undefined {
  const n = text.length;
  if (n < 7 || n > 15) return undefined;
  let ip = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x2e /* . */) {
      if (digits === 0 || dots === 3) return undefined;
      ip = ip * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else if (isDigit(c)) {
      if (digits > 0 && octet === 0) return undefined;
      octet = octet * 10 + (c - 0x30);
      digits++;
      if (octet > 255) return undefined;
    } else {
      return undefined;
    }
  }
  return dots === 3 && digits > 0 ? ip * 256 + octet : undefined;
}

/** A netmask: a prefix length 0..32, or a dotted quad that must be contiguous for podwire's model. */
function parseMask(text: string): number | string {
  let allDigits = text.length > 0 && text.length <= 2;
  for (let i = 0; i < text.length && allDigits; i++) allDigits = isDigit(text.charCodeAt(i));
  if (allDigits) {
    const len = Number(text);
    return len <= 32 ? len : `invalid mask \`${text}' specified`;
  }
  const m = parseDottedQuad(text);
  if (m === undefined) return `invalid mask \`${text}' specified`;
  let len = 0;
  while (len < 32 && (m & (0x80000000 >>> len)) !== 0) len++;
  if (maskOf(len) !== m) {
    return `non-contiguous mask \`${text}' is not supported by podwire`;
  }
  return len;
}

/** An address with prefix as `-s`/`-d` take it: `A.B.C.D[/LEN|/MASK]`; host bits are cleared as iptables does. */
export function parseAddrPrefix(text: string): { addr: Ip4; prefixLen: number } | string {
  const slash = text.indexOf('/');
  const host = slash < 0 ? text : text.slice(0, slash);
  const ip = parseDottedQuad(host);
  if (ip === undefined) return `host/network \`${host}' not found (podwire takes dotted-quad addresses only)`;
  let prefixLen = 32;
  if (slash >= 0) {
    const len = parseMask(text.slice(slash + 1));
    if (typeof len === 'string') return len;
    prefixLen = len;
  }
  return { addr: (ip & maskOf(prefixLen)) >>> 0, prefixLen };
}

/** IFNAMSIZ − 1. */
export const IFNAME_MAX = 15;

/** An interface name as `-i`/`--physdev-in` take it (a trailing `+` is a wildcard); error text or undefined. */
export function checkIfaceName(name: string): string | undefined {
  if (name.length === 0 || name.length > IFNAME_MAX) {
    return `interface name \`${name}' must be shorter than IFNAMSIZ (${IFNAME_MAX})`;
  }
  if (/\s/.test(name)) return `interface name \`${name}' contains blanks`;
  return undefined;
}
