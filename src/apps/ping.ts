import type { NetNs, PmtuDisc, RawListener } from '../net/index.js';
import { SECOND, Timer } from '../sim/index.js';
import {
  formatIp4,
  IPPROTO_ICMP,
  type Ip4,
  type Ipv4Packet,
  icmpEcho,
  parseIcmpQuote,
  pingPayload,
} from '../wire/index.js';
import { percentG, pingIcmpText, pingTime } from './format.js';

/** `ping -c COUNT -i INTERVAL -s SIZE -t TTL -M do|dont|want -W WAIT DST`. */
export interface PingOptions {
  readonly dst: Ip4;
  readonly count: number;
  readonly intervalNs: number;
  readonly size: number;
  readonly ttl: number;
  readonly pmtudisc: PmtuDisc;
  /** How long to wait for the last reply (iputils lingers 10 s by default). */
  readonly lingerNs?: number;
}

/** One line of output, the simulated time it was printed at, and whether the tool wrote it to stderr. */
export interface AppLine {
  readonly atNs: number;
  readonly text: string;
  readonly stderr?: true;
}

/** What a ping run saw, as data (the same facts its summary prints). */
export interface PingResult {
  readonly transmitted: number;
  readonly received: number;
  readonly errors: number;
  /** Round-trip times (ns) of the replies, in arrival order. */
  readonly rttsNs: readonly number[];
  /** TTLs of the replies. */
  readonly ttls: readonly number[];
  /** `true` when ping could not even start (connect/local error); exit status 2 like iputils. */
  readonly failed: boolean;
  readonly lines: readonly AppLine[];
}

/**
 * iputils ping inside a namespace: echo requests every interval, replies matched by identifier, ICMP
 * errors about our requests reported as `From … icmp_seq=N …`, and the statistics block at the end.
 */
export class Ping {
  private readonly lines: AppLine[] = [];
  private readonly sentAt = new Map<number, number>();
  private readonly rtts: number[] = [];
  private readonly ttls: number[] = [];
  private readonly id: number;
  private transmitted = 0;
  private received = 0;
  private errors = 0;
  private failed = false;
  private startNs = 0;
  private lastSendNs = 0;
  private src = 0;
  private finished = false;
  private closeSocket: (() => void) | undefined;
  private readonly sendTimer: Timer;
  private readonly lingerTimer: Timer;

  constructor(
    private readonly ns: NetNs,
    private readonly opts: PingOptions,
    private readonly onDone?: (result: PingResult) => void,
  ) {
    this.id = ns.sim.rng(`${ns.name}/ping`).int(1, 0xffff);
    this.sendTimer = new Timer(ns.sim, () => this.sendNext());
    this.lingerTimer = new Timer(ns.sim, () => this.finish());
  }

  /** Starts pinging now; `onDone` runs when the last reply arrived or the linger time passed. */
  start(): void {
    const o = this.opts;
    this.startNs = this.ns.sim.now;
    const route = this.ns.routeOutput(o.dst);
    if (!route.ok) {
      // iputils connects a probe socket first to learn its source address.
      this.print(`ping: connect: ${errnoText(route.errno)}`, true);
      this.failed = true;
      this.finish();
      return;
    }
    this.src = route.src;
    const dst = formatIp4(o.dst);
    this.print(`PING ${dst} (${dst}) ${o.size}(${o.size + 28}) bytes of data.`);
    const listener: RawListener = (pkt) => this.receive(pkt);
    this.closeSocket = this.ns.sockets.openRaw(IPPROTO_ICMP, listener);
    this.sendNext();
  }

  /** The result so far (final once `onDone` ran). */
  result(): PingResult {
    return {
      transmitted: this.transmitted,
      received: this.received,
      errors: this.errors,
      rttsNs: this.rtts,
      ttls: this.ttls,
      failed: this.failed,
      lines: this.lines,
    };
  }

  private sendNext(): void {
    if (this.finished) return;
    const o = this.opts;
    const seq = this.transmitted + 1;
    const now = this.ns.sim.now;
    const msg = icmpEcho({ type: 8, id: this.id, seq, data: pingPayload(o.size, now) });
    const sent = this.ns.send({
      src: this.src,
      dst: o.dst,
      protocol: IPPROTO_ICMP,
      payload: msg,
      ttl: o.ttl,
      pmtudisc: o.pmtudisc,
    });
    if (!sent.ok) {
      if (sent.errno === 'EMSGSIZE')
        this.print(`ping: local error: message too long, mtu=${sent.mtu ?? 0}`, true);
      else this.print(`ping: sendmsg: ${errnoText(sent.errno)}`, true);
      this.errors++;
    }
    this.transmitted = seq;
    this.lastSendNs = now;
    this.sentAt.set(seq, now);
    if (this.transmitted < o.count) this.sendTimer.start(o.intervalNs);
    else this.lingerTimer.start(this.opts.lingerNs ?? 10 * SECOND);
  }

  private receive(pkt: Ipv4Packet): void {
    const icmp = pkt.payload;
    if (icmp.kind !== 'icmp') return;
    if (icmp.type === 0) {
      if (icmp.rest >>> 16 !== this.id || pkt.src !== this.opts.dst) return;
      const seq = icmp.rest & 0xffff;
      const sent = this.sentAt.get(seq);
      if (sent === undefined) return;
      const rtt = this.ns.sim.now - sent;
      this.received++;
      this.rtts.push(rtt);
      this.ttls.push(pkt.ttl);
      this.print(
        `${8 + icmp.data.length} bytes from ${formatIp4(pkt.src)}: icmp_seq=${seq} ttl=${pkt.ttl} time=${pingTime(Math.floor(rtt / 1000))}`,
      );
    } else if (icmp.type === 3 || icmp.type === 11) {
      const seq = this.quotedSeq(icmp.data);
      if (seq === undefined) return;
      this.errors++;
      this.print(
        `From ${formatIp4(pkt.src)} icmp_seq=${seq} ${pingIcmpText(icmp.type, icmp.code, icmp.rest)}`,
      );
    } else {
      return;
    }
    if (this.transmitted >= this.opts.count && this.received + this.errors >= this.opts.count) this.finish();
  }

  /** The sequence number of our echo request quoted in an ICMP error, if it is ours. */
  private quotedSeq(quote: Uint8Array): number | undefined {
    const q = parseIcmpQuote(quote);
    if (q === undefined || q.protocol !== IPPROTO_ICMP || q.dst !== this.opts.dst) return undefined;
    const at = q.headerLen;
    if (quote.length < at + 8 || quote[at] !== 8) return undefined;
    const id = ((quote[at + 4] ?? 0) << 8) | (quote[at + 5] ?? 0);
    if (id !== this.id) return undefined;
    return ((quote[at + 6] ?? 0) << 8) | (quote[at + 7] ?? 0);
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.sendTimer.cancel();
    this.lingerTimer.cancel();
    this.closeSocket?.();
    if (!this.failed) this.printSummary();
    this.onDone?.(this.result());
  }

  private printSummary(): void {
    const o = this.opts;
    const tx = this.transmitted;
    const loss = tx === 0 ? 0 : ((tx - this.received) * 100) / tx;
    // iputils reports the span of the sends, not of the run: `time 0ms` for -c 1 even after a 3 s ARP wait.
    const elapsedMs = Math.floor((this.lastSendNs - this.startNs) / 1e6);
    this.print('');
    this.print(`--- ${formatIp4(o.dst)} ping statistics ---`);
    const errs = this.errors > 0 ? `+${this.errors} errors, ` : '';
    this.print(
      `${tx} packets transmitted, ${this.received} received, ${errs}${percentG(loss)}% packet loss, time ${elapsedMs}ms`,
    );
    if (this.received === 0) {
      this.print(''); // an empty line stands where the rtt line would be
      return;
    }
    // iputils keeps sums in µs and derives mdev = sqrt(mean(x²) − mean(x)²).
    // with integer division, as its finish() does.
    const us = this.rtts.map((r) => Math.floor(r / 1000));
    const n = us.length;
    const min = Math.min(...us);
    const max = Math.max(...us);
    const avg = Math.floor(us.reduce((a, b) => a + b, 0) / n);
    const avg2 = Math.floor(us.reduce((a, b) => a + b * b, 0) / n);
    const mdev = Math.floor(Math.sqrt(Math.max(0, avg2 - avg * avg)));
    const f = (v: number) => `${Math.floor(v / 1000)}.${String(v % 1000).padStart(3, '0')}`;
    this.print(`rtt min/avg/max/mdev = ${f(min)}/${f(avg)}/${f(max)}/${f(mdev)} ms`);
  }

  private print(text: string, stderr = false): void {
    this.lines.push(stderr ? { atNs: this.ns.sim.now, text, stderr } : { atNs: this.ns.sim.now, text });
  }
}

/** strerror() of the errnos a send can fail with. */
export function errnoText(errno: string): string {
  switch (errno) {
    case 'ENETUNREACH':
      return 'Network is unreachable';
    case 'EHOSTUNREACH':
      return 'No route to host';
    case 'EACCES':
      return 'Permission denied';
    case 'EMSGSIZE':
      return 'Message too long';
    case 'EADDRNOTAVAIL':
      return 'Cannot assign requested address';
    default:
      return 'Invalid argument';
  }
}
