/**
 * Go's `json.MarshalIndent(obj, "", "    ")` over an unstructured object, as cli-runtime's JSONPrinter
 * writes `kubectl get -o json`: kubectl reads objects as `map[string]interface{}`, and encoding/json
 * writes map keys sorted (sort.Strings), escapes `<`, `>`, `&`, U+2028 and U+2029 (HTMLEscape is on by
 * default), prints empty containers as `[]` / `{}`, and ends the document with a newline.
 */

const INDENT = '    ';

/** Byte order of the UTF-8 encodings equals code-point order; for BMP text it is UTF-16 order. */
function byBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const HTML_UNSAFE = /[<>&\u2028\u2029]/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** A Go JSON string: ill-formed UTF-16 becomes U+FFFD as Go's encoder does for invalid UTF-8. */
export function goJsonString(s: string): string {
  return JSON.stringify(s.replace(LONE_SURROGATE, '\ufffd')).replace(
    HTML_UNSAFE,
    (c) => `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`,
  );
}

function encode(value: unknown, indent: string): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return goJsonString(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const inner = indent + INDENT;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((v) => inner + encode(v, inner)).join(',\n')}\n${indent}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => byBytes(a, b));
  if (entries.length === 0) return '{}';
  return `{\n${entries.map(([k, v]) => `${inner}${goJsonString(k)}: ${encode(v, inner)}`).join(',\n')}\n${indent}}`;
}

/** The text `kubectl get -o json` writes for one (already API-shaped) object or list. */
export function goJsonIndent(value: unknown): string {
  return `${encode(value, '')}\n`;
}
