import type { Endpoint } from '../net/index.js';
import type { ResponderAnswer } from './responder.js';

/** The protocol of a request step: `http` (curl), `tcp` (a line over a connection), `udp` (one datagram). */
export type RequestProto = 'http' | 'tcp' | 'udp';

interface RequestBase {
  readonly proto: RequestProto;
  /** Where the client sent the request (a Service's IP and port, or a pod's). */
  readonly dst: Endpoint;
  /** The client's own address and port; undefined when no socket could be made. */
  readonly src: Endpoint | undefined;
  /** Simulated times the request started and ended (the client closed or gave up), ns. */
  readonly startNs: number;
  readonly endNs: number;
}

/** A request the responder answered. */
export interface RequestOk extends RequestBase {
  readonly ok: true;
  /** The responder's line: the pod that answered and both ends as it saw them (`peer` shows SNAT). */
  readonly answer: ResponderAnswer;
  /** connect() to ESTABLISHED, like curl's time_connect (TCP); undefined for UDP. */
  readonly connectNs: number | undefined;
  /** The HTTP status code (http only). */
  readonly status: number | undefined;
}

/** A request that failed. */
export interface RequestFailed extends RequestBase {
  readonly ok: false;
  /**
   * The errno the client saw: ECONNREFUSED (RST or port unreachable), ETIMEDOUT (SYNs unanswered, or
   * the client's own time limit), EHOSTUNREACH/ENETUNREACH (ICMP or no route), ECONNRESET, EAGAIN (no UDP
   * reply in time), ENODATA (the server closed without answering), EBADMSG (not a responder's answer).
   */
  readonly errno: string;
  /** `connect`: no connection was made; `transfer`: connected, but no complete answer. */
  readonly stage: 'connect' | 'transfer';
  /** The client's own time limit ended it (curl -m), not the kernel. */
  readonly clientTimeout: boolean;
  /** Bytes of answer received before the failure. */
  readonly received: number;
}

/** The outcome of one request. */
export type RequestResult = RequestOk | RequestFailed;
