/**
 * `podwire trace` as text: per packet a header line, then each hop (`[time] host`) with one line per
 * step — a short label, then what happened in the kernel tools' words — and the fate last.
 */
import type { BridgeVerdict } from '../net/index.js';
import { formatSeconds } from '../sim/index.js';
import type {
  ConntrackStep,
  NatStep,
  NfHookStep,
  TracedPacket,
  TraceFate,
  TraceReport,
  TraceStep,
} from './trace-model.js';

/** Width of the step label column. */
const LABEL = 11;

/** The whole report: a title line, then the request and the reply, a blank line between. */
export function renderTrace(report: TraceReport): string {
  const title = `trace ${report.from} -> ${report.to} (${report.proto}) at ${formatSeconds(report.startNs)}s`;
  const parts = [title, ...report.packets.map(renderPacket)];
  if (report.packets.length < 2) parts.push('reply: none');
  return `${parts.join('\n\n')}\n`;
}

/** One packet: `request: SUMMARY`, its hops and steps, and `fate: …`. */
export function renderPacket(p: TracedPacket): string {
  const lines = [`${p.direction}: ${p.summary}`];
  for (const hop of p.hops) {
    const first = hop.steps[0];
    lines.push(
      `  [${formatSeconds(first?.timeNs ?? 0)}] ${hop.host}${hop.hostKind === 'segment' ? ' (switch)' : ''}`,
    );
    for (const s of hop.steps) {
      const [label, text] = stepText(s);
      lines.push(`    ${label.padEnd(LABEL)}${text}${s.outer ? '  (outer)' : ''}`);
    }
  }
  lines.push(`  fate: ${fateText(p.fate)}`);
  return lines.join('\n');
}

/** A step's label and text. */
export function stepText(s: TraceStep): [string, string] {
  switch (s.kind) {
    case 'receive':
      return ['receive', s.bridge === null ? `${s.dev}` : `${s.dev} (port of ${s.bridge})`];
    case 'send':
      return ['send', s.dstMac === null ? `${s.dev}` : `${s.dev} ${s.srcMac} > ${s.dstMac}`];
    case 'switch':
      return ['switch', s.direction === 'in' ? `in from ${s.dev}` : `out to ${s.dev}`];
    case 'route':
      return [
        'route',
        `${s.destination}: table ${s.table}: ${s.route ?? (s.lookup === 'input' ? 'no route' : 'Network is unreachable')}`,
      ];
    case 'forward':
      return ['forward', `out ${s.outDev}, ttl ${s.ttlBefore} -> ${s.ttlAfter}`];
    case 'neigh': {
      const found = `${s.address} dev ${s.dev}${s.lladdr === null ? '' : ` lladdr ${s.lladdr}`} ${s.state}`;
      return ['neigh', s.action === 'send' ? found : `${found}: packet queued, resolving by ARP`];
    }
    case 'neigh-resolved':
      return ['neigh', `${s.address} dev ${s.dev} lladdr ${s.lladdr} ${s.state}: queued packet sent`];
    case 'bridge-fdb':
      return ['bridge fdb', bridgeText(s.mac, s.verdict, s.port)];
    case 'vxlan-fdb':
      return ['vxlan fdb', s.remote === null ? `${s.mac}: no entry` : `${s.mac} dst ${s.remote}`];
    case 'encap': {
      const ip =
        s.ipLength === null
          ? 'not sent'
          : `IP length ${s.ipLength}, ttl ${s.ttl}, ${s.df === true ? 'DF' : 'DF clear'}`;
      return [
        'encap',
        `VXLAN VNI ${s.vni}: ${s.outerSrc}:${s.srcPort} > ${s.outerDst}:${s.dstPort}, UDP length ${s.udpLength}, ${ip}`,
      ];
    }
    case 'decap': {
      const from = s.outerSrc === null ? '' : ` from ${s.outerSrc}:${s.srcPort}`;
      const vni = s.vni === null ? 'not VXLAN' : `VXLAN VNI ${s.vni}`;
      return ['decap', `${vni}${from}${s.drop === null ? '' : `: dropped, ${s.drop}`}`];
    }
    case 'proxy':
      return ['proxy', proxyText(s.program, s.action, s.subnet, s.peer, s.ttlBefore)];
    case 'deliver':
      return ['deliver', deliverText(s.to, s.port, s.owner)];
    case 'icmp-error':
      return [
        'icmp error',
        `${s.message} (type ${s.type} code ${s.code})${s.suppressed === null ? ': sent' : `: not sent, ${s.suppressed}`}`,
      ];
    case 'drop':
      return ['drop', `${s.reason} (${s.counter})`];
    case 'nf-hook':
      return ['netfilter', hookText(s)];
    case 'nf-rule':
      return ['iptables', `${s.table} ${s.chain} #${s.num} ${s.rule}`];
    case 'nf-policy':
      return ['iptables', `${s.table} ${s.chain}: policy ${s.policy}`];
    case 'conntrack':
      return ['conntrack', conntrackText(s)];
    case 'nat':
      return ['nat', natText(s)];
  }
}

/** The REJECT target's `--reject-with` names by ICMP unreachable code (-1: the TCP reset). */
const REJECT_WITH: ReadonlyMap<number, string> = new Map([
  [-1, 'tcp-reset'],
  [0, 'icmp-net-unreachable'],
  [1, 'icmp-host-unreachable'],
  [2, 'icmp-proto-unreachable'],
  [3, 'icmp-port-unreachable'],
  [9, 'icmp-net-prohibited'],
  [10, 'icmp-host-prohibited'],
  [13, 'icmp-admin-prohibited'],
]);

/** `FORWARD in cni0 out flannel.1: ACCEPT`, `…: REJECT --reject-with icmp-port-unreachable`, `…: DROP (nf_drop)`. */
function hookText(s: NfHookStep): string {
  const devs = `${s.inDev === null ? '' : ` in ${s.inDev}`}${s.outDev === null ? '' : ` out ${s.outDev}`}`;
  let verdict: string;
  if (s.verdict === 'accept') verdict = 'ACCEPT';
  else if (s.verdict === 'stolen') verdict = 'STOLEN';
  else if (s.verdict === 'drop') verdict = `DROP (${s.reason})`;
  else if (s.rejectType !== null && s.rejectType !== 3)
    verdict = `REJECT (ICMP type ${s.rejectType} code ${s.rejectCode})`;
  else verdict = `REJECT --reject-with ${REJECT_WITH.get(s.rejectCode ?? -2) ?? `code ${s.rejectCode}`}`;
  return `${s.hook}${devs}: ${verdict}`;
}

/**
 * `new: tcp src=… dst=… sport=… dport=…`, `established, reply direction: tcp SYN_RECV src=… src=…`,
 * `established (never replied: ctstate NEW): udp …`.
 */
function conntrackText(s: ConntrackStep): string {
  const unreplied = s.state === 'established' && s.ctstate === 'NEW' ? ' (never replied: ctstate NEW)' : '';
  const what = `${s.state}${s.replyDir ? ', reply direction' : ''}${unreplied}`;
  if (s.original === null) return `${what}: ${s.proto}`;
  const state = s.tcpState === null || s.state === 'new' ? '' : ` ${s.tcpState}`;
  return `${what}: ${s.proto}${state} ${s.original}${s.reply === null ? '' : ` ${s.reply}`}`;
}

/** `DNAT destination 10.96.0.10:80 -> 10.244.1.3:8080`, `reverse DNAT: source 10.244.1.3:8080 -> …`. */
function natText(s: NatStep): string {
  const end = s.manip === 'src' ? 'source' : 'destination';
  if (s.direction === 'reply') {
    const undone = s.target ?? (s.manip === 'src' ? 'DNAT' : 'SNAT');
    return `reverse ${undone}: ${end} ${s.from} -> ${s.to}`;
  }
  return `${s.target ?? (s.manip === 'src' ? 'SNAT' : 'DNAT')} ${end} ${s.from} -> ${s.to}`;
}

function bridgeText(mac: string, verdict: BridgeVerdict, port: string | null): string {
  switch (verdict) {
    case 'port':
      return `${mac} on port ${port}`;
    case 'local':
      return `${mac} is local: up to the host`;
    case 'flood':
      return `${mac} unknown: flooded to every port`;
    case 'group':
      return `${mac} group address: flooded, and up to the host`;
  }
}

function proxyText(
  program: string,
  action: string,
  subnet: string | null,
  peer: string | null,
  ttl: number,
): string {
  switch (action) {
    case 'tun-to-udp':
      return `${program} read it off the TUN: ${subnet} is at ${peer}, ttl ${ttl} -> ${ttl - 1}, sent in UDP`;
    case 'udp-to-tun':
      return `${program} took it out of UDP, ttl ${ttl} -> ${ttl - 1}, written into the TUN`;
    case 'no-route':
      return `${program}: no subnet for it, net unreachable written back into the TUN`;
    default:
      return `${program}: discarded, TTL ${ttl}`;
  }
}

function deliverText(to: string, port: number | null, owner: string | null): string {
  const who = owner === null ? '' : ` of ${owner}`;
  switch (to) {
    case 'raw-socket':
      return `raw ICMP socket${who}`;
    case 'udp-socket':
      return `UDP socket port ${port}${who}`;
    case 'tcp-socket':
      return `TCP port ${port}${who} (tcp_v4_rcv)`;
    case 'icmp-echo':
      return 'the kernel answers the echo (icmp_echo)';
    default:
      return 'the kernel ICMP handler';
  }
}

function fateText(f: TraceFate): string {
  switch (f.kind) {
    case 'delivered':
      return `delivered on ${f.host}${f.dev === null ? '' : ` ${f.dev}`}, ttl ${f.ttl}: ${deliverText(f.to, f.port, f.owner)}`;
    case 'dropped':
      return `dropped on ${f.host}${f.dev === null ? '' : ` ${f.dev}`}: ${f.reason} (${f.counter})`;
    case 'not-sent':
      return `not sent by ${f.host}: ${f.errno}`;
    case 'lost':
      return `nothing more heard of it${f.host === null ? '' : ` after ${f.host}`}`;
  }
}
