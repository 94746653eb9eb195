/**
 * `from`/`to` references: `node/NAME`, `router/NAME`, `pod/NAME` (namespace `default`),
 * `pod/NAMESPACE/NAME` or a plain IPv4 address. Syntax is checked here; whether the named node, router
 * or pod exists is checked in `scenario.ts` against the cluster and the Pod documents.
 */

import { parseIp4 } from './addr.js';
import { DEFAULT_NAMESPACE } from './defaults.js';
import { type CustomDetail, isDnsLabel, isNodeName } from './formats.js';
import type { LaterFeature } from './issues.js';
import type { Ref } from './types.js';

/** Prefixes later issues add (Deployments, Services); refused with a clear "not yet". */
const LATER_PREFIXES: ReadonlyMap<string, LaterFeature> = new Map([
  ['deploy', 'workloads'],
  ['svc', 'services'],
]);

/** `NAME` or `NAMESPACE/NAME` after `pod/`: a namespace is a DNS label, a pod name a DNS subdomain. */
function podRef(rest: string, text: string): Ref | undefined {
  const slash = rest.indexOf('/');
  const namespace = slash < 0 ? DEFAULT_NAMESPACE : rest.slice(0, slash);
  const name = rest.slice(slash + 1);
  if (!isDnsLabel(namespace) || !isNodeName(name)) return undefined;
  return { kind: 'pod', name, namespace, text };
}

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
    const pod = prefix === 'pod' ? podRef(name, text) : undefined;
    if (pod !== undefined) return { ok: true, ref: pod };
    const later = LATER_PREFIXES.get(prefix);
    if (later !== undefined)
      return {
        ok: false,
        detail: { code: 'unsupported_reference', received: text, prefix, arrivesWith: later },
      };
  }
  return { ok: false, detail: { code: 'invalid_format', format: 'reference', received: text } };
}

/** How a pod reference names its pod in messages: `NAME` in `default`, else `NAMESPACE/NAME`. */
export function podKey(namespace: string, name: string): string {
  return namespace === DEFAULT_NAMESPACE ? name : `${namespace}/${name}`;
}
