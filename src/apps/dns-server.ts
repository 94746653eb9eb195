/**
 * A DNS server on UDP port 53, shaped like CoreDNS's server loop (core/dnsserver): each datagram that
 * parses as a query goes to `answer`, and the reply passes through what CoreDNS's ScrubWriter does before
 * it is written — the query's EDNS0 OPT record is echoed (request.SizeAndDo: same UDP size, version 0,
 * only the DO flag kept) and the reply is fitted to the client's buffer (request.Scrub: uncompressed if
 * it fits, else compressed, else records dropped from the end and TC set).
 *
 * CoreDNS also listens on TCP 53 (the `dns-tcp` port of kube-dns); only UDP is served here, which is what
 * a stub resolver uses unless an answer comes back truncated.
 */
import type { Endpoint, NetNs, SocketErrno } from '../net/index.js';
import {
  DNS_PORT,
  DNS_TYPE,
  DNS_UDP_MAX,
  type DnsMessage,
  type DnsRecord,
  emitDns,
  parseDns,
} from '../wire/index.js';

/** Computes the reply to a query from `src`; undefined sends nothing (the query is dropped). */
export type DnsAnswerFn = (query: DnsMessage, src: Endpoint) => DnsMessage | undefined;

/** Options of `startDnsServer`. */
export interface DnsServerOptions {
  /** UDP port (default 53). */
  readonly port?: number;
}

/** A running DNS server. */
export interface DnsServer {
  readonly port: number;
  /** Queries answered so far. */
  readonly served: number;
  /** Stops serving: the port is free again. */
  close(): void;
}

/** Starts serving DNS on UDP in `ns`; EADDRINUSE when the port is taken. */
export function startDnsServer(
  ns: NetNs,
  answer: DnsAnswerFn,
  opts: DnsServerOptions = {},
): DnsServer | SocketErrno {
  const port = opts.port ?? DNS_PORT;
  const sock = ns.sockets.openUdp({ port });
  if (typeof sock === 'string') return sock;
  let served = 0;
  sock.handlers = {
    message: (data, from, to) => {
      const q = parseDns(data);
      // A query that does not parse gets no answer here (CoreDNS's miekg/dns server answers FORMERR
      // only when the header at least was readable); queries have QR clear.
      if (!q.ok || q.value.qr) return;
      const reply = answer(q.value, from);
      if (reply === undefined) return;
      sock.send(scrub(q.value, withOpt(q.value, reply)), from, to.ip);
      served++;
    },
  };
  return {
    port,
    get served() {
      return served;
    },
    close: () => sock.close(),
  };
}

/** request.SizeAndDo: a reply to a query with OPT carries an OPT record of the query's UDP size. */
function withOpt(query: DnsMessage, reply: DnsMessage): DnsMessage {
  const opt = query.additionals.find((r) => r.type === DNS_TYPE.OPT);
  if (opt === undefined || reply.additionals.some((r) => r.type === DNS_TYPE.OPT)) return reply;
  // TTL of OPT = extended rcode (8) | version (8) | DO (1) | Z (15): keep only DO.
  const echoed: DnsRecord = {
    name: '.',
    type: DNS_TYPE.OPT,
    class: opt.class,
    ttl: opt.ttl & 0x8000,
    data: { kind: 'raw', bytes: new Uint8Array(0) },
  };
  return { ...reply, additionals: [...reply.additionals, echoed] };
}

/** The client's buffer (edns.Size): the OPT's UDP size, never below 512; 512 without EDNS0. */
function clientSize(query: DnsMessage): number {
  const opt = query.additionals.find((r) => r.type === DNS_TYPE.OPT);
  return opt === undefined ? DNS_UDP_MAX : Math.max(DNS_UDP_MAX, opt.class);
}

/**
 * request.Scrub over UDP/IPv4: uncompressed when it fits (compressed past 1480 bytes all the same, to
 * avoid fragments); otherwise compressed; otherwise additional records, then answers, are dropped from
 * the end until it fits, and a cut answer section sets TC.
 */
function scrub(query: DnsMessage, reply: DnsMessage): Uint8Array {
  const size = clientSize(query);
  const plain = emitDns(reply);
  if (plain.length <= size) return plain.length > 1480 ? emitDns(reply, { compress: true }) : plain;
  const packed = emitDns(reply, { compress: true });
  if (packed.length <= size) return packed;
  let m = reply;
  const opt = m.additionals.filter((r) => r.type === DNS_TYPE.OPT);
  const extra = m.additionals.filter((r) => r.type !== DNS_TYPE.OPT);
  while (extra.length > 0) {
    extra.pop();
    m = { ...m, additionals: [...extra, ...opt] };
    const b = emitDns(m, { compress: true });
    if (b.length <= size) return b;
  }
  const answers = [...m.answers];
  while (answers.length > 0) {
    answers.pop();
    const b = emitDns({ ...m, answers, tc: true }, { compress: true });
    if (b.length <= size) return b;
  }
  return emitDns({ ...m, answers: [], authorities: [], tc: true }, { compress: true });
}
