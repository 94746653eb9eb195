/**
 * The kubernetes plugin's record lookup (plugin/kubernetes/kubernetes.go Records, findServices,
 * findPods): a parsed query name becomes a list of "services" — a host (an IP, or a name for an
 * ExternalName) with a port and the name SRV answers point at — or a name error.
 */
import type { EndpointSlice, Service } from '../api/index.js';
import { matchPortAndProtocol, type RecordRequest } from './request.js';

/** One result: what the name stands for (msg.Service in CoreDNS). */
export interface ZoneItem {
  /** An IPv4 address, or a domain name (ExternalName). */
  readonly host: string;
  /** The port, −1 when the endpoints declare none (CoreDNS's sentinel; no SRV then). */
  readonly port: number;
  /** The name an SRV record targets: `web.default.svc.cluster.local.` or `web-0.web.default.svc…`. */
  readonly target: string;
}

/** What the lookups read: the informers' caches. */
export interface ZoneView {
  service(namespace: string, name: string): Service | undefined;
  /** The EndpointSlices of a Service (label kubernetes.io/service-name). */
  slices(namespace: string, service: string): readonly EndpointSlice[];
  /** namespaceExposed: the namespace exists. */
  namespaceExists(namespace: string): boolean;
}

/** A name error (errNoItems, errNsNotExposed, errInvalidRequest): the answer is NXDOMAIN. */
export const NAME_ERROR = 'NXDOMAIN' as const;

/** An endpoint as CoreDNS keeps it: its address and the label it answers to below the Service. */
export interface ReadyAddress {
  readonly ip: string;
  /** `hostname`, or the dashed IP (endpointHostname). */
  readonly label: string;
  readonly ports: readonly { readonly name?: string; readonly port: number; readonly protocol?: string }[];
}

/**
 * The ready addresses of a Service's slices (object.EndpointSliceToEndpoints): endpoints whose
 * `conditions.ready` is not false (nil means ready, as discovery/v1 says), IPv4 slices only; a slice
 * without ports gets the port −1 sentinel so its addresses still answer A queries.
 */
export function readyAddresses(slices: readonly EndpointSlice[]): ReadyAddress[] {
  const out: ReadyAddress[] = [];
  for (const s of slices) {
    if (s.addressType !== 'IPv4') continue;
    const ports =
      s.ports === undefined || s.ports.length === 0
        ? [{ port: -1 }]
        : s.ports.map((p) => ({
            port: p.port ?? -1,
            ...(p.name === undefined ? {} : { name: p.name }),
            ...(p.protocol === undefined ? {} : { protocol: p.protocol }),
          }));
    for (const e of s.endpoints) {
      if (e.conditions.ready === false) continue;
      for (const ip of e.addresses) out.push({ ip, label: e.hostname ?? ip.replaceAll('.', '-'), ports });
    }
  }
  return out;
}

/** True for a dotted IPv4 address. */
export function isIp4Text(s: string): boolean {
  const p = s.split('.');
  return p.length === 4 && p.every((x) => /^\d{1,3}$/.test(x) && Number(x) <= 255);
}

/** Records(): what `req` names, or NAME_ERROR. An empty list is NODATA. */
export function records(view: ZoneView, req: RecordRequest, zone: string): ZoneItem[] | typeof NAME_ERROR {
  if (req.podOrSvc === '') return [];
  if (!view.namespaceExists(req.namespace)) return NAME_ERROR;
  return req.podOrSvc === 'pod' ? findPods(req, zone) : findServices(view, req, zone);
}

/**
 * findPods in `pods insecure` mode: `a-b-c-d.<ns>.pod.<zone>` is a.b.c.d without checking that such a
 * pod exists (kube-dns compatibility). An empty name is NODATA; anything not an IPv4 address NXDOMAIN.
 */
function findPods(req: RecordRequest, zone: string): ZoneItem[] | typeof NAME_ERROR {
  if (req.service === '') return [];
  const ip = req.service.split('-').join('.');
  if (req.service.split('-').length !== 4 || req.service.includes('--') || !isIp4Text(ip)) return NAME_ERROR;
  return [{ host: ip, port: 0, target: `${req.service}.${req.namespace}.pod.${zone}` }];
}

/** findServices: a ClusterIP Service, a headless one (or an endpoint name), or an ExternalName. */
function findServices(view: ZoneView, req: RecordRequest, zone: string): ZoneItem[] | typeof NAME_ERROR {
  if (req.service === '') return [];
  const svc = view.service(req.namespace, req.service);
  if (svc === undefined) return NAME_ERROR;
  const name = svc.metadata.name;
  const ns = svc.metadata.namespace ?? req.namespace;
  const svcName = `${name}.${ns}.svc.${zone}`;
  const items: ZoneItem[] = [];
  let found = false;
  if (svc.spec.type === 'ExternalName') {
    // External services have no endpoints; an IP written as externalName is not answered either.
    const host = svc.spec.externalName ?? '';
    if (req.endpoint !== '' || host === '' || isIp4Text(host)) return NAME_ERROR;
    return [{ host, port: 0, target: svcName }];
  }
  if (svc.spec.clusterIP === 'None' || req.endpoint !== '') {
    for (const a of readyAddresses(view.slices(ns, name))) {
      if (req.endpoint !== '' && req.endpoint !== a.label.toLowerCase()) continue;
      for (const p of a.ports) {
        if (!matchPortAndProtocol(req.port, p.name, req.protocol, p.protocol)) continue;
        found = true;
        items.push({ host: a.ip, port: p.port, target: `${a.label}.${svcName}` });
      }
    }
    return found ? items : NAME_ERROR;
  }
  const ips = svc.spec.clusterIPs ?? (svc.spec.clusterIP === undefined ? [] : [svc.spec.clusterIP]);
  for (const p of svc.spec.ports ?? []) {
    if (!matchPortAndProtocol(req.port, p.name, req.protocol, p.protocol ?? 'TCP')) continue;
    found = true;
    for (const ip of ips) if (isIp4Text(ip)) items.push({ host: ip, port: p.port, target: svcName });
  }
  return found ? items : NAME_ERROR;
}
