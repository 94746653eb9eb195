import {
  type EndpointsRow,
  kubectlGetEndpoints,
  kubectlGetPods,
  kubectlGetServices,
  type PodRow,
  type ServiceRow,
} from '../inspect/index.js';
import { type Cluster, formatIp4 } from '../topology/index.js';
import { inspection } from './load.js';
import type { Output } from './output.js';

export interface GetArgs {
  readonly file: string;
  /** pods (default), services (svc) or endpoints (ep). */
  readonly resource?: 'pods' | 'services' | 'endpoints';
  readonly output?: 'wide' | 'json';
  readonly allNamespaces: boolean;
  readonly at?: string;
  readonly seed?: string | number;
}

/** `podwire get FILE pods [-o wide|json] [-A] [--at T]`: the pods as kubectl lists them. */
export function getCommand(args: GetArgs, io: Output): number {
  const { cluster, play } = inspection(args, io);
  play();
  if (args.resource === 'services' || args.resource === 'endpoints') return getServices(cluster, args, io);
  const now = cluster.sim.now;
  const rows: PodRow[] = [...cluster.pods.values()].map((p) => {
    const running = p.status.phase === 'Running';
    const n = p.desc.containers.length;
    return {
      name: p.desc.name,
      namespace: p.desc.namespace,
      ready: `${running ? n : 0}/${n}`,
      status: p.status.reason ?? p.status.phase,
      restarts: 0,
      ageNs: now - p.createdAt,
      ...(p.status.podIP !== undefined ? { ip: formatIp4(p.status.podIP) } : {}),
      node: p.node,
    };
  });
  if (args.output === 'json') {
    // Not kubectl's full Pod objects: the table's facts, plus why a pod is stuck (its sandbox event).
    const items = [...cluster.pods.values()].map((p, i) => ({
      ...rows[i],
      ...(p.status.message !== undefined ? { message: p.status.message } : {}),
    }));
    io.out(JSON.stringify({ apiVersion: 'v1', kind: 'List', items }, null, 4));
    return 0;
  }
  const text = kubectlGetPods(rows, { wide: args.output === 'wide', allNamespaces: args.allNamespaces });
  // kubectl says "No resources found …" on stderr.
  if (text.startsWith('No resources found')) io.err(text);
  else io.out(text);
  return 0;
}

/**
 * `get services|endpoints`: the Services podwire's API server holds (created at time 0, `kubernetes`
 * first) and their Endpoints as the endpoints controller last wrote them.
 */
function getServices(cluster: Cluster, args: GetArgs, io: Output): number {
  const now = cluster.sim.now;
  const plane = cluster.services;
  const services: ServiceRow[] = [];
  const endpoints: EndpointsRow[] = [];
  for (const [key, live] of plane.services) {
    const s = live.spec;
    services.push({
      name: s.name,
      namespace: s.namespace,
      type: s.type,
      clusterIP:
        s.clusterIP === 'None'
          ? 'None'
          : live.clusterIP === undefined
            ? undefined
            : formatIp4(live.clusterIP),
      externalIPs: s.externalIPs.map(formatIp4),
      loadBalancerIPs:
        s.type === 'LoadBalancer' && s.loadBalancerIP !== undefined ? [formatIp4(s.loadBalancerIP)] : [],
      ...(s.externalName !== undefined ? { externalName: s.externalName } : {}),
      ports: s.ports.map((p, i) => {
        const nodePort = live.nodePorts[i];
        return { port: p.port, protocol: p.protocol, ...(nodePort !== undefined ? { nodePort } : {}) };
      }),
      selector: s.selector,
      ageNs: now,
    });
    if (s.type === 'ExternalName') continue;
    const eps = plane.endpoints.get(key) ?? [];
    // RepackSubsets: one subset here, addresses sorted by IP text, each port of the first endpoint.
    const addresses = eps.map((e) => formatIp4(e.ip)).sort();
    const ports = [...new Set(eps.flatMap((e) => e.ports.map((p) => p.port)))];
    endpoints.push({ name: s.name, namespace: s.namespace, addresses, ports, ageNs: now });
  }
  const o = { wide: args.output === 'wide', allNamespaces: args.allNamespaces };
  if (args.output === 'json') {
    io.out(
      JSON.stringify(
        { apiVersion: 'v1', kind: 'List', items: args.resource === 'services' ? services : endpoints },
        (_k, v) => (v instanceof Map ? Object.fromEntries(v) : v),
        4,
      ),
    );
    return 0;
  }
  if (args.resource === 'endpoints')
    io.err('Warning: v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice');
  const text =
    args.resource === 'services' ? kubectlGetServices(services, o) : kubectlGetEndpoints(endpoints, o);
  if (text.startsWith('No resources found')) io.err(text);
  else io.out(text);
  return 0;
}
