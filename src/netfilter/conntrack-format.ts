/**
 * `conntrack -L` output (conntrack-tools 1.4.7 / libnetfilter_conntrack snprintf_default.c): per entry
 * the protocol name padded to 8 and its number, the seconds left, the TCP state, the original tuple,
 * `[UNREPLIED]`, the reply tuple, `[ASSURED]`, `mark=`, `use=`; fields separated by one space
 * (reference/linux-datapath.md §12). The summary line goes to stderr.
 */
import { SECOND } from '../sim/index.js';
import { formatIp4 } from '../wire/index.js';
import { type ConntrackEntry, IPS, type TupleView } from './conntrack.js';
import { TCP_STATE_NAMES } from './conntrack-proto.js';

/** proto2str of libnetfilter_conntrack; anything else prints as `unknown`. */
const PROTO_NAMES: ReadonlyMap<number, string> = new Map([
  [1, 'icmp'],
  [6, 'tcp'],
  [17, 'udp'],
  [33, 'dccp'],
  [47, 'gre'],
  [132, 'sctp'],
  [136, 'udplite'],
]);

/** Protocols whose tuples print `sport= dport=`. */
const PORT_PROTOS: ReadonlySet<number> = new Set([6, 17, 33, 132, 136]);

function tuple(proto: number, t: TupleView): string {
  const addrs = `src=${formatIp4(t.src)} dst=${formatIp4(t.dst)} `;
  if (PORT_PROTOS.has(proto)) return `${addrs}sport=${t.sport} dport=${t.dport} `;
  if (proto === 1) return `${addrs}type=${t.dport >>> 8} code=${t.dport & 0xff} id=${t.sport} `;
  return addrs;
}

/** One line of `conntrack -L` for `e` at simulated time `now` (ns), without the newline. */
export function formatConntrackEntry(e: ConntrackEntry, now: number): string {
  const name = PROTO_NAMES.get(e.proto) ?? 'unknown';
  const left = Math.max(0, Math.floor((e.expires - now) / SECOND));
  let s = `${name.padEnd(8)} ${e.proto} ${left} `;
  if (e.proto === 6) s += `${TCP_STATE_NAMES[e.tcpState] ?? 'NONE'} `;
  s += tuple(e.proto, e.orig);
  if ((e.status & IPS.SEEN_REPLY) === 0) s += '[UNREPLIED] ';
  s += tuple(e.proto, e.reply);
  if ((e.status & IPS.ASSURED) !== 0) s += '[ASSURED] ';
  return `${s}mark=${e.mark} use=1`;
}

/** `conntrack -L` stdout: one line per entry, each ending in a newline. */
export function formatConntrackList(entries: readonly ConntrackEntry[], now: number): string {
  let out = '';
  for (const e of entries) out += `${formatConntrackEntry(e, now)}\n`;
  return out;
}

/** The line `conntrack -L` writes to stderr after the entries. */
export function conntrackSummary(count: number): string {
  return `conntrack v1.4.7 (conntrack-tools): ${count} flow entries have been shown.\n`;
}
