/**
 * kube-proxy as the cluster runs it: one ServiceChangeTracker/EndpointSliceCache view of the API shared
 * by every node's kube-proxy (they all watch the same objects with the same lag), and per node a
 * BoundedFrequencyRunner (pkg/util/async) that runs syncProxyRules at most once per `minSyncPeriod`
 * after a change and every `syncPeriod` regardless. A failed node's kube-proxy does not sync.
 */

import { type Ip4, parseIp4 } from '../../wire/index.js';
import type { ControlPlaneContext, EndpointSlice, Service, SliceEndpoint } from '../api/index.js';
import type {
  KubeProxyNode,
  KubeProxyRules,
  ProxyEndpoint,
  ProxyEndpointPort,
  ProxyService,
} from '../kube-proxy/index.js';
import { Informer } from '../store/index.js';
import { SERVICE_NAME_LABEL } from './endpoints-controller.js';

type EndpointSlicePort = NonNullable<EndpointSlice['ports']>[number];

/** The Service as kube-proxy's snapshot; undefined for ExternalName (kube-proxy ignores those). */
export function proxyServiceOf(svc: Service): ProxyService | undefined {
  const s = svc.spec;
  const type = s.type ?? 'ClusterIP';
  if (type === 'ExternalName') return undefined;
  const ip = s.clusterIP === undefined || s.clusterIP === 'None' ? undefined : parseIp4(s.clusterIP);
  const ips = (list: readonly string[] | undefined): Ip4[] =>
    (list ?? []).flatMap((a) => {
      const v = parseIp4(a);
      return v === undefined ? [] : [v];
    });
  return {
    namespace: svc.metadata.namespace ?? 'default',
    name: svc.metadata.name,
    type,
    clusterIP: ip,
    ports: (s.ports ?? []).map((p) => ({
      name: p.name ?? '',
      protocol: p.protocol ?? 'TCP',
      port: p.port,
      ...(p.nodePort !== undefined ? { nodePort: p.nodePort } : {}),
    })),
    externalIPs: ips(s.externalIPs),
    // podwire has no cloud load balancer: `loadBalancerIP` stands in for the ingress IP it would report.
    loadBalancerIPs:
      type === 'LoadBalancer'
        ? ips([
            ...(svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip),
            ...(s.loadBalancerIP !== undefined ? [s.loadBalancerIP] : []),
          ])
        : [],
    sessionAffinity: s.sessionAffinity ?? 'None',
    affinityTimeoutSeconds: s.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? 10800,
    externalTrafficPolicy: s.externalTrafficPolicy ?? 'Cluster',
    internalTrafficPolicy: s.internalTrafficPolicy ?? 'Cluster',
    ...(s.healthCheckNodePort !== undefined ? { healthCheckNodePort: s.healthCheckNodePort } : {}),
  };
}

/** Every slice's endpoints merged (EndpointSliceCache), each address once, in slice order. */
export function proxyEndpointsOf(slices: readonly EndpointSlice[]): ProxyEndpoint[] {
  const out: ProxyEndpoint[] = [];
  const seen = new Set<number>();
  for (const slice of slices) {
    if (slice.addressType !== 'IPv4') continue;
    const ports = proxyPortsOf(slice.ports ?? []);
    for (const e of slice.endpoints) {
      const pe = proxyEndpointOf(e, ports);
      if (pe === undefined || seen.has(pe.ip)) continue;
      seen.add(pe.ip);
      out.push(pe);
    }
  }
  return out;
}

// Every change of a slice re-reads all its endpoints; the stored slice versions share each endpoint
// entry and the ports list while they do not change (frozen), so what kube-proxy makes of them is kept
// per object, and the address is parsed once.
const portsMemo = new WeakMap<readonly EndpointSlicePort[], readonly ProxyEndpointPort[]>();
const endpointMemo = new WeakMap<
  SliceEndpoint,
  { readonly ports: readonly ProxyEndpointPort[]; readonly pe: ProxyEndpoint | undefined }
>();

function proxyPortsOf(ports: readonly EndpointSlicePort[]): readonly ProxyEndpointPort[] {
  const hit = portsMemo.get(ports);
  if (hit !== undefined) return hit;
  const out = ports.flatMap((p) =>
    p.port === undefined ? [] : [{ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP' }],
  );
  if (Object.isFrozen(ports)) portsMemo.set(ports, out);
  return out;
}

function proxyEndpointOf(e: SliceEndpoint, ports: readonly ProxyEndpointPort[]): ProxyEndpoint | undefined {
  const hit = endpointMemo.get(e);
  if (hit !== undefined && hit.ports === ports) return hit.pe;
  const ip = parseIp4(e.addresses[0] ?? '');
  const pe =
    ip === undefined
      ? undefined
      : {
          ip,
          nodeName: e.nodeName,
          ready: e.conditions.ready ?? true,
          serving: e.conditions.serving ?? true,
          terminating: e.conditions.terminating ?? false,
          ports,
        };
  if (Object.isFrozen(e)) endpointMemo.set(e, { ports, pe });
  return pe;
}

/** One node's kube-proxy: its syncProxyRules and the runner pacing it. */
export class ProxyRunner {
  private lastSync = Number.NEGATIVE_INFINITY;
  private pending = false;
  /** A change arrived while the control plane settled: sync once when the rest has settled. */
  private deferred = false;
  private stopped = false;
  /** Completed syncs (for tests and `show`). */
  syncs = 0;

  constructor(
    private readonly ctx: ControlPlaneContext,
    readonly node: KubeProxyNode,
    private readonly rules: KubeProxyRules,
  ) {}

  /** Starts the periodic resync loop. */
  start(): void {
    const loop = () => {
      if (!this.stopped) this.sync();
      this.ctx.sim.daemon(this.ctx.timings.kubeProxySyncPeriodNs, loop, undefined);
    };
    this.ctx.sim.daemon(this.ctx.timings.kubeProxySyncPeriodNs, loop, undefined);
  }

  /** A change arrived: sync now, or once minSyncPeriod has passed since the last sync. */
  trigger(): void {
    if (this.pending || this.stopped) return;
    // While the file's objects settle, kube-proxy syncs once at the end, as a kube-proxy that starts on
    // an up cluster waits for its informers to sync before its first syncProxyRules.
    if (this.ctx.settling) {
      this.deferred = true;
      return;
    }
    const now = this.ctx.sim.now;
    const due = Math.max(now, this.lastSync + this.ctx.delay(this.ctx.timings.kubeProxyMinSyncNs));
    this.pending = true;
    this.ctx.sim.after(
      due - now,
      () => {
        this.pending = false;
        if (!this.stopped) this.sync();
      },
      undefined,
    );
  }

  /** The deferred sync of a settle, if a change asked for one; true when it synced. */
  flushDeferred(): boolean {
    if (!this.deferred) return false;
    this.deferred = false;
    if (!this.stopped) this.sync();
    return true;
  }

  /** The node failed: kube-proxy is not running. */
  stop(): void {
    this.stopped = true;
  }

  /** The node is back: kube-proxy starts and syncs at once. */
  resume(): void {
    this.stopped = false;
    this.lastSync = Number.NEGATIVE_INFINITY;
    this.trigger();
  }

  private sync(): void {
    this.lastSync = this.ctx.sim.now;
    this.node.sync(this.rules);
    this.syncs++;
  }
}

/** The shared watch: Services and EndpointSlices into the rules generator, then every runner triggered. */
export class KubeProxyFeed {
  private readonly services: Informer<Service>;
  private readonly slices: Informer<EndpointSlice>;
  private readonly runners: ProxyRunner[] = [];
  /** Slices by `namespace/service`, then by slice name (EndpointSliceCache's tracker). */
  private readonly bySvc = new Map<string, Map<string, EndpointSlice>>();

  /** A settle-time change has already marked every runner. */
  private deferredAll = false;

  constructor(
    private readonly ctx: ControlPlaneContext,
    private readonly rules: KubeProxyRules,
  ) {
    const delayNs = ctx.watchDelay;
    const svcChanged = (s: Service) => this.serviceChanged(s);
    this.services = new Informer<Service>(ctx.store, ctx.sim, 'Service', {
      delayNs,
      handlers: {
        onAdd: svcChanged,
        onUpdate: (_o, s) => svcChanged(s),
        onDelete: (s) => {
          rules.deleteService(s.metadata.namespace ?? 'default', s.metadata.name);
          this.triggerAll();
        },
      },
    });
    this.slices = new Informer<EndpointSlice>(ctx.store, ctx.sim, 'EndpointSlice', {
      delayNs,
      handlers: {
        onAdd: (s) => this.endpointsChanged(s, false),
        onUpdate: (_o, s) => this.endpointsChanged(s, false),
        onDelete: (s) => this.endpointsChanged(s, true),
      },
    });
  }

  start(): this {
    this.services.start();
    this.slices.start();
    return this;
  }

  add(runner: ProxyRunner): void {
    this.runners.push(runner);
    runner.start();
    runner.trigger();
  }

  private serviceChanged(svc: Service): void {
    const p = proxyServiceOf(svc);
    const ns = svc.metadata.namespace ?? 'default';
    if (p === undefined) this.rules.deleteService(ns, svc.metadata.name);
    else this.rules.setService(p);
    this.triggerAll();
  }

  private endpointsChanged(slice: EndpointSlice, deleted: boolean): void {
    const service = slice.metadata.labels?.[SERVICE_NAME_LABEL];
    if (service === undefined) return;
    const ns = slice.metadata.namespace ?? 'default';
    const key = `${ns}/${service}`;
    let mine = this.bySvc.get(key);
    if (mine === undefined) {
      mine = new Map();
      this.bySvc.set(key, mine);
    }
    if (deleted) mine.delete(slice.metadata.name);
    else mine.set(slice.metadata.name, slice);
    const all = [...mine.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map((e) => e[1]);
    this.rules.setEndpoints(ns, service, proxyEndpointsOf(all));
    this.triggerAll();
  }

  private triggerAll(): void {
    // While settling every runner only notes that it owes a sync: once noted, later changes add nothing.
    if (this.ctx.settling) {
      if (this.deferredAll) return;
      this.deferredAll = true;
    }
    for (const r of this.runners) r.trigger();
  }

  /** The syncs the runners deferred while the control plane settled, run now; true if any ran. */
  flushDeferred(): boolean {
    this.deferredAll = false;
    let synced = false;
    for (const r of this.runners) synced = r.flushDeferred() || synced;
    return synced;
  }
}
