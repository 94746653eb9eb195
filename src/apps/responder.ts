/**
 * The built-in responder that serves a container port declared in a manifest (DESIGN.md "The topology
 * file"). Over TCP it answers each request with one line naming the pod and both ends as it sees them,
 * `pod=pb local=10.244.0.3:8080 peer=10.244.0.2:40001` — bare for a plain line request, as the body of
 * an HTTP/1.1 200 response for an HTTP request — and closes when the client does. Over UDP it echoes:
 * the reply is that line, a newline, then the datagram received.
 *
 * `peer` is the client as the server saw it, so SNAT/MASQUERADE shows; `local` is the address and port
 * the request reached, so a Service's DNAT shows.
 */
import type { Endpoint, NetNs, SocketErrno, TcpSocket } from '../net/index.js';
import { formatIp4, type Ip4, parseIp4 } from '../wire/index.js';

/** What a responder's line says: the pod that answered and the two ends of the request it saw. */
export interface ResponderAnswer {
  readonly pod: string;
  readonly local: Endpoint;
  readonly peer: Endpoint;
}

/** `pod=NAME local=IP:PORT peer=IP:PORT` (no newline). */
export function responderLine(a: ResponderAnswer): string {
  return `pod=${a.pod} local=${endpointText(a.local)} peer=${endpointText(a.peer)}`;
}

/** Reads a responder line back (the first line of `text`); undefined when it is not one. */
export function parseResponderLine(text: string): ResponderAnswer | undefined {
  const line = text.split('\n', 1)[0] ?? '';
  const m = /^pod=(\S+) local=(\S+):(\d+) peer=(\S+):(\d+)\r?$/.exec(line);
  if (m === null) return undefined;
  const local = parseIp4(m[2] ?? '');
  const peer = parseIp4(m[4] ?? '');
  if (local === undefined || peer === undefined) return undefined;
  return {
    pod: m[1] ?? '',
    local: { ip: local, port: Number(m[3]) },
    peer: { ip: peer, port: Number(m[5]) },
  };
}

/** `IP:PORT`. */
export function endpointText(e: Endpoint): string {
  return `${formatIp4(e.ip)}:${e.port}`;
}

/** The HTTP/1.1 response carrying `body` (what the responder sends for an HTTP request). */
export function httpResponse(body: string): string {
  const length = new TextEncoder().encode(body).length;
  return `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${length}\r\n\r\n${body}`;
}

/** A container port to serve. */
export interface ResponderOptions {
  /** The pod's name, as the line reports it. */
  readonly pod: string;
  readonly port: number;
  /** The manifest's `protocol` (default TCP). */
  readonly protocol?: 'TCP' | 'UDP';
  /** Listen on this address only (default: all addresses, like a server bound to 0.0.0.0). */
  readonly addr?: Ip4;
}

/** A running responder. */
export interface Responder {
  readonly protocol: 'TCP' | 'UDP';
  readonly port: number;
  /** Requests answered so far. */
  readonly served: number;
  /** Stops serving; connections in progress finish. */
  close(): void;
}

const encoder = new TextEncoder();
/** A request line of HTTP/1.x: `GET / HTTP/1.1`. */
const HTTP_REQUEST_LINE = /^[A-Z]+ \S+ HTTP\/\d\.\d\r?$/;

/** listen()'s options when the responder takes every address: one object for all of them. */
const NO_ADDR: { readonly addr?: Ip4 } = {};

/** Starts serving `opts.port` in `ns`; EADDRINUSE when something holds the port. */
export function startResponder(ns: NetNs, opts: ResponderOptions): Responder | SocketErrno {
  const protocol = opts.protocol ?? 'TCP';
  if (protocol === 'UDP') {
    const sock = ns.sockets.openUdp(
      opts.addr === undefined ? { port: opts.port } : { port: opts.port, addr: opts.addr },
    );
    if (typeof sock === 'string') return sock;
    const udp = new RunningResponder('UDP', opts.port, sock);
    sock.handlers = {
      message: (data, from, to) => {
        const line = encoder.encode(`${responderLine({ pod: opts.pod, local: to, peer: from })}\n`);
        const reply = new Uint8Array(line.length + data.length);
        reply.set(line);
        reply.set(data, line.length);
        sock.send(reply, from, to.ip);
        udp.served++;
      },
    };
    return udp;
  }
  const tcp = new RunningResponder('TCP', opts.port, undefined);
  const listenOpts = opts.addr === undefined ? NO_ADDR : { addr: opts.addr };
  const listener = ns.sockets.listen(opts.port, (s) => serveConnection(s, opts.pod, tcp), listenOpts);
  if (typeof listener === 'string') return listener;
  tcp.socket = listener;
  return tcp;
}

/**
 * A running responder: one object with its counter, rather than a counter closure, a close closure and
 * a getter object per port — every pod of a cluster runs one.
 */
class RunningResponder implements Responder {
  served = 0;

  constructor(
    readonly protocol: 'TCP' | 'UDP',
    readonly port: number,
    public socket: { close(): void } | undefined,
  ) {}

  close(): void {
    this.socket?.close();
  }
}

/**
 * One accepted connection: every complete request gets its answer — a line request after its newline,
 * an HTTP request after its blank line — and the server closes once the client has (EOF).
 */
function serveConnection(sock: TcpSocket, pod: string, responder: RunningResponder): void {
  let pending = '';
  const decoder = new TextDecoder(); // per connection: it keeps a split UTF-8 sequence between reads
  const line = responderLine({ pod, local: sock.local, peer: sock.remote });
  sock.handlers = {
    data: (bytes) => {
      pending += decoder.decode(bytes, { stream: true });
      for (;;) {
        const nl = pending.indexOf('\n');
        if (nl < 0) return;
        if (HTTP_REQUEST_LINE.test(pending.slice(0, nl))) {
          const end = headerEnd(pending);
          if (end < 0) return;
          pending = pending.slice(end);
          sock.send(encoder.encode(httpResponse(`${line}\n`)));
        } else {
          pending = pending.slice(nl + 1);
          sock.send(encoder.encode(`${line}\n`));
        }
        responder.served++;
      }
    },
    end: () => sock.close(),
  };
}

/** Index just past the blank line ending an HTTP header (CRLF CRLF, or bare LF LF), or −1. */
function headerEnd(text: string): number {
  const crlf = text.indexOf('\r\n\r\n');
  if (crlf >= 0) return crlf + 4;
  const lf = text.indexOf('\n\n');
  return lf >= 0 ? lf + 2 : -1;
}
