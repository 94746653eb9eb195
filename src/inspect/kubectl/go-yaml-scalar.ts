/**
 * How go-yaml v2 (the fork inside sigs.k8s.io/yaml that kubectl's YAMLPrinter uses) chooses a string's
 * style: encode.go stringv asks for plain unless the text would resolve to another tag (resolve.go:
 * null, bool, int, float, timestamp) or look like a base-60 float, and for literal when it holds a
 * newline; emitterc.go yaml_emitter_analyze_scalar / select_scalar_style then demote plain to
 * single-quoted, and single-quoted or literal to double-quoted, by what the text contains.
 */

export type ScalarStyle = 'plain' | 'single' | 'double' | 'literal';

// resolve.go resolveMap: the words that resolve to bool, null or special floats.
const RESOLVED_WORDS = new Set([
  ...['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON'],
  ...['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF'],
  ...['', '~', 'null', 'Null', 'NULL'],
  ...['.nan', '.NaN', '.NAN', '.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF', '-.inf', '-.Inf', '-.INF'],
]);
/** resolveTable hints: which first characters send a plain scalar through the map / number / float checks. */
const MAP_HINT = new Set([...'yYnNtTfFoO~']);
const NUMBER_HINT = new Set([...'+-0123456789']);

/** strconv.ParseInt(s, 0, 64) accepting (sign, 0x / 0o / 0b / leading-0 octal / decimal). */
const GO_INT = /^[-+]?(?:0[xX][0-9a-fA-F]+|0[oO]?[0-7]+|0[bB][01]+|[1-9][0-9]*|0)$/;
/** resolve.go yamlStyleFloat. */
const YAML_FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;
/** encode.go base60float (isBase60Float). */
const BASE60_FLOAT = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;
/** resolve.go allowedTimestampFormats (Go layouts with 1- or 2-digit fields). */
const TIMESTAMP = [
  /^(\d{4})-(\d{1,2})-(\d{1,2})[Tt](\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/,
  /^(\d{4})-(\d{1,2})-(\d{1,2}) (\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.\d+)?$/,
  /^(\d{4})-(\d{1,2})-(\d{1,2})$/,
];

function isTimestamp(s: string): boolean {
  for (const re of TIMESTAMP) {
    const m = re.exec(s);
    if (m === null) continue;
    const [month = 0, day = 0, hour = 0, min = 0, sec = 0] = [2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0));
    // time.Parse checks the fields' ranges.
    if (month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour < 24 && min < 60 && sec < 60) return true;
  }
  return false;
}

/** True when go-yaml v2 reads the text, unquoted, as something other than a string (resolve("", s)). */
export function resolvesToNonString(s: string): boolean {
  if (s === '') return true;
  const first = s[0] ?? '';
  if (MAP_HINT.has(first) || first === '.' || NUMBER_HINT.has(first)) {
    if (RESOLVED_WORDS.has(s)) return true;
  }
  if (first === '.') return YAML_FLOAT.test(s);
  if (!NUMBER_HINT.has(first)) return false;
  if (isTimestamp(s)) return true;
  const plain = s.replaceAll('_', '');
  return GO_INT.test(plain) || YAML_FLOAT.test(plain) || /^-?0b[01]+$/.test(plain);
}

function isBase60Float(s: string): boolean {
  return s.includes(':') && BASE60_FLOAT.test(s);
}

/** yamlprivateh.go is_printable: what the emitter may write unescaped (unicode output on). */
export function isPrintable(cp: number): boolean {
  return (
    cp === 0x0a ||
    (cp >= 0x20 && cp <= 0x7e) ||
    (cp >= 0xa0 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd && cp !== 0xfeff)
  );
}

export function isBreak(cp: number): boolean {
  return cp === 0x0a || cp === 0x0d || cp === 0x85 || cp === 0x2028 || cp === 0x2029;
}

const isBlank = (cp: number | undefined): boolean => cp === 0x20 || cp === 0x09;
const FIRST_INDICATORS = new Set([...'#,[]{}&*!|>\'"%@`']);

interface Analysis {
  readonly multiline: boolean;
  readonly blockPlainAllowed: boolean;
  readonly singleQuotedAllowed: boolean;
  readonly blockAllowed: boolean;
}

/** emitterc.go yaml_emitter_analyze_scalar, for block context. */
function analyze(s: string): Analysis {
  if (s === '')
    return { multiline: false, blockPlainAllowed: true, singleQuotedAllowed: true, blockAllowed: false };
  const cps = [...s].map((c) => c.codePointAt(0) ?? 0);
  let blockIndicators = s.startsWith('---') || s.startsWith('...');
  let special = false;
  let lineBreaks = false;
  let [leadingSpace, leadingBreak, trailingSpace, trailingBreak] = [false, false, false, false];
  let [breakSpace, spaceBreak, previousSpace, previousBreak] = [false, false, false, false];
  let precededByWhitespace = true;
  for (let i = 0; i < cps.length; i++) {
    const c = cps[i] ?? 0;
    const followedByWhitespace = i + 1 >= cps.length || isBlank(cps[i + 1]);
    const ch = String.fromCodePoint(c);
    if (i === 0) {
      if (FIRST_INDICATORS.has(ch)) blockIndicators = true;
      else if ((ch === '?' || ch === ':' || ch === '-') && followedByWhitespace) blockIndicators = true;
    } else if ((ch === ':' && followedByWhitespace) || (ch === '#' && precededByWhitespace)) {
      blockIndicators = true;
    }
    if (!isPrintable(c)) special = true;
    const last = i === cps.length - 1;
    if (c === 0x20) {
      if (i === 0) leadingSpace = true;
      if (last) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (isBreak(c)) {
      lineBreaks = true;
      if (i === 0) leadingBreak = true;
      if (last) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousBreak = true;
      previousSpace = false;
    } else {
      previousSpace = false;
      previousBreak = false;
    }
    precededByWhitespace = c === 0x20 || c === 0x09 || isBreak(c) || c === 0;
  }
  let blockPlainAllowed = !(leadingSpace || leadingBreak || trailingSpace || trailingBreak);
  let singleQuotedAllowed = true;
  let blockAllowed = !trailingSpace;
  if (breakSpace) blockPlainAllowed = singleQuotedAllowed = false;
  if (spaceBreak || special) blockPlainAllowed = singleQuotedAllowed = blockAllowed = false;
  if (lineBreaks || blockIndicators) blockPlainAllowed = false;
  return { multiline: lineBreaks, blockPlainAllowed, singleQuotedAllowed, blockAllowed };
}

/** The style go-yaml v2 writes a string value (or, with `simpleKey`, a mapping key) in. */
export function scalarStyle(s: string, simpleKey: boolean): ScalarStyle {
  // encode.go stringv: the style asked for.
  const canUsePlain = !resolvesToNonString(s) && !isBase60Float(s);
  let style: ScalarStyle = s.includes('\n') ? 'literal' : canUsePlain ? 'plain' : 'double';
  // emitterc.go yaml_emitter_select_scalar_style.
  const a = analyze(s);
  if (simpleKey && a.multiline) return 'double';
  if (style === 'plain' && (!a.blockPlainAllowed || (s === '' && simpleKey))) style = 'single';
  if (style === 'single' && !a.singleQuotedAllowed) style = 'double';
  if (style === 'literal' && (!a.blockAllowed || simpleKey)) style = 'double';
  return style;
}
