/**
 * A TCP request as a short-lived client makes it: connect, send the request once connected, read until
 * the answer is complete, close (so the client sends the first FIN). `tcpRequest` sends one line and
 * reads one line back, like `echo hello | nc -q0 HOST PORT` against the responder.
 */
import type { NetNs, SocketErrno } from '../net/index.js';
import { Timer } from '../sim/index.js';
import type { Ip4 } from '../wire/index.js';
import type { RequestFailed, RequestResult } from './request.js';
import { parseResponderLine, type ResponderAnswer } from './responder.js';

/** What the client made of the bytes received so far. */
export type Completion =
  | { readonly kind: 'more' }
  | { readonly kind: 'answer'; readonly answer: ResponderAnswer; readonly status?: number }
  /** A complete reply that is not a responder's answer. */
  | { readonly kind: 'bad' };

/** Options shared by the TCP clients. */
export interface TcpClientOptions {
  readonly dst: Ip4;
  readonly port: number;
  /** The client's time limit for the whole request (curl -m); none by default: the kernel decides. */
  readonly timeoutNs?: number;
  /** SYN retransmissions before the kernel gives up (tcp_syn_retries / TCP_SYNCNT, default 6). */
  readonly synRetries?: number;
  /** net.ipv4.tcp_syn_linear_timeouts for this connection (default 4). */
  readonly synLinearTimeouts?: number;
  /** Source address to bind before connecting. */
  readonly src?: Ip4;
}

/** One exchange: the request bytes and how to tell the answer is complete. */
export interface TcpExchangeOptions extends TcpClientOptions {
  readonly proto: 'http' | 'tcp';
  readonly request: Uint8Array;
  readonly complete: (received: Uint8Array) => Completion;
}

/** Runs one exchange in `ns`; `onDone` gets the result once the client closed or gave up. */
export function tcpExchange(ns: NetNs, opts: TcpExchangeOptions, onDone: (r: RequestResult) => void): void {
  const sim = ns.sim;
  const startNs = sim.now;
  const dst = { ip: opts.dst, port: opts.port };
  const base = { proto: opts.proto, dst, startNs };
  const r = ns.sockets.connect(opts.dst, opts.port, {
    ...(opts.src === undefined ? {} : { src: opts.src }),
    ...(opts.synRetries === undefined ? {} : { synRetries: opts.synRetries }),
    ...(opts.synLinearTimeouts === undefined ? {} : { synLinearTimeouts: opts.synLinearTimeouts }),
  });
  if (!r.ok) {
    onDone(failure({ ...base, src: undefined, endNs: sim.now }, r.errno, 'connect', false, 0));
    return;
  }
  const sock = r.socket;
  const src = sock.local;
  let connectedAt: number | undefined;
  let received = new Uint8Array(0);
  let finished = false;
  const finish = (result: RequestResult): void => {
    if (finished) return;
    finished = true;
    limit?.cancel();
    onDone(result);
  };
  const fail = (errno: string, clientTimeout: boolean): void =>
    finish(
      failure(
        { ...base, src, endNs: sim.now },
        errno,
        connectedAt === undefined ? 'connect' : 'transfer',
        clientTimeout,
        received.length,
      ),
    );
  const limit =
    opts.timeoutNs === undefined
      ? undefined
      : new Timer(sim, () => {
          fail('ETIMEDOUT', true);
          sock.close();
        });
  limit?.start(opts.timeoutNs ?? 0);
  sock.handlers = {
    connected: () => {
      connectedAt = sim.now;
      sock.send(opts.request);
    },
    data: (bytes) => {
      const all = new Uint8Array(received.length + bytes.length);
      all.set(received);
      all.set(bytes, received.length);
      received = all;
      const c = opts.complete(received);
      if (c.kind === 'more') return;
      if (c.kind === 'bad') fail('EBADMSG', false);
      else
        finish({
          ...base,
          src,
          endNs: sim.now,
          ok: true,
          answer: c.answer,
          connectNs: (connectedAt ?? sim.now) - startNs,
          status: c.status,
        });
      sock.close();
    },
    end: () => {
      fail(received.length === 0 ? 'ENODATA' : 'EBADMSG', false);
      sock.close();
    },
    closed: (errno: SocketErrno | undefined) => fail(errno ?? 'ECONNRESET', false),
  };
}

function failure(
  base: Omit<RequestFailed, 'ok' | 'errno' | 'stage' | 'clientTimeout' | 'received'>,
  errno: string,
  stage: 'connect' | 'transfer',
  clientTimeout: boolean,
  received: number,
): RequestFailed {
  return { ...base, ok: false, errno, stage, clientTimeout, received };
}

/** Options of `tcpRequest`. */
export interface TcpRequestOptions extends TcpClientOptions {
  /** The line sent (default `hello\n`). */
  readonly request?: string;
}

const decoder = new TextDecoder();

/** Connects, sends one line, reads the responder's line, closes. */
export function tcpRequest(ns: NetNs, opts: TcpRequestOptions, onDone: (r: RequestResult) => void): void {
  tcpExchange(
    ns,
    {
      ...opts,
      proto: 'tcp',
      request: new TextEncoder().encode(opts.request ?? 'hello\n'),
      complete: (bytes) => {
        const text = decoder.decode(bytes);
        if (!text.includes('\n')) return { kind: 'more' };
        const answer = parseResponderLine(text);
        return answer === undefined ? { kind: 'bad' } : { kind: 'answer', answer };
      },
    },
    onDone,
  );
}
