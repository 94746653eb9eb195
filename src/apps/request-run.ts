/**
 * The `http` / `tcp` / `udp` scenario steps: `count` requests one after another from one namespace, a
 * new connection (or socket) for each, the i-th starting `i × interval` after the first but never before
 * the previous one ended — `for i in $(seq COUNT); do curl …; done` at a steady pace. Each request's
 * record says which backend answered and how both ends looked to it.
 */
import { type NetNs, strerror } from '../net/index.js';
import type { Ip4 } from '../wire/index.js';
import { curlMessage, httpGet } from './http.js';
import type { AppLine } from './ping.js';
import type { RequestProto, RequestResult } from './request.js';
import { endpointText, responderLine } from './responder.js';
import { tcpRequest } from './tcp.js';
import { udpRequest } from './udp.js';

/** `http: {from, to, count, interval}` and its tcp/udp siblings, with the references resolved. */
export interface RequestRunOptions {
  /** The client's namespace (a pod's or a node's). */
  readonly from: NetNs;
  /** Destination address (a Service's ClusterIP, a pod IP, a node IP). */
  readonly to: Ip4;
  readonly port: number;
  /** Default `http`. */
  readonly proto?: RequestProto;
  /** Requests to make (default 1). */
  readonly count?: number;
  /** Time between request starts (default 0: each right after the previous one). */
  readonly intervalNs?: number;
  /** Per-request time limit (curl -m; UDP: the receive timeout, default 1 s). */
  readonly timeoutNs?: number;
  /** SYN retransmissions before the kernel gives up (default 6, as tcp_syn_retries). */
  readonly synRetries?: number;
  /** The HTTP Host header (default the IP, with `:PORT` unless 80). */
  readonly host?: string;
}

/** What a run produced so far. */
export interface RequestRunResult {
  readonly proto: RequestProto;
  /** One record per request finished, in order. */
  readonly requests: readonly RequestResult[];
  /** Every request finished. */
  readonly done: boolean;
  /** What the client printed, one line per request (curl's body or error line). */
  readonly lines: readonly AppLine[];
}

export class RequestRun {
  private readonly requests: RequestResult[] = [];
  private readonly lines: AppLine[] = [];
  private firstNs = 0;
  private finished = false;

  constructor(
    private readonly opts: RequestRunOptions,
    private readonly onDone?: (result: RequestRunResult) => void,
  ) {}

  /** Starts the first request now. */
  start(): void {
    this.firstNs = this.opts.from.sim.now;
    this.next();
  }

  result(): RequestRunResult {
    return {
      proto: this.opts.proto ?? 'http',
      requests: this.requests,
      done: this.finished,
      lines: this.lines,
    };
  }

  private next(): void {
    const o = this.opts;
    const ns = o.from;
    const done = (r: RequestResult): void => this.record(r);
    const common = {
      dst: o.to,
      port: o.port,
      ...(o.timeoutNs === undefined ? {} : { timeoutNs: o.timeoutNs }),
    };
    const tcpOpts = { ...common, ...(o.synRetries === undefined ? {} : { synRetries: o.synRetries }) };
    switch (o.proto ?? 'http') {
      case 'http':
        httpGet(ns, { ...tcpOpts, ...(o.host === undefined ? {} : { host: o.host }) }, done);
        return;
      case 'tcp':
        tcpRequest(ns, tcpOpts, done);
        return;
      case 'udp':
        udpRequest(ns, common, done);
    }
  }

  private record(r: RequestResult): void {
    const o = this.opts;
    const sim = o.from.sim;
    this.requests.push(r);
    const text = requestMessage(r);
    this.lines.push(r.ok ? { atNs: sim.now, text } : { atNs: sim.now, text, stderr: true });
    const count = o.count ?? 1;
    if (this.requests.length >= count) {
      this.finished = true;
      this.onDone?.(this.result());
      return;
    }
    const due = this.firstNs + this.requests.length * (o.intervalNs ?? 0);
    // A zero-delay event even when due now: a request never starts inside the previous one's callbacks.
    sim.at(Math.max(due, sim.now), RequestRun.fire, this);
  }

  private static fire(run: RequestRun): void {
    run.next();
  }
}

/** Starts a run of `count` requests (http unless `proto` says otherwise); `onDone` gets the records. */
export function httpRun(opts: RequestRunOptions, onDone?: (result: RequestRunResult) => void): RequestRun {
  const run = new RequestRun(opts, onDone);
  run.start();
  return run;
}

/**
 * One line for a result as the client tool prints it: curl's body or error for http; for tcp the line,
 * or nc's `nc: connect to IP port P (tcp) failed: …`; for udp the line or the receive error.
 */
export function requestMessage(r: RequestResult): string {
  if (r.proto === 'http') return curlMessage(r);
  if (r.ok) return responderLine(r.answer);
  if (r.proto === 'tcp' && r.stage === 'connect') {
    const how = r.clientTimeout ? 'timed out: Operation now in progress' : `failed: ${strerror(r.errno)}`;
    return `nc: connect to ${endpointText(r.dst).replace(':', ' port ')} (tcp) ${how}`;
  }
  return `${r.proto}: ${endpointText(r.dst)}: ${strerror(r.errno)}`;
}
