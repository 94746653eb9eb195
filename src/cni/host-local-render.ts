/**
 * A listing of host-local's state directory, byte for byte what this prints on a real node:
 *
 *     cd /var/lib/cni/networks/cbr0 && LC_ALL=C bash -c 'for f in *; do printf "%s %q\n" "$f" "$(cat "$f")"; done'
 *
 * one line per file in `ls` order: the name, a space, and the content quoted as bash's `printf %q`
 * quotes it, so the `\r\n` inside a reservation shows as `$'cid1\r\neth0'` and the empty lock as `''`.
 */
import type { HostLocalFile } from './host-local.js';

// Characters bash's %q backslash-escapes anywhere (sh_backslash_quote), and those it escapes only first.
const SPECIAL = new Set([...' \'"\\|&;()<>!{}*[]?^$`,']);
const SPECIAL_FIRST = new Set(['~', '#']);
const ANSI_C: ReadonlyMap<string, string> = new Map([
  ['\x07', '\\a'],
  ['\b', '\\b'],
  ['\x1b', '\\E'],
  ['\f', '\\f'],
  ['\n', '\\n'],
  ['\r', '\\r'],
  ['\t', '\\t'],
  ['\v', '\\v'],
  ['\\', '\\\\'],
  ["'", "\\'"],
]);

function isControl(ch: string): boolean {
  const c = ch.charCodeAt(0);
  return c < 0x20 || c === 0x7f;
}

/** Quotes a string as bash 5's `printf %q` does for ASCII text. */
export function bashQuote(s: string): string {
  if (s === '') return "''";
  const chars = [...s];
  if (chars.some(isControl)) {
    const body = chars
      .map(
        (ch) => ANSI_C.get(ch) ?? (isControl(ch) ? `\\${ch.charCodeAt(0).toString(8).padStart(3, '0')}` : ch),
      )
      .join('');
    return `$'${body}'`;
  }
  return chars
    .map((ch, i) => (SPECIAL.has(ch) || (i === 0 && SPECIAL_FIRST.has(ch)) ? `\\${ch}` : ch))
    .join('');
}

/** Renders the state directory as the shell loop in this file's header prints it. */
export function renderHostLocalDir(files: readonly HostLocalFile[]): string {
  return files.map((f) => `${f.name} ${bashQuote(f.content)}\n`).join('');
}
