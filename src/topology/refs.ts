/**
 * `from`/`to` references: `node/NAME`, `router/NAME`, `host/NAME`, `pod/[NAMESPACE/]NAME`,
 * `deploy/[NAMESPACE/]NAME` and `sts/[NAMESPACE/]NAME` (a workload's first ready pod),
 * `svc/[NAMESPACE/]NAME` (namespace `default` when left out), a plain IPv4 address, or a DNS name
 * (`web`, `web.shop.svc.cluster.local`, `db-0.db`: anything else without a `KIND/` prefix); any of
 * them may end in `:PORT`, a number — or for pods, workloads and Services a port name (`svc/web:http`).
 * Syntax is checked here; whether the named thing and port exist, and whether the reference may stand
 * where it is, is checked in `scenario.ts` against the cluster and the Kubernetes documents.
 */

import { parseIp4 } from './addr.js';
import { DEFAULT_NAMESPACE } from './defaults.js';
import { type CustomDetail, isDnsLabel, isNodeName, isServiceName, parsePortNumber } from './formats.js';
import type { LaterFeature } from './issues.js';
import type { Ref } from './types.js';

/** Prefixes later issues add; refused with a clear "not yet". */
const LATER_PREFIXES: ReadonlyMap<string, LaterFeature> = new Map();

/** A name of dotted all-digit labels is a mistyped address (`10.0.0.256`), not a DNS name. */
const DOTTED_DIGITS = /^[\d.]+$/;

type Parsed =
  | { readonly ok: true; readonly ref: Ref }
  | { readonly ok: false; readonly detail: CustomDetail };

/** `NAME` or `NAMESPACE/NAME`: a namespace is a DNS label, the name is checked by `isName`. */
function namespaced(
  rest: string,
  isName: (s: string) => boolean,
): { namespace: string; name: string } | undefined {
  const slash = rest.indexOf('/');
  const namespace = slash < 0 ? DEFAULT_NAMESPACE : rest.slice(0, slash);
  const name = rest.slice(slash + 1);
  return isDnsLabel(namespace) && isName(name) ? { namespace, name } : undefined;
}

/** A port name after `:`: an IANA service name for containers, a DNS label for Services. */
const PORT_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function isRefPortName(text: string): boolean {
  return PORT_NAME.test(text) && /[a-z]/.test(text) && text.length <= 63;
}

function badPort(format: 'port' | 'port_number' | 'port_number_only', received: string): Parsed {
  return { ok: false, detail: { code: 'invalid_format', format, received } };
}

function withoutPort(text: string): Ref | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) {
    const ip = parseIp4(text);
    if (ip !== undefined) return { kind: 'ip', ip, text };
    // A DNS name as a pod's resolver takes it: relative names go through the search path.
    const name = text.endsWith('.') ? text.slice(0, -1) : text;
    if (DOTTED_DIGITS.test(text) || !isNodeName(name)) return undefined;
    return { kind: 'dns', name: text, text };
  }
  const prefix = text.slice(0, slash);
  const rest = text.slice(slash + 1);
  if (prefix === 'node' && isNodeName(rest)) return { kind: 'node', name: rest, text };
  if (prefix === 'router' && isDnsLabel(rest)) return { kind: 'router', name: rest, text };
  if (prefix === 'host' && isDnsLabel(rest)) return { kind: 'host', name: rest, text };
  if (prefix === 'pod') {
    const pod = namespaced(rest, isNodeName);
    return pod === undefined ? undefined : { kind: 'pod', ...pod, text };
  }
  if (prefix === 'deploy' || prefix === 'sts') {
    const workload = namespaced(rest, isNodeName);
    return workload === undefined ? undefined : { kind: prefix, ...workload, text };
  }
  if (prefix === 'svc') {
    const svc = namespaced(rest, isServiceName);
    return svc === undefined ? undefined : { kind: 'svc', ...svc, text };
  }
  return undefined;
}

/** Parses a reference, or says what is wrong with it. */
export function parseRef(text: string): Parsed {
  const slash = text.indexOf('/');
  const prefix = slash < 0 ? '' : text.slice(0, slash);
  const later = LATER_PREFIXES.get(prefix);
  if (later !== undefined) {
    return {
      ok: false,
      detail: { code: 'unsupported_reference', received: text, prefix, arrivesWith: later },
    };
  }
  const colon = text.lastIndexOf(':');
  const base = withoutPort(colon < 0 ? text : text.slice(0, colon));
  if (base === undefined) {
    return { ok: false, detail: { code: 'invalid_format', format: 'reference', received: text } };
  }
  if (colon < 0) return { ok: true, ref: base };
  const portText = text.slice(colon + 1);
  const number = parsePortNumber(portText);
  if (base.kind === 'pod' || base.kind === 'svc' || base.kind === 'deploy' || base.kind === 'sts') {
    const port = number ?? (isRefPortName(portText) ? portText : undefined);
    return port === undefined ? badPort('port', portText) : { ok: true, ref: { ...base, text, port } };
  }
  if (number !== undefined) return { ok: true, ref: { ...base, text, port: number } };
  return badPort(/^\d+$/.test(portText) ? 'port_number' : 'port_number_only', portText);
}

/** How a pod or Service reference names its object in messages: `NAME` in `default`, else `NAMESPACE/NAME`. */
export function podKey(namespace: string, name: string): string {
  return namespace === DEFAULT_NAMESPACE ? name : `${namespace}/${name}`;
}

/** The reference as written, without its `:PORT`. */
export function refBase(ref: Ref): string {
  if (ref.port === undefined) return ref.text;
  return ref.text.slice(0, ref.text.lastIndexOf(':'));
}
