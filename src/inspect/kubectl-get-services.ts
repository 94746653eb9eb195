/**
 * `kubectl get services|endpoints [-o wide] [-A]` as kubectl prints them (kubernetes
 * `pkg/printers/internalversion/printers.go` printService / printEndpoints with formatEndpoints), laid
 * out by the same tabwriter as the pod table. Rows are plain data from the control plane.
 */

import { humanDuration, tabwrite } from './kubectl-get.js';

/** One Service as `kubectl get services` sees it. */
export interface ServiceRow {
  readonly name: string;
  readonly namespace: string;
  readonly type: 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';
  /** Dotted ClusterIP, `None` for a headless Service, undefined for ExternalName. */
  readonly clusterIP: string | undefined;
  readonly externalIPs: readonly string[];
  /** LoadBalancer: the ingress IPs (none yet prints `<pending>`). */
  readonly loadBalancerIPs: readonly string[];
  readonly externalName?: string;
  readonly ports: readonly { readonly port: number; readonly protocol: string; readonly nodePort?: number }[];
  readonly selector: ReadonlyMap<string, string> | undefined;
  readonly ageNs: number;
}

/** One Endpoints object: addresses (dotted) and the ports they serve. */
export interface EndpointsRow {
  readonly name: string;
  readonly namespace: string;
  readonly addresses: readonly string[];
  readonly ports: readonly number[];
  readonly ageNs: number;
}

export interface KubectlGetOptions {
  readonly wide: boolean;
  readonly allNamespaces?: boolean;
  readonly namespace?: string;
}

const NONE = '<none>';
/** formatEndpoints shows at most three `ip:port` pairs, then ` + N more...`. */
const MAX_ENDPOINTS = 3;

function byKey<T extends { readonly namespace: string; readonly name: string }>(a: T, b: T): number {
  const ka = `${a.namespace}/${a.name}`;
  const kb = `${b.namespace}/${b.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function shownRows<T extends { readonly namespace: string; readonly name: string }>(
  rows: readonly T[],
  o: KubectlGetOptions,
): T[] {
  const ns = o.namespace ?? 'default';
  return rows.filter((r) => o.allNamespaces === true || r.namespace === ns).sort(byKey);
}

function noneFound(o: KubectlGetOptions): string {
  return o.allNamespaces === true
    ? 'No resources found\n'
    : `No resources found in ${o.namespace ?? 'default'} namespace.\n`;
}

/** `labels.FormatLabels`: `k=v` pairs sorted by key, comma-separated; `<none>` when empty. */
function selectorCell(sel: ReadonlyMap<string, string> | undefined): string {
  if (sel === undefined || sel.size === 0) return NONE;
  return [...sel]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** getServiceExternalIP: what EXTERNAL-IP shows per Service type. */
function externalIpCell(r: ServiceRow): string {
  if (r.type === 'ExternalName') return r.externalName ?? NONE;
  if (r.type === 'LoadBalancer') {
    const ips = [...r.loadBalancerIPs, ...r.externalIPs];
    return ips.length > 0 ? ips.join(',') : '<pending>';
  }
  return r.externalIPs.length > 0 ? r.externalIPs.join(',') : NONE;
}

/** makePortString: `80/TCP`, `80:30080/TCP`, joined by commas. */
function portsCell(r: ServiceRow): string {
  if (r.ports.length === 0) return NONE;
  return r.ports
    .map((p) =>
      p.nodePort !== undefined ? `${p.port}:${p.nodePort}/${p.protocol}` : `${p.port}/${p.protocol}`,
    )
    .join(',');
}

/** `kubectl get services`; when nothing is shown, the line kubectl writes on stderr. */
export function kubectlGetServices(rows: readonly ServiceRow[], o: KubectlGetOptions): string {
  const shown = shownRows(rows, o);
  if (shown.length === 0) return noneFound(o);
  const header = ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE'];
  if (o.wide) header.push('SELECTOR');
  if (o.allNamespaces === true) header.unshift('NAMESPACE');
  const body = shown.map((r) => {
    const cells = [
      r.name,
      r.type,
      r.clusterIP ?? NONE,
      externalIpCell(r),
      portsCell(r),
      humanDuration(r.ageNs),
    ];
    if (o.wide) cells.push(selectorCell(r.selector));
    if (o.allNamespaces === true) cells.unshift(r.namespace);
    return cells;
  });
  return tabwrite([header, ...body]);
}

/** formatEndpoints for one subset: every port × every address, at most three shown. */
function endpointsCell(r: EndpointsRow): string {
  const all: string[] = [];
  if (r.ports.length === 0) all.push(...r.addresses);
  else for (const port of r.ports) for (const a of r.addresses) all.push(`${a}:${port}`);
  if (all.length === 0) return NONE;
  if (all.length <= MAX_ENDPOINTS) return all.join(',');
  return `${all.slice(0, MAX_ENDPOINTS).join(',')} + ${all.length - MAX_ENDPOINTS} more...`;
}

/** `kubectl get endpoints` (kubectl also warns that v1 Endpoints is deprecated; that line goes to stderr). */
export function kubectlGetEndpoints(rows: readonly EndpointsRow[], o: KubectlGetOptions): string {
  const shown = shownRows(rows, o);
  if (shown.length === 0) return noneFound(o);
  const header = ['NAME', 'ENDPOINTS', 'AGE'];
  if (o.allNamespaces === true) header.unshift('NAMESPACE');
  const body = shown.map((r) => {
    const cells = [r.name, endpointsCell(r), humanDuration(r.ageNs)];
    if (o.allNamespaces === true) cells.unshift(r.namespace);
    return cells;
  });
  return tabwrite([header, ...body]);
}
