/**
 * One TCP connection as the application and the wire see it (RFC 9293 as Linux implements it): the
 * active and passive opens, the segment-arrival state machine of tcp_rcv_state_process (data, ACKs,
 * FINs, resets, TIME_WAIT), and the ICMP errors tcp_v4_err applies. Transmission, timers and the control
 * block live in `TcpConn`; all timers run on the simulator's event queue and ISN, timestamp offset and IP
 * ID start from the namespace's random stream.
 */
import { type Ipv4Packet, TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, type TcpSegment } from '../wire/index.js';
import {
  EMPTY,
  NO_OPTIONS,
  TcpConn,
  type TcpOwner,
  type TcpSocketOptions,
  type TcpState,
} from './tcp-conn.js';

export type { TcpHandlers, TcpSocketOptions, TcpState } from './tcp-conn.js';

import { TCP } from './tcp-defaults.js';
import { type Endpoint, icmpErrno } from './tcp-host.js';
import { initialRcvWnd, seqAdd, seqLeq, seqLt, synOffer, tsOption } from './tcp-output.js';

/** The table holding a socket, as the socket sees it. */
export interface TcpSocketOwner extends TcpOwner {
  /** A passive open completed: give the socket to its listener (accept()). */
  accepted(sock: TcpSocket): void;
}

export class TcpSocket extends TcpConn {
  private constructor(
    private readonly table: TcpSocketOwner,
    local: Endpoint,
    remote: Endpoint,
    state: TcpState,
    opts: TcpSocketOptions,
  ) {
    super(table, local, remote, state, opts);
  }

  /** tcp_v4_connect: a socket in SYN_SENT whose SYN has just left. */
  static connect(
    owner: TcpSocketOwner,
    local: Endpoint,
    remote: Endpoint,
    opts: TcpSocketOptions,
  ): TcpSocket {
    const s = new TcpSocket(owner, local, remote, 'SYN_SENT', opts);
    s.rcvWnd = initialRcvWnd(s.advmss);
    s.retransStamp = s.now;
    s.sendSyn();
    s.rtoTimer.start(s.rto);
    owner.count('ActiveOpens');
    return s;
  }

  /** tcp_conn_request: a SYN reached a listener; the new socket answers with a SYN-ACK (SYN_RECV). */
  static accept(owner: TcpSocketOwner, pkt: Ipv4Packet, syn: TcpSegment): TcpSocket {
    const local = { ip: pkt.dst, port: syn.dstPort };
    const remote = { ip: pkt.src, port: syn.srcPort };
    const s = new TcpSocket(owner, local, remote, 'SYN_RECV', {});
    const offer = synOffer(syn);
    s.rcvNxt = seqAdd(syn.seq, 1);
    s.negotiate(offer);
    s.rcvWnd = initialRcvWnd(s.advmss - (s.tsOn ? TCP.tsOptLen : 0));
    s.snd.wnd = syn.window;
    s.retransStamp = s.now;
    s.sendSynAck();
    s.rtoTimer.start(s.rto);
    return s;
  }

  /** Queues bytes for sending (write()); false once the sending side is shut (EPIPE). */
  send(data: Uint8Array): boolean {
    const s = this.st;
    if (this.appClosed || (s !== 'ESTABLISHED' && s !== 'CLOSE_WAIT' && s !== 'SYN_SENT')) return false;
    this.snd.write(data);
    this.output();
    return true;
  }

  /** close(): a FIN follows the data written (FIN_WAIT1 or LAST_ACK); a pending connect is dropped. */
  close(): void {
    if (this.appClosed) return;
    this.appClosed = true;
    if (this.st === 'SYN_SENT' || this.st === 'SYN_RECV') {
      this.done(undefined);
      return;
    }
    if (this.st === 'ESTABLISHED') this.st = 'FIN_WAIT1';
    else if (this.st === 'CLOSE_WAIT') this.st = 'LAST_ACK';
    else return;
    this.snd.queueFin();
    this.output();
  }

  /** close() with SO_LINGER 0 (tcp_send_active_reset): RST|ACK at SND.NXT, then gone. */
  abort(): void {
    this.appClosed = true;
    if (this.st !== 'SYN_SENT' && this.st !== 'CLOSE' && this.st !== 'TIME_WAIT') {
      this.xmit(this.snd.nxt, this.rcvNxt, TCP_RST | TCP_ACK, EMPTY, NO_OPTIONS);
      this.owner.count('OutRsts');
    }
    this.done(undefined);
  }

  /**
   * The lazy end of TIME_WAIT or of an orphaned FIN_WAIT2 (the table calls this once `deadline` passed):
   * the socket disappears without a segment, as inet_twsk_kill does.
   */
  expire(): void {
    this.done(undefined);
  }

  /** tcp_v4_rcv → tcp_v4_do_rcv: a segment for this connection. */
  receive(pkt: Ipv4Packet, seg: TcpSegment): void {
    if (this.st === 'SYN_SENT') this.rcvSynSent(pkt, seg);
    else if (this.st === 'SYN_RECV') this.rcvSynRecv(pkt, seg);
    else if (this.st !== 'TIME_WAIT' && this.st !== 'CLOSE') this.rcvSynchronized(pkt, seg);
  }

  /**
   * tcp_timewait_state_process: a reset ends TIME_WAIT; a new SYN beyond RCV.NXT may open a new
   * connection (returns 'reuse': the table hands it to the listener); anything else is acknowledged
   * again and restarts the 60 s.
   */
  receiveTimeWait(seg: TcpSegment): 'reuse' | 'done' {
    if ((seg.flags & TCP_RST) !== 0) {
      this.done(undefined);
      return 'done';
    }
    if ((seg.flags & (TCP_SYN | TCP_ACK)) === TCP_SYN && seqLt(this.rcvNxt, seg.seq)) {
      this.done(undefined);
      return 'reuse';
    }
    this.deadline = this.now + TCP.timeWaitNs;
    this.xmit(this.snd.nxt, this.rcvNxt, TCP_ACK, EMPTY, undefined, 0); // tcp_v4_timewait_ack: IP ID 0
    return 'done';
  }

  /**
   * tcp_v4_err for this socket: fragmentation needed shrinks the MSS and resends; in SYN_SENT any error
   * fails the connect (ECONNREFUSED for port unreachable, EHOSTUNREACH, ENETUNREACH …); a SYN_RECV
   * request dies on net/host unreachable; an established connection keeps it as a soft error.
   * `seq` is the sequence number of our segment the error quotes.
   */
  icmpError(type: number, code: number, info: number, seq: number): void {
    const st = this.st;
    if (st === 'TIME_WAIT' || st === 'CLOSE') return;
    const inWindow = st === 'SYN_SENT' || st === 'SYN_RECV' ? seq === this.iss : this.sentRange(seq);
    if (!inWindow) {
      this.owner.count('OutOfWindowIcmps');
      return;
    }
    if (type === 3 && code === 4) {
      if (st !== 'SYN_RECV') this.mtuReduced(info);
      return;
    }
    const e = icmpErrno(type, code);
    if (e === undefined) return;
    if (st === 'SYN_RECV') {
      // tcp_req_err: the request is dropped silently on net/host unreachable, time exceeded, parameter problem.
      if (type !== 3 || code <= 1) this.done(undefined);
      return;
    }
    if (st === 'SYN_SENT') {
      this.owner.count('AttemptFails');
      this.done(e.errno);
      return;
    }
    this.softErr = e.errno;
  }

  // --- input ---------------------------------------------------------------------------------------

  /** tcp_rcv_synsent_state_process. */
  private rcvSynSent(pkt: Ipv4Packet, seg: TcpSegment): void {
    const f = seg.flags;
    if ((f & TCP_ACK) !== 0 && seg.ack !== this.snd.una) {
      if ((f & TCP_RST) === 0) this.reset(pkt, seg);
      return;
    }
    if ((f & TCP_RST) !== 0) {
      if ((f & TCP_ACK) !== 0) {
        this.owner.count('AttemptFails');
        this.done('ECONNREFUSED');
      }
      return;
    }
    if ((f & (TCP_SYN | TCP_ACK)) !== (TCP_SYN | TCP_ACK)) return; // simultaneous open is not modelled
    this.rcvNxt = seqAdd(seg.seq, 1);
    this.negotiate(synOffer(seg));
    this.snd.wnd = seg.window;
    if (this.retransmits === 0) this.snd.sample(this.now - this.retransStamp);
    this.establish();
    this.sendAck();
    this.handlers.connected?.();
    this.output();
  }

  /** tcp_check_req: the request socket waits for the ACK of its SYN-ACK. */
  private rcvSynRecv(pkt: Ipv4Packet, seg: TcpSegment): void {
    const f = seg.flags;
    if ((f & TCP_RST) !== 0) {
      if (seg.seq === this.rcvNxt) this.done(undefined);
      return;
    }
    if ((f & TCP_SYN) !== 0 && seqAdd(seg.seq, 1) === this.rcvNxt) {
      this.sendSynAck(); // a retransmitted SYN: inet_rtx_syn_ack
      return;
    }
    if ((f & TCP_ACK) === 0) return;
    if (seg.ack !== this.snd.una) {
      this.reset(pkt, seg);
      return;
    }
    this.snd.wnd = seg.window * 2 ** this.sndWscale;
    if (this.retransmits === 0) this.snd.sample(this.now - this.retransStamp);
    this.establish();
    this.owner.count('PassiveOpens');
    this.table.accepted(this);
    if (seg.payload.length > 0 || (f & TCP_FIN) !== 0) this.rcvSynchronized(pkt, seg);
  }

  /** tcp_rcv_established / tcp_rcv_state_process for every synchronized state but TIME_WAIT. */
  private rcvSynchronized(pkt: Ipv4Packet, seg: TcpSegment): void {
    const f = seg.flags;
    const len = seg.payload.length;
    const fin = (f & TCP_FIN) !== 0;
    const end = seqAdd(seg.seq, len + (fin ? 1 : 0));
    // tcp_sequence: the segment must touch the receive window.
    if (seqLt(end, this.rcvWup) || seqLt(seqAdd(this.rcvNxt, this.rcvWnd), seg.seq)) {
      if ((f & TCP_RST) === 0) this.sendAck();
      return;
    }
    if ((f & TCP_RST) !== 0) {
      if (seg.seq === this.rcvNxt) this.peerReset();
      else this.sendAck(); // RFC 5961 §3: challenge ACK
      return;
    }
    if ((f & TCP_SYN) !== 0) {
      this.sendAck(); // RFC 5961 §4: challenge ACK
      return;
    }
    if ((f & TCP_ACK) === 0) return;
    if (!this.processAck(seg)) return;
    if (this.tsOn && seqLeq(seg.seq, this.rcvWup)) {
      const ts = tsOption(seg);
      if (ts !== undefined) this.tsRecent = ts.tsval;
    }
    let fresh: Uint8Array = EMPTY;
    const st = this.st;
    if (len > 0 && (st === 'ESTABLISHED' || st === 'FIN_WAIT1' || st === 'FIN_WAIT2')) {
      if (seqLt(this.rcvNxt, end) && this.appClosed) {
        // tcp_rcv_state_process: data after close() aborts the connection (LINUX_MIB_TCPABORTONDATA).
        this.reset(pkt, seg);
        this.done(undefined);
        return;
      }
      if (seqLeq(seg.seq, this.rcvNxt)) {
        const skip = (this.rcvNxt - seg.seq) >>> 0;
        if (skip < len) {
          fresh = seg.payload.subarray(skip);
          this.rcvNxt = seqAdd(this.rcvNxt, fresh.length);
          this.acks.dataReceived(fresh.length, this.now, this.rcvWnd);
        } else this.acks.ackNow();
      } else this.acks.ackNow(); // out of order: no reassembly queue, a duplicate ACK asks again
    }
    const finNow = fin && seqAdd(seg.seq, len) === this.rcvNxt;
    if (finNow) this.rcvFin();
    this.output();
    if (this.acks.ackImmediately()) this.sendAck();
    else if (this.acks.scheduled && !this.delackTimer.pending) this.delackTimer.start(this.acks.delay);
    if (this.st === 'TIME_WAIT') this.enterTimeWait();
    if (this.appClosed) return;
    if (fresh.length > 0) this.handlers.data?.(fresh);
    if (finNow && !this.appClosed) this.handlers.end?.();
  }

  /** tcp_ack: acknowledgment and window; false when the segment must be dropped. */
  private processAck(seg: TcpSegment): boolean {
    const snd = this.snd;
    if (seqLt(snd.highestSent, seg.ack)) return false; // acks data never sent (RFC 9293 §3.10.7.4)
    snd.wnd = seg.window * 2 ** this.sndWscale;
    const res = snd.ack(seg.ack, this.now);
    if (res === undefined) return true;
    this.retransmits = 0;
    this.softErr = undefined;
    this.rto = snd.rto();
    if (snd.outstanding) {
      this.retransStamp = this.now;
      this.rtoTimer.start(this.rto);
    } else this.rtoTimer.cancel();
    if (!res.finAcked) return true;
    if (this.st === 'FIN_WAIT1') {
      this.st = 'FIN_WAIT2';
      this.deadline = this.now + TCP.finTimeoutNs; // an orphan waits tcp_fin_timeout for the peer's FIN
    } else if (this.st === 'CLOSING') this.st = 'TIME_WAIT';
    else if (this.st === 'LAST_ACK') {
      this.done(undefined);
      return false;
    }
    return true;
  }

  /** tcp_fin: the peer's FIN, in order. */
  private rcvFin(): void {
    this.rcvNxt = seqAdd(this.rcvNxt, 1);
    switch (this.st) {
      case 'ESTABLISHED':
        this.st = 'CLOSE_WAIT';
        this.acks.finReceived();
        return;
      case 'FIN_WAIT1':
        this.st = 'CLOSING';
        this.acks.ackNow();
        return;
      case 'FIN_WAIT2':
        this.st = 'TIME_WAIT';
        this.acks.ackNow();
        return;
      default:
        this.acks.ackNow();
    }
  }

  /** tcp_reset: the peer reset the connection. */
  private peerReset(): void {
    this.owner.count('EstabResets');
    this.done(this.st === 'CLOSE_WAIT' ? 'EPIPE' : 'ECONNRESET');
  }

  /** tcp_v4_mtu_reduced → tcp_sync_mss + tcp_simple_retransmit. */
  private mtuReduced(mtu: number): void {
    const mss = Math.min(this.peerMss, mtu - 40) - (this.tsOn ? TCP.tsOptLen : 0);
    if (mss <= 0 || mss >= this.snd.mss) return;
    this.snd.mss = mss;
    if (this.st === 'SYN_SENT') return;
    this.snd.rewind(false);
    this.output();
  }
}
