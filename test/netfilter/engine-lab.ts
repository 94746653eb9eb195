/**
 * Shared pieces of the netfilter engine tests: Rule records written the way `iptables-save` reads
 * (a small builder, so the tests do not wait on the parser), an engine with a hand-written host for
 * unit tests, packet builders, and a routed three-namespace lab — client, a node running netfilter,
 * server — wired with veths like the kernel lab's namespaces.
 */
import { NetfilterHost, NetNs, type NfSkb, newSkb, vethPair } from '../../src/net/index.js';
import {
  type AddrMatch,
  BUILTIN_CHAINS,
  type Chain,
  type Match,
  Netfilter,
  type NfHook,
  type NfHost,
  type NfVerdict,
  type Rule,
  type Table,
  type TableName,
  type Target,
} from '../../src/netfilter/index.js';
import { Sim, TraceBus } from '../../src/sim/index.js';
import {
  type EthernetFrame,
  IP_FLAG_DF,
  type Ip4,
  type Ipv4Packet,
  icmpEcho,
  ip4,
  ipv4,
  maskOf,
  tcp,
  udp,
} from '../../src/wire/index.js';

// ---- rule records ----

/** `[!] -s/-d A.B.C.D[/N]`. */
export function cidr(text: string, invert = false): AddrMatch {
  const [a, len] = text.split('/');
  const prefixLen = len === undefined ? 32 : Number(len);
  const mask = maskOf(prefixLen);
  return { addr: (ip4(a ?? '') & mask) >>> 0, prefixLen, mask, invert };
}

const PROTO = { tcp: 6, udp: 17, icmp: 1 } as const;

/** One rule: addresses as text, `-p` by name, matches and target as records. */
export function rule(parts: {
  readonly src?: string;
  readonly dst?: string;
  readonly notSrc?: string;
  readonly in?: string;
  readonly out?: string;
  readonly proto?: keyof typeof PROTO;
  readonly matches?: readonly Match[];
  readonly target?: Target;
}): Rule {
  const r: {
    src?: AddrMatch;
    dst?: AddrMatch;
    inIface?: { name: string; invert: boolean };
    outIface?: { name: string; invert: boolean };
    proto?: { num: number; invert: boolean };
    matches: readonly Match[];
    target?: Target;
  } = { matches: parts.matches ?? [] };
  if (parts.src !== undefined) r.src = cidr(parts.src);
  if (parts.notSrc !== undefined) r.src = cidr(parts.notSrc, true);
  if (parts.dst !== undefined) r.dst = cidr(parts.dst);
  if (parts.in !== undefined) r.inIface = { name: parts.in, invert: false };
  if (parts.out !== undefined) r.outIface = { name: parts.out, invert: false };
  if (parts.proto !== undefined) r.proto = { num: PROTO[parts.proto], invert: false };
  if (parts.target !== undefined) r.target = parts.target;
  return Object.freeze(r);
}

export const ACCEPT: Target = { kind: 'ACCEPT' };
export const DROP: Target = { kind: 'DROP' };
export const RETURN: Target = { kind: 'RETURN' };
export const jump = (chain: string): Target => ({ kind: 'jump', chain });
export const goto = (chain: string): Target => ({ kind: 'goto', chain });
export const reject = (w = 'icmp-port-unreachable'): Target => ({ kind: 'REJECT', with: w });
export const mark = (value: number, mask: number): Target => ({ kind: 'MARK', value, mask });
export const masquerade = (randomFully = false): Target => ({ kind: 'MASQUERADE', randomFully });

export function dnat(to: string, port?: number): Target {
  return port === undefined
    ? { kind: 'DNAT', toAddr: ip4(to) }
    : { kind: 'DNAT', toAddr: ip4(to), toPort: port };
}

export function snat(to: string, port?: number, randomFully = false): Target {
  return port === undefined
    ? { kind: 'SNAT', toAddr: ip4(to), randomFully }
    : { kind: 'SNAT', toAddr: ip4(to), toPort: port, randomFully };
}

/** `-m tcp|udp --dport P`. */
export function dport(proto: 'tcp' | 'udp', port: number): Match {
  return { kind: proto, dport: { from: port, to: port, invert: false } };
}

/** `-m statistic --mode random --probability 1/(n)` as kube-proxy writes it for the first of n. */
export function statisticOneIn(n: number): Match {
  return { kind: 'statistic', stored: Math.round(2 ** 31 / n), invert: false };
}

export function ctstate(...states: string[]): Match {
  return { kind: 'conntrack', ctstate: states, invert: false };
}

/** A table: the named chains (built-ins get policy ACCEPT unless `policies` says otherwise). */
export function table(
  name: TableName,
  chains: Readonly<Record<string, readonly Rule[]>>,
  policies: Readonly<Record<string, 'ACCEPT' | 'DROP'>> = {},
): Table {
  const out = new Map<string, Chain>();
  for (const [n, rules] of Object.entries(chains)) {
    const builtin = BUILTIN_CHAINS[name].includes(n);
    out.set(n, { name: n, policy: builtin ? (policies[n] ?? 'ACCEPT') : undefined, rules });
  }
  for (const [n, p] of Object.entries(policies))
    if (!out.has(n)) out.set(n, { name: n, policy: p, rules: [] });
  return { name, chains: out };
}

/** Installs `tables` in `nf` (iptables-restore of each); throws on a refusal. */
export function load(nf: Netfilter, ...tables: Table[]): void {
  for (const t of tables) {
    const r = nf.replaceTable(t);
    if (!r.ok) throw new Error(r.error);
  }
}

// ---- packets ----

export function udpPacket(src: string | Ip4, dst: string | Ip4, sport: number, dport: number): Ipv4Packet {
  const s = typeof src === 'string' ? ip4(src) : src;
  const d = typeof dst === 'string' ? ip4(dst) : dst;
  return ipv4({
    src: s,
    dst: d,
    flags: IP_FLAG_DF,
    payload: udp({ src: s, dst: d, srcPort: sport, dstPort: dport, payload: new Uint8Array([1, 2, 3, 4]) }),
  });
}

export function tcpPacket(
  src: string,
  dst: string,
  sport: number,
  dport: number,
  flags: number,
  seq = 1000,
  ack = 0,
): Ipv4Packet {
  const s = ip4(src);
  const d = ip4(dst);
  return ipv4({
    src: s,
    dst: d,
    flags: IP_FLAG_DF,
    payload: tcp({ src: s, dst: d, srcPort: sport, dstPort: dport, seq, ack, flags, window: 64240 }),
  });
}

export function pingPacket(src: string, dst: string, id: number, type: 8 | 0 = 8): Ipv4Packet {
  return ipv4({
    src: ip4(src),
    dst: ip4(dst),
    payload: icmpEcho({ type, id, seq: 1, data: new Uint8Array(56) }),
  });
}

// ---- unit-level engine ----

/** A host whose local addresses are `locals` and whose MASQUERADE source is `masq`. */
export function fakeHost(locals: readonly string[] = [], masq = '192.168.56.11'): NfHost {
  const set = new Set(locals.map(ip4));
  return {
    addrType: (ip) => (set.has(ip) ? 2 : 1),
    masqueradeSource: () => ip4(masq),
  };
}

export function unitNf(options: { readonly seed?: number; readonly host?: NfHost } = {}): {
  readonly sim: Sim;
  readonly nf: Netfilter;
} {
  const sim = new Sim({ seed: options.seed ?? 1 });
  return { sim, nf: new Netfilter(sim, { name: 'node1', host: options.host ?? fakeHost() }) };
}

/** The packet, or the verdict, after one hook. */
export function hook(
  nf: Netfilter,
  h: NfHook,
  pkt: Ipv4Packet,
  inDev: string | undefined,
  outDev: string | undefined,
  skb: NfSkb = newSkb(),
): Ipv4Packet | NfVerdict {
  return nf.run(h, pkt, inDev, outDev, skb);
}

/** PREROUTING → FORWARD → POSTROUTING through a router from `inDev` to `outDev`, one packet state. */
export function forward(
  nf: Netfilter,
  pkt: Ipv4Packet,
  inDev = 'eth0',
  outDev = 'eth1',
): Ipv4Packet | NfVerdict {
  const skb = newSkb();
  const a = nf.run('PREROUTING', pkt, inDev, undefined, skb);
  if (a.kind !== 'ipv4') return a;
  const b = nf.run('FORWARD', a, inDev, outDev, skb);
  if (b.kind !== 'ipv4') return b;
  return nf.run('POSTROUTING', b, undefined, outDev, skb);
}

/** Narrows a hook result to a packet (fails the test otherwise). */
export function packet(r: Ipv4Packet | NfVerdict): Ipv4Packet {
  if (r.kind !== 'ipv4') throw new Error(`expected a packet, got ${JSON.stringify(r)}`);
  return r;
}

// ---- the routed lab ----

/**
 * client (10.0.1.2 and 10.0.1.3 on eth0, default via 10.0.1.1) — node (eth-c 10.0.1.1/24, eth-s
 * 10.0.2.1/24, default via 10.0.2.2, forwarding, netfilter) — server (10.0.2.2 and 10.0.2.3 on eth0, default via 10.0.2.1).
 */
export interface RoutedLab {
  readonly sim: Sim;
  readonly trace: TraceBus<EthernetFrame>;
  readonly client: NetNs;
  readonly node: NetNs;
  readonly server: NetNs;
  readonly nf: Netfilter;
}

function link(sim: Sim, a: NetNs, aName: string, aMac: number, b: NetNs, bName: string, bMac: number): void {
  const [va, vb] = vethPair(sim, a.deviceOptions(aName, aMac, 1500), b.deviceOptions(bName, bMac, 1500));
  a.attach(va);
  b.attach(vb);
}

export function routedLab(seed = 1): RoutedLab {
  const sim = new Sim({ seed });
  const trace = new TraceBus<EthernetFrame>();
  const client = new NetNs(sim, { name: 'client', trace });
  const node = new NetNs(sim, { name: 'node1', trace });
  const server = new NetNs(sim, { name: 'server', trace });
  link(sim, client, 'eth0', 0x020000000001, node, 'eth-c', 0x020000000101);
  link(sim, node, 'eth-s', 0x020000000102, server, 'eth0', 0x020000000002);
  client.addAddress('eth0', ip4('10.0.1.2'), 24);
  client.addAddress('eth0', ip4('10.0.1.3'), 24);
  client.addRoute({ dst: 0, prefixLen: 0, gateway: ip4('10.0.1.1'), dev: 'eth0' });
  node.addAddress('eth-c', ip4('10.0.1.1'), 24);
  node.addAddress('eth-s', ip4('10.0.2.1'), 24);
  node.setSysctl('net.ipv4.ip_forward', '1');
  // The node's own way out (towards the server side), as a node has a default route.
  node.addRoute({ dst: 0, prefixLen: 0, gateway: ip4('10.0.2.2'), dev: 'eth-s' });
  server.addAddress('eth0', ip4('10.0.2.2'), 24);
  server.addAddress('eth0', ip4('10.0.2.3'), 24);
  server.addRoute({ dst: 0, prefixLen: 0, gateway: ip4('10.0.2.1'), dev: 'eth0' });
  const nf = new Netfilter(sim, { name: 'node1', host: new NetfilterHost(node) });
  node.hooks = nf;
  return { sim, trace, client, node, server, nf };
}

/** A UDP datagram as a socket saw it. */
export interface Seen {
  readonly src: Ip4;
  readonly dst: Ip4;
  readonly sport: number;
  readonly dport: number;
  readonly ttl: number;
}

/** Records every datagram to `port` in `ns`; with `echo`, answers each from where it was sent to. */
export function udpListen(ns: NetNs, port: number, echo = false): Seen[] {
  const seen: Seen[] = [];
  const close = ns.sockets.bindUdp(port, (pkt, d) => {
    seen.push({ src: pkt.src, dst: pkt.dst, sport: d.srcPort, dport: d.dstPort, ttl: pkt.ttl });
    if (echo) sendUdp(ns, pkt.dst, pkt.src, d.dstPort, d.srcPort);
  });
  if (close === undefined) throw new Error(`${ns.name}: UDP port ${port} in use`);
  return seen;
}

/** Sends one datagram from `ns`. */
export function sendUdp(ns: NetNs, src: string | Ip4, dst: string | Ip4, sport: number, dport: number): void {
  const s = typeof src === 'string' ? ip4(src) : src;
  const d = typeof dst === 'string' ? ip4(dst) : dst;
  const r = ns.send({
    src: s,
    dst: d,
    protocol: 17,
    payload: udp({ src: s, dst: d, srcPort: sport, dstPort: dport, payload: new Uint8Array([1, 2, 3, 4]) }),
  });
  if (!r.ok) throw new Error(`${ns.name}: send failed: ${r.errno}`);
}

/** Every packet of `protocol` delivered locally in `ns` (a raw socket). */
export function rawListen(ns: NetNs, protocol: number): Ipv4Packet[] {
  const seen: Ipv4Packet[] = [];
  ns.sockets.openRaw(protocol, (pkt) => seen.push(pkt));
  return seen;
}
