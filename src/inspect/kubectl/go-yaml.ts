/**
 * `kubectl get -o yaml` text: cli-runtime's YAMLPrinter calls sigs.k8s.io/yaml.Marshal, which turns the
 * object's JSON into go-yaml v2 values and emits them. So: keys in go-yaml's natural order (sorter.go
 * keyList.Less), 2-space indent, a sequence inside a mapping not indented (`- name: x` at the key's
 * column), `{}` / `[]` for empty containers, and long scalars folded at column 80 (best_width) with
 * continuation lines at the container's indent + 2 (emitterc.go write_plain / single / double_quoted).
 */

import { isBreak, isPrintable, type ScalarStyle, scalarStyle } from './go-yaml-scalar.js';

const BEST_WIDTH = 80;
const BEST_INDENT = 2;

const isLetter = (c: string): boolean => /\p{L}/u.test(c);
const isDigit = (c: string | undefined): boolean => c !== undefined && /\p{Nd}/u.test(c);

/** sorter.go keyList.Less for string keys: letters after non-letters, runs of digits by value. */
export function yamlKeyLess(a: string, b: string): boolean {
  const ar = [...a];
  const br = [...b];
  for (let i = 0; i < ar.length && i < br.length; i++) {
    const ac = ar[i] ?? '';
    const bc = br[i] ?? '';
    if (ac === bc) continue;
    const al = isLetter(ac);
    const bl = isLetter(bc);
    if (al && bl) return (ac.codePointAt(0) ?? 0) < (bc.codePointAt(0) ?? 0);
    if (al || bl) return bl;
    let an = 0;
    let bn = 0;
    if (ac === '0' || bc === '0') {
      for (let j = i - 1; j >= 0 && isDigit(ar[j]); j--) {
        if (ar[j] !== '0') {
          an = 1;
          bn = 1;
          break;
        }
      }
    }
    let ai = i;
    for (; ai < ar.length && isDigit(ar[ai]); ai++) an = an * 10 + Number(ar[ai]);
    let bi = i;
    for (; bi < br.length && isDigit(br[bi]); bi++) bn = bn * 10 + Number(br[bi]);
    if (an !== bn) return an < bn;
    if (ai !== bi) return ai < bi;
    return (ac.codePointAt(0) ?? 0) < (bc.codePointAt(0) ?? 0);
  }
  return ar.length < br.length;
}

const DOUBLE_ESCAPES: Readonly<Record<number, string>> = {
  0: '0',
  7: 'a',
  8: 'b',
  9: 't',
  10: 'n',
  11: 'v',
  12: 'f',
  13: 'r',
  27: 'e',
  34: '"',
  92: '\\',
  133: 'N',
  160: '_',
  8232: 'L',
  8233: 'P',
};

function escapeDouble(cp: number): string {
  const short = DOUBLE_ESCAPES[cp];
  if (short !== undefined) return `\\${short}`;
  const hex = cp.toString(16).toUpperCase();
  if (cp <= 0xff) return `\\x${hex.padStart(2, '0')}`;
  if (cp <= 0xffff) return `\\u${hex.padStart(4, '0')}`;
  return `\\U${hex.padStart(8, '0')}`;
}

/** The emitter's output buffer with go-yaml's column bookkeeping. */
class Out {
  text = '';
  column = 0;

  put(s: string): void {
    this.text += s;
    this.column += [...s].length;
  }

  /**
   * yaml_emitter_write_indent: a line break unless a block scalar already ended the line with one,
   * then spaces to `indent`.
   */
  newline(indent: number): void {
    if (!(this.column === 0 && this.text.endsWith('\n'))) this.text += '\n';
    this.text += ' '.repeat(indent);
    this.column = indent;
  }
}

/** Writes a string scalar; `indent` is where folded lines continue, `fold` false for a simple key. */
function writeString(out: Out, s: string, style: ScalarStyle, indent: number, fold: boolean): void {
  const cps = [...s];
  if (style === 'literal') {
    writeLiteral(out, cps, indent);
    return;
  }
  const quote = style === 'single' ? "'" : style === 'double' ? '"' : '';
  out.put(quote);
  let spaces = false;
  for (let i = 0; i < cps.length; i++) {
    const c = cps[i] ?? '';
    const cp = c.codePointAt(0) ?? 0;
    if (style === 'double' && (!isPrintable(cp) || cp === 0xfeff || isBreak(cp) || c === '"' || c === '\\')) {
      out.put(escapeDouble(cp));
      spaces = false;
    } else if (c === ' ') {
      const inside = style === 'plain' || (i > 0 && i < cps.length - 1);
      const nextSpace = cps[i + 1] === ' ';
      if (fold && !spaces && out.column > BEST_WIDTH && inside && (style === 'double' || !nextSpace)) {
        out.newline(indent);
        if (style === 'double' && nextSpace) out.put('\\');
      } else {
        out.put(' ');
      }
      spaces = true;
    } else {
      out.put(style === 'single' && c === "'" ? "''" : c);
      spaces = false;
    }
  }
  out.put(quote);
}

/** write_literal_scalar with write_block_scalar_hints: `|`, indent hint, chomping `-` / `+`. */
function writeLiteral(out: Out, cps: readonly string[], indent: number): void {
  let hints = '|';
  const first = cps[0] ?? '';
  if (first === ' ' || isBreak(first.codePointAt(0) ?? 0)) hints += String(BEST_INDENT);
  const brk = (c: string | undefined): boolean => c !== undefined && isBreak(c.codePointAt(0) ?? 0);
  const n = cps.length;
  if (!brk(cps[n - 1])) hints += '-';
  else if (n === 1 || brk(cps[n - 2])) hints += '+';
  out.put(hints);
  let breaks = true;
  out.text += '\n';
  out.column = 0;
  for (const c of cps) {
    if (brk(c)) {
      out.text += '\n';
      out.column = 0;
      breaks = true;
    } else {
      if (breaks) out.put(' '.repeat(indent));
      out.put(c);
      breaks = false;
    }
  }
}

type Value = unknown;

const isMap = (v: Value): v is Record<string, Value> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function entriesOf(m: Record<string, Value>): [string, Value][] {
  return Object.entries(m)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (yamlKeyLess(a, b) ? -1 : yamlKeyLess(b, a) ? 1 : 0));
}

const isEmptyContainer = (v: Value): boolean =>
  (Array.isArray(v) && v.length === 0) || (isMap(v) && entriesOf(v).length === 0);

/** A scalar or empty container after `key:` or `-`: one space, then the value. */
function writeInline(out: Out, v: Value, indent: number): void {
  out.put(' ');
  if (v === null || v === undefined) out.put('null');
  else if (Array.isArray(v)) out.put('[]');
  else if (isMap(v)) out.put('{}');
  else if (typeof v === 'string') writeString(out, v, scalarStyle(v, false), indent, true);
  else out.put(String(v));
}

/** A block mapping whose keys start at column `indent`; the cursor is already there for the first key. */
function writeMapping(out: Out, m: Record<string, Value>, indent: number): void {
  let first = true;
  for (const [key, v] of entriesOf(m)) {
    if (!first) out.newline(indent);
    first = false;
    writeString(out, key, scalarStyle(key, true), indent, false);
    out.put(':');
    writeValue(out, v, indent);
  }
}

/** A block sequence with its `-` at column `indent`; the cursor is already there for the first item. */
function writeSequence(out: Out, items: readonly Value[], indent: number): void {
  items.forEach((item, i) => {
    if (i > 0) out.newline(indent);
    out.put('-');
    if (isMap(item) && !isEmptyContainer(item)) {
      out.put(' ');
      writeMapping(out, item, indent + BEST_INDENT);
    } else if (Array.isArray(item) && item.length > 0) {
      out.put(' ');
      writeSequence(out, item, indent + BEST_INDENT);
    } else {
      writeInline(out, item, indent + BEST_INDENT);
    }
  });
}

/** The node after `key:` of a mapping at `indent`. */
function writeValue(out: Out, v: Value, indent: number): void {
  if (isMap(v) && !isEmptyContainer(v)) {
    out.newline(indent + BEST_INDENT);
    writeMapping(out, v, indent + BEST_INDENT);
  } else if (Array.isArray(v) && v.length > 0) {
    // A sequence that is a mapping's value is indentless (yaml_emitter_emit_block_sequence_item).
    out.newline(indent);
    writeSequence(out, v, indent);
  } else {
    writeInline(out, v, indent + BEST_INDENT);
  }
}

/** sigs.k8s.io/yaml.Marshal of a JSON-shaped object (a mapping at the root), newline-terminated. */
export function goYaml(root: Record<string, Value>): string {
  const out = new Out();
  if (entriesOf(root).length === 0) return '{}\n';
  writeMapping(out, root, 0);
  return out.text.endsWith('\n') ? out.text : `${out.text}\n`;
}
