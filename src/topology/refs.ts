/**
 * `from`/`to` references: `node/NAME`, `router/NAME` or a plain IPv4 address. Syntax is checked here;
 * whether the named node or router exists is checked in `scenario.ts` against the cluster.
 */

import { parseIp4 } from './addr.js';
import { type CustomDetail, isDnsLabel, isNodeName } from './formats.js';
import type { Ref } from './types.js';

/** Prefixes later issues add (pods, Deployments, Services); refused with a clear "not yet". */
const LATER_PREFIXES: ReadonlySet<string> = new Set(['pod', 'deploy', 'svc']);

/** Parses a reference, or says what is wrong with it. */
export function parseRef(
  text: string,
): { readonly ok: true; readonly ref: Ref } | { readonly ok: false; readonly detail: CustomDetail } {
  const slash = text.indexOf('/');
  if (slash < 0) {
    const ip = parseIp4(text);
    if (ip !== undefined) return { ok: true, ref: { kind: 'ip', ip, text } };
  } else {
    const prefix = text.slice(0, slash);
    const name = text.slice(slash + 1);
    if (prefix === 'node' && isNodeName(name)) return { ok: true, ref: { kind: 'node', name, text } };
    if (prefix === 'router' && isDnsLabel(name)) return { ok: true, ref: { kind: 'router', name, text } };
    if (LATER_PREFIXES.has(prefix))
      return { ok: false, detail: { code: 'unsupported_reference', received: text, prefix } };
  }
  return { ok: false, detail: { code: 'invalid_format', format: 'reference', received: text } };
}
