/**
 * `curl http://HOST:PORT/` against the responder: one connection per request, the request curl 8.5
 * sends, the response read to its Content-Length, then curl closes. `curlMessage` prints a result the way
 * curl does (the body, or `curl: (7) Failed to connect …`).
 */
import { type NetNs, strerror } from '../net/index.js';
import { formatIp4 } from '../wire/index.js';
import type { RequestResult } from './request.js';
import { parseResponderLine, responderLine } from './responder.js';
import { type Completion, type TcpClientOptions, tcpExchange } from './tcp.js';

/** The User-Agent of curl 8.5.0 (Ubuntu 24.04's curl). */
export const CURL_USER_AGENT = 'curl/8.5.0';

/** Options of `httpGet`. */
export interface HttpGetOptions extends TcpClientOptions {
  /** The Host header; curl sends what the URL names: `IP` for port 80, else `IP:PORT`. */
  readonly host?: string;
  /** The request path (default `/`). */
  readonly path?: string;
}

/** The request bytes curl sends for `curl http://HOST/PATH`. */
export function curlRequest(host: string, path = '/'): string {
  return `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: ${CURL_USER_AGENT}\r\nAccept: */*\r\n\r\n`;
}

const decoder = new TextDecoder();

/**
 * Reads an HTTP/1.1 response: more is needed until the header and Content-Length bytes of body are in;
 * then the body's first line must be a responder line.
 */
export function httpCompletion(bytes: Uint8Array): Completion {
  const text = decoder.decode(bytes);
  const headEnd = text.indexOf('\r\n\r\n');
  if (headEnd < 0) return { kind: 'more' };
  const head = text.slice(0, headEnd);
  const status = /^HTTP\/\d\.\d (\d{3})/.exec(head);
  if (status === null) return { kind: 'bad' };
  const lengthHeader = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  const bodyBytes = bytes.length - new TextEncoder().encode(text.slice(0, headEnd + 4)).length;
  if (lengthHeader !== null && bodyBytes < Number(lengthHeader[1])) return { kind: 'more' };
  const answer = parseResponderLine(text.slice(headEnd + 4));
  if (answer === undefined) return { kind: 'bad' };
  return { kind: 'answer', answer, status: Number(status[1]) };
}

/** One `curl` request in `ns`; `onDone` gets the result once curl closed or gave up. */
export function httpGet(ns: NetNs, opts: HttpGetOptions, onDone: (r: RequestResult) => void): void {
  const host = opts.host ?? (opts.port === 80 ? formatIp4(opts.dst) : `${formatIp4(opts.dst)}:${opts.port}`);
  tcpExchange(
    ns,
    {
      ...opts,
      proto: 'http',
      request: new TextEncoder().encode(curlRequest(host, opts.path)),
      complete: httpCompletion,
    },
    onDone,
  );
}

/**
 * What curl prints for a result: the responder's line (the body) when it worked, else curl's error line
 * with its exit code — 7 could not connect, 28 its own time limit, 52 empty reply, 56 receive failure.
 */
export function curlMessage(r: RequestResult): string {
  if (r.ok) return responderLine(r.answer);
  const ms = Math.floor((r.endNs - r.startNs) / 1e6);
  if (r.clientTimeout) {
    return r.stage === 'connect'
      ? `curl: (28) Connection timed out after ${ms} milliseconds`
      : `curl: (28) Operation timed out after ${ms} milliseconds with ${r.received} bytes received`;
  }
  if (r.stage === 'connect') {
    const where = `${formatIp4(r.dst.ip)} port ${r.dst.port}`;
    return `curl: (7) Failed to connect to ${where} after ${ms} ms: Couldn't connect to server`;
  }
  if (r.errno === 'ENODATA') return 'curl: (52) Empty reply from server';
  if (r.errno === 'EBADMSG') return 'curl: (8) Weird server reply';
  return `curl: (56) Recv failure: ${strerror(r.errno)}`;
}
