/**
 * The TCP lab: two namespaces `c` (10.244.0.2) and `s` (10.244.0.3) on a veth pair with MTU 1450 (a
 * flannel pod's MTU), a Python responder in `s` that answers like podwire's (the line as an HTTP/1.1
 * body, then waits for the client's FIN), and curl in `c`. The kernel side captures `c`'s eth0 with
 * tshark; the simulator side builds the same two namespaces. Both reduce the segments to `WireRecord`s.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { httpGet, type RequestResult, startResponder } from '../../src/apps/index.js';
import { SECOND } from '../../src/sim/index.js';
import { IPPROTO_TCP, ip4 } from '../../src/wire/index.js';
import { flagNames, recordTcp, tcpLab } from '../net/tcp-lab.js';
import { type Lab, startCapture } from './netns.js';

export const MTU = 1450;
export const CLIENT = '10.244.0.2';
export const SERVER = '10.244.0.3';

/** One TCP segment as both sides are compared: fields Linux chooses, with sequence numbers made relative. */
export interface WireRecord {
  readonly dir: 'c>s' | 's>c';
  readonly flags: string;
  readonly window: number;
  /** Option kinds in order, as tshark's tcp.option_kind lists them (`2,4,8,1,3`). */
  readonly options: string;
  readonly mss: number | undefined;
  readonly wscale: number | undefined;
  /** TSecr is 0 (a SYN), or undefined without timestamps. */
  readonly tsecrZero: boolean | undefined;
  readonly ipIdZero: boolean;
  readonly df: boolean;
  readonly ttl: number;
  readonly frameLen: number;
  readonly seq: number;
  readonly ack: number;
  readonly len: number;
}

/** A segment before normalisation: raw sequence numbers and IP ID. */
export interface RawSegment extends Omit<WireRecord, 'seq' | 'ack' | 'ipIdZero'> {
  readonly seqRaw: number;
  readonly ackRaw: number;
  readonly ipId: number;
}

/** Makes sequence numbers relative to each direction's SYN (raw when a direction sent none). */
export function normalise(raw: readonly RawSegment[]): WireRecord[] {
  const isn = new Map<string, number>();
  for (const r of raw) if (r.flags.includes('SYN') && !isn.has(r.dir)) isn.set(r.dir, r.seqRaw);
  return raw.map(({ seqRaw, ackRaw, ipId, ...r }) => {
    const other = r.dir === 'c>s' ? 's>c' : 'c>s';
    return {
      ...r,
      ipIdZero: ipId === 0,
      seq: (seqRaw - (isn.get(r.dir) ?? 0)) >>> 0,
      ack: r.flags.includes('ACK') ? (ackRaw - (isn.get(other) ?? 0)) >>> 0 : 0,
    };
  });
}

/** IP IDs of one direction's non-zero-ID segments, as offsets from the first (consecutive: 0, 1, 2 …). */
export function idSteps(raw: readonly RawSegment[], dir: 'c>s' | 's>c'): number[] {
  const ids = raw.filter((r) => r.dir === dir && r.ipId !== 0).map((r) => r.ipId);
  return ids.map((id) => (id - (ids[0] ?? 0)) & 0xffff);
}

const RESPONDER_PY = `
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('0.0.0.0', 8080)); s.listen(16)
while True:
    c, peer = s.accept()
    c.recv(65536)
    l = c.getsockname()
    body = ('pod=pb local=%s:%d peer=%s:%d\\n' % (l[0], l[1], peer[0], peer[1])).encode()
    c.sendall(b'HTTP/1.1 200 OK\\r\\nContent-Type: text/plain\\r\\nContent-Length: %d\\r\\n\\r\\n' % len(body) + body)
    while c.recv(65536): pass
    c.close()
`;

const FIELDS = [
  'ip.src',
  'tcp.flags',
  'tcp.window_size_value',
  'tcp.option_kind',
  'tcp.options.mss_val',
  'tcp.options.wscale.shift',
  'tcp.options.timestamp.tsecr',
  'ip.id',
  'ip.flags.df',
  'ip.ttl',
  'frame.len',
  'tcp.seq_raw',
  'tcp.ack_raw',
  'tcp.len',
  'frame.time_relative',
];

/** Reads tshark's `-T fields` lines (FIELDS order) into raw segments with their capture time (s). */
export function parseFields(text: string): Array<RawSegment & { readonly time: number }> {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((line) => {
      const f = line.split(';');
      const num = (i: number) => (f[i] === undefined || f[i] === '' ? undefined : Number(f[i]));
      const tsecr = num(6);
      return {
        dir: f[0] === CLIENT ? 'c>s' : 's>c',
        flags: flagNames(Number(f[1])),
        window: num(2) ?? -1,
        options: f[3] ?? '',
        mss: num(4),
        wscale: num(5),
        tsecrZero: tsecr === undefined ? undefined : tsecr === 0,
        ipId: Number(f[7]),
        df: f[8] === '1' || f[8] === 'True',
        ttl: num(9) ?? -1,
        frameLen: num(10) ?? -1,
        seqRaw: num(11) ?? 0,
        ackRaw: num(12) ?? 0,
        len: num(13) ?? 0,
        time: num(14) ?? 0,
      } as const;
    });
}

/** Builds the lab: namespaces, veth with MTU 1450, addresses; `c` gets tcp_syn_retries 2. */
export function buildTcpLab(lab: Lab): void {
  lab.addNs('c');
  lab.addNs('s');
  lab.veth('c', 'eth0', 's', 'eth0', { mtu: MTU });
  lab.addr('c', 'eth0', `${CLIENT}/24`);
  lab.addr('s', 'eth0', `${SERVER}/24`);
}

/** What the kernel did in the lab. */
export interface KernelTcp {
  /** curl to the responder, and curl to port 9999 where nothing listens. */
  readonly exchange: RawSegment[];
  readonly refused: RawSegment[];
  /** Times (s) of the SYNs to a black-holed address with tcp_syn_retries 2, and connect()'s errno and time. */
  readonly synTimes: number[];
  readonly synOutcome: { readonly errno: string; readonly seconds: number };
  /** errno of a connected UDP socket's recv() after sending to a closed port. */
  readonly udpRefused: string;
}

async function capture(
  lab: Lab,
  dir: string,
  name: string,
  seconds: number,
  act: () => void,
): Promise<string> {
  const file = join(dir, `${name}.pcapng`);
  const cap = await startCapture(
    lab,
    'c',
    ['tshark', '-i', 'eth0', '-f', 'tcp', '-w', file, '-a', `duration:${seconds}`],
    seconds,
    300,
  );
  act();
  await cap.done();
  const fields = FIELDS.flatMap((f) => ['-e', f]);
  const out = lab.run('c', [
    'tshark',
    '-r',
    file,
    '-T',
    'fields',
    '-E',
    'separator=;',
    '-E',
    'aggregator=,',
    ...fields,
  ]);
  return out.stdout;
}

const PY_CONNECT = (dst: string, port: number) => `
import socket, time, errno
t = time.time(); s = socket.socket()
try:
    s.connect(('${dst}', ${port})); print('connected', 0)
except OSError as e:
    print(errno.errorcode[e.errno], round(time.time() - t, 2))
`;

const PY_UDP = `
import socket, errno
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.connect(('${SERVER}', 5555)); u.settimeout(2)
u.send(b'hello')
try:
    u.recv(100); print('reply')
except socket.timeout:
    print('EAGAIN')
except OSError as e:
    print(errno.errorcode[e.errno])
`;

/** Runs everything in a built lab. */
export async function observeTcpKernel(lab: Lab): Promise<KernelTcp> {
  const dir = mkdtempSync(join(tmpdir(), 'podwire-tcp-'));
  try {
    const script = join(dir, 'responder.py');
    writeFileSync(script, RESPONDER_PY);
    lab.background('s', ['python3', script]);
    for (let i = 0; i < 50 && !lab.run('s', ['ss', '-ltn']).stdout.includes(':8080'); i++) await sleep(50);
    const curl = (port: number) =>
      lab.run('c', ['curl', '-sS', '-A', 'curl/8.5.0', '--max-time', '5', `http://${SERVER}:${port}/`]);
    const untimed = (segs: ReturnType<typeof parseFields>): RawSegment[] =>
      segs.map(({ time: _, ...r }) => r);
    const exchange = untimed(parseFields(await capture(lab, dir, 'exchange', 3, () => curl(8080))));
    const refused = untimed(parseFields(await capture(lab, dir, 'refused', 2, () => curl(9999))));
    lab.sysctl('c', 'net.ipv4.tcp_syn_retries', '2');
    lab.ip('c', ['neigh', 'add', '10.244.0.9', 'lladdr', '02:00:00:00:00:99', 'dev', 'eth0']);
    let connectOut = '';
    const syns = parseFields(
      await capture(lab, dir, 'syn', 10, () => {
        connectOut = lab.run('c', ['python3', '-c', PY_CONNECT('10.244.0.9', 80)]).stdout.trim();
      }),
    );
    const [errno = '', seconds = '0'] = connectOut.split(' ');
    const first = syns[0]?.time ?? 0;
    const udpRefused = lab.run('c', ['python3', '-c', PY_UDP]).stdout.trim();
    return {
      exchange,
      refused,
      // Whole seconds: each kernel retransmission comes ~24 ms late (RTO rounded up to jiffies, timer slack).
      synTimes: syns.map((s) => Math.round(s.time - first)),
      synOutcome: { errno, seconds: Number(seconds) },
      udpRefused,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The simulator's side of the same lab. */
export function simulateTcpLab(): { readonly exchange: RawSegment[]; readonly refused: RawSegment[] } {
  const run = (port: number): RawSegment[] => {
    const lab = tcpLab({ mtu: MTU });
    startResponder(lab.pb, { pod: 'pb', port: 8080 });
    const seen = recordTcp(lab, 'pa/eth0', 'both');
    let result: RequestResult | undefined;
    httpGet(lab.pa, { dst: lab.b, port }, (r) => {
      result = r;
    });
    lab.sim.run({ until: SECOND });
    if (result === undefined) throw new Error('simulated curl did not finish');
    return seen
      .filter((s) => s.ip.protocol === IPPROTO_TCP)
      .map((s) => {
        const ts = s.tcp.options.find((o) => o.kind === 'timestamps');
        const mss = s.tcp.options.find((o) => o.kind === 'mss');
        const ws = s.tcp.options.find((o) => o.kind === 'wscale');
        const kinds = { mss: 2, wscale: 3, sackPermitted: 4, timestamps: 8, nop: 1, eol: 0 } as const;
        return {
          dir: s.ip.src === ip4(CLIENT) ? 'c>s' : 's>c',
          flags: flagNames(s.tcp.flags),
          window: s.tcp.window,
          options: s.tcp.options.map((o) => (o.kind === 'unknown' ? o.code : kinds[o.kind])).join(','),
          mss: mss?.kind === 'mss' ? mss.mss : undefined,
          wscale: ws?.kind === 'wscale' ? ws.shift : undefined,
          tsecrZero: ts?.kind === 'timestamps' ? ts.tsecr === 0 : undefined,
          ipId: s.ip.id,
          df: (s.ip.flags & 0b010) !== 0,
          ttl: s.ip.ttl,
          frameLen: 14 + s.ip.totalLength,
          seqRaw: s.tcp.seq,
          ackRaw: s.tcp.ack,
          len: s.tcp.payload.length,
        } as const;
      });
  };
  return { exchange: run(8080), refused: run(9999) };
}
