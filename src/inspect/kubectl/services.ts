/**
 * `kubectl get services`: printers.go printService. CLUSTER-IP is `spec.clusterIPs[0]`; EXTERNAL-IP
 * per type (getServiceExternalIP): externalIPs or `<none>`, a LoadBalancer's ingress IPs (sorted,
 * clipped to 16 characters without -o wide) then externalIPs, or `<pending>`, an ExternalName's name;
 * PORT(S) as `80/TCP` or `80:30080/TCP` (makePortString); -o wide adds SELECTOR.
 */

import type { Service } from '../../k8s/index.js';
import { age, type GetOptions, type GetResult, kubectlGet, type ResourceTable } from './get.js';
import { formatLabels } from './labels.js';

/** printers.go loadBalancerWidth. */
const LOAD_BALANCER_WIDTH = 16;

/** loadBalancerStatusStringer: unique ingress IPs (or hostnames), sorted, clipped unless wide. */
function loadBalancerIps(svc: Service, wide: boolean): string {
  const ingress = (svc.status?.loadBalancer?.ingress ?? []) as readonly { ip?: string; hostname?: string }[];
  const set = new Set<string>();
  for (const i of ingress) {
    if (i.ip !== undefined && i.ip !== '') set.add(i.ip);
    else if (i.hostname !== undefined && i.hostname !== '') set.add(i.hostname);
  }
  const r = [...set].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).join(',');
  return !wide && r.length > LOAD_BALANCER_WIDTH ? `${r.slice(0, LOAD_BALANCER_WIDTH - 3)}...` : r;
}

/** getServiceExternalIP. */
function externalIp(svc: Service, wide: boolean): string {
  const external = svc.spec.externalIPs ?? [];
  switch (svc.spec.type ?? 'ClusterIP') {
    case 'ClusterIP':
    case 'NodePort':
      return external.length > 0 ? external.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = loadBalancerIps(svc, wide);
      if (external.length > 0) return [...(lb === '' ? [] : lb.split(',')), ...external].join(',');
      return lb !== '' ? lb : '<pending>';
    }
    case 'ExternalName':
      return svc.spec.externalName ?? '';
    default:
      return '<unknown>';
  }
}

/** makePortString; the API server defaults a port's protocol to TCP. */
function ports(svc: Service): string {
  const text = (svc.spec.ports ?? [])
    .map((p) => {
      const proto = p.protocol ?? 'TCP';
      return (p.nodePort ?? 0) > 0 ? `${p.port}:${p.nodePort}/${proto}` : `${p.port}/${proto}`;
    })
    .join(',');
  return text === '' ? '<none>' : text;
}

function clusterIp(svc: Service): string {
  // The API server keeps clusterIPs[0] equal to clusterIP; stores that only set clusterIP still show it.
  const ip = svc.spec.clusterIPs?.[0] ?? svc.spec.clusterIP;
  return ip === undefined || ip === '' ? '<none>' : ip;
}

export const SERVICE_TABLE: ResourceTable<Service> = {
  nameKind: 'service',
  namespaced: true,
  columns: ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE'],
  wideColumns: ['SELECTOR'],
  cells(svc, wide, nowNs) {
    const cells = [
      svc.metadata.name,
      svc.spec.type ?? 'ClusterIP',
      clusterIp(svc),
      externalIp(svc, wide),
      ports(svc),
      age(svc.metadata.creationTimestamp, nowNs),
    ];
    if (wide) cells.push(formatLabels(svc.spec.selector));
    return cells;
  },
};

/** `kubectl get services`. */
export function getServices(services: readonly Service[], opts: GetOptions): GetResult {
  return kubectlGet(SERVICE_TABLE, services, opts);
}
