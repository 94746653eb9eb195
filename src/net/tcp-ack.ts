/**
 * When Linux acknowledges received data at once and when it delays (net/ipv4/tcp_input.c
 * __tcp_ack_snd_check, tcp_event_data_recv; tcp_output.c tcp_event_data_sent). What the LAB shows:
 * the first data of a connection is ACKed immediately (quick-ACK mode), a FIN is ACKed late because the
 * receiver enters ping-pong (interactive) mode — so the closing side's own FIN carries that ACK.
 */
import { TCP } from './tcp-defaults.js';

export class AckPolicy {
  /** icsk_ack.ato: 0 until the first data arrives, then TCP_ATO_MIN. */
  private ato = 0;
  /** icsk_ack.quick: segments still to be ACKed at once. */
  private quick = 0;
  /** icsk_ack.pingpong: the connection looks interactive; ACKs wait for data to ride on. */
  private pingpong = false;
  /** icsk_ack.rcv_mss: the largest segment seen so far (at least the 536-byte first guess). */
  private rcvMss: number = TCP.rcvMssInit;
  /** When data last arrived (icsk_ack.lrcvtime). */
  private lastRcv = 0;
  /** Bytes received since the last ACK we sent (rcv_nxt − rcv_wup). */
  private unacked = 0;
  /** An ACK is owed (ICSK_ACK_SCHED). */
  private pending = false;
  /** The next ACK must go at once (ICSK_ACK_NOW: out-of-order data, a duplicate). */
  private now = false;

  /**
   * tcp_event_data_recv: `len` new in-order bytes arrived. The first data of a connection starts quick-ACK
   * mode for up to 16 segments (tcp_incr_quickack).
   */
  dataReceived(len: number, at: number, rcvWnd: number): void {
    if (len > this.rcvMss) this.rcvMss = len; // tcp_measure_rcv_mss
    if (this.ato === 0) {
      this.quick = Math.min(TCP.maxQuickAcks, Math.max(2, Math.floor(rcvWnd / (2 * this.rcvMss))));
      this.ato = TCP.delackNs;
    }
    this.lastRcv = at;
    this.unacked += len;
    this.pending = true;
  }

  /** tcp_fin: a FIN arrived; the ACK waits (the connection turns ping-pong). */
  finReceived(): void {
    this.pingpong = true;
    this.pending = true;
  }

  /** A segment arrived that must be answered at once (out of order, old duplicate, bad sequence). */
  ackNow(): void {
    this.pending = true;
    this.now = true;
  }

  /** tcp_event_data_sent: data sent within ATO of the last data received makes the connection interactive. */
  dataSent(at: number): void {
    if (this.ato !== 0 && at - this.lastRcv < this.ato) this.pingpong = true;
  }

  /** An ACK is owed. */
  get scheduled(): boolean {
    return this.pending;
  }

  /**
   * __tcp_ack_snd_check: ACK now when more than one full segment is unacknowledged, in quick-ACK mode
   * (not ping-pong), or when asked to; otherwise the delayed-ACK timer sends it.
   */
  ackImmediately(): boolean {
    if (!this.pending) return false;
    return this.now || this.unacked > this.rcvMss || (this.quick > 0 && !this.pingpong);
  }

  /**
   * Delay for the delayed-ACK timer (tcp_send_delayed_ack): the ATO, 40 ms once data has arrived; before
   * any data the ATO is still 0 and the timer fires on the next jiffy (LAB: a bare FIN ACKed after ~1 ms).
   */
  get delay(): number {
    return this.ato === 0 ? TCP.jiffyNs : this.ato;
  }

  /** tcp_event_ack_sent: any segment carrying our ACK clears what was owed. */
  ackSent(): void {
    if (this.pending && this.quick > 0) this.quick--;
    this.pending = false;
    this.now = false;
    this.unacked = 0;
  }

  /** tcp_delack_timer_handler: a delayed ACK that had to fire ends ping-pong mode. */
  delackFired(): void {
    this.pingpong = false;
  }
}
