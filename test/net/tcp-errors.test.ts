/**
 * How TCP connections fail, against Linux 6.18 (test/kernel/OBSERVED-tcp.md): the reset for a closed
 * port, connect() errors from resets and ICMP errors (tcp_v4_err), the SYN retransmission schedule with
 * tcp_syn_linear_timeouts, and resets on established connections.
 */
import { describe, expect, it } from 'vitest';
import type { SocketErrno, TcpSocketOptions } from '../../src/net/index.js';
import { MS, SECOND } from '../../src/sim/index.js';
import {
  IP_FLAG_DF,
  IPPROTO_ICMP,
  IPPROTO_TCP,
  icmpError,
  ip4,
  TCP_ACK,
  TCP_RST,
  tcp,
} from '../../src/wire/index.js';
import { exchange, flagNames, recordTcp, type TcpLab, tcpLab, text } from './tcp-lab.js';

/** Outcome of one connect(): the errno its socket closed with (or 'connected'), and when. */
interface Outcome {
  readonly result: SocketErrno | 'connected' | 'open';
  readonly atNs: number;
}

function connect(
  lab: TcpLab,
  dst: number,
  port: number,
  opts: TcpSocketOptions = {},
  untilNs = 200 * SECOND,
): Outcome {
  const r = lab.pa.sockets.connect(dst, port, opts);
  if (!r.ok) return { result: r.errno, atNs: lab.sim.now };
  let out: Outcome = { result: 'open', atNs: -1 };
  r.socket.handlers = {
    connected: () => {
      out = { result: 'connected', atNs: lab.sim.now };
    },
    closed: (e) => {
      if (e !== undefined) out = { result: e, atNs: lab.sim.now };
    },
  };
  lab.sim.run({ until: untilNs });
  return out;
}

/** pa reaches 10.244.0.9 through a neighbour entry for pb's MAC; pb does not forward, so SYNs vanish. */
function blackhole(lab: TcpLab): number {
  const dst = ip4('10.244.0.9');
  const eth0 = lab.pa.deviceByName('eth0');
  if (eth0 === undefined) throw new Error('no eth0');
  lab.pa.neigh.setPermanent(eth0.ifindex, dst, 0x020000000003);
  return dst;
}

/** pb routes 10.9.0.0/16 for pa; `kind` says how pb's route table treats it. */
function viaRouter(lab: TcpLab, kind: 'unreachable' | 'prohibit' | 'none'): number {
  lab.pb.setSysctl('net.ipv4.ip_forward', '1');
  lab.pa.addRoute({ dst: ip4('10.9.0.0'), prefixLen: 16, gateway: lab.b, dev: 'eth0' });
  if (kind !== 'none') lab.pb.addRoute({ dst: ip4('10.9.0.0'), prefixLen: 16, dev: 'lo', type: kind });
  return ip4('10.9.1.1');
}

describe('TCP reset for a closed port (tcp_v4_send_reset)', () => {
  it('answers a SYN with RST, ACK: seq 0, ack = ISN + 1, window 0, no options, IP ID 0, DF — and connect() gets ECONNREFUSED', () => {
    const lab = tcpLab();
    const seen = recordTcp(lab, 'pa/eth0', 'both');
    const out = connect(lab, lab.b, 9999);
    expect(out).toEqual({ result: 'ECONNREFUSED', atNs: 0 });
    const [syn, rst] = seen;
    expect(seen).toHaveLength(2);
    expect(flagNames(rst!.tcp.flags)).toBe('RST, ACK');
    expect([rst?.tcp.seq, rst?.tcp.ack, rst?.tcp.window]).toEqual([0, (syn!.tcp.seq + 1) >>> 0, 0]);
    expect(rst?.tcp.options).toEqual([]);
    expect([rst?.ip.id, rst?.ip.flags, rst?.ip.ttl, rst?.ip.totalLength]).toEqual([0, IP_FLAG_DF, 64, 40]);
    expect(lab.pb.sockets.tcp.stats.get('OutRsts')).toBe(1);
  });

  it('answers a stray ACK with a bare RST whose sequence number is that ACK, and never answers a RST', () => {
    const lab = tcpLab();
    const seen = recordTcp(lab, 'pb/eth0', 'tx');
    const stray = (flags: number) =>
      lab.pa.send({
        src: lab.a,
        dst: lab.b,
        protocol: IPPROTO_TCP,
        payload: tcp({
          src: lab.a,
          dst: lab.b,
          srcPort: 40000,
          dstPort: 80,
          seq: 5,
          ack: 777,
          flags,
          window: 1,
        }),
      });
    stray(TCP_ACK);
    stray(TCP_RST | TCP_ACK);
    lab.sim.run({ until: SECOND });
    const rsts = seen.filter((s) => s.ip.protocol === IPPROTO_TCP);
    expect(rsts.map((s) => [flagNames(s.tcp.flags), s.tcp.seq, s.tcp.ack])).toEqual([['RST', 777, 0]]);
  });
});

describe('connect() errors from ICMP (tcp_v4_err in SYN_SENT)', () => {
  it('fails with ECONNREFUSED at once when a port unreachable quotes the SYN (LAB: REJECT --reject-with icmp-port-unreachable)', () => {
    const lab = tcpLab();
    const dst = blackhole(lab);
    lab.trace.on((kind, _t, point, frame) => {
      const p = frame.payload;
      if (kind !== 'rx' || point.name !== 'pb/eth0' || p.kind !== 'ipv4' || p.protocol !== IPPROTO_TCP)
        return;
      lab.pb.send({
        src: lab.b,
        dst: lab.a,
        protocol: IPPROTO_ICMP,
        payload: icmpError({ type: 3, code: 3, original: p }),
      });
    });
    expect(connect(lab, dst, 80)).toEqual({ result: 'ECONNREFUSED', atNs: 0 });
  });

  it('fails with EHOSTUNREACH when a router answers host unreachable, and for admin-prohibited too', () => {
    for (const kind of ['unreachable', 'prohibit'] as const) {
      const lab = tcpLab();
      expect(connect(lab, viaRouter(lab, kind), 80)).toEqual({ result: 'EHOSTUNREACH', atNs: 0 });
    }
  });

  it('fails with ENETUNREACH when the router has no route (net unreachable)', () => {
    const lab = tcpLab();
    expect(connect(lab, viaRouter(lab, 'none'), 80)).toEqual({ result: 'ENETUNREACH', atNs: 0 });
  });

  it('fails with EHOSTUNREACH after the three ARP requests go unanswered (LAB: curl after 3064 ms)', () => {
    const lab = tcpLab();
    const out = connect(lab, ip4('10.244.0.77'), 80);
    expect(out.result).toBe('EHOSTUNREACH');
    expect(out.atNs).toBe(3 * SECOND);
  });

  it('fails synchronously with ENETUNREACH when there is no route at all', () => {
    const lab = tcpLab();
    const r = lab.pa.sockets.connect(ip4('192.0.2.1'), 80);
    expect(r).toEqual({ ok: false, errno: 'ENETUNREACH' });
  });

  it('ignores an ICMP error that quotes another sequence number', () => {
    const lab = tcpLab();
    const dst = blackhole(lab);
    lab.trace.on((kind, _t, point, frame) => {
      const p = frame.payload;
      if (kind !== 'rx' || point.name !== 'pb/eth0' || p.kind !== 'ipv4' || p.payload.kind !== 'tcp') return;
      const forged = tcp({ ...p.payload, src: p.src, dst: p.dst, seq: p.payload.seq + 100 });
      const original = { ...p, payload: forged };
      lab.pb.send({
        src: lab.b,
        dst: lab.a,
        protocol: IPPROTO_ICMP,
        payload: icmpError({ type: 3, code: 3, original }),
      });
    });
    expect(connect(lab, dst, 80, { synRetries: 1, synLinearTimeouts: 0 }).result).toBe('ETIMEDOUT');
    expect(lab.pa.sockets.tcp.stats.get('OutOfWindowIcmps')).toBeGreaterThan(0);
  });
});

describe('SYN retransmission (tcp_retransmit_timer, tcp_write_timeout)', () => {
  function synTimes(opts: TcpSocketOptions): {
    readonly syns: number[];
    readonly out: Outcome;
    readonly tsvals: number[];
  } {
    const lab = tcpLab();
    const dst = blackhole(lab);
    const seen = recordTcp(lab, 'pa/eth0', 'tx');
    const out = connect(lab, dst, 80, opts, 300 * SECOND);
    const tsvals = seen.map((s) => {
      const ts = s.tcp.options.find((o) => o.kind === 'timestamps');
      return ts?.kind === 'timestamps' ? ts.tsval : -1;
    });
    expect(new Set(seen.map((s) => s.tcp.seq)).size).toBe(1); // the same ISN every time
    return { syns: seen.map((s) => s.time / SECOND), out, tsvals };
  }

  it('resends the SYN at 1, 2, 3, 4, 5, 7, 11, 19, 35, 67 s and gives up with ETIMEDOUT at 131 s (Linux ≥ 6.7 defaults)', () => {
    const { syns, out } = synTimes({});
    expect(syns).toEqual([0, 1, 2, 3, 4, 5, 7, 11, 19, 35, 67]);
    expect(out).toEqual({ result: 'ETIMEDOUT', atNs: 131 * SECOND });
  });

  it('with tcp_syn_retries 2 sends SYNs at 0–5 s and fails at 7 s (LAB)', () => {
    const { syns, out } = synTimes({ synRetries: 2 });
    expect(syns).toEqual([0, 1, 2, 3, 4, 5]);
    expect(out).toEqual({ result: 'ETIMEDOUT', atNs: 7 * SECOND });
  });

  it('doubles from the first timeout without linear timeouts: 1, 3, 7, 15, 31, 63 s, ETIMEDOUT at 127 s', () => {
    const { syns, out } = synTimes({ synLinearTimeouts: 0 });
    expect(syns).toEqual([0, 1, 3, 7, 15, 31, 63]);
    expect(out).toEqual({ result: 'ETIMEDOUT', atNs: 127 * SECOND });
  });

  it('stamps each retransmitted SYN with the elapsed milliseconds in TSval', () => {
    const { syns, tsvals } = synTimes({ synRetries: 2 });
    const first = tsvals[0] ?? 0;
    expect(tsvals.map((t) => (t - first) >>> 0)).toEqual(syns.map((s) => s * 1000));
  });
});

describe('resets and aborts on a connection', () => {
  it('reports ECONNRESET to the client when the server aborts (RST, ACK at SND.NXT)', () => {
    const lab = tcpLab();
    const seen = recordTcp(lab, 'pb/eth0', 'tx');
    lab.pb.sockets.listen(8080, (s) => {
      s.handlers = { data: () => s.abort() };
    });
    const r = lab.pa.sockets.connect(lab.b, 8080);
    if (!r.ok) throw new Error(r.errno);
    let err: SocketErrno | undefined;
    r.socket.handlers = { connected: () => r.socket.send(text.encode('hi\n')), closed: (e) => (err = e) };
    lab.sim.run({ until: SECOND });
    expect(err).toBe('ECONNRESET');
    expect(flagNames(seen.at(-1)!.tcp.flags)).toBe('RST, ACK');
    expect(lab.pa.sockets.tcp.sockets()).toEqual([]);
  });

  it('answers data that arrives after close() with a reset (tcp_rcv_state_process: abort on data)', () => {
    const lab = tcpLab();
    const seen = recordTcp(lab, 'pa/eth0', 'tx');
    lab.pb.sockets.listen(8080, (s) => {
      s.handlers = { data: () => lab.sim.after(10 * MS, () => s.send(text.encode('late\n')), undefined) };
    });
    const r = lab.pa.sockets.connect(lab.b, 8080);
    if (!r.ok) throw new Error(r.errno);
    r.socket.handlers = {
      connected: () => {
        r.socket.send(text.encode('hi\n'));
        r.socket.close();
      },
    };
    lab.sim.run({ until: SECOND });
    expect(flagNames(seen.at(-1)!.tcp.flags)).toBe('RST');
    expect(lab.pa.sockets.tcp.sockets()).toEqual([]);
    expect(lab.pb.sockets.tcp.sockets()).toEqual([]);
  });

  it('retransmits lost data after the RTO and still delivers every byte once', () => {
    const lab = tcpLab();
    // pb's eth0 is down while the response is written (ip_queue_xmit finds no route), up 100 ms later.
    lab.pb.sockets.listen(8080, (s) => {
      s.handlers = {
        data: () => {
          lab.pb.setLinkUp('eth0', false);
          s.send(new Uint8Array(5000).fill(0x61));
          lab.sim.after(100 * MS, () => lab.pb.setLinkUp('eth0', true), undefined);
        },
        end: () => s.close(),
      };
    });
    const seen = recordTcp(lab, 'pb/eth0', 'tx');
    const r = lab.pa.sockets.connect(lab.b, 8080);
    if (!r.ok) throw new Error(r.errno);
    let got = 0;
    r.socket.handlers = {
      connected: () => r.socket.send(text.encode('hi\n')),
      data: (d) => {
        got += d.length;
        if (got >= 5000) r.socket.close();
      },
    };
    lab.sim.run({ until: 10 * SECOND });
    expect(got).toBe(5000);
    expect(lab.pb.sockets.tcp.stats.get('RetransSegs')).toBeGreaterThan(0);
    // The RTO after one RTT sample of a few ns is SRTT + TCP_RTO_MIN: the data first leaves just after 200 ms.
    const first = seen.find((s) => s.tcp.payload.length > 0)?.time ?? 0;
    expect(first >= 200 * MS && first < 201 * MS).toBe(true);
  });

  it('does not count a successful exchange as an error anywhere', () => {
    const lab = tcpLab();
    exchange(lab, { request: text.encode('a\n'), response: text.encode('b\n') });
    for (const ns of [lab.pa, lab.pb]) {
      const st = ns.sockets.tcp.stats;
      expect([st.get('OutRsts'), st.get('AttemptFails'), st.get('RetransSegs'), st.get('InErrs')]).toEqual([
        undefined,
        undefined,
        undefined,
        undefined,
      ]);
    }
  });
});
