/**
 * The control plane's end-state invariants, each computed from the API store on its own (not with the
 * controllers' helpers), returned as a list of violations naming the invariant and the object:
 *
 * 1. endpoints — every Service with a selector: the ready addresses of its Endpoints and of its
 *    EndpointSlices are exactly the IPs of the pods that match the selector, are Ready (isPodReady) and
 *    are not terminating; and no address of either names a pod that is not selected.
 * 2. kube-proxy — every node whose kube-proxy runs holds what a fresh KubeProxyRules, loaded from the
 *    store's Services and EndpointSlices, generates for it: the node's iptables-save equals its non-KUBE
 *    chains (flannel's) with kube-proxy's chains added and its jumps first; in IPVS mode also the virtual
 *    servers with their real servers, the ipsets' members and kube-ipvs0's addresses.
 * 3. pod IPs — no pod IP is held twice (store pods, and the kubelets' sandboxes across nodes); each
 *    node's host-local allocations are exactly its sandboxes' addresses (no leak, no double allocation);
 *    on every running node the kubelet runs exactly the store's pods bound there, at their podIPs.
 * 4. settled — on every running node each bound pod is Running, Ready and not terminating.
 */
import {
  defaultProxyConfig,
  type EndpointSlice,
  type Endpoints,
  isPodReady,
  KubeProxyRules,
  localAddresses,
  type Pod,
  type ProxyConfig,
  type ProxyTableRules,
  proxyEndpointsOf,
  proxyServiceOf,
  SERVICE_NAME_LABEL,
  type Service,
} from '../../src/k8s/index.js';
import { type Chain, formatIptablesSave, type Table, type TableName } from '../../src/netfilter/index.js';
import { type Cluster, formatCidr } from '../../src/topology/index.js';
import { formatIp4, type Ip4, parseIp4 } from '../../src/wire/index.js';
import { expectedProxyTables } from '../k8s/kube-proxy-expected.js';

export type Invariant = 'endpoints' | 'kube-proxy' | 'pod-ips' | 'settled';

export interface Violation {
  readonly invariant: Invariant;
  /** The object: `service/default/web`, `node/node2`, `pod/default/web-x`, `ip/10.244.1.3`. */
  readonly object: string;
  readonly detail: string;
}

const sorted = (xs: Iterable<string>): string[] => [...xs].sort();
const sameSet = (a: Iterable<string>, b: Iterable<string>): boolean =>
  sorted(new Set(a)).join(',') === sorted(new Set(b)).join(',');

function selects(selector: Readonly<Record<string, string>>, pod: Pod): boolean {
  const labels = pod.metadata.labels ?? {};
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

const finished = (p: Pod): boolean => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';

/** Invariant 1. */
export function checkEndpoints(cluster: Cluster): Violation[] {
  const store = cluster.controlPlane.store;
  const out: Violation[] = [];
  for (const svc of store.list<Service>('Service').items) {
    const selector = svc.spec.selector;
    if (selector === undefined || Object.keys(selector).length === 0) continue;
    const ns = svc.metadata.namespace ?? 'default';
    const object = `service/${ns}/${svc.metadata.name}`;
    const selected = store
      .list<Pod>('Pod', { namespace: ns })
      .items.filter((p) => selects(selector, p) && !finished(p) && p.status?.podIP !== undefined);
    const want = selected
      .filter((p) => isPodReady(p) && p.metadata.deletionTimestamp === undefined)
      .map((p) => p.status?.podIP ?? '');
    const known = new Set(selected.map((p) => p.status?.podIP ?? ''));
    const fail = (detail: string) => out.push({ invariant: 'endpoints', object, detail });
    const ep = store.tryGet<Endpoints>('Endpoints', ns, svc.metadata.name);
    const subsets = ep?.subsets ?? [];
    const ready = subsets.flatMap((s) => (s.addresses ?? []).map((a) => a.ip));
    const all = [...ready, ...subsets.flatMap((s) => (s.notReadyAddresses ?? []).map((a) => a.ip))];
    if (ep === undefined && want.length > 0) fail(`no Endpoints object; want ready ${sorted(want)}`);
    if (!sameSet(ready, want))
      fail(`Endpoints addresses ${sorted(ready)} != ready selected pods ${sorted(want)}`);
    for (const ip of all) if (!known.has(ip)) fail(`Endpoints names ${ip}, no selected pod has it`);
    const slices = store
      .list<EndpointSlice>('EndpointSlice', { namespace: ns })
      .items.filter((s) => s.metadata.labels?.[SERVICE_NAME_LABEL] === svc.metadata.name);
    const sliceEps = slices.flatMap((s) => s.endpoints);
    const sliceReady = sliceEps.filter((e) => e.conditions.ready === true).flatMap((e) => e.addresses);
    if (!sameSet(sliceReady, want))
      fail(`EndpointSlice ready addresses ${sorted(sliceReady)} != ready selected pods ${sorted(want)}`);
    for (const ip of sliceEps.flatMap((e) => e.addresses))
      if (!known.has(ip)) fail(`EndpointSlice names ${ip}, no selected pod has it`);
  }
  return out;
}

/** A generator loaded from the store alone, as a kube-proxy starting now would load it. */
export function freshRules(cluster: Cluster): KubeProxyRules {
  const store = cluster.controlPlane.store;
  const rules = new KubeProxyRules();
  for (const svc of store.list<Service>('Service').items) {
    const p = proxyServiceOf(svc);
    if (p !== undefined) rules.setService(p);
  }
  const bySvc = new Map<string, EndpointSlice[]>();
  // The store lists by namespace then name: each Service's slices come in name order.
  for (const s of store.list<EndpointSlice>('EndpointSlice').items) {
    const name = s.metadata.labels?.[SERVICE_NAME_LABEL];
    if (name === undefined) continue;
    const key = `${s.metadata.namespace ?? 'default'}/${name}`;
    bySvc.set(key, [...(bySvc.get(key) ?? []), s]);
  }
  for (const [key, slices] of bySvc) {
    const [ns, name] = key.split('/') as [string, string];
    rules.setEndpoints(ns, name, proxyEndpointsOf(slices));
  }
  return rules;
}

const isKubeTarget = (r: Chain['rules'][number]): boolean =>
  (r.target?.kind === 'jump' || r.target?.kind === 'goto') && r.target.chain.startsWith('KUBE-');

/**
 * What the node's tables must be: its own tables without anything of kube-proxy's (KUBE-* chains, jumps
 * into them), then kube-proxy's output put in as iptables-restore --noflush and EnsureRule(Prepend) do.
 */
function expectedTables(actual: readonly Table[], out: ReadonlyMap<TableName, ProxyTableRules>): string {
  // The node's tables without kube-proxy's chains and jumps: what the sync builds on.
  const others = actual.map((t) => {
    const chains = new Map<string, Chain>();
    for (const [name, c] of t.chains) {
      if (name.startsWith('KUBE-')) continue;
      chains.set(name, { ...c, rules: c.rules.filter((r) => !isKubeTarget(r)) });
    }
    return { name: t.name, chains };
  });
  return expectedProxyTables(others, out);
}

/** The first differing line of two texts, for a readable message. */
function firstDiff(have: string, want: string): string {
  const a = have.split('\n');
  const b = want.split('\n');
  for (let i = 0; i < Math.max(a.length, b.length); i++)
    if (a[i] !== b[i]) return `line ${i + 1}: have ${JSON.stringify(a[i])}, want ${JSON.stringify(b[i])}`;
  return 'equal';
}

/** Invariant 2, for every node whose kube-proxy runs. */
export function checkKubeProxy(cluster: Cluster): Violation[] {
  const rules = freshRules(cluster);
  const topo = cluster.topology;
  const out: Violation[] = [];
  for (const spec of topo.nodes) {
    const name = spec.name;
    const host = cluster.nodes.get(name);
    const agent = cluster.controlPlane.kubelets.get(name);
    if (host?.netfilter === undefined || host.ipsets === undefined || agent === undefined || agent.failed)
      continue;
    const object = `node/${name}`;
    const fail = (detail: string) => out.push({ invariant: 'kube-proxy', object, detail });
    // kube-proxy's defaults for this node, in the file's mode (as the cluster's build configures it).
    const config: ProxyConfig = {
      ...defaultProxyConfig(name, localAddresses(host.ns), formatCidr(topo.network.clusterCIDR)),
      mode: topo.network.kubeProxyMode,
      ipvsScheduler: topo.network.ipvsScheduler,
    };
    const want = new Map<TableName, ProxyTableRules>();
    const tables = host.netfilter.tables();
    if (config.mode === 'iptables') {
      const o = rules.iptables(config);
      want.set('nat', o.nat).set('filter', o.filter).set('mangle', o.mangle);
    } else {
      const o = rules.ipvs(config);
      want.set('nat', o.nat).set('filter', o.filter);
      const wantVs = sorted(
        o.virtualServers.map(
          (v) => `${v.protocol} ${formatIp4(v.vip)}:${v.port} ${dests(v.dests.map((d) => [d.ip, d.port]))}`,
        ),
      );
      const ipvs = cluster.controlPlane.proxies.get(name)?.node.ipvs;
      const haveVs = sorted(
        (ipvs?.services() ?? []).map(
          (s) =>
            `${s.protocolName} ${formatIp4(s.addr)}:${s.port} ${dests(s.dests.map((d) => [d.addr, d.port]))}`,
        ),
      );
      if (haveVs.join('\n') !== wantVs.join('\n'))
        fail(`IPVS virtual servers:\n  have ${haveVs.join('\n       ')}\n  want ${wantVs.join('\n       ')}`);
      for (const set of o.ipsets) {
        const have = host.ipsets.get(set.name)?.memberTexts() ?? [];
        if (!sameSet(have, set.entries) || have.length !== set.entries.length)
          fail(`ipset ${set.name}: have ${sorted(have)}, want ${sorted(set.entries)}`);
      }
      const wantSets = new Set(o.ipsets.map((s) => s.name));
      for (const s of host.ipsets.all())
        if (s.name.startsWith('KUBE-') && !wantSets.has(s.name))
          fail(`ipset ${s.name} kube-proxy does not make`);
      const dummy = host.ns.deviceByName(o.dummyDevice);
      const bound = dummy === undefined ? [] : host.ns.addresses(dummy.ifindex).map((a) => formatIp4(a.ip));
      const wantBound = o.addresses.map(formatIp4);
      if (!sameSet(bound, wantBound))
        fail(`${o.dummyDevice} addresses ${sorted(bound)} != ${sorted(wantBound)}`);
    }
    const have = formatIptablesSave(tables);
    const expected = expectedTables(tables, want);
    if (have !== expected)
      fail(`iptables-save differs from a fresh kube-proxy's, ${firstDiff(have, expected)}`);
  }
  return out;
}

/** Real servers as a sorted `ip:port,…` list. */
function dests(ds: readonly (readonly [Ip4, number])[]): string {
  return sorted(ds.map(([ip, port]) => `${formatIp4(ip)}:${port}`)).join(',');
}

/** Invariant 3. */
export function checkPodIps(cluster: Cluster): Violation[] {
  const store = cluster.controlPlane.store;
  const out: Violation[] = [];
  const pods = store.list<Pod>('Pod').items;
  const byIp = new Map<string, string[]>();
  for (const p of pods) {
    const ip = p.status?.podIP;
    if (ip === undefined || finished(p) || p.spec.hostNetwork === true) continue;
    byIp.set(ip, [...(byIp.get(ip) ?? []), `${p.metadata.namespace}/${p.metadata.name}`]);
  }
  for (const [ip, holders] of byIp)
    if (holders.length > 1)
      out.push({ invariant: 'pod-ips', object: `ip/${ip}`, detail: `held by pods ${holders.join(', ')}` });
  const sandboxes = new Map<Ip4, string>();
  for (const [name, host] of cluster.nodes) {
    const kubelet = host.kubelet;
    const bridge = host.cni?.bridge;
    if (kubelet === undefined || bridge === undefined) continue;
    const object = `node/${name}`;
    const fail = (detail: string) => out.push({ invariant: 'pod-ips', object, detail });
    const records = kubelet.pods().filter((r) => !r.desc.hostNetwork);
    // host-local: every IP file names the sandbox holding it; they must be exactly the running sandboxes.
    const allocated = new Map<string, string>();
    for (const s of bridge.ipamStores())
      for (const f of s.listFiles()) {
        const ip = parseIp4(f.name);
        if (ip === undefined) continue;
        const holder = s.holder(ip)?.containerId ?? '';
        if (allocated.has(f.name)) fail(`host-local: ${f.name} allocated twice`);
        allocated.set(f.name, holder);
      }
    const held = new Map<string, string>();
    for (const r of records) {
      const ip = r.status.podIP;
      if (ip === undefined) continue;
      const key = `${r.desc.namespace}/${r.desc.name}`;
      const other = sandboxes.get(ip);
      if (other !== undefined) fail(`${formatIp4(ip)} held by sandboxes of ${other} and ${key}`);
      sandboxes.set(ip, key);
      held.set(formatIp4(ip), r.containerId);
    }
    const have = sorted([...allocated].map(([ip, id]) => `${ip}=${id.slice(0, 12)}`));
    const want = sorted([...held].map(([ip, id]) => `${ip}=${id.slice(0, 12)}`));
    if (have.join() !== want.join()) fail(`host-local allocations ${have} != sandboxes ${want}`);
    if (cluster.controlPlane.kubelets.get(name)?.failed === true) continue;
    // A running node's kubelet has caught up: it runs exactly the store's pods bound to it with an IP.
    const bound = pods.filter(
      (p) => p.spec.nodeName === name && !finished(p) && p.status?.podIP !== undefined,
    );
    const runs = sorted(
      records.map((r) => `${r.desc.namespace}/${r.desc.name}@${formatIp4(r.status.podIP ?? 0)}`),
    );
    const wantRuns = sorted(
      bound.map((p) => `${p.metadata.namespace}/${p.metadata.name}@${p.status?.podIP ?? '0.0.0.0'}`),
    );
    if (runs.join() !== wantRuns.join()) fail(`kubelet runs ${runs}, store binds ${wantRuns}`);
  }
  return out;
}

/**
 * Liveness once everything has settled: on every running node each bound pod is Running and Ready and
 * not terminating (the controllers and kubelets have finished every start, termination and recovery).
 */
export function checkSettled(cluster: Cluster): Violation[] {
  const out: Violation[] = [];
  for (const p of cluster.controlPlane.store.list<Pod>('Pod').items) {
    const node = p.spec.nodeName;
    if (node === undefined || cluster.controlPlane.kubelets.get(node)?.failed !== false) continue;
    const object = `pod/${p.metadata.namespace}/${p.metadata.name}`;
    const phase = p.status?.phase ?? '';
    const terminating = p.metadata.deletionTimestamp !== undefined;
    if (terminating) {
      out.push({
        invariant: 'settled',
        object,
        detail: `still terminating on ${node} (phase ${phase}, podIP ${p.status?.podIP ?? 'none'})`,
      });
    } else if (phase !== 'Running' || !isPodReady(p)) {
      out.push({
        invariant: 'settled',
        object,
        detail: `on ${node}: phase ${phase}, ready ${isPodReady(p)}`,
      });
    }
  }
  return out;
}

/** All the invariants. */
export function checkAll(cluster: Cluster): Violation[] {
  return [
    ...checkEndpoints(cluster),
    ...checkKubeProxy(cluster),
    ...checkPodIps(cluster),
    ...checkSettled(cluster),
  ];
}

/** The violations as one message (empty when there are none). */
export function describeViolations(vs: readonly Violation[]): string {
  return vs.map((v) => `[${v.invariant}] ${v.object}: ${v.detail}`).join('\n');
}
