/**
 * The responder that serves container ports and the clients of the http/tcp/udp steps, between two
 * namespaces on a veth pair and between pods on a bridge. Byte-level expectations come from the LAB run
 * of curl against a Python responder (test/kernel/OBSERVED-tcp.md).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  curlMessage,
  curlRequest,
  httpGet,
  httpRun,
  parseResponderLine,
  type RequestResult,
  requestMessage,
  responderLine,
  startResponder,
  tcpRequest,
  udpRequest,
} from '../../src/apps/index.js';
import { SECOND } from '../../src/sim/index.js';
import { formatIp4, IPPROTO_UDP, ip4 } from '../../src/wire/index.js';
import { threePods } from '../net/bridge-lab.js';
import { recordTcp, type TcpLab, tcpLab, untext } from '../net/tcp-lab.js';

/** Runs one client call and the simulation, and returns the result it reported. */
function one(
  lab: { readonly sim: TcpLab['sim'] },
  call: (done: (r: RequestResult) => void) => void,
  untilNs = 10 * SECOND,
): RequestResult {
  let result: RequestResult | undefined;
  call((r) => {
    result = r;
  });
  lab.sim.run({ until: lab.sim.now + untilNs });
  if (result === undefined) throw new Error('the request never finished');
  return result;
}

function serve(lab: TcpLab, protocol: 'TCP' | 'UDP' = 'TCP', port = 8080) {
  const r = startResponder(lab.pb, { pod: 'pb', port, protocol });
  if (typeof r === 'string') throw new Error(r);
  return r;
}

describe('responder line', () => {
  it('reads back what it writes', () => {
    const ep = fc.record({
      ip: fc.integer({ min: 0, max: 0xffffffff }),
      port: fc.integer({ min: 0, max: 65535 }),
    });
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/), ep, ep, (pod, local, peer) => {
        expect(parseResponderLine(`${responderLine({ pod, local, peer })}\n`)).toEqual({ pod, local, peer });
      }),
    );
  });

  it('is the DESIGN.md line', () => {
    expect(
      responderLine({
        pod: 'pb',
        local: { ip: ip4('10.244.0.3'), port: 8080 },
        peer: { ip: ip4('10.244.0.2'), port: 40001 },
      }),
    ).toBe('pod=pb local=10.244.0.3:8080 peer=10.244.0.2:40001');
  });
});

describe('responder over TCP', () => {
  it('answers a request split over writes once, and each of two pipelined line requests', () => {
    const lab = tcpLab();
    serve(lab);
    const r = lab.pa.sockets.connect(lab.b, 8080);
    if (!r.ok) throw new Error(r.errno);
    let got = '';
    const enc = new TextEncoder();
    r.socket.handlers = {
      connected: () => {
        r.socket.send(enc.encode('GET / HTTP/1.1\r\nHo'));
        lab.sim.after(SECOND, () => r.socket.send(enc.encode('st: x\r\n\r\na\nb\n')), undefined);
      },
      data: (d) => {
        got += untext.decode(d);
      },
    };
    lab.sim.run({ until: 3 * SECOND });
    const line = `pod=pb local=10.244.0.3:8080 peer=10.244.0.2:${r.socket.local.port}`;
    expect(got).toBe(
      `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 51\r\n\r\n${line}\n${line}\n${line}\n`,
    );
  });

  it('refuses a second responder on the same port (EADDRINUSE)', () => {
    const lab = tcpLab();
    serve(lab);
    expect(startResponder(lab.pb, { pod: 'pb', port: 8080 })).toBe('EADDRINUSE');
  });
});

describe('httpGet against the responder', () => {
  it('gets 200 with the line naming the pod, its own address and the client as the server saw it', () => {
    const lab = tcpLab();
    serve(lab);
    const r = one(lab, (done) => httpGet(lab.pa, { dst: lab.b, port: 8080 }, done));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.status).toBe(200);
    expect(r.answer.pod).toBe('pb');
    expect(r.answer.local).toEqual({ ip: lab.b, port: 8080 });
    expect(r.answer.peer).toEqual(r.src);
    expect(r.src?.ip).toBe(lab.a);
    expect(r.connectNs).toBe(0);
  });

  it('sends curl’s request and gets the LAB response bytes: Content-Length 51 for a 5-digit client port', () => {
    const lab = tcpLab();
    serve(lab);
    const seen = recordTcp(lab, 'pa/eth0', 'both');
    const r = one(lab, (done) => httpGet(lab.pa, { dst: lab.b, port: 8080 }, done));
    const payloads = seen.filter((s) => s.tcp.payload.length > 0).map((s) => untext.decode(s.tcp.payload));
    expect(payloads[0]).toBe(
      'GET / HTTP/1.1\r\nHost: 10.244.0.3:8080\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n',
    );
    expect(payloads[0]).toBe(curlRequest('10.244.0.3:8080'));
    const port = r.src?.port ?? 0;
    expect(port).toBeGreaterThanOrEqual(10000);
    expect(payloads[1]).toBe(
      `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 51\r\n\r\npod=pb local=10.244.0.3:8080 peer=10.244.0.2:${port}\n`,
    );
    // LAB frame sizes: request 145 bytes from curl/7.88.1 (one character longer than curl/8.5.0), response 182.
    const lab145 = 145 - ('curl/7.88.1'.length - 'curl/8.5.0'.length);
    expect(seen.filter((s) => s.tcp.payload.length > 0).map((s) => 14 + s.ip.totalLength)).toEqual([
      lab145,
      182,
    ]);
    expect(curlMessage(r)).toBe(`pod=pb local=10.244.0.3:8080 peer=10.244.0.2:${port}`);
  });

  it('omits :80 from the Host header as curl does', () => {
    expect(curlRequest('10.96.0.10')).toContain('\r\nHost: 10.96.0.10\r\n');
    const lab = tcpLab();
    serve(lab, 'TCP', 80);
    const seen = recordTcp(lab, 'pa/eth0', 'tx');
    one(lab, (done) => httpGet(lab.pa, { dst: lab.b, port: 80 }, done));
    expect(untext.decode(seen.find((s) => s.tcp.payload.length > 0)?.tcp.payload)).toContain(
      'Host: 10.244.0.3\r\n',
    );
  });

  it('reports ECONNREFUSED with curl’s exit-7 line when nothing listens', () => {
    const lab = tcpLab();
    const r = one(lab, (done) => httpGet(lab.pa, { dst: lab.b, port: 9999 }, done));
    expect(r).toMatchObject({ ok: false, errno: 'ECONNREFUSED', stage: 'connect', clientTimeout: false });
    expect(curlMessage(r)).toBe(
      "curl: (7) Failed to connect to 10.244.0.3 port 9999 after 0 ms: Couldn't connect to server",
    );
  });

  it('gives up at its own time limit with curl’s exit-28 line when SYNs go unanswered', () => {
    const lab = tcpLab();
    const dst = ip4('10.244.0.9');
    lab.pa.neigh.setPermanent(lab.pa.deviceByName('eth0')?.ifindex ?? 0, dst, 0x020000000003);
    const r = one(lab, (done) => httpGet(lab.pa, { dst, port: 80, timeoutNs: 2 * SECOND }, done));
    expect(r).toMatchObject({ ok: false, errno: 'ETIMEDOUT', stage: 'connect', clientTimeout: true });
    expect(curlMessage(r)).toBe('curl: (28) Connection timed out after 2000 milliseconds');
    expect(lab.pa.sockets.tcp.sockets()).toEqual([]);
  });

  it('reports EHOSTUNREACH after ARP fails, as curl does after ~3 s (LAB 3064 ms)', () => {
    const lab = tcpLab();
    const r = one(lab, (done) => httpGet(lab.pa, { dst: ip4('10.244.0.77'), port: 80 }, done));
    expect(r).toMatchObject({ ok: false, errno: 'EHOSTUNREACH', stage: 'connect' });
    expect(curlMessage(r)).toBe(
      "curl: (7) Failed to connect to 10.244.0.77 port 80 after 3000 ms: Couldn't connect to server",
    );
  });
});

describe('tcpRequest and udpRequest against the responder', () => {
  it('tcp: one line out, the responder’s bare line back', () => {
    const lab = tcpLab();
    serve(lab);
    const r = one(lab, (done) => tcpRequest(lab.pa, { dst: lab.b, port: 8080 }, done));
    expect(r).toMatchObject({ ok: true, proto: 'tcp', status: undefined });
    expect(r.ok && r.answer.pod).toBe('pb');
  });

  it('tcp: refused is printed like nc', () => {
    const lab = tcpLab();
    const r = one(lab, (done) => tcpRequest(lab.pa, { dst: lab.b, port: 7 }, done));
    expect(requestMessage(r)).toBe('nc: connect to 10.244.0.3 port 7 (tcp) failed: Connection refused');
  });

  it('udp: the reply is the line, then the datagram echoed', () => {
    const lab = tcpLab();
    serve(lab, 'UDP', 5353);
    const replies: string[] = [];
    lab.trace.on((kind, _t, point, frame) => {
      const p = frame.payload;
      if (kind !== 'rx' || point.name !== 'pa/eth0' || p.kind !== 'ipv4' || p.protocol !== IPPROTO_UDP)
        return;
      if (p.payload.kind === 'udp' && p.payload.payload.kind === 'raw')
        replies.push(untext.decode(p.payload.payload.bytes));
    });
    const r = one(lab, (done) => udpRequest(lab.pa, { dst: lab.b, port: 5353, payload: 'ping?\n' }, done));
    expect(r.ok && r.answer).toEqual({ pod: 'pb', local: { ip: lab.b, port: 5353 }, peer: r.src });
    expect(replies).toEqual([`pod=pb local=10.244.0.3:5353 peer=10.244.0.2:${r.src?.port}\nping?\n`]);
  });

  it('udp: a closed port answers port unreachable, which the connected socket reports as ECONNREFUSED', () => {
    const lab = tcpLab();
    const r = one(lab, (done) => udpRequest(lab.pa, { dst: lab.b, port: 5353 }, done));
    expect(r).toMatchObject({ ok: false, errno: 'ECONNREFUSED', clientTimeout: false });
    expect(r.endNs).toBe(0);
  });

  it('udp: a host unreachable is a soft error for UDP, so the request waits for its timeout (EAGAIN)', () => {
    const lab = tcpLab();
    const r = one(
      lab,
      (done) => udpRequest(lab.pa, { dst: ip4('10.244.0.77'), port: 53 }, done),
      10 * SECOND,
    );
    expect(r).toMatchObject({ ok: false, errno: 'EAGAIN', clientTimeout: true });
    expect(r.endNs - r.startNs).toBe(SECOND);
  });
});

describe('httpRun: the http step', () => {
  it('makes `count` requests at the interval, each on a new connection, and records who answered', () => {
    const lab = tcpLab();
    serve(lab);
    let finished = false;
    const run = httpRun(
      { from: lab.pa, to: lab.b, port: 8080, count: 5, intervalNs: SECOND },
      () => (finished = true),
    );
    lab.sim.run({ until: 10 * SECOND });
    const res = run.result();
    expect(finished && res.done).toBe(true);
    expect(res.requests.map((r) => r.startNs)).toEqual([0, 1, 2, 3, 4].map((s) => s * SECOND));
    expect(res.requests.every((r) => r.ok && r.answer.pod === 'pb')).toBe(true);
    expect(new Set(res.requests.map((r) => r.src?.port)).size).toBe(5);
    expect(res.lines.map((l) => l.text)).toEqual(res.requests.map((r) => curlMessage(r)));
  });

  it('reaches pods through the bridge and names each backend that answered', () => {
    const lab = threePods();
    for (const [i, pod] of ['p2', 'p3'].entries()) {
      const ns = lab.pods[i + 1]?.ns;
      if (ns === undefined) throw new Error('no pod');
      startResponder(ns, { pod, port: 8080 });
    }
    const client = lab.pods[0]?.ns;
    if (client === undefined) throw new Error('no pod');
    const answered: string[] = [];
    for (const dst of ['10.244.1.3', '10.244.1.4']) {
      httpRun({ from: client, to: ip4(dst), port: 8080, count: 2 }, (res) => {
        for (const r of res.requests)
          answered.push(r.ok ? `${r.answer.pod}@${formatIp4(r.answer.local.ip)}` : r.errno);
      });
    }
    lab.sim.run({ until: 5 * SECOND });
    expect(answered.sort()).toEqual(['p2@10.244.1.3', 'p2@10.244.1.3', 'p3@10.244.1.4', 'p3@10.244.1.4']);
  });

  it('records failures too and keeps going', () => {
    const lab = tcpLab();
    const run = httpRun({ from: lab.pa, to: lab.b, port: 8080, count: 3, proto: 'tcp' });
    lab.sim.run({ until: SECOND });
    expect(run.result().requests.map((r) => (r.ok ? 'ok' : r.errno))).toEqual([
      'ECONNREFUSED',
      'ECONNREFUSED',
      'ECONNREFUSED',
    ]);
    expect(run.result().lines.every((l) => l.stderr === true)).toBe(true);
  });
});
