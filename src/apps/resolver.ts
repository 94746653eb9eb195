/**
 * glibc's stub resolver as getaddrinfo(AF_UNSPEC) drives it for `curl http://web/` (nss_dns
 * gethostbyname4 → __res_context_search → __res_context_query → __res_context_send → send_dg):
 *
 * - the search order of __res_context_search: a name with at least `ndots` dots, or ending in a dot, is
 *   tried as is first (and only, if it ends in a dot); then each search domain; then the name as is if
 *   not tried yet. NXDOMAIN and NODATA move on to the next domain, and so does SERVFAIL; a timeout or
 *   another error stops the search list (the as-is try still follows); ECONNREFUSED ends everything;
 * - each name is one res_send: a fresh UDP socket connected to the nameserver, the A and the AAAA query
 *   sent back to back (sendmmsg) with their own random ids, and the wait of send_dg — `timeout` seconds
 *   for the first nameserver, (timeout << i) / nscount for the i-th — tried `attempts` times over all
 *   nameservers. SERVFAIL, NOTIMP and REFUSED replies, and a "lame" empty reply (no AA, no RA, no
 *   records), count as no answer; if only one of the two answers came before the timeout, glibc switches
 *   to single-request mode (one query at a time) and retries, then reopens the socket, then gives up;
 * - success when either reply is NOERROR with records (__res_context_query).
 * The hosts file, TCP fallback after TC and IPv6 nameservers are not modelled.
 */
import type { NetNs, UdpSocket } from '../net/index.js';
import { SECOND, Timer } from '../sim/index.js';
import {
  DNS_PORT,
  DNS_RCODE,
  DNS_TYPE,
  type DnsMessage,
  dnsLower,
  dnsQuery,
  emitDns,
  fqdn,
  type Ip4,
  parseDns,
} from '../wire/index.js';
import type { ResolvConf } from './resolv-conf.js';

/** One query datagram the resolver sent. */
export interface ResolverQuery {
  readonly atNs: number;
  /** The name asked, fully qualified: `web.default.svc.cluster.local.`. */
  readonly name: string;
  readonly type: 'A' | 'AAAA';
  readonly id: number;
  readonly server: Ip4;
  readonly srcPort: number;
}

/** glibc's h_errno for a failed lookup (netdb.h). */
export type HErrno = 'HOST_NOT_FOUND' | 'NO_DATA' | 'TRY_AGAIN' | 'NO_RECOVERY';

/** What a lookup ended with. */
export interface ResolveResult {
  readonly ok: boolean;
  /** The name as the application gave it. */
  readonly host: string;
  /** IPv4 addresses of the A answer, in answer order. */
  readonly addresses: readonly Ip4[];
  /** IPv6 addresses (16 bytes each) of the AAAA answer. */
  readonly addresses6: readonly Uint8Array[];
  /** The name that answered (after search-list expansion, at the end of any CNAME chain). */
  readonly canonicalName: string | undefined;
  /** The names tried, in order (fully qualified). */
  readonly tried: readonly string[];
  /** Every query datagram sent, in order. */
  readonly queries: readonly ResolverQuery[];
  /** Why it failed (h_errno), when it did. */
  readonly herrno: HErrno | undefined;
  /** What curl prints: nothing on success, `curl: (6) Could not resolve host: web` on failure. */
  readonly lines: readonly string[];
  readonly startNs: number;
  readonly endNs: number;
}

/** How one res_send ended. */
type SendOutcome =
  | { readonly kind: 'answer'; readonly replies: readonly DnsMessage[] }
  | { readonly kind: 'fail'; readonly errno: 'ECONNREFUSED' | 'ETIMEDOUT'; readonly rcode: number };

/** How one name's query ended, as __res_context_query reports it. */
type QueryOutcome =
  | { readonly ok: true; readonly replies: readonly DnsMessage[] }
  | { readonly ok: false; readonly herrno: HErrno; readonly rcode: number; readonly refused: boolean };

/**
 * Resolves `name` with `conf` from `ns` in simulated time; `done` gets the addresses, or the failure
 * with curl's message. The A and AAAA queries of each name leave from one socket (one source port).
 */
export function resolveHost(
  ns: NetNs,
  name: string,
  conf: ResolvConf,
  done: (r: ResolveResult) => void,
): void {
  const sim = ns.sim;
  const startNs = sim.now;
  const rng = sim.rng(`${ns.name}/resolver`);
  const queries: ResolverQuery[] = [];
  const tried: string[] = [];
  const finish = (q: QueryOutcome | undefined, herrno: HErrno | undefined): void => {
    const ok = q?.ok === true;
    const replies = q?.ok === true ? q.replies : [];
    const a = collect(replies, DNS_TYPE.A);
    const aaaa = collect(replies, DNS_TYPE.AAAA);
    done({
      ok,
      host: name,
      addresses: a.records.map((r) => (r.data.kind === 'A' ? r.data.address : 0)),
      addresses6: aaaa.records.map((r) => (r.data.kind === 'AAAA' ? r.data.address : new Uint8Array(16))),
      canonicalName: ok ? (a.canonical ?? aaaa.canonical) : undefined,
      tried,
      queries,
      herrno: ok ? undefined : (herrno ?? 'HOST_NOT_FOUND'),
      lines: ok ? [] : [`curl: (6) Could not resolve host: ${name}`],
      startNs,
      endNs: sim.now,
    });
  };

  // __res_context_search, as a list of steps run one after the other.
  const dots = [...name].filter((c) => c === '.').length;
  const trailing = name.endsWith('.');
  let triedAsIs = false;
  let savedHerrno: HErrno | undefined;
  let gotNodata = false;
  let gotServfail = false;
  const searchList = conf.search.map((d) => (d.startsWith('.') ? d.slice(1) : d));
  const rootOnList = searchList.some((d) => d === '');
  let domainIndex = 0;
  let searchDone = false;

  const query = (qname: string, next: (o: QueryOutcome) => void): void => {
    tried.push(fqdn(qname));
    resSend(ns, fqdn(qname), conf, rng, queries, (o) => next(evaluate(o)));
  };

  const failAll = (): void => {
    let h: HErrno = 'HOST_NOT_FOUND';
    if (savedHerrno !== undefined) h = savedHerrno;
    else if (gotNodata) h = 'NO_DATA';
    else if (gotServfail) h = 'TRY_AGAIN';
    finish(undefined, h);
  };

  const lastAsIs = (): void => {
    if (!triedAsIs && !rootOnList) {
      query(name, (o) => (o.ok ? finish(o, undefined) : failAll()));
      return;
    }
    failAll();
  };

  const searchStep = (): void => {
    const domain = searchList[domainIndex];
    if (searchDone || domain === undefined) {
      lastAsIs();
      return;
    }
    domainIndex++;
    query(domain === '' ? `${name}.` : `${name}.${domain}`, (o) => {
      if (o.ok) {
        finish(o, undefined);
        return;
      }
      if (o.refused) {
        finish(undefined, 'TRY_AGAIN');
        return;
      }
      if (o.herrno === 'NO_DATA') gotNodata = true;
      else if (o.herrno === 'TRY_AGAIN' && o.rcode === DNS_RCODE.SERVFAIL) gotServfail = true;
      else if (o.herrno !== 'HOST_NOT_FOUND') searchDone = true;
      searchStep();
    });
  };

  const search = (): void => {
    // RES_DEFNAMES and RES_DNSRCH are on by default: a name without a trailing dot walks the list.
    if (!trailing && searchList.length > 0) searchStep();
    else lastAsIs();
  };

  if (dots >= conf.ndots || trailing) {
    triedAsIs = true;
    query(name, (o) => {
      if (o.ok || trailing) {
        finish(o, o.ok ? undefined : o.herrno);
        return;
      }
      savedHerrno = o.herrno;
      search();
    });
    return;
  }
  search();
}

/** The A (or AAAA) records of the reply to that type, following CNAMEs from the question's name. */
function collect(replies: readonly DnsMessage[], type: number) {
  const reply = replies.find((r) => r.questions[0]?.type === type);
  if (reply === undefined || reply.rcode !== DNS_RCODE.NOERROR) return { records: [], canonical: undefined };
  let owner = dnsLower(reply.questions[0]?.name ?? '');
  for (let hops = 0; hops < 16; hops++) {
    const cname = reply.answers.find((r) => r.type === DNS_TYPE.CNAME && dnsLower(r.name) === owner);
    if (cname === undefined || cname.data.kind !== 'CNAME') break;
    owner = dnsLower(cname.data.target);
  }
  const records = reply.answers.filter((r) => r.type === type && dnsLower(r.name) === owner);
  return { records, canonical: records.length > 0 ? owner : undefined };
}

/** __res_context_query's verdict on the replies of one name. */
function evaluate(o: SendOutcome): QueryOutcome {
  if (o.kind === 'fail')
    return { ok: false, herrno: 'TRY_AGAIN', rcode: o.rcode, refused: o.errno === 'ECONNREFUSED' };
  const [hp, hp2 = hp] = o.replies;
  if (hp === undefined || hp2 === undefined)
    return { ok: false, herrno: 'TRY_AGAIN', rcode: 0, refused: false };
  const good = (m: DnsMessage) => m.rcode === DNS_RCODE.NOERROR && m.answers.length > 0;
  if (good(hp) || good(hp2)) return { ok: true, replies: o.replies };
  const rcode = hp.rcode === DNS_RCODE.NOERROR ? hp2.rcode : hp.rcode;
  const herrno: HErrno =
    rcode === DNS_RCODE.NXDOMAIN
      ? 'HOST_NOT_FOUND'
      : rcode === DNS_RCODE.SERVFAIL
        ? 'TRY_AGAIN'
        : rcode === DNS_RCODE.NOERROR
          ? 'NO_DATA'
          : 'NO_RECOVERY';
  return { ok: false, herrno, rcode: hp.rcode, refused: false };
}

/**
 * __res_context_send for one name: `attempts` rounds over the nameservers, each a send_dg of the A and
 * AAAA queries. The socket stays open across tries to the same server and is closed at the end.
 */
function resSend(
  ns: NetNs,
  qname: string,
  conf: ResolvConf,
  rng: { u32(): number },
  log: ResolverQuery[],
  done: (o: SendOutcome) => void,
): void {
  const sim = ns.sim;
  const qA = dnsQuery(rng.u32() & 0xffff, qname, DNS_TYPE.A);
  const qAAAA = dnsQuery(rng.u32() & 0xffff, qname, DNS_TYPE.AAAA);
  const sockets = new Map<number, UdpSocket>();
  let gotSomewhere = false;
  let lastRcode: number = DNS_RCODE.NOERROR;
  let single = false;
  let reopen = false;
  let tryNo = 0;
  let nsIndex = 0;
  const closeAll = (): void => {
    for (const s of sockets.values()) s.close();
    sockets.clear();
  };
  const next = (): void => {
    nsIndex++;
    if (nsIndex >= conf.nameservers.length) {
      nsIndex = 0;
      tryNo++;
    }
    if (tryNo >= conf.attempts) {
      closeAll();
      done({ kind: 'fail', errno: gotSomewhere ? 'ETIMEDOUT' : 'ECONNREFUSED', rcode: lastRcode });
      return;
    }
    sendDg();
  };
  const sendDg = (): void => {
    const server = conf.nameservers[nsIndex];
    if (server === undefined) {
      next();
      return;
    }
    let sock = sockets.get(nsIndex);
    if (sock === undefined) {
      const opened = ns.sockets.openUdp({ connect: { ip: server, port: DNS_PORT } });
      if (typeof opened === 'string') {
        next();
        return;
      }
      sock = opened;
      sockets.set(nsIndex, sock);
    }
    const s = sock;
    let seconds = conf.timeout * 2 ** nsIndex;
    if (nsIndex > 0) seconds = Math.floor(seconds / conf.nameservers.length);
    if (seconds <= 0) seconds = 1;
    let replyA: DnsMessage | undefined;
    let replyAAAA: DnsMessage | undefined;
    let gotA = false;
    let gotAAAA = false;
    let over = false;
    const received: DnsMessage[] = [];
    const end = (f: () => void): void => {
      over = true;
      timer.cancel();
      s.handlers = {};
      f();
    };
    const send = (q: DnsMessage): void => {
      log.push({
        atNs: sim.now,
        name: qname,
        type: q === qA ? 'A' : 'AAAA',
        id: q.id,
        server,
        srcPort: s.local.port,
      });
      s.send(emitDns(q));
    };
    const timer = new Timer(sim, () => {
      if (over) return;
      const partial = received.length > 0;
      if (partial && !single) {
        single = true;
        end(sendDg);
        return;
      }
      if (partial && !reopen) {
        reopen = true;
        s.close();
        sockets.delete(nsIndex);
        end(sendDg);
        return;
      }
      if (partial) {
        end(() => {
          closeAll();
          done({ kind: 'answer', replies: received });
        });
        return;
      }
      gotSomewhere = true;
      end(next);
    });
    s.handlers = {
      message: (data) => {
        if (over) return;
        const p = parseDns(data);
        if (!p.ok || p.value.questions.length === 0) return;
        const m = p.value;
        gotSomewhere = true;
        let which: 'A' | 'AAAA' | undefined;
        if (!gotA && m.id === qA.id && sameQuestion(m, qA)) which = 'A';
        else if (!gotAAAA && m.id === qAAAA.id && sameQuestion(m, qAAAA)) which = 'AAAA';
        if (which === undefined) return; // spurious datagram: keep waiting
        if (received.length === 0 && !gotA && !gotAAAA) lastRcode = m.rcode;
        if (which === 'A') gotA = true;
        else gotAAAA = true;
        const lame =
          m.rcode === DNS_RCODE.NOERROR &&
          m.answers.length === 0 &&
          !m.aa &&
          !m.ra &&
          m.additionals.length === 0;
        const noData =
          m.rcode === DNS_RCODE.SERVFAIL ||
          m.rcode === DNS_RCODE.NOTIMP ||
          m.rcode === DNS_RCODE.REFUSED ||
          lame;
        if (!noData) {
          if (which === 'A') replyA = m;
          else replyAAAA = m;
          received.push(m);
        } else if (received.length > 0) {
          // next_ns with one answer in hand: that answer is the result.
          end(() => {
            closeAll();
            done({ kind: 'answer', replies: received });
          });
          return;
        }
        if (gotA && gotAAAA) {
          end(() => {
            // Both replies were SERVFAIL-like: send_dg returns 0 and the socket stays for the next try.
            if (received.length === 0) {
              next();
              return;
            }
            closeAll();
            done({ kind: 'answer', replies: [replyA, replyAAAA].filter((r) => r !== undefined) });
          });
          return;
        }
        if (single && which === 'A' && !gotAAAA) send(qAAAA);
      },
      error: () => {
        if (over) return;
        // close_and_return_error: the socket is closed; the next try reopens one.
        s.close();
        sockets.delete(nsIndex);
        end(next);
      },
    };
    timer.start(seconds * SECOND);
    send(qA);
    if (!single) send(qAAAA);
  };
  sendDg();
}

function sameQuestion(reply: DnsMessage, query: DnsMessage): boolean {
  const a = reply.questions[0];
  const b = query.questions[0];
  return (
    a !== undefined &&
    b !== undefined &&
    a.type === b.type &&
    a.class === b.class &&
    dnsLower(a.name) === dnsLower(b.name)
  );
}
