import type { NetNs } from '../net/index.js';
import { SECOND, Timer } from '../sim/index.js';
import {
  formatIp4,
  IPPROTO_ICMP,
  IPPROTO_UDP,
  type Ip4,
  type Ipv4Packet,
  icmpEcho,
  parseIcmpQuote,
  rawPayload,
  udp,
} from '../wire/index.js';
import { ms3, tracerouteAnnotation } from './format.js';
import type { AppLine } from './ping.js';
import { errnoText } from './ping.js';

/** `traceroute [-I] -q QUERIES -m MAXHOPS -w WAIT DST` (traceroute 2.1, `-n` output). */
export interface TracerouteOptions {
  readonly dst: Ip4;
  readonly queries: number;
  readonly maxHops: number;
  readonly proto: 'udp' | 'icmp';
  readonly waitNs: number;
  /** Probes in flight at once (`-N`, default 16). */
  readonly simultaneous?: number;
}

/** One hop as data: who answered each probe and after how long. */
export interface TracerouteHop {
  readonly ttl: number;
  readonly probes: ReadonlyArray<{
    readonly from: Ip4 | undefined;
    readonly rttNs: number | undefined;
    readonly note: string;
  }>;
}

export interface TracerouteResult {
  readonly hops: readonly TracerouteHop[];
  readonly reached: boolean;
  readonly failed: boolean;
  readonly lines: readonly AppLine[];
}

/** Default UDP destination port base (traceroute's DEF_UDP_PORT). */
const UDP_PORT_BASE = 33434;
/** Default packet length: 60 bytes = IPv4 20 + UDP 8 + 32 bytes of data ('@', 'A', …). */
const PROBE_DATA = 32;

interface Probe {
  readonly ttl: number;
  readonly index: number;
  readonly port: number;
  sentAt: number;
  from: Ip4 | undefined;
  rttNs: number | undefined;
  note: string;
  done: boolean;
  final: boolean;
}

/**
 * traceroute as the Linux tool runs it: probes with increasing TTL, up to `simultaneous` in flight,
 * answered by ICMP time exceeded from routers and port unreachable (or echo reply) from the target.
 * Hops are printed in order as soon as all their probes are settled; it stops after the hop that reached
 * the destination or reported an unreachable.
 */
export class Traceroute {
  private readonly lines: AppLine[] = [];
  private readonly probes: Probe[] = [];
  private readonly byPort = new Map<number, Probe>();
  private readonly timer: Timer;
  private readonly icmpId: number;
  private src = 0;
  private printedHops = 0;
  private nextToSend = 0;
  private finished = false;
  private failed = false;
  private reached = false;
  private closeSocket: (() => void) | undefined;

  constructor(
    private readonly ns: NetNs,
    private readonly opts: TracerouteOptions,
    private readonly onDone?: (result: TracerouteResult) => void,
  ) {
    this.timer = new Timer(ns.sim, () => this.tick());
    this.icmpId = ns.sim.rng(`${ns.name}/traceroute`).int(1, 0xffff);
  }

  start(): void {
    const o = this.opts;
    const route = this.ns.routeOutput(o.dst);
    if (!route.ok) {
      this.lines.push({ atNs: this.ns.sim.now, text: `connect: ${errnoText(route.errno)}`, stderr: true });
      this.failed = true;
      this.finish();
      return;
    }
    this.src = route.src;
    const dst = formatIp4(o.dst);
    this.print(`traceroute to ${dst} (${dst}), ${o.maxHops} hops max, ${20 + 8 + PROBE_DATA} byte packets`);
    for (let ttl = 1; ttl <= o.maxHops; ttl++) {
      for (let q = 0; q < o.queries; q++) {
        const index = this.probes.length;
        const port = o.proto === 'udp' ? UDP_PORT_BASE + index : index + 1;
        const p: Probe = {
          ttl,
          index,
          port,
          sentAt: 0,
          from: undefined,
          rttNs: undefined,
          note: '',
          done: false,
          final: false,
        };
        this.probes.push(p);
        this.byPort.set(port, p);
      }
    }
    this.closeSocket = this.ns.sockets.openRaw(IPPROTO_ICMP, (pkt) => this.receive(pkt));
    this.fill();
  }

  result(): TracerouteResult {
    const hops: TracerouteHop[] = [];
    for (let h = 0; h < this.printedHops; h++) {
      const ps = this.probes.slice(h * this.opts.queries, (h + 1) * this.opts.queries);
      hops.push({ ttl: h + 1, probes: ps.map((p) => ({ from: p.from, rttNs: p.rttNs, note: p.note })) });
    }
    return { hops, reached: this.reached, failed: this.failed, lines: this.lines };
  }

  /** Keeps `simultaneous` probes in flight, never beyond the hop after the last one printed + window. */
  private fill(): void {
    const limit = this.opts.simultaneous ?? 16;
    let inFlight = 0;
    for (let i = this.printedHops * this.opts.queries; i < this.nextToSend; i++) {
      const p = this.probes[i];
      if (p !== undefined && !p.done) inFlight++;
    }
    while (inFlight < limit && this.nextToSend < this.probes.length) {
      const p = this.probes[this.nextToSend++];
      if (p === undefined) break;
      this.send(p);
      inFlight++;
    }
    this.armTimer();
  }

  private send(p: Probe): void {
    const o = this.opts;
    p.sentAt = this.ns.sim.now;
    const data = new Uint8Array(PROBE_DATA);
    for (let i = 0; i < PROBE_DATA; i++) data[i] = 0x40 + i;
    const payload =
      o.proto === 'udp'
        ? udp({
            src: this.src,
            dst: o.dst,
            srcPort: this.ns.sockets.ephemeralPort(),
            dstPort: p.port,
            payload: rawPayload(data),
          })
        : icmpEcho({ type: 8, id: this.icmpId, seq: p.port, data });
    const r = this.ns.send({
      src: this.src,
      dst: o.dst,
      protocol: o.proto === 'udp' ? IPPROTO_UDP : IPPROTO_ICMP,
      payload,
      ttl: p.ttl,
      pmtudisc: 'dont',
    });
    if (!r.ok) {
      p.done = true;
      p.note = `send: ${errnoText(r.errno)}`;
    }
  }

  private receive(pkt: Ipv4Packet): void {
    const icmp = pkt.payload;
    if (icmp.kind !== 'icmp') return;
    let probe: Probe | undefined;
    let final = false;
    if (icmp.type === 0 && this.opts.proto === 'icmp') {
      if (icmp.rest >>> 16 !== this.icmpId) return;
      probe = this.byPort.get(icmp.rest & 0xffff);
      final = true;
    } else if (icmp.type === 11 || icmp.type === 3) {
      probe = this.quotedProbe(icmp.data);
      final = icmp.type === 3;
    }
    if (probe === undefined || probe.done) return;
    probe.done = true;
    probe.from = pkt.src;
    probe.rttNs = this.ns.sim.now - probe.sentAt;
    probe.final = final;
    if (icmp.type === 3) probe.note = tracerouteAnnotation(icmp.type, icmp.code, icmp.rest);
    this.printReady();
    if (!this.finished) this.fill();
  }

  private quotedProbe(quote: Uint8Array): Probe | undefined {
    const q = parseIcmpQuote(quote);
    if (q === undefined || q.dst !== this.opts.dst) return undefined;
    const at = q.headerLen;
    if (quote.length < at + 8) return undefined;
    if (this.opts.proto === 'udp' && q.protocol === IPPROTO_UDP) {
      return this.byPort.get(((quote[at + 2] ?? 0) << 8) | (quote[at + 3] ?? 0));
    }
    if (this.opts.proto === 'icmp' && q.protocol === IPPROTO_ICMP && quote[at] === 8) {
      if ((((quote[at + 4] ?? 0) << 8) | (quote[at + 5] ?? 0)) !== this.icmpId) return undefined;
      return this.byPort.get(((quote[at + 6] ?? 0) << 8) | (quote[at + 7] ?? 0));
    }
    return undefined;
  }

  /** Probes unanswered after the wait time are given up (printed as `*`). */
  private tick(): void {
    const now = this.ns.sim.now;
    for (let i = this.printedHops * this.opts.queries; i < this.nextToSend; i++) {
      const p = this.probes[i];
      if (p !== undefined && !p.done && now - p.sentAt >= this.opts.waitNs) p.done = true;
    }
    this.printReady();
    if (!this.finished) this.fill();
  }

  private armTimer(): void {
    let due = Number.POSITIVE_INFINITY;
    for (let i = this.printedHops * this.opts.queries; i < this.nextToSend; i++) {
      const p = this.probes[i];
      if (p !== undefined && !p.done) due = Math.min(due, p.sentAt + this.opts.waitNs);
    }
    if (due === Number.POSITIVE_INFINITY) this.timer.cancel();
    else this.timer.start(Math.max(0, due - this.ns.sim.now));
  }

  /** Prints every complete hop in order (print_probe), and stops after a hop that ended the trace. */
  private printReady(): void {
    const q = this.opts.queries;
    while (!this.finished && this.printedHops < this.opts.maxHops) {
      const hop = this.probes.slice(this.printedHops * q, (this.printedHops + 1) * q);
      if (hop.length < q || hop.some((p) => !p.done)) return;
      this.printedHops++;
      this.print(hopLine(this.printedHops, hop));
      if (hop.some((p) => p.final)) {
        this.reached = hop.some((p) => p.from === this.opts.dst);
        this.finish();
        return;
      }
    }
    if (this.printedHops >= this.opts.maxHops) this.finish();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.timer.cancel();
    this.closeSocket?.();
    this.onDone?.(this.result());
  }

  private print(text: string): void {
    this.lines.push({ atNs: this.ns.sim.now, text });
  }
}

/** ` 1  192.168.56.1  0.050 ms  0.027 ms  0.024 ms` — an address is printed when it differs from the previous probe's. */
function hopLine(ttl: number, hop: readonly Probe[]): string {
  let line = `${String(ttl).padStart(2, ' ')} `;
  let prev: Ip4 | undefined;
  hop.forEach((p, np) => {
    if (p.from === undefined) {
      line += ' *';
    } else {
      if (np === 0 || p.from !== prev) line += ` ${formatIp4(p.from)}`;
      prev = p.from;
    }
    if (p.rttNs !== undefined) line += `  ${ms3(p.rttNs)} ms`;
    if (p.note !== '') line += ` ${p.note}`;
  });
  return line;
}

export const TRACEROUTE_DEFAULT_WAIT_NS = 5 * SECOND;
