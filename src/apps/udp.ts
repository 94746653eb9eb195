/**
 * A UDP request: a connected socket sends one datagram and waits for the responder's echo (its line,
 * then the datagram). A port unreachable comes back as ECONNREFUSED on the connected socket; silence
 * ends in EAGAIN when the receive timeout passes (SO_RCVTIMEO, like `nc -u -w1`).
 */
import type { NetNs } from '../net/index.js';
import { SECOND, Timer } from '../sim/index.js';
import type { Ip4 } from '../wire/index.js';
import type { RequestFailed, RequestResult } from './request.js';
import { parseResponderLine } from './responder.js';

/** Options of `udpRequest`. */
export interface UdpRequestOptions {
  readonly dst: Ip4;
  readonly port: number;
  /** The datagram sent (default `hello\n`). */
  readonly payload?: string;
  /** How long to wait for the reply (default 1 s). */
  readonly timeoutNs?: number;
}

/** Sends one datagram from an ephemeral port and reports the responder's answer or the error. */
export function udpRequest(ns: NetNs, opts: UdpRequestOptions, onDone: (r: RequestResult) => void): void {
  const sim = ns.sim;
  const startNs = sim.now;
  const base = { proto: 'udp' as const, dst: { ip: opts.dst, port: opts.port }, startNs };
  const failed = (src: RequestResult['src'], errno: string, clientTimeout = false): RequestFailed => ({
    ...base,
    src,
    endNs: sim.now,
    ok: false,
    errno,
    stage: 'transfer',
    clientTimeout,
    received: 0,
  });
  const sock = ns.sockets.openUdp({ connect: { ip: opts.dst, port: opts.port } });
  if (typeof sock === 'string') {
    onDone({ ...failed(undefined, sock), stage: 'connect' });
    return;
  }
  const src = sock.local;
  let finished = false;
  const finish = (r: RequestResult): void => {
    if (finished) return;
    finished = true;
    timer.cancel();
    sock.close();
    onDone(r);
  };
  const timer = new Timer(sim, () => finish(failed(src, 'EAGAIN', true)));
  sock.handlers = {
    message: (data) => {
      const answer = parseResponderLine(new TextDecoder().decode(data));
      if (answer === undefined) {
        finish(failed(src, 'EBADMSG'));
        return;
      }
      finish({ ...base, src, endNs: sim.now, ok: true, answer, connectNs: undefined, status: undefined });
    },
    error: (errno) => finish(failed(src, errno)),
  };
  timer.start(opts.timeoutNs ?? SECOND);
  const sent = sock.send(new TextEncoder().encode(opts.payload ?? 'hello\n'));
  if (!sent.ok) finish(failed(src, sent.errno));
}
