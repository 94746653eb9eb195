/**
 * Kernel comparison of TCP (tcp-lab.ts): curl against a responder across a veth pair with MTU 1450,
 * curl to a closed port, SYN retransmissions with tcp_syn_retries 2, and a connected UDP socket hitting a
 * closed port. Part 1 pins the kernel facts; part 2 compares the simulator's segments field by field
 * (flags, windows, options, relative sequence numbers, IP ID 0 or not, DF, TTL, frame lengths).
 *
 * Needs root, `ip netns`, python3, curl, tshark and ss; otherwise the suite is skipped with the reason
 * printed. PODWIRE_NO_KERNEL=1 forces the skip. Every namespace and process it starts is removed.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECOND } from '../../src/sim/index.js';
import { ip4 } from '../../src/wire/index.js';
import { recordTcp, tcpLab } from '../net/tcp-lab.js';
import { kernelAvailable, Lab } from './netns.js';
import {
  buildTcpLab,
  idSteps,
  type KernelTcp,
  normalise,
  observeTcpKernel,
  simulateTcpLab,
} from './tcp-lab.js';

function tcpLabAvailable(): { readonly ok: true } | { readonly ok: false; readonly reason: string } {
  const kernel = kernelAvailable();
  if (!kernel.ok) return kernel;
  const missing = ['python3', 'curl', 'tshark', 'ss'].filter(
    (bin) => spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0,
  );
  return missing.length === 0
    ? { ok: true }
    : { ok: false, reason: `missing binaries: ${missing.join(', ')}` };
}

const avail = tcpLabAvailable();
if (!avail.ok) console.warn(`TCP kernel comparison skipped: ${avail.reason}`);

describe.runIf(!avail.ok)('kernel: TCP', () => {
  it.skip(`TCP kernel comparison skipped: ${avail.ok ? '' : avail.reason}`, () => {});
});

describe.skipIf(!avail.ok)('kernel: TCP', () => {
  let lab: Lab | undefined;
  let kernel: KernelTcp;

  beforeAll(async () => {
    lab = new Lab();
    try {
      buildTcpLab(lab);
      kernel = await observeTcpKernel(lab);
    } finally {
      lab.cleanup();
    }
  }, 60_000);

  afterAll(() => {
    lab?.cleanup();
  });

  describe('kernel facts', () => {
    it('curl ↔ responder: the 10-segment exchange with Linux’s SYN and SYN-ACK', () => {
      const k = normalise(kernel.exchange);
      expect(k.map((r) => `${r.dir} ${r.flags}`)).toEqual([
        'c>s SYN',
        's>c SYN, ACK',
        'c>s ACK',
        'c>s PSH, ACK',
        's>c ACK',
        's>c PSH, ACK',
        'c>s ACK',
        'c>s FIN, ACK',
        's>c FIN, ACK',
        'c>s ACK',
      ]);
      expect(k[0]).toMatchObject({
        window: 64860,
        options: '2,4,8,1,3',
        mss: 1410,
        wscale: 10,
        tsecrZero: true,
      });
      expect(k[1]).toMatchObject({
        window: 64308,
        options: '2,4,8,1,3',
        mss: 1410,
        wscale: 10,
        ipIdZero: true,
      });
      // 64860 and 64308 rounded up to whole 1024-byte units: 64 from the client, 63 from the server.
      expect(k.slice(2).map((r) => r.window)).toEqual([64, 64, 63, 63, 64, 64, 63, 64]);
    });

    it('closed port: RST, ACK with seq 0, ack ISN + 1, window 0, IP ID 0', () => {
      const k = normalise(kernel.refused);
      expect(k.map((r) => `${r.dir} ${r.flags}`)).toEqual(['c>s SYN', 's>c RST, ACK']);
      expect(k[1]).toMatchObject({
        seq: 0,
        ack: 1,
        window: 0,
        options: '',
        ipIdZero: true,
        df: true,
        frameLen: 54,
      });
    });

    it('tcp_syn_retries 2: SYNs 1 s apart (tcp_syn_linear_timeouts 4), ETIMEDOUT after 7 s', () => {
      expect(kernel.synTimes).toEqual([0, 1, 2, 3, 4, 5]);
      expect(kernel.synOutcome.errno).toBe('ETIMEDOUT');
      expect(Math.abs(kernel.synOutcome.seconds - 7)).toBeLessThan(0.5);
    });

    it('a connected UDP socket gets ECONNREFUSED after a port unreachable', () => {
      expect(kernel.udpRefused).toBe('ECONNREFUSED');
    });
  });

  describe('simulator matches', () => {
    it('the curl exchange, segment by segment', () => {
      const sim = simulateTcpLab();
      expect(normalise(sim.exchange)).toEqual(normalise(kernel.exchange));
      for (const dir of ['c>s', 's>c'] as const) {
        expect(idSteps(sim.exchange, dir)).toEqual(idSteps(kernel.exchange, dir));
      }
    });

    it('the reset from a closed port', () => {
      expect(normalise(simulateTcpLab().refused)).toEqual(normalise(kernel.refused));
    });

    it('the SYN retransmission times and the ETIMEDOUT', () => {
      const lab = tcpLab({ mtu: 1450 });
      const dst = ip4('10.244.0.9');
      lab.pa.neigh.setPermanent(lab.pa.deviceByName('eth0')?.ifindex ?? 0, dst, 0x020000000099);
      const seen = recordTcp(lab, 'pa/eth0', 'tx');
      const r = lab.pa.sockets.connect(dst, 80, { synRetries: 2 });
      if (!r.ok) throw new Error(r.errno);
      let failedAt = -1;
      r.socket.handlers = { closed: (e) => (failedAt = e === 'ETIMEDOUT' ? lab.sim.now : -2) };
      lab.sim.run({ until: 20 * SECOND });
      expect(seen.map((s) => s.time / SECOND)).toEqual(kernel.synTimes);
      expect(Math.abs(failedAt / SECOND - kernel.synOutcome.seconds)).toBeLessThan(0.5);
    });
  });
});
