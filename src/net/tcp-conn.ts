/**
 * The core of a TCP connection shared by every state: its control block (sequence numbers, windows,
 * timestamps, options agreed), how it puts segments on the wire (tcp_transmit_skb with Linux's windows,
 * options and IP IDs), its retransmission and delayed-ACK timers, and how it ends. The state machine
 * that reads segments is `TcpSocket` (tcp-socket.ts).
 */
import { MS, type Rng, Timer } from '../sim/index.js';
import {
  IPPROTO_TCP,
  type Ipv4Packet,
  linuxSynOptions,
  TCP_ACK,
  TCP_FIN,
  TCP_PSH,
  TCP_SYN,
  type TcpOption,
  type TcpSegment,
  tcp,
  timestampOptions,
} from '../wire/index.js';
import { AckPolicy } from './tcp-ack.js';
import { TCP } from './tcp-defaults.js';
import type { Endpoint, SocketErrno, SocketHost } from './tcp-host.js';
import {
  advertisedMss,
  modelTimeoutNs,
  resetFor,
  type SynOffer,
  seqAdd,
  seqLeq,
  windowField,
} from './tcp-output.js';
import { TcpSender } from './tcp-sender.js';

/** Connection states, named as include/net/tcp_states.h names them. */
export type TcpState =
  | 'SYN_SENT'
  | 'SYN_RECV'
  | 'ESTABLISHED'
  | 'FIN_WAIT1'
  | 'FIN_WAIT2'
  | 'CLOSING'
  | 'TIME_WAIT'
  | 'CLOSE_WAIT'
  | 'LAST_ACK'
  | 'CLOSE';

/** What the application hears from a socket. */
export interface TcpHandlers {
  /** connect() completed: the SYN-ACK arrived and was acknowledged. */
  connected?(): void;
  /** In-order bytes arrived (already acknowledged or due to be). */
  data?(bytes: Uint8Array): void;
  /** The peer sent its FIN: a read would now return 0. */
  end?(): void;
  /** The connection is over: closed normally (undefined), or failed or reset (the errno). */
  closed?(errno: SocketErrno | undefined): void;
}

/** The table holding a socket, as the socket sees it. */
export interface TcpOwner {
  readonly host: SocketHost;
  readonly rng: Rng;
  /** The socket left the connection table for good. */
  unhash(sock: TcpConn): void;
  /** Bumps a /proc/net/snmp `Tcp:` counter (ActiveOpens, OutRsts, RetransSegs …). */
  count(counter: string): void;
}

/** Per-connection knobs (setsockopt TCP_SYNCNT and the namespace sysctls it overrides). */
export interface TcpSocketOptions {
  /** SYN retransmissions before ETIMEDOUT (net.ipv4.tcp_syn_retries, 6). */
  readonly synRetries?: number;
  /** Leading SYN timeouts that do not double (net.ipv4.tcp_syn_linear_timeouts, 4). */
  readonly synLinearTimeouts?: number;
}

export const EMPTY = new Uint8Array(0);
export const NO_OPTIONS: readonly TcpOption[] = [];

/** A connection's control block and transmit side; `TcpSocket` adds the receive state machine. */
export abstract class TcpConn {
  /** Handlers the application installs (right after connect(), or in the listener's accept callback). */
  handlers: TcpHandlers = {};
  /** When a TIME_WAIT (or orphaned FIN_WAIT2) socket stops holding its 4-tuple; checked lazily by the table. */
  deadline = Number.POSITIVE_INFINITY;
  protected st: TcpState;
  private err: SocketErrno | undefined;
  /** sk_err_soft: an ICMP error kept to explain a later timeout. */
  protected softErr: SocketErrno | undefined;
  protected readonly iss: number;
  protected readonly snd: TcpSender;
  protected readonly acks = new AckPolicy();
  protected rcvNxt = 0;
  /** RCV.NXT when we last sent an ACK (rcv_wup). */
  protected rcvWup = 0;
  /** Our receive window in bytes (rcv_ssthresh; the application always reads at once). */
  protected rcvWnd = 0;
  /** Our window scale once both sides agreed to scaling. */
  private rcvWscale: number | undefined;
  protected sndWscale = 0;
  protected advmss: number;
  /** The MSS the peer announced (the send MSS never exceeds it). */
  protected peerMss: number = TCP.mssDefault;
  protected tsOn = true;
  private sackOn = true;
  private readonly tsOffset: number;
  protected tsRecent = 0;
  /** inet_id: IP identification of this socket's DF packets, consecutive from a random start. */
  private ipId: number;
  protected readonly rtoTimer: Timer;
  protected readonly delackTimer: Timer;
  protected rto: number = TCP.timeoutInitNs;
  protected retransmits = 0;
  private totalRto = 0;
  /** When the oldest unacknowledged segment (or the first SYN) was first sent. */
  protected retransStamp = 0;
  protected appClosed = false;
  private reported = false;
  private readonly synRetries: number;
  private readonly synLinear: number;

  protected constructor(
    protected readonly owner: TcpOwner,
    readonly local: Endpoint,
    readonly remote: Endpoint,
    state: TcpState,
    opts: TcpSocketOptions,
  ) {
    const rng = owner.rng;
    this.st = state;
    this.iss = rng.u32();
    this.tsOffset = rng.u32();
    this.ipId = rng.int(0, 0xffff);
    this.snd = new TcpSender(seqAdd(this.iss, 1));
    this.synRetries = opts.synRetries ?? TCP.synRetries;
    this.synLinear = opts.synLinearTimeouts ?? TCP.synLinearTimeouts;
    const sim = owner.host.sim;
    this.rtoTimer = new Timer(sim, () => this.onRto());
    this.delackTimer = new Timer(sim, () => this.onDelack());
    const r = owner.host.routeOutput(remote.ip, local.ip);
    this.advmss = advertisedMss(r.ok ? r.dev.mtu : 1500);
  }

  get state(): TcpState {
    return this.st;
  }

  /** The error the connection ended with, if it failed. */
  get errno(): SocketErrno | undefined {
    return this.err;
  }

  /** Send MSS in use (payload bytes per segment). */
  get mss(): number {
    return this.snd.mss;
  }

  // --- output --------------------------------------------------------------------------------------

  /** tcp_write_xmit: every segment the windows allow. */
  protected output(): void {
    const st = this.st;
    if (st === 'SYN_SENT' || st === 'SYN_RECV' || st === 'TIME_WAIT' || st === 'CLOSE') return;
    const wasIdle = !this.snd.outstanding;
    for (;;) {
      const o = this.snd.next(this.now);
      if (o === undefined) return;
      const flags = TCP_ACK | (o.psh && o.data.length > 0 ? TCP_PSH : 0) | (o.fin ? TCP_FIN : 0);
      this.xmit(o.seq, this.rcvNxt, flags, o.data);
      if (o.data.length > 0) this.acks.dataSent(this.now);
      if (!this.rtoTimer.pending) {
        if (wasIdle) this.retransStamp = this.now;
        this.rtoTimer.start(this.rto);
      }
    }
  }

  protected sendSyn(): void {
    const options = linuxSynOptions({ mss: this.advmss, tsval: this.tsval(), wscale: TCP.wscale });
    this.xmit(this.iss, 0, TCP_SYN, EMPTY, options);
  }

  /** tcp_make_synack, sent from the request socket: IP ID 0 (ip_build_and_send_pkt). */
  protected sendSynAck(): void {
    const options = linuxSynOptions({
      mss: this.advmss,
      tsval: this.tsval(),
      tsecr: this.tsRecent,
      wscale: TCP.wscale,
      timestamps: this.tsOn,
      sack: this.sackOn,
      windowScaling: this.rcvWscale !== undefined,
    });
    this.xmit(this.iss, this.rcvNxt, TCP_SYN | TCP_ACK, EMPTY, options, 0);
  }

  protected sendAck(): void {
    this.xmit(this.snd.nxt, this.rcvNxt, TCP_ACK, EMPTY);
  }

  /** tcp_transmit_skb → ip_queue_xmit: one segment with our window and timestamps, DF set. */
  protected xmit(
    seq: number,
    ack: number,
    flags: number,
    payload: Uint8Array,
    options?: readonly TcpOption[],
    id?: number,
  ): void {
    const syn = (flags & TCP_SYN) !== 0;
    const seg = tcp({
      src: this.local.ip,
      dst: this.remote.ip,
      srcPort: this.local.port,
      dstPort: this.remote.port,
      seq,
      ack,
      flags,
      window: syn ? this.rcvWnd : windowField(this.rcvWnd, this.rcvWscale),
      options: options ?? (this.tsOn ? timestampOptions(this.tsval(), this.tsRecent) : NO_OPTIONS),
      payload,
    });
    let ipId = id;
    if (ipId === undefined) {
      ipId = this.ipId;
      this.ipId = (this.ipId + 1) & 0xffff;
    }
    this.owner.host.send({
      src: this.local.ip,
      dst: this.remote.ip,
      protocol: IPPROTO_TCP,
      payload: seg,
      id: ipId,
      pmtudisc: 'want',
    });
    this.owner.count('OutSegs');
    if ((flags & TCP_ACK) !== 0) {
      this.acks.ackSent();
      this.delackTimer.cancel();
      this.rcvWup = ack;
    }
  }

  /** The reset tcp_v4_send_reset sends in answer to `seg` (from the socket: IP ID 0 like the control socket). */
  protected reset(pkt: Ipv4Packet, seg: TcpSegment): void {
    const rst = resetFor(pkt, seg);
    if (rst === undefined) return;
    this.owner.host.send({ src: pkt.dst, dst: pkt.src, protocol: IPPROTO_TCP, payload: rst, id: 0 });
    this.owner.count('OutRsts');
  }

  // --- timers --------------------------------------------------------------------------------------

  /** tcp_retransmit_timer / reqsk_timer_handler, with tcp_write_timeout deciding when to give up. */
  private onRto(): void {
    const now = this.now;
    if (this.st === 'SYN_SENT') {
      const max = this.synRetries + this.synLinear;
      const timedOut = now - this.retransStamp >= modelTimeoutNs(this.synRetries, TCP.timeoutInitNs);
      if (this.retransmits >= max || timedOut) {
        this.owner.count('AttemptFails');
        this.done(this.softErr ?? 'ETIMEDOUT');
        return;
      }
      this.retransmits++;
      this.totalRto++;
      this.owner.count('RetransSegs');
      this.sendSyn();
      if (this.totalRto > this.synLinear) this.rto = Math.min(this.rto * 2, TCP.rtoMaxNs);
    } else if (this.st === 'SYN_RECV') {
      if (this.retransmits >= TCP.synackRetries) {
        this.done(undefined);
        return;
      }
      this.retransmits++;
      this.owner.count('RetransSegs');
      this.sendSynAck();
      this.rto = Math.min(this.rto * 2, TCP.rtoMaxNs);
    } else {
      if (!this.snd.outstanding) return;
      if (now - this.retransStamp >= modelTimeoutNs(TCP.retries2, TCP.rtoMinNs)) {
        this.done(this.softErr ?? 'ETIMEDOUT');
        return;
      }
      this.retransmits++;
      this.owner.count('RetransSegs');
      this.snd.rewind(true);
      this.output();
      this.rto = Math.min(this.rto * 2, TCP.rtoMaxNs);
    }
    this.rtoTimer.start(this.rto);
  }

  private onDelack(): void {
    if (!this.acks.scheduled || this.st === 'CLOSE' || this.st === 'TIME_WAIT') return;
    this.acks.delackFired();
    this.sendAck();
  }

  // --- helpers -------------------------------------------------------------------------------------

  /** Agrees on options from the peer's SYN or SYN-ACK; sets the send MSS for the path. */
  protected negotiate(o: SynOffer): void {
    this.tsOn = o.tsval !== undefined;
    if (o.tsval !== undefined) this.tsRecent = o.tsval;
    this.sackOn = o.sackPermitted;
    if (o.wscale !== undefined) {
      this.sndWscale = o.wscale;
      this.rcvWscale = TCP.wscale;
    }
    this.peerMss = o.mss ?? TCP.mssDefault;
    const r = this.owner.host.routeOutput(this.remote.ip, this.local.ip);
    const pathMss = (r.ok ? r.mtu : 1500) - 40;
    this.snd.mss = Math.max(1, Math.min(this.peerMss, pathMss) - (this.tsOn ? TCP.tsOptLen : 0));
  }

  protected establish(): void {
    this.st = 'ESTABLISHED';
    this.retransmits = 0;
    this.rto = this.snd.rto();
    this.rtoTimer.cancel();
  }

  protected enterTimeWait(): void {
    this.st = 'TIME_WAIT';
    this.rtoTimer.cancel();
    this.delackTimer.cancel();
    this.deadline = this.now + TCP.timeWaitNs;
    this.report(undefined);
  }

  /** tcp_done: the socket leaves the table; the application hears it once. */
  protected done(errno: SocketErrno | undefined): void {
    this.st = 'CLOSE';
    this.err = errno;
    this.rtoTimer.cancel();
    this.delackTimer.cancel();
    this.owner.unhash(this);
    this.report(errno);
  }

  private report(errno: SocketErrno | undefined): void {
    if (this.reported) return;
    this.reported = true;
    this.handlers.closed?.(errno);
  }

  /** `seq` lies in [SND.UNA, SND.NXT] of what was ever sent. */
  protected sentRange(seq: number): boolean {
    return seqLeq(this.snd.una, seq) && seqLeq(seq, this.snd.highestSent);
  }

  /** TSval: a per-connection random offset plus milliseconds of simulated time (tcp_clock_ms). */
  private tsval(): number {
    return (this.tsOffset + Math.floor(this.now / MS)) >>> 0;
  }

  protected get now(): number {
    return this.owner.host.sim.now;
  }
}
