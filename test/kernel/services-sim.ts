/**
 * The simulator side of the services lab (services-lab.ts): the same six namespaces built with NetNs,
 * Bridge and veth pairs, node1's netfilter loaded with the same tables podwire printed for the kernel, the
 * same servers and the same connections one after another, observed the same way: the server's answer
 * (DNAT target and source seen), node1's conntrack entry as `conntrack -L` prints it, and the ICMP errors
 * a raw socket in the client's namespace received.
 */
import { KubeProxyNode } from '../../src/k8s/index.js';
import { Bridge, NetfilterHost, NetNs, type TcpSocket, vethPair } from '../../src/net/index.js';
import { formatConntrackList, formatIptablesSave, IpSets, Netfilter } from '../../src/netfilter/index.js';
import { SECOND, Sim, TraceBus } from '../../src/sim/index.js';
import { type EthernetFrame, formatIp4, IPPROTO_ICMP, ip4 } from '../../src/wire/index.js';
import {
  CASES,
  type Case,
  type CaseObservation,
  CLIENT_TIMEOUT_S,
  CNI0,
  caseObservation,
  EXT,
  type IcmpSeen,
  NODE_SYSCTLS,
  NODE1,
  NODE2,
  nodeConfig,
  nodeTables,
  PODS,
  proxyRules,
  REMOTE,
  type ServicesObservation,
} from './services-cases.js';

const MTU = 1500;
/** Simulated time given to each connection: the client's timeout and a second to spare. */
const CASE_NS = (CLIENT_TIMEOUT_S + 1) * SECOND;

export interface ServicesWorld {
  readonly sim: Sim;
  readonly ns: ReadonlyMap<string, NetNs>;
  readonly nf: Netfilter;
  /** The MASQUERADE rule's packet counter after the last connection. */
  masqueraded: number;
}

/** Builds the lab's namespaces with node1's netfilter loaded; throws if a table is refused. */
export function buildServicesWorld(seed = 1): ServicesWorld {
  const sim = new Sim({ seed });
  const trace = new TraceBus<EthernetFrame>();
  const ns = new Map<string, NetNs>();
  for (const name of ['underlay', 'ext', 'node1', 'node2', 'pa', 'pb'])
    ns.set(name, new NetNs(sim, { name, trace }));
  const get = (name: string): NetNs => ns.get(name) as NetNs;
  let nextMac = 0x020000000001;
  const bridge = (where: NetNs, name: string): Bridge => {
    const br = new Bridge(sim, where.deviceOptions(name, nextMac++, MTU));
    where.attach(br);
    return br;
  };
  /** A veth pair `a/ifA`–`b/ifB`; returns b's end. */
  const veth = (a: NetNs, ifA: string, b: NetNs, ifB: string) => {
    const [va, vb] = vethPair(
      sim,
      a.deviceOptions(ifA, nextMac++, MTU),
      b.deviceOptions(ifB, nextMac++, MTU),
    );
    a.attach(va);
    b.attach(vb);
    return vb;
  };
  const route = (n: NetNs, dst: string, prefixLen: number, via: string, dev: string): void => {
    const err = n.addRoute({ dst: ip4(dst), prefixLen, gateway: ip4(via), dev });
    if (err !== undefined) throw new Error(`${n.name}: route ${dst}/${prefixLen}: ${err}`);
  };

  const br0 = bridge(get('underlay'), 'br0');
  for (const host of ['ext', 'node1', 'node2']) br0.addPort(veth(get(host), 'eth0', get('underlay'), host));
  get('ext').addAddress('eth0', ip4(EXT), 24);
  route(get('ext'), '10.96.0.0', 12, NODE1, 'eth0');
  get('node2').addAddress('eth0', ip4(NODE2), 24);
  get('node2').addAddress('eth0', ip4(REMOTE), 32);
  route(get('node2'), '10.244.1.0', 24, NODE1, 'eth0');

  const node1 = get('node1');
  node1.addAddress('eth0', ip4(NODE1), 24);
  const cni0 = bridge(node1, 'cni0');
  node1.addAddress('cni0', ip4(CNI0), 24);
  for (const p of PODS) {
    const pod = get(p.ns);
    const host = veth(pod, 'eth0', node1, p.veth);
    cni0.addPort(host).hairpin = true;
    pod.addAddress('eth0', ip4(p.ip), 24);
    route(pod, '0.0.0.0', 0, CNI0, 'eth0');
  }
  route(node1, '10.244.2.0', 24, NODE2, 'eth0');
  route(node1, '0.0.0.0', 0, EXT, 'eth0');
  for (const [key, value] of NODE_SYSCTLS) node1.setSysctl(key, value);
  const nf = new Netfilter(sim, { name: 'node1', host: new NetfilterHost(node1) });
  node1.hooks = nf;
  for (const t of nodeTables()) {
    const r = nf.replaceTable(t);
    if (!r.ok) throw new Error(`node1: ${t.name}: ${r.error}`);
  }
  return { sim, ns, nf, masqueraded: 0 };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function answer(local: { ip: number; port: number }, peer: { ip: number; port: number }): Uint8Array {
  return encoder.encode(
    `local=${formatIp4(local.ip)}:${local.port} peer=${formatIp4(peer.ip)}:${peer.port}\n`,
  );
}

/** The servers of SERVER_PY: TCP 8080 in pb and node2 (read, answer, close), UDP PB:5353 in pb. */
function startServers(world: ServicesWorld): void {
  for (const name of ['pb', 'node2']) {
    const ns = world.ns.get(name) as NetNs;
    const l = ns.sockets.listen(8080, (sock: TcpSocket) => {
      sock.handlers = {
        data: () => {
          sock.send(answer(sock.local, sock.remote));
          sock.close();
        },
      };
    });
    if (typeof l === 'string') throw new Error(`${name}: listen 8080: ${l}`);
  }
  const pb = world.ns.get('pb') as NetNs;
  const u = pb.sockets.openUdp({ port: 5353, addr: ip4(PODS[1].ip) });
  if (typeof u === 'string') throw new Error(`pb: udp 5353: ${u}`);
  u.handlers = { message: (_data, from, to) => u.send(answer(to, from), from) };
}

/** One connection of CLIENT_PY, run to its end in simulated time. */
function runCase(world: ServicesWorld, c: Case): CaseObservation {
  const ns = world.ns.get(c.from) as NetNs;
  const icmp: IcmpSeen[] = [];
  const closeRaw = ns.sockets.openRaw(IPPROTO_ICMP, (pkt) => {
    const m = pkt.payload;
    if (m.kind === 'icmp' && (m.type === 3 || m.type === 11 || m.type === 12))
      icmp.push({ src: formatIp4(pkt.src), type: m.type, code: m.code });
  });
  const start = world.sim.now;
  let outcome = '';
  let body = '';
  let giveUp: () => void;
  if (c.proto === 'tcp') {
    const r = ns.sockets.connect(ip4(c.dst), c.dport, { srcPort: c.sport });
    if (!r.ok) throw new Error(`${c.name}: connect: ${r.errno}`);
    const sock = r.socket;
    sock.handlers = {
      connected: () => sock.send(encoder.encode(c.name)),
      data: (bytes) => {
        body += decoder.decode(bytes);
      },
      end: () => {
        outcome = 'reply';
        sock.close();
      },
      closed: (errno) => {
        if (outcome === '') outcome = errno ?? 'reply';
      },
    };
    giveUp = () => sock.close();
  } else {
    const u = ns.sockets.openUdp({ port: c.sport, connect: { ip: ip4(c.dst), port: c.dport } });
    if (typeof u === 'string') throw new Error(`${c.name}: udp: ${u}`);
    u.handlers = {
      message: (data) => {
        if (outcome !== '') return;
        outcome = 'reply';
        body = decoder.decode(data);
      },
      error: (errno) => {
        if (outcome === '') outcome = errno;
      },
    };
    const sent = u.send(encoder.encode(c.name));
    if (!sent.ok) throw new Error(`${c.name}: send: ${sent.errno}`);
    giveUp = () => u.close();
  }
  world.sim.run({ until: start + CLIENT_TIMEOUT_S * SECOND });
  if (outcome === '') {
    outcome = 'timeout';
    giveUp();
  }
  world.sim.run({ until: start + CASE_NS });
  closeRaw();
  const masq = masqueradePackets(world);
  const conntrack = formatConntrackList(world.nf.conntrackList(), world.sim.now);
  const masquerade = masq - world.masqueraded;
  if (masquerade > 1) throw new Error(`${c.name}: ${masquerade} packets masqueraded`);
  world.masqueraded = masq;
  return caseObservation(
    c,
    outcome,
    outcome === 'reply' ? body : undefined,
    masquerade === 1,
    conntrack,
    icmp,
  );
}

/** The packet counter of KUBE-POSTROUTING's MASQUERADE rule in node1. */
function masqueradePackets(world: ServicesWorld): number {
  const chain = world.nf
    .tables()
    .find((t) => t.name === 'nat')
    ?.chains.get('KUBE-POSTROUTING');
  const i = chain?.rules.findIndex((r) => r.target?.kind === 'MASQUERADE') ?? -1;
  if (i < 0) throw new Error('node1: no MASQUERADE rule in KUBE-POSTROUTING');
  return world.nf.counters('nat', 'KUBE-POSTROUTING')?.rules[i]?.packets ?? 0;
}

/** The whole observation, as the simulator makes it. */
export function simulateServices(seed = 1): ServicesObservation {
  const world = buildServicesWorld(seed);
  const save = formatIptablesSave(world.nf.tables());
  startServers(world);
  return { save, cases: CASES.map((c) => runCase(world, c)) };
}

/**
 * The ruleset podwire's own kube-proxy (KubeProxyNode.sync: iptables-restore --noflush of its chains,
 * EnsureRule of its jumps) leaves in a fresh node namespace, printed as iptables-save prints it.
 */
export function kubeProxyNodeSave(): string {
  const sim = new Sim({ seed: 1 });
  const node1 = new NetNs(sim, { name: 'node1', trace: new TraceBus<EthernetFrame>() });
  const nf = new Netfilter(sim, { name: 'node1', host: new NetfilterHost(node1) });
  new KubeProxyNode({ ns: node1, nf, sets: new IpSets(), config: nodeConfig() }).sync(proxyRules());
  return formatIptablesSave(nf.tables());
}
