/**
 * The datapath benchmark: a UDP echo flood across a chain of 8 routers between two hosts,
 *
 *   A — seg0 — r1 — seg1 — r2 — … — r8 — seg8 — B
 *
 * nine underlay segments, each its own /24, routers forwarding by static routes. A keeps a fixed number
 * of datagrams in flight (a new one per echo); B's echo server answers each. A "hop" is one device
 * receiving a frame (NetDevice.deliver, counted by rxPackets); a round trip is 18 hops. The same chain is
 * what ns-3 is compared on (~0.3 M hops/s there).
 */
import { NetNs, Nic, Segment } from '../src/net/index.js';
import { Sim, TraceBus, US } from '../src/sim/index.js';
import { type EthernetFrame, IPPROTO_UDP, type Ip4, type UdpDatagram, udp } from '../src/wire/index.js';

/** What one router-chain run measured. */
export interface RouterChainResult {
  readonly hops: number;
  readonly seconds: number;
}

/** Options for {@link routerChainBench}; defaults give a couple of seconds of measurement. */
export interface RouterChainOptions {
  readonly routers?: number;
  /** Datagrams kept outstanding. */
  readonly inFlight?: number;
  /** Echoes (round trips) in the warm-up run and in the measured run. */
  readonly warmupEchoes?: number;
  readonly echoes?: number;
  readonly payloadBytes?: number;
}

const ECHO_PORT = 7;
const CLIENT_PORT = 40000;

/** 10.0.SEG.HOST: every segment is its own /24. */
function addr(seg: number, host: number): Ip4 {
  return ((10 << 24) | (seg << 8) | host) >>> 0;
}

interface Chain {
  readonly sim: Sim;
  readonly a: NetNs;
  readonly b: NetNs;
  readonly all: readonly NetNs[];
}

/**
 * Builds the chain: host A is .1 on seg0, router i has eth0 = .2 on seg(i-1) and eth1 = .1 on seg(i),
 * host B is .2 on the last segment. Each router routes the subnets behind it to its neighbour router.
 */
function buildChain(routers: number): Chain {
  const sim = new Sim({ seed: 1 });
  const trace = new TraceBus<EthernetFrame>();
  const segs: Segment[] = [];
  for (let k = 0; k <= routers; k++) {
    segs.push(new Segment(sim, { name: `seg${k}`, latencyNs: 50 * US, bandwidthBps: 10e9, trace }));
  }
  const nic = (ns: NetNs, dev: string, seg: number, host: number): void => {
    const n = new Nic(sim, ns.deviceOptions(dev, sim.rng(`mac/${ns.name}/${dev}`).mac(), 1500));
    ns.attach(n);
    segAt(segs, seg).attach(n, ns.name);
    ns.addAddress(dev, addr(seg, host), 24);
  };
  const must = (err: string | undefined): void => {
    if (err !== undefined) throw new Error(`router chain: ${err}`);
  };

  const a = new NetNs(sim, { name: 'a', trace });
  nic(a, 'eth0', 0, 1);
  must(a.addRoute({ dst: 0, prefixLen: 0, gateway: addr(0, 2), dev: 'eth0' }));
  const all: NetNs[] = [a];
  for (let i = 1; i <= routers; i++) {
    const r = new NetNs(sim, { name: `r${i}`, trace });
    r.setSysctl('net.ipv4.ip_forward', '1');
    nic(r, 'eth0', i - 1, 2);
    nic(r, 'eth1', i, 1);
    // Subnets behind: towards A via the previous router's eth1 (seg i-1, .1).
    for (let k = 0; k < i - 1; k++) {
      must(r.addRoute({ dst: addr(k, 0), prefixLen: 24, gateway: addr(i - 1, 1), dev: 'eth0' }));
    }
    // Subnets ahead: towards B via the next router's eth0 (seg i, .2).
    for (let k = i + 1; k <= routers; k++) {
      must(r.addRoute({ dst: addr(k, 0), prefixLen: 24, gateway: addr(i, 2), dev: 'eth1' }));
    }
    all.push(r);
  }
  const b = new NetNs(sim, { name: 'b', trace });
  nic(b, 'eth0', routers, 2);
  must(b.addRoute({ dst: 0, prefixLen: 0, gateway: addr(routers, 1), dev: 'eth0' }));
  all.push(b);
  return { sim, a, b, all };
}

function segAt(segs: readonly Segment[], k: number): Segment {
  const s = segs[k];
  if (s === undefined) throw new Error(`router chain: no segment ${k}`);
  return s;
}

/** Frames received by every device of the chain so far. */
function hopsSoFar(all: readonly NetNs[]): number {
  let n = 0;
  for (const ns of all) for (const d of ns.devices()) n += d.stats.rxPackets;
  return n;
}

/**
 * An echo flood on a built chain: the request and reply datagrams are built once; each reply B's server
 * sends, and each reply A receives, is one `ns.send`.
 */
class Flood {
  private sent = 0;
  private received = 0;
  private target = 0;
  private readonly request: UdpDatagram;
  private readonly srcA: Ip4;
  private readonly dstB: Ip4;

  constructor(
    private readonly chain: Chain,
    payloadBytes: number,
  ) {
    const { a, b } = chain;
    this.srcA = addr(0, 1);
    this.dstB = addrOf(b);
    const payload = new Uint8Array(payloadBytes).fill(0x5a);
    this.request = udp({
      src: this.srcA,
      dst: this.dstB,
      srcPort: CLIENT_PORT,
      dstPort: ECHO_PORT,
      payload,
    });
    const reply = udp({ src: this.dstB, dst: this.srcA, srcPort: ECHO_PORT, dstPort: CLIENT_PORT, payload });
    const replyOpts = { src: this.dstB, dst: this.srcA, protocol: IPPROTO_UDP, payload: reply };
    // The echo server answers with the same payload, ports swapped.
    b.sockets.bindUdp(ECHO_PORT, () => {
      b.send(replyOpts);
    });
    a.sockets.bindUdp(CLIENT_PORT, () => {
      this.received++;
      if (this.sent < this.target) this.sendOne();
    });
  }

  /** Sends `echoes` more requests, `inFlight` at a time, and runs the simulator until all came back. */
  run(echoes: number, inFlight: number): void {
    this.target = this.sent + echoes;
    const expect = this.received + echoes;
    for (let i = 0; i < inFlight && this.sent < this.target; i++) this.sendOne();
    this.chain.sim.run();
    if (this.received !== expect) {
      throw new Error(`router chain: ${expect - this.received} echoes lost of ${echoes}`);
    }
  }

  private sendOne(): void {
    this.sent++;
    const r = this.chain.a.send({
      src: this.srcA,
      dst: this.dstB,
      protocol: IPPROTO_UDP,
      payload: this.request,
    });
    if (!r.ok) throw new Error(`router chain: send failed with ${r.errno}`);
  }
}

function addrOf(ns: NetNs): Ip4 {
  const eth0 = ns.deviceByName('eth0');
  const first = eth0 === undefined ? undefined : ns.addresses(eth0.ifindex)[0];
  if (first === undefined) throw new Error(`router chain: ${ns.name} has no address`);
  return first.ip;
}

/** Runs the router-chain benchmark: warm-up echoes (ARP, JIT), then times `sim.run()` for the rest. */
export async function routerChainBench(options: RouterChainOptions = {}): Promise<RouterChainResult> {
  const chain = buildChain(options.routers ?? 8);
  const flood = new Flood(chain, options.payloadBytes ?? 64);
  const inFlight = options.inFlight ?? 64;
  flood.run(options.warmupEchoes ?? 50_000, inFlight);
  const before = hopsSoFar(chain.all);
  const start = performance.now();
  flood.run(options.echoes ?? 200_000, inFlight);
  const seconds = (performance.now() - start) / 1000;
  return { hops: hopsSoFar(chain.all) - before, seconds };
}
