import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Ping } from '../../src/apps/index.js';
import { BRIDGE, type Bridge } from '../../src/net/index.js';
import { SECOND } from '../../src/sim/index.js';
import {
  BROADCAST_MAC,
  type EthernetFrame,
  ethernet,
  formatMac,
  IPPROTO_ICMP,
  ip4,
  type Mac,
} from '../../src/wire/index.js';
import { type BridgeLab, mac, threePods } from './bridge-lab.js';

const EXPERIMENTAL = 0x88b5; // IEEE 802 local experimental EtherType: no stack interprets it

/** A 60-byte frame no stack answers. */
function frame(dst: Mac, src: Mac): EthernetFrame {
  return ethernet(dst, src, new Uint8Array(46), EXPERIMENTAL);
}

interface Seen {
  readonly kind: string;
  readonly point: string;
  readonly frame: EthernetFrame;
}

function recordAll(lab: BridgeLab): Seen[] {
  const seen: Seen[] = [];
  lab.trace.on((kind, _time, point, f) => seen.push({ kind, point: point.name, frame: f }));
  return seen;
}

/** Pod `n` (1-based) sends a frame out of its eth0; the simulation runs until idle. */
function sendFrom(lab: BridgeLab, n: number, f: EthernetFrame): void {
  const pod = lab.pods[n - 1];
  if (pod === undefined) throw new Error(`no pod ${n}`);
  pod.eth0.xmit(f, 60);
  lab.sim.run();
}

/** Which pods' eth0 received an experimental frame. */
function reachedPods(seen: readonly Seen[]): string[] {
  return seen
    .filter((s) => s.kind === 'rx' && s.frame.etherType === EXPERIMENTAL && /\/p\d\/eth0$/.test(s.point))
    .map((s) => s.point);
}

/** The learned (non-local) FDB as `mac → port device name`. */
function learned(br: Bridge): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of br.fdbDump()) if (!e.local) out.set(formatMac(e.mac), e.port?.dev.name ?? br.name);
  return out;
}

const POD = [0, mac('02:00:00:00:00:01'), mac('02:00:00:00:00:02'), mac('02:00:00:00:00:03')] as const;

describe('Bridge learning', () => {
  it('learns the source MAC of a received frame on its ingress port', () => {
    const lab = threePods();
    sendFrom(lab, 1, frame(POD[2], POD[1]));
    expect(learned(lab.cni0)).toEqual(new Map([['02:00:00:00:00:01', 'veth1']]));
  });

  it('does not learn a group source MAC', () => {
    const lab = threePods();
    sendFrom(lab, 1, frame(POD[2], mac('01:00:5e:00:00:01')));
    expect(learned(lab.cni0).size).toBe(0);
  });

  it('moves a MAC to the port it was last seen on', () => {
    const lab = threePods();
    sendFrom(lab, 1, frame(POD[2], mac('02:aa:00:00:00:01')));
    sendFrom(lab, 3, frame(POD[2], mac('02:aa:00:00:00:01')));
    expect(learned(lab.cni0)).toEqual(new Map([['02:aa:00:00:00:01', 'veth3']]));
  });

  it('keeps the ports’ and its own MACs as permanent local entries that never move', () => {
    const lab = threePods();
    sendFrom(lab, 2, frame(POD[1], mac('02:00:00:00:01:01'))); // pod 2 spoofs veth1's MAC
    const local = lab.cni0
      .fdbDump()
      .filter((e) => e.local)
      .map((e) => `${formatMac(e.mac)} ${e.port?.dev.name ?? 'cni0'}`);
    expect(local).toEqual([
      '02:00:00:00:01:03 veth3',
      '02:00:00:00:01:02 veth2',
      '02:00:00:00:01:01 veth1',
      '02:00:00:00:00:ff cni0',
    ]);
  });
});

describe('Bridge forwarding', () => {
  it('floods an unknown unicast to every other port, and not up the host stack', () => {
    const lab = threePods();
    const seen = recordAll(lab);
    sendFrom(lab, 1, frame(mac('02:bb:00:00:00:09'), POD[1]));
    // br_flood walks port_list, newest port first.
    expect(reachedPods(seen)).toEqual(['node1/p3/eth0', 'node1/p2/eth0']);
    expect(lab.cni0.stats.rxPackets).toBe(0);
  });

  it('sends a known unicast out of the one port its MAC was learned on', () => {
    const lab = threePods();
    sendFrom(lab, 2, frame(BROADCAST_MAC, POD[2]));
    const seen = recordAll(lab);
    sendFrom(lab, 1, frame(POD[2], POD[1]));
    expect(reachedPods(seen)).toEqual(['node1/p2/eth0']);
  });

  it('floods a broadcast to the other ports and delivers a copy to the host stack', () => {
    const lab = threePods();
    const seen = recordAll(lab);
    sendFrom(lab, 1, frame(BROADCAST_MAC, POD[1]));
    expect(reachedPods(seen)).toEqual(['node1/p3/eth0', 'node1/p2/eth0']);
    expect(lab.cni0.stats.rxPackets).toBe(1);
  });

  it('delivers a frame addressed to the bridge MAC to the host stack only', () => {
    const lab = threePods();
    const seen = recordAll(lab);
    sendFrom(lab, 1, frame(lab.cni0.mac, POD[1]));
    expect(reachedPods(seen)).toEqual([]);
    expect(lab.cni0.stats.rxPackets).toBe(1);
  });

  it('delivers a frame addressed to a port’s own MAC to the host stack', () => {
    const lab = threePods();
    const seen = recordAll(lab);
    sendFrom(lab, 1, frame(mac('02:00:00:00:01:02'), POD[1]));
    expect(reachedPods(seen)).toEqual([]);
    expect(lab.cni0.stats.rxPackets).toBe(1);
  });

  it('never sends a frame back out of its ingress port without hairpin', () => {
    const lab = threePods();
    sendFrom(lab, 1, frame(BROADCAST_MAC, mac('02:cc:00:00:00:01'))); // learned on veth1
    const seen = recordAll(lab);
    sendFrom(lab, 1, frame(mac('02:cc:00:00:00:01'), POD[1]));
    expect(reachedPods(seen)).toEqual([]);
  });

  it('sends a frame back out of its ingress port with hairpin on, unicast and flooded', () => {
    const lab = threePods();
    const port = lab.cni0.portOf(lab.pods[0]?.host ?? lab.cni0);
    if (port === undefined) throw new Error('veth1 is not a port');
    port.hairpin = true;
    sendFrom(lab, 1, frame(BROADCAST_MAC, mac('02:cc:00:00:00:01')));
    const seen = recordAll(lab);
    sendFrom(lab, 1, frame(mac('02:cc:00:00:00:01'), POD[1]));
    expect(reachedPods(seen)).toEqual(['node1/p1/eth0']);
    const flood = recordAll(lab);
    sendFrom(lab, 1, frame(BROADCAST_MAC, POD[1]));
    expect(reachedPods(flood)).toEqual(['node1/p3/eth0', 'node1/p2/eth0', 'node1/p1/eth0']);
  });

  it('sends what the host transmits on the bridge by FDB to one port, or floods it to all', () => {
    const lab = threePods();
    sendFrom(lab, 3, frame(BROADCAST_MAC, POD[3]));
    const seen = recordAll(lab);
    lab.cni0.xmit(frame(POD[3], lab.cni0.mac), 60);
    lab.sim.run();
    expect(reachedPods(seen)).toEqual(['node1/p3/eth0']);
    const flood = recordAll(lab);
    lab.cni0.xmit(frame(POD[1], lab.cni0.mac), 60);
    lab.sim.run();
    expect(reachedPods(flood)).toEqual(['node1/p3/eth0', 'node1/p2/eth0', 'node1/p1/eth0']);
  });

  it('fires rx on cni0 for every frame entering from a port and tx for what the host sends', () => {
    const lab = threePods();
    const seen = recordAll(lab);
    sendFrom(lab, 1, frame(mac('02:bb:00:00:00:09'), POD[1]));
    lab.cni0.xmit(frame(BROADCAST_MAC, lab.cni0.mac), 60);
    lab.sim.run();
    expect(seen.filter((s) => s.point === 'node1/cni0').map((s) => s.kind)).toEqual(['rx', 'tx']);
    // The ports keep their own points: veth1 received, veth2 and veth3 transmitted both frames.
    const veth = seen.filter((s) => /^node1\/veth\d$/.test(s.point)).map((s) => `${s.kind} ${s.point}`);
    expect(veth).toEqual([
      'rx node1/veth1',
      'tx node1/veth3',
      'tx node1/veth2',
      'tx node1/veth3',
      'tx node1/veth2',
      'tx node1/veth1',
    ]);
  });

  it('drops a frame larger than the egress port’s MTU instead of fragmenting it', () => {
    const lab = threePods();
    const p2 = lab.pods[1];
    if (p2 === undefined) throw new Error('no pod 2');
    p2.host.mtu = 1000;
    const seen = recordAll(lab);
    lab.pods[0]?.eth0.xmit(ethernet(BROADCAST_MAC, POD[1], new Uint8Array(1400), EXPERIMENTAL), 1414);
    lab.sim.run();
    expect(reachedPods(seen)).toEqual(['node1/p3/eth0']);
    expect(seen.filter((s) => s.kind === 'drop').map((s) => s.point)).toEqual(['node1/cni0']);
  });

  it('removePort gives the device back to its namespace and forgets its entries', () => {
    const lab = threePods();
    sendFrom(lab, 1, frame(BROADCAST_MAC, POD[1]));
    const host = lab.pods[0]?.host;
    if (host === undefined) throw new Error('no pod 1');
    lab.cni0.removePort(host);
    expect(host.master).toBeUndefined();
    expect(host.handler).toBe(lab.node.ip);
    expect(lab.cni0.fdbDump().some((e) => e.port?.dev === host)).toBe(false);
    expect(lab.cni0.ports.map((p) => p.dev.name)).toEqual(['veth3', 'veth2']);
  });
});

describe('Bridge ageing', () => {
  it('forgets a learned MAC 300 s after it was last seen, not before', () => {
    const lab = threePods();
    sendFrom(lab, 1, frame(BROADCAST_MAC, POD[1]));
    lab.sim.run({ until: 299 * SECOND });
    expect(learned(lab.cni0).has('02:00:00:00:00:01')).toBe(true);
    lab.sim.run({ until: BRIDGE.ageingNs });
    expect(learned(lab.cni0).has('02:00:00:00:00:01')).toBe(false);
  });

  it('keeps a MAC that is seen again, counting 300 s from the last frame', () => {
    const lab = threePods();
    sendFrom(lab, 1, frame(BROADCAST_MAC, POD[1]));
    lab.sim.run({ until: 200 * SECOND });
    sendFrom(lab, 1, frame(BROADCAST_MAC, POD[1]));
    lab.sim.run({ until: 450 * SECOND });
    expect(learned(lab.cni0).has('02:00:00:00:00:01')).toBe(true);
    lab.sim.run({ until: 500 * SECOND });
    expect(learned(lab.cni0).size).toBe(0);
  });

  it('floods again once the entry has aged out', () => {
    const lab = threePods();
    sendFrom(lab, 2, frame(BROADCAST_MAC, POD[2]));
    lab.sim.run({ until: 301 * SECOND });
    const seen = recordAll(lab);
    sendFrom(lab, 1, frame(POD[2], POD[1]));
    expect(reachedPods(seen)).toEqual(['node1/p3/eth0', 'node1/p2/eth0']);
  });
});

describe('Bridge FDB property', () => {
  const arbTraffic = fc.array(
    fc.record({
      port: fc.integer({ min: 1, max: 3 }),
      src: fc.integer({ min: 0, max: 5 }),
      dst: fc.integer({ min: 0, max: 6 }),
      gapS: fc.integer({ min: 0, max: 200 }),
    }),
    { maxLength: 40 },
  );

  it('holds only MACs seen in the last 300 s, each on the port it was last seen on', () => {
    fc.assert(
      fc.property(arbTraffic, (traffic) => {
        const lab = threePods();
        const macs = [0, 1, 2, 3, 4, 5].map((i) => mac(`02:dd:00:00:00:0${i}`));
        const last = new Map<Mac, { port: string; at: number }>();
        let t = 0;
        for (const step of traffic) {
          t += step.gapS * SECOND;
          lab.sim.run({ until: t });
          const src = macs[step.src] ?? 0;
          const dst = step.dst === 6 ? BROADCAST_MAC : (macs[step.dst] ?? 0);
          sendFrom(lab, step.port, frame(dst, src));
          last.set(src, { port: `veth${step.port}`, at: t });
        }
        const expected = new Map<string, string>();
        for (const [m, seen] of last)
          if (seen.at + BRIDGE.ageingNs > t) expected.set(formatMac(m), seen.port);
        expect(learned(lab.cni0)).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });
});

describe('pings across cni0', () => {
  function ping(lab: BridgeLab, from: number, dst: number) {
    const pod = lab.pods[from - 1];
    if (pod === undefined) throw new Error(`no pod ${from}`);
    const app = new Ping(pod.ns, { dst, count: 2, intervalNs: SECOND, size: 56, ttl: 64, pmtudisc: 'want' });
    app.start();
    lab.sim.run();
    return app.result();
  }

  it('reaches another pod on the bridge with TTL 64 both ways: bridging does not decrement TTL', () => {
    const lab = threePods();
    const seen = recordAll(lab);
    const r = ping(lab, 1, ip4('10.244.1.3'));
    expect(r.received).toBe(2);
    expect(r.ttls).toEqual([64, 64]);
    const requests = seen.filter(
      (s) =>
        s.kind === 'rx' &&
        s.point === 'node1/p2/eth0' &&
        s.frame.payload.kind === 'ipv4' &&
        s.frame.payload.protocol === IPPROTO_ICMP,
    );
    expect(requests.map((s) => (s.frame.payload.kind === 'ipv4' ? s.frame.payload.ttl : 0))).toEqual([
      64, 64,
    ]);
    // Pod-to-pod frames go straight from pod MAC to pod MAC; the node's stack never sees them.
    expect(requests.every((s) => s.frame.src === POD[1] && s.frame.dst === POD[2])).toBe(true);
    expect(learned(lab.cni0)).toEqual(
      new Map([
        ['02:00:00:00:00:01', 'veth1'],
        ['02:00:00:00:00:02', 'veth2'],
      ]),
    );
  });

  it('reaches the gateway address on cni0, answered by the node with TTL 64', () => {
    const lab = threePods();
    const r = ping(lab, 2, ip4('10.244.1.1'));
    expect(r.received).toBe(2);
    expect(r.ttls).toEqual([64, 64]);
    expect(lab.node.neigh.get(lab.cni0.ifindex, ip4('10.244.1.3'))?.mac).toBe(POD[2]);
  });
});
