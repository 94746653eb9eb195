import { NetNs, vethPair } from '../../src/net/index.js';
import { Sim, TraceBus } from '../../src/sim/index.js';
import {
  type EthernetFrame,
  formatIp4,
  IPPROTO_TCP,
  type Ipv4Packet,
  ip4,
  type TcpSegment,
} from '../../src/wire/index.js';

/** Two namespaces joined by a veth pair: `pa` 10.244.0.2/24 (eth0) and `pb` 10.244.0.3/24 (eth0). */
export interface TcpLab {
  readonly sim: Sim;
  readonly trace: TraceBus<EthernetFrame>;
  readonly pa: NetNs;
  readonly pb: NetNs;
  readonly a: number;
  readonly b: number;
}

export function tcpLab(options: { readonly seed?: number; readonly mtu?: number } = {}): TcpLab {
  const sim = new Sim({ seed: options.seed ?? 1 });
  const trace = new TraceBus<EthernetFrame>();
  const pa = new NetNs(sim, { name: 'pa', trace });
  const pb = new NetNs(sim, { name: 'pb', trace });
  const mtu = options.mtu ?? 1500;
  const [ea, eb] = vethPair(
    sim,
    pa.deviceOptions('eth0', 0x020000000002, mtu),
    pb.deviceOptions('eth0', 0x020000000003, mtu),
  );
  pa.attach(ea);
  pb.attach(eb);
  const a = ip4('10.244.0.2');
  const b = ip4('10.244.0.3');
  pa.addAddress('eth0', a, 24);
  pb.addAddress('eth0', b, 24);
  return { sim, trace, pa, pb, a, b };
}

/** One TCP segment seen on a capture point. */
export interface SeenSegment {
  readonly time: number;
  readonly point: string;
  readonly ip: Ipv4Packet;
  readonly tcp: TcpSegment;
  readonly frame: EthernetFrame;
}

/** Records the TCP segments transmitted (`tx`) on `point` (default: pa's eth0, as tshark -i eth0 in pa). */
export function recordTcp(
  lab: TcpLab,
  point = 'pa/eth0',
  kind: 'tx' | 'rx' | 'both' = 'both',
): SeenSegment[] {
  const seen: SeenSegment[] = [];
  lab.trace.on((k, time, p, frame) => {
    if (p.name !== point || (kind !== 'both' && k !== kind) || k === 'drop') return;
    if (kind === 'both' && k !== 'tx' && k !== 'rx') return;
    const ip = frame.payload;
    if (ip.kind !== 'ipv4' || ip.protocol !== IPPROTO_TCP || ip.payload.kind !== 'tcp') return;
    seen.push({ time, point: p.name, ip, tcp: ip.payload, frame });
  });
  return seen;
}

const FLAG_NAMES: readonly (readonly [number, string])[] = [
  [0x02, 'SYN'],
  [0x01, 'FIN'],
  [0x04, 'RST'],
  [0x08, 'PSH'],
  [0x10, 'ACK'],
];

/** tshark's flag summary: `SYN`, `SYN, ACK`, `PSH, ACK`, `FIN, ACK`, `RST, ACK`. */
export function flagNames(flags: number): string {
  return FLAG_NAMES.filter(([bit]) => (flags & bit) !== 0)
    .map(([, n]) => n)
    .join(', ');
}

/** A one-line summary of a segment: `10.244.0.2:40902 > 10.244.0.3:8080 [SYN] len 0`. */
export function summary(s: SeenSegment): string {
  return `${formatIp4(s.ip.src)}:${s.tcp.srcPort} > ${formatIp4(s.ip.dst)}:${s.tcp.dstPort} [${flagNames(s.tcp.flags)}] len ${s.tcp.payload.length}`;
}

export const text = new TextEncoder();
export const untext = new TextDecoder();

/** What one request/response exchange produced. */
export interface Exchange {
  /** Bytes the server received, the client received, and how each side's socket ended. */
  readonly serverGot: Uint8Array;
  readonly clientGot: Uint8Array;
  readonly clientClosed: string | undefined | 'open';
  readonly serverClosed: string | undefined | 'open';
  readonly clientPort: number;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * A server on `server:port` that answers the first `requestLen` bytes with `response` and closes when the
 * client does; a client in `client` that connects to `dst`, writes `request`, closes once it has the
 * whole response. Runs the simulation for `runNs` (default 1 s).
 */
export function exchange(
  lab: TcpLab,
  opts: {
    readonly request: Uint8Array;
    readonly response: Uint8Array;
    readonly port?: number;
    readonly dst?: number;
    readonly client?: NetNs;
    readonly server?: NetNs;
    readonly runNs?: number;
    readonly writes?: number;
  },
): Exchange {
  const port = opts.port ?? 8080;
  const server = opts.server ?? lab.pb;
  const client = opts.client ?? lab.pa;
  let serverGot: Uint8Array = new Uint8Array(0);
  let clientGot: Uint8Array = new Uint8Array(0);
  let clientClosed: string | undefined | 'open' = 'open';
  let serverClosed: string | undefined | 'open' = 'open';
  const l = server.sockets.listen(port, (s) => {
    s.handlers = {
      data: (d) => {
        const before = serverGot.length;
        serverGot = concat(serverGot, d);
        if (before < opts.request.length && serverGot.length >= opts.request.length) s.send(opts.response);
      },
      end: () => s.close(),
      closed: (e) => {
        serverClosed = e;
      },
    };
  });
  if (typeof l === 'string') throw new Error(l);
  const r = client.sockets.connect(opts.dst ?? lab.b, port);
  if (!r.ok) throw new Error(r.errno);
  const c = r.socket;
  c.handlers = {
    connected: () => {
      const n = opts.writes ?? 1;
      const step = Math.ceil(opts.request.length / n);
      for (let at = 0; at < opts.request.length; at += step) c.send(opts.request.subarray(at, at + step));
      if (opts.response.length === 0) c.close();
    },
    data: (d) => {
      clientGot = concat(clientGot, d);
      if (clientGot.length >= opts.response.length) c.close();
    },
    closed: (e) => {
      clientClosed = e;
    },
  };
  lab.sim.run({ until: lab.sim.now + (opts.runNs ?? 1e9) });
  l.close();
  return { serverGot, clientGot, clientClosed, serverClosed, clientPort: c.local.port };
}
