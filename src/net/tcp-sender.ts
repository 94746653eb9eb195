/**
 * The sending half of a TCP connection: the bytes written and not yet acknowledged, cut into segments of
 * at most the MSS within the peer's window and the congestion window, the FIN after the last byte, and
 * the RTT estimate behind the retransmission timeout (tcp_rtt_estimator / __tcp_set_rto).
 */
import { TCP } from './tcp-defaults.js';
import { seqAdd, seqDiff, seqLeq, seqLt } from './tcp-output.js';

/** One segment the sender wants on the wire now. */
export interface OutSegment {
  readonly seq: number;
  readonly data: Uint8Array;
  /** The segment ends a write (tcp_push marks the last skb of a sendmsg with PSH). */
  readonly psh: boolean;
  readonly fin: boolean;
}

/** What an ACK changed. */
export interface AckResult {
  /** Bytes of sequence space newly acknowledged (data, plus one for an acknowledged FIN). */
  readonly acked: number;
  readonly finAcked: boolean;
}

const EMPTY = new Uint8Array(0);

export class TcpSender {
  /** SND.UNA: oldest unacknowledged sequence number. */
  una: number;
  /** SND.NXT: next sequence number to send. */
  nxt: number;
  /** The peer's window in bytes (already scaled). */
  wnd = 0;
  /** Send MSS: payload bytes per segment (mss_cache, timestamps already taken off). */
  mss: number = TCP.mssDefault;
  /** Congestion window in segments: 10 at the start (RFC 6928), +1 per segment acknowledged (slow start). */
  cwnd: number = TCP.initCwnd;
  /** Smoothed RTT and mean deviation (ns); 0 until the first sample. */
  srtt = 0;
  mdev = 0;
  /** Writes not yet acknowledged, oldest first; `head` bytes of the first are acknowledged already. */
  private readonly writes: Uint8Array[] = [];
  private head = 0;
  /** Bytes in `writes` past `head`: everything from SND.UNA (minus an unacknowledged SYN) onward. */
  private queued = 0;
  private finQueued = false;
  /** Sequence number of our FIN once first sent (fixed: nothing can be written after it). */
  private finSeq: number | undefined;
  /** Highest sequence number ever sent: segments below it are retransmissions and are not timed. */
  private highest: number;
  /** The segment being timed for an RTT sample: its end and when it left (one at a time, Karn's rule). */
  private timedEnd: number | undefined;
  private timedAt = 0;

  constructor(iss: number) {
    this.una = iss;
    this.nxt = iss;
    this.highest = iss;
  }

  /** Queues a copy of application bytes (tcp_sendmsg copies from user space). */
  write(data: Uint8Array): void {
    if (data.length === 0) return;
    this.writes.push(data.slice());
    this.queued += data.length;
  }

  /** Queues a FIN after the last byte written (tcp_send_fin). */
  queueFin(): void {
    this.finQueued = true;
  }

  get finWasQueued(): boolean {
    return this.finQueued;
  }

  /** Our FIN was sent and acknowledged. */
  get finAcked(): boolean {
    return this.finSeq !== undefined && seqLt(this.finSeq, this.una);
  }

  /** Something sent is not acknowledged yet (the retransmission timer must run). */
  get outstanding(): boolean {
    return this.una !== this.nxt;
  }

  /** The highest sequence number ever sent (Linux's snd_nxt; `nxt` goes back on a retransmission). */
  get highestSent(): number {
    return this.highest;
  }

  /** Bytes written and not yet sent. */
  get unsent(): number {
    return this.queued - this.sentBytes();
  }

  /** The next segment the windows allow, or undefined. Advances SND.NXT. */
  next(now: number): OutSegment | undefined {
    const sent = this.sentBytes();
    const unsent = this.queued - sent;
    const inFlight = seqDiff(this.nxt, this.una);
    const room = Math.min(this.wnd, this.cwnd * this.mss) - inFlight;
    const finPending = this.finQueued && (this.finSeq === undefined || !seqLt(this.finSeq, this.nxt));
    if (unsent === 0) {
      if (!finPending) return undefined;
      return this.emit(now, EMPTY, false, true);
    }
    if (room <= 0) return undefined;
    const len = Math.min(unsent, this.mss, room);
    const { data, psh } = this.read(sent, len);
    const last = len === unsent;
    return this.emit(now, data, psh || last, last && finPending);
  }

  /** Processes the acknowledgment number of a received segment (tcp_ack); undefined when it acks nothing new. */
  ack(ack: number, now: number): AckResult | undefined {
    if (!seqLt(this.una, ack) || seqLt(this.highest, ack)) return undefined;
    const acked = seqDiff(ack, this.una);
    const finAcked = this.finSeq !== undefined && seqLt(this.finSeq, ack);
    this.drop(acked - (finAcked ? 1 : 0));
    this.una = ack;
    if (seqLt(this.nxt, ack)) this.nxt = ack;
    if (this.timedEnd !== undefined && seqLeq(this.timedEnd, ack)) {
      this.sample(now - this.timedAt);
      this.timedEnd = undefined;
    }
    this.cwnd += Math.max(1, Math.floor(acked / this.mss));
    return { acked, finAcked };
  }

  /**
   * Goes back to SND.UNA so that everything outstanding is sent again (a retransmission timeout, or a
   * smaller MSS after fragmentation-needed); the congestion window restarts at one segment on a timeout.
   */
  rewind(timeout: boolean): void {
    this.nxt = this.una;
    this.timedEnd = undefined;
    if (timeout) this.cwnd = 1;
  }

  /** __tcp_set_rto: SRTT + max(4 × mdev, TCP_RTO_MIN), within [TCP_RTO_MIN, TCP_RTO_MAX]; 1 s before any sample. */
  rto(): number {
    if (this.srtt === 0) return TCP.timeoutInitNs;
    const rto = this.srtt + Math.max(4 * this.mdev, TCP.rtoMinNs);
    return Math.min(Math.max(rto, TCP.rtoMinNs), TCP.rtoMaxNs);
  }

  /** tcp_rtt_estimator (RFC 6298 §2 gains: 1/8 for SRTT, 1/4 for the deviation). */
  sample(rtt: number): void {
    const m = Math.max(rtt, 1);
    if (this.srtt === 0) {
      this.srtt = m;
      this.mdev = Math.floor(m / 2);
      return;
    }
    const err = m - this.srtt;
    this.srtt = Math.max(1, this.srtt + Math.round(err / 8));
    this.mdev = Math.max(0, this.mdev + Math.round((Math.abs(err) - this.mdev) / 4));
  }

  private emit(now: number, data: Uint8Array, psh: boolean, fin: boolean): OutSegment {
    const seq = this.nxt;
    const end = seqAdd(seq, data.length + (fin ? 1 : 0));
    if (fin) this.finSeq = seqAdd(seq, data.length);
    if (this.timedEnd === undefined && !seqLt(seq, this.highest)) {
      this.timedEnd = end;
      this.timedAt = now;
    }
    this.nxt = end;
    if (seqLt(this.highest, end)) this.highest = end;
    return { seq, data, psh, fin };
  }

  /** Bytes of queued data already sent (SND.NXT − SND.UNA, without a sent FIN). */
  private sentBytes(): number {
    const span = seqDiff(this.nxt, this.una);
    return this.finSeq !== undefined && seqLt(this.finSeq, this.nxt) ? span - 1 : span;
  }

  /** `len` queued bytes from `offset` (past SND.UNA), and whether a write ends inside them. */
  private read(offset: number, len: number): { readonly data: Uint8Array; readonly psh: boolean } {
    const out = new Uint8Array(len);
    let skip = offset + this.head;
    let at = 0;
    let psh = false;
    for (const w of this.writes) {
      if (skip >= w.length) {
        skip -= w.length;
        continue;
      }
      const n = Math.min(w.length - skip, len - at);
      out.set(w.subarray(skip, skip + n), at);
      at += n;
      if (skip + n === w.length) psh = true;
      skip = 0;
      if (at === len) break;
    }
    return { data: out, psh };
  }

  /** Forgets `n` acknowledged bytes from the front of the queue. */
  private drop(n: number): void {
    let left = n;
    this.queued -= n;
    while (left > 0) {
      const w = this.writes[0];
      if (w === undefined) break;
      const avail = w.length - this.head;
      if (left < avail) {
        this.head += left;
        return;
      }
      left -= avail;
      this.writes.shift();
      this.head = 0;
    }
  }
}
