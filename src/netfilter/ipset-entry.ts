/**
 * IP set members as `ipset add` reads them and `ipset list`/`save` print them, per set type: the six
 * types kube-proxy creates, `[proto:]port` with tcp as the default protocol, and networks printed without
 * their prefix when it is /32 (ipset_print_ip).
 */
import { formatIp4, type Ip4, maskOf, parseIp4 } from '../wire/index.js';
import { parsePort } from './parse-tokens.js';

export type IpSetType =
  | 'hash:ip'
  | 'hash:ip,port'
  | 'hash:ip,port,ip'
  | 'hash:ip,port,net'
  | 'hash:net'
  | 'bitmap:port';

export const IPSET_TYPES: readonly IpSetType[] = [
  'hash:ip',
  'hash:ip,port',
  'hash:ip,port,ip',
  'hash:ip,port,net',
  'hash:net',
  'bitmap:port',
];

/** How many `src`/`dst` flags a match against the type uses. */
export const DIMENSION: Readonly<Record<IpSetType, number>> = {
  'hash:ip': 1,
  'hash:net': 1,
  'bitmap:port': 1,
  'hash:ip,port': 2,
  'hash:ip,port,ip': 3,
  'hash:ip,port,net': 3,
};

/** The protocols a `proto:port` member may name, as ipset prints them. */
export const PORT_PROTOS: readonly (readonly [number, string])[] = [
  [6, 'tcp'],
  [17, 'udp'],
  [132, 'sctp'],
  [136, 'udplite'],
];
/** Protocol number → its 2-bit index in the numeric ip,port key IpSet uses for lookups. */
export const PROTO_INDEX = new Map<number, number>(PORT_PROTOS.map(([num], i) => [num, i]));

/** One member; which fields are set depends on the set's type. */
export interface IpSetEntry {
  /** hash:ip*, hash:net: the (first) address; for hash:net the network address. */
  readonly ip?: Ip4;
  /** hash:net: the prefix length of `ip` (1..32). */
  readonly prefixLen?: number;
  /** ip,port types: the IP protocol of the port (6 tcp, 17 udp, 132 sctp, 136 udplite). */
  readonly proto?: number;
  /** ip,port types and bitmap:port. */
  readonly port?: number;
  /** hash:ip,port,ip: the second address. */
  readonly ip2?: Ip4;
  /** hash:ip,port,net: the third dimension, a network. */
  readonly net?: { readonly addr: Ip4; readonly prefixLen: number };
}

/** `10.244.0.0/16`, or the bare address for a /32 (ipset_print_ip omits a full-length prefix). */
function formatNet(addr: Ip4, prefixLen: number): string {
  return prefixLen === 32 ? formatIp4(addr) : `${formatIp4(addr)}/${prefixLen}`;
}

function parseNet(text: string): { addr: Ip4; prefixLen: number } | string {
  const slash = text.indexOf('/');
  const ip = parseIp4(slash < 0 ? text : text.slice(0, slash));
  if (ip === undefined) return `Syntax error: cannot parse ${text}: resolving to IPv4 address failed`;
  if (slash < 0) return { addr: ip, prefixLen: 32 };
  const lenText = text.slice(slash + 1);
  const len = /^\d{1,2}$/.test(lenText) ? Number(lenText) : -1;
  if (len < 1 || len > 32) return `Syntax error: '${lenText}' is out of range 1-32`;
  return { addr: (ip & maskOf(len)) >>> 0, prefixLen: len };
}

function parseProtoPort(text: string): { proto: number; port: number } | string {
  const colon = text.indexOf(':');
  let proto = 6;
  if (colon >= 0) {
    const name = text.slice(0, colon);
    const found = PORT_PROTOS.find(([, n]) => n === name);
    if (found === undefined) return `Syntax error: protocol \`${name}' is not supported by podwire`;
    proto = found[0];
  }
  const port = parsePort(colon < 0 ? text : text.slice(colon + 1));
  if (port === undefined) return `Syntax error: cannot parse '${text}' as a [proto:]port`;
  return { proto, port };
}

/** Parses a member in `ipset add` syntax for a set of `type`; an error message when it is not one. */
export function parseIpsetEntry(type: IpSetType, text: string): IpSetEntry | string {
  const parts = text.split(',');
  const want = type === 'bitmap:port' ? 1 : DIMENSION[type];
  if (parts.length !== want) return `Syntax error: '${text}' is not a ${type} element`;
  const [a = '', b = '', c = ''] = parts;
  switch (type) {
    case 'bitmap:port': {
      const port = parsePort(a);
      return port === undefined ? `Syntax error: cannot parse '${a}' as a port` : { port };
    }
    case 'hash:ip': {
      if (a.includes('/') || a.includes('-'))
        return `Syntax error: ranges (${a}) are not supported by podwire`;
      const ip = parseIp4(a);
      return ip === undefined ? `Syntax error: cannot parse ${a}: resolving to IPv4 address failed` : { ip };
    }
    case 'hash:net': {
      const n = parseNet(a);
      return typeof n === 'string' ? n : { ip: n.addr, prefixLen: n.prefixLen };
    }
    default: {
      const ip = parseIp4(a);
      if (ip === undefined) return `Syntax error: cannot parse ${a}: resolving to IPv4 address failed`;
      const pp = parseProtoPort(b);
      if (typeof pp === 'string') return pp;
      if (type === 'hash:ip,port') return { ip, ...pp };
      if (type === 'hash:ip,port,ip') {
        const ip2 = parseIp4(c);
        if (ip2 === undefined) return `Syntax error: cannot parse ${c}: resolving to IPv4 address failed`;
        return { ip, ...pp, ip2 };
      }
      const net = parseNet(c);
      return typeof net === 'string' ? net : { ip, ...pp, net };
    }
  }
}

/** The member as ipset prints it (`10.96.0.1,tcp:443`, `10.244.1.0/24`, `30080`). */
export function formatIpsetEntry(type: IpSetType, e: IpSetEntry): string {
  const protoPort = (): string =>
    `${PORT_PROTOS[PROTO_INDEX.get(e.proto ?? 6) ?? 0]?.[1] ?? 'tcp'}:${e.port ?? 0}`;
  switch (type) {
    case 'bitmap:port':
      return String(e.port ?? 0);
    case 'hash:ip':
      return formatIp4(e.ip ?? 0);
    case 'hash:net':
      return formatNet(e.ip ?? 0, e.prefixLen ?? 32);
    case 'hash:ip,port':
      return `${formatIp4(e.ip ?? 0)},${protoPort()}`;
    case 'hash:ip,port,ip':
      return `${formatIp4(e.ip ?? 0)},${protoPort()},${formatIp4(e.ip2 ?? 0)}`;
    case 'hash:ip,port,net':
      return `${formatIp4(e.ip ?? 0)},${protoPort()},${formatNet(e.net?.addr ?? 0, e.net?.prefixLen ?? 32)}`;
  }
}
