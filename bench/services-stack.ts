/**
 * The same first packet through the whole simulated stack, to show what the hook-level numbers leave
 * out: a client pod's SYN leaves its namespace (routing, ARP cache, veth), crosses cni0 into the node
 * (br_netfilter, ip_rcv, PREROUTING, routing, FORWARD, POSTROUTING), and goes out eth0 onto the rack to
 * the gateway, every hop an event of the simulator. The node is one with no endpoints of its own (node
 * nodes+1), so every DNATed SYN leaves by eth0: 10.244.0.0/16 is routed to the rack's gateway, which
 * does not forward and only absorbs the frames.
 */
import { Bridge, NetfilterHost, NetNs, Nic, Segment, type SendOptions, vethPair } from '../src/net/index.js';
import { IpSets, Netfilter } from '../src/netfilter/index.js';
import { Rng, Sim, TraceBus } from '../src/sim/index.js';
import {
  type EthernetFrame,
  IPPROTO_TCP,
  type Ip4,
  ip4,
  linuxSynOptions,
  TCP_SYN,
  tcp,
} from '../src/wire/index.js';
import { collectGarbage } from './gc.js';
import { type BenchNode, nodeName, podSubnet, SERVICE_PORT, type ServiceSet } from './services-cluster.js';
import { lowerQuartile, PathCheckError } from './services-packet.js';

const GATEWAY = ip4('192.168.56.1');
/** Spacing of the SYNs in simulated time: far above a 66-byte frame's 53 ns at 10 Gbit/s, so no queue. */
const SPACING_NS = 2000;
/** Enough simulated time for a frame to cross the pod, the node and the rack (50 µs latency). */
const SETTLE_NS = 1_000_000;

/** A node wired for real: client pod → veth → cni0 → node → eth0 → rack → gateway. */
interface StackLab {
  readonly node: BenchNode;
  readonly client: NetNs;
  readonly clientIp: Ip4;
  readonly gateway: NetNs;
}

function stackLab(k: number): StackLab {
  const sim = new Sim({ seed: 1 });
  const trace = new TraceBus<EthernetFrame>();
  const ns = new NetNs(sim, { name: nodeName(k), trace });
  const mac = (owner: string, dev: string) => sim.rng(`mac/${owner}/${dev}`).mac();
  const cni0 = new Bridge(sim, ns.deviceOptions('cni0', mac(ns.name, 'cni0'), 1500));
  ns.attach(cni0);
  ns.setLinkUp('cni0', true);
  ns.addAddress('cni0', (podSubnet(k) + 1) >>> 0, 24);
  const rack = new Segment(sim, { name: 'rack1', latencyNs: 50_000, bandwidthBps: 10e9, trace });
  const nic = (owner: NetNs, ip: Ip4) => {
    const n = new Nic(sim, owner.deviceOptions('eth0', mac(owner.name, 'eth0'), 1500));
    owner.attach(n);
    rack.attach(n, owner.name);
    owner.addAddress('eth0', ip, 24);
  };
  nic(ns, (ip4('192.168.56.10') + k) >>> 0);
  must(ns.addRoute({ dst: ip4('10.244.0.0'), prefixLen: 16, gateway: GATEWAY, dev: 'eth0' }));
  ns.setSysctl('net.ipv4.ip_forward', '1');
  const gateway = new NetNs(sim, { name: 'gateway', trace });
  nic(gateway, GATEWAY);

  const client = new NetNs(sim, { name: 'client', trace, tracePrefix: `${ns.name}/client` });
  const [host, eth0] = vethPair(
    sim,
    ns.deviceOptions('veth0', mac(ns.name, 'veth0'), 1500),
    client.deviceOptions('eth0', mac('client', 'eth0'), 1500),
  );
  ns.attach(host);
  client.attach(eth0);
  cni0.addPort(host);
  const clientIp = (podSubnet(k) + 2) >>> 0;
  client.addAddress('eth0', clientIp, 24);
  must(client.addRoute({ dst: 0, prefixLen: 0, gateway: (podSubnet(k) + 1) >>> 0, dev: 'eth0' }));

  const sets = new IpSets();
  const nf = new Netfilter(sim, { name: ns.name, host: new NetfilterHost(ns), sets });
  ns.hooks = nf;
  return { node: { k, sim, ns, nf, sets }, client, clientIp, gateway };
}

function must(err: string | undefined): void {
  if (err !== undefined) throw new Error(`services bench: ${err}`);
}

/** Options of {@link stackFirstPacket}. */
export interface StackOptions {
  /** Installs kube-proxy's state for the set on the lab's node (the mode's installer). */
  readonly install: (node: BenchNode) => void;
  /** SYNs per window (default 300). */
  readonly connections?: number;
  /** Windows counted, each one `sim.run` (default 8); their lower quartile is reported. */
  readonly windows?: number;
  readonly seed?: number;
}

/**
 * µs of wall time per first packet (lower quartile of the windows) through the whole stack, SYNs to uniformly chosen
 * ClusterIPs; throws when a SYN did not make its own conntrack entry, was not DNATed, or did not reach
 * the gateway.
 */
export function stackFirstPacket(set: ServiceSet, nodes: number, options: StackOptions): number {
  const lab = stackLab(nodes + 1);
  options.install(lab.node);
  const m = options.connections ?? 300;
  const windows = options.windows ?? 8;
  const { sim, nf } = lab.node;
  const gw = lab.gateway.deviceByName('eth0');
  if (gw === undefined) throw new Error('services bench: the gateway has no eth0');
  // One SYN first, unmeasured: ARP on both sides.
  let sport = 10_000;
  const synTo = (clusterIP: Ip4) => {
    const payload = tcp({
      src: lab.clientIp,
      dst: clusterIP,
      srcPort: sport++,
      dstPort: SERVICE_PORT,
      seq: 1_000_000,
      ack: 0,
      flags: TCP_SYN,
      window: 64860,
      options: linuxSynOptions({ mss: 1410, tsval: 1 }),
    });
    return { src: lab.clientIp, dst: clusterIP, protocol: IPPROTO_TCP, payload };
  };
  const send = (s: SendOptions): void => {
    if (!lab.client.send(s).ok) throw new PathCheckError('the client pod could not send its SYN');
  };
  send(synTo(set.clusterIPs[0] ?? 0));
  sim.run({ until: sim.now + SETTLE_NS });
  const times: number[] = [];
  const rng = new Rng(options.seed ?? 1, `bench/services/stack/${set.clusterIPs.length}`);
  // One collection for the installation's garbage, not one per window: right after a full collection
  // V8's young generation is small again and the next window pays for growing it. Window 0 is not
  // counted (the new namespaces' first packets).
  collectGarbage();
  for (let w = 0; w <= windows; w++) {
    const syns = Array.from({ length: m }, () =>
      synTo(set.clusterIPs[rng.int(0, set.clusterIPs.length - 1)] ?? 0),
    );
    syns.forEach((s, i) => {
      sim.after(i * SPACING_NS, send, s);
    });
    // Until the last SYN is at the gateway, not until the timers (ARP, conntrack) go quiet.
    const until = sim.now + m * SPACING_NS + SETTLE_NS;
    const before = { ct: natted(nf.conntrackList()), rx: gw.stats.rxPackets };
    const t0 = performance.now();
    sim.run({ until });
    if (w > 0) times.push((performance.now() - t0) / 1000 / m);
    const ct = natted(nf.conntrackList()) - before.ct;
    const rx = gw.stats.rxPackets - before.rx;
    if (ct !== m || rx < m)
      throw new PathCheckError(`${m} SYNs made ${ct} DNATed entries and ${rx} frames at the gateway`);
  }
  return lowerQuartile(times) * 1e6;
}

/** Conntrack entries whose reply comes from somewhere else than the original destination (DNATed). */
function natted(entries: ReadonlyArray<{ orig: { dst: Ip4 }; reply: { src: Ip4 } }>): number {
  let n = 0;
  for (const e of entries) if (e.reply.src !== e.orig.dst) n++;
  return n;
}
