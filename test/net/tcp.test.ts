/**
 * TCP between two namespaces on a veth pair, checked against what Linux 6.18 put on the wire in the same
 * setup (test/kernel/OBSERVED-tcp.md: curl → a Python responder, captured with tshark on the client's eth0).
 */
import { describe, expect, it } from 'vitest';
import { TCP } from '../../src/net/index.js';
import { SECOND } from '../../src/sim/index.js';
import {
  emitEthernet,
  emitIpv4,
  IP_FLAG_DF,
  parseEthernet,
  TCP_ACK,
  TCP_FIN,
  TCP_SYN,
  type TcpOption,
  verifyIpv4,
} from '../../src/wire/index.js';
import { exchange, flagNames, recordTcp, type SeenSegment, tcpLab, text } from './tcp-lab.js';

const REQUEST = text.encode(
  'GET / HTTP/1.1\r\nHost: 10.244.0.3:8080\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n',
);
const RESPONSE = text.encode('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n');

/** The segments the client's eth0 saw, both directions, in order, during one request/response exchange. */
function onClientWire(options: { readonly seed?: number; readonly mtu?: number } = {}): SeenSegment[] {
  const lab = tcpLab(options);
  const seen = recordTcp(lab, 'pa/eth0', 'both');
  exchange(lab, { request: REQUEST, response: RESPONSE });
  return seen;
}

function opts(s: SeenSegment): readonly TcpOption[] {
  return s.tcp.options;
}

describe('TCP handshake, request/response and close', () => {
  it('puts the LAB flag sequence on the client eth0: 3-way handshake, request, ACK, response, ACK, FIN/FIN/ACK', () => {
    const seen = onClientWire();
    expect(seen.map((s) => `${s.ip.src === seen[0]?.ip.src ? 'c' : 's'} ${flagNames(s.tcp.flags)}`)).toEqual([
      'c SYN',
      's SYN, ACK',
      'c ACK',
      'c PSH, ACK',
      's ACK',
      's PSH, ACK',
      'c ACK',
      'c FIN, ACK',
      's FIN, ACK',
      'c ACK',
    ]);
  });

  it('numbers the exchange consistently: every ACK acknowledges exactly the sequence space received', () => {
    const [syn, synAck, ack, req, srvAck, resp, cliAck, cliFin, srvFin, lastAck] = onClientWire().map(
      (s) => s.tcp,
    );
    const c = (syn?.seq ?? 0) + 1;
    const s = (synAck?.seq ?? 0) + 1;
    const mod = (n: number) => n >>> 0;
    expect(synAck?.ack).toBe(mod(c));
    expect([ack?.seq, ack?.ack]).toEqual([mod(c), mod(s)]);
    expect([req?.seq, req?.payload.length]).toEqual([mod(c), REQUEST.length]);
    expect(srvAck?.ack).toBe(mod(c + REQUEST.length));
    expect([resp?.seq, resp?.payload.length]).toEqual([mod(s), RESPONSE.length]);
    expect(cliAck?.ack).toBe(mod(s + RESPONSE.length));
    expect([cliFin?.seq, cliFin?.ack]).toEqual([mod(c + REQUEST.length), mod(s + RESPONSE.length)]);
    expect([srvFin?.seq, srvFin?.ack]).toEqual([mod(s + RESPONSE.length), mod(c + REQUEST.length + 1)]);
    expect([lastAck?.seq, lastAck?.ack]).toEqual([mod(c + REQUEST.length + 1), mod(s + RESPONSE.length + 1)]);
  });

  it('sends the LAB SYN: window 64240, options MSS 1460, SACK_PERM, TS (ecr 0), NOP, WS 10; DF, TTL 64', () => {
    const syn = onClientWire()[0];
    expect(syn?.tcp.flags).toBe(TCP_SYN);
    expect(syn?.tcp.window).toBe(64240);
    expect(syn?.tcp.dataOffset).toBe(10);
    expect(opts(syn!).map((o) => o.kind)).toEqual(['mss', 'sackPermitted', 'timestamps', 'nop', 'wscale']);
    expect(opts(syn!)[0]).toEqual({ kind: 'mss', mss: 1460 });
    expect(opts(syn!)[2]).toMatchObject({ kind: 'timestamps', tsecr: 0 });
    expect(opts(syn!)[4]).toEqual({ kind: 'wscale', shift: TCP.wscale });
    expect(TCP.wscale).toBe(10); // LAB: WS=1024 on 6.18
    expect(syn?.ip.flags).toBe(IP_FLAG_DF);
    expect(syn?.ip.ttl).toBe(64);
    expect(syn?.ip.totalLength).toBe(60); // 74-byte frame
  });

  it('answers with the LAB SYN-ACK: window 65160 (MSS − 12 for timestamps), TSecr = the SYN TSval, IP ID 0', () => {
    const [syn, synAck] = onClientWire();
    expect(synAck?.tcp.flags).toBe(TCP_SYN | TCP_ACK);
    expect(synAck?.tcp.window).toBe(65160);
    expect(opts(synAck!).map((o) => o.kind)).toEqual(['mss', 'sackPermitted', 'timestamps', 'nop', 'wscale']);
    const ts = opts(syn!).find((o) => o.kind === 'timestamps');
    expect(opts(synAck!)[2]).toMatchObject({
      kind: 'timestamps',
      tsecr: ts?.kind === 'timestamps' ? ts.tsval : -1,
    });
    expect(synAck?.ip.id).toBe(0);
    expect(synAck?.ip.flags).toBe(IP_FLAG_DF);
  });

  it('scales windows after the handshake (client 63, server 64 units of 1024) and carries NOP NOP TS on every later segment', () => {
    const seen = onClientWire().slice(2);
    const client = seen[0]?.ip.src;
    for (const s of seen) {
      expect(s.tcp.window).toBe(s.ip.src === client ? 63 : 64);
      expect(s.tcp.options.map((o) => o.kind)).toEqual(['nop', 'nop', 'timestamps']);
      expect(s.tcp.dataOffset).toBe(8);
    }
  });

  it('numbers a socket’s DF packets consecutively from a random start (SYN-ACK aside)', () => {
    const seen = onClientWire();
    const client = seen.filter((s) => s.ip.src === seen[0]?.ip.src).map((s) => s.ip.id);
    const server = seen.filter((s) => s.ip.src !== seen[0]?.ip.src).map((s) => s.ip.id);
    expect(client.map((id) => (id - (client[0] ?? 0)) & 0xffff)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(server[0]).toBe(0);
    const rest = server.slice(1);
    expect(rest.map((id) => (id - (rest[0] ?? 0)) & 0xffff)).toEqual([0, 1, 2]);
  });

  it('advertises MSS 1410 and windows 64860 / 64308 on a 1450-byte MTU (flannel pods, LAB)', () => {
    const [syn, synAck] = onClientWire({ mtu: 1450 });
    expect(opts(syn!)[0]).toEqual({ kind: 'mss', mss: 1410 });
    expect(syn?.tcp.window).toBe(64860);
    expect(synAck?.tcp.window).toBe(64308);
  });

  it('writes checksums that verify, and every frame survives emit → parse unchanged', () => {
    for (const s of onClientWire()) {
      expect(verifyIpv4(s.ip)).toBe(true);
      const parsed = parseEthernet(emitEthernet(s.frame), { verifyChecksums: true });
      expect(parsed.ok && parsed.value).toEqual(s.frame);
    }
  });

  it('cuts a large response into MSS-sized segments with PSH only on the last, and delivers every byte', () => {
    const lab = tcpLab();
    const seen = recordTcp(lab, 'pb/eth0', 'tx');
    const big = new Uint8Array(20000).map((_, i) => (i * 7) & 0xff);
    const x = exchange(lab, { request: REQUEST, response: big });
    expect(x.clientGot).toEqual(big);
    const data = seen.filter((s) => s.tcp.payload.length > 0);
    expect(data.map((s) => s.tcp.payload.length)).toEqual([...Array(13).fill(1448), 20000 - 13 * 1448]);
    expect(data.map((s) => flagNames(s.tcp.flags))).toEqual([...Array(13).fill('ACK'), 'PSH, ACK']);
  });

  it('leaves the active closer in TIME_WAIT for 60 s and the passive closer closed', () => {
    const lab = tcpLab();
    const x = exchange(lab, { request: REQUEST, response: RESPONSE });
    expect([x.clientClosed, x.serverClosed]).toEqual([undefined, undefined]);
    expect(lab.pa.sockets.tcp.sockets().map((s) => s.state)).toEqual(['TIME_WAIT']);
    expect(lab.pb.sockets.tcp.sockets()).toEqual([]);
    lab.sim.run({ until: 59 * SECOND });
    expect(lab.pa.sockets.tcp.sockets().map((s) => s.state)).toEqual(['TIME_WAIT']);
    lab.sim.run({ until: 61 * SECOND });
    expect(lab.pa.sockets.tcp.sockets()).toEqual([]);
  });

  it('connects to the namespace’s own address over lo with MSS 65495 and windows 65495 / 65483 / 64 (LAB)', () => {
    const lab = tcpLab();
    const seen = recordTcp(lab, 'pb/lo', 'tx');
    const x = exchange(lab, { request: REQUEST, response: RESPONSE, client: lab.pb, dst: lab.b });
    expect(x.clientGot).toEqual(RESPONSE);
    const [syn, synAck, ack] = seen;
    expect(opts(syn!)[0]).toEqual({ kind: 'mss', mss: 65495 });
    expect([syn?.tcp.window, synAck?.tcp.window, ack?.tcp.window]).toEqual([65495, 65483, 64]);
    expect([syn?.ip.src, syn?.ip.dst]).toEqual([lab.b, lab.b]);
    expect(seen.map((s) => flagNames(s.tcp.flags)).at(-1)).toBe('ACK');
    expect(seen.filter((s) => (s.tcp.flags & TCP_FIN) !== 0)).toHaveLength(2);
  });
});

describe('TCP ports and determinism', () => {
  it('gives consecutive connections to one service increasing even ports 2–16 apart and never reuses a TIME_WAIT port', () => {
    const lab = tcpLab({ seed: 7 });
    const ports: number[] = [];
    for (let i = 0; i < 12; i++)
      ports.push(exchange(lab, { request: REQUEST, response: RESPONSE }).clientPort);
    for (const p of ports) {
      expect(p % 2).toBe(0);
      expect(p).toBeGreaterThanOrEqual(32768);
      expect(p).toBeLessThanOrEqual(60999);
    }
    const gaps = ports.slice(1).map((p, i) => (p - (ports[i] ?? 0) + 28232) % 28232);
    for (const g of gaps) expect(g >= 2 && g <= 16).toBe(true);
    expect(new Set(ports).size).toBe(ports.length);
    expect(lab.pa.sockets.tcp.sockets().map((s) => s.state)).toEqual(Array(12).fill('TIME_WAIT'));
  });

  it('puts the same bytes on the wire for the same seed, and other ISNs for another seed', () => {
    const bytes = (seed: number) =>
      onClientWire({ seed }).map((s) => Buffer.from(emitIpv4(s.ip)).toString('hex'));
    expect(bytes(3)).toEqual(bytes(3));
    expect(onClientWire({ seed: 3 })[0]?.tcp.seq).not.toBe(onClientWire({ seed: 4 })[0]?.tcp.seq);
  });
});

describe('TCP ACK timing (LAB)', () => {
  /** pa connects to a server that never closes; `data` is written before pa's close(). */
  function finAck(data: string): { readonly at: number; readonly flags: string } {
    const lab = tcpLab();
    const seen = recordTcp(lab, 'pb/eth0', 'tx');
    lab.pb.sockets.listen(8080, () => {});
    const r = lab.pa.sockets.connect(lab.b, 8080);
    if (!r.ok) throw new Error(r.errno);
    r.socket.handlers = {
      connected: () => {
        if (data !== '') r.socket.send(text.encode(data));
        r.socket.close();
      },
    };
    lab.sim.run({ until: SECOND });
    expect(lab.pb.sockets.tcp.sockets().map((s) => s.state)).toEqual(['CLOSE_WAIT']);
    expect(lab.pa.sockets.tcp.sockets().map((s) => s.state)).toEqual(['FIN_WAIT2']);
    const last = seen.at(-1);
    return { at: last?.time ?? -1, flags: last === undefined ? '' : flagNames(last.tcp.flags) };
  }

  it('acknowledges a FIN after the 40 ms delayed-ACK timer when data came before and the server does not close', () => {
    expect(finAck('hi\n')).toEqual({ at: 40_000_000, flags: 'ACK' });
  });

  it('acknowledges a bare FIN on the next jiffy when no data ever arrived (ATO still 0)', () => {
    expect(finAck('')).toEqual({ at: 1_000_000, flags: 'ACK' });
  });
});
