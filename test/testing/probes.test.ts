import { describe, expect, it } from 'vitest';
import {
  clusterYaml,
  frameLine,
  hostIp,
  hostNs,
  loadGenerated,
  pingOnce,
  recordFrames,
  rxPacketsTotal,
  tracerouteHops,
  tracerouteOnce,
} from '../../src/testing/index.js';
import { buildCluster, type Cluster, parseIp4 } from '../../src/topology/index.js';

const TWO_RACKS = loadGenerated(
  clusterYaml({
    seed: 1,
    segments: [
      { name: 'rack1', cidr: '192.168.56.0/24', mtu: 1500, latency: '50us', bandwidth: '10Gbps' },
      { name: 'rack2', cidr: '192.168.57.0/24', mtu: 1500, latency: '50us', bandwidth: '10Gbps' },
    ],
    nodes: [
      { name: 'node1', subnet: 'rack1' },
      { name: 'node2', subnet: 'rack1' },
      { name: 'node3', subnet: 'rack2' },
    ],
  }),
);

const lab = (): Cluster => buildCluster(TWO_RACKS);

describe('pingOnce()', () => {
  it('returns the reply of one echo across the router, and stops the run right after it', () => {
    const c = lab();
    const r = pingOnce(c, 'node1', hostIp(TWO_RACKS, 'node3'));
    expect(r).toMatchObject({ transmitted: 1, received: 1, errors: 0, failed: false, ttls: [63] });
    expect(c.sim.now).toBe(r.lines.at(-1)?.atNs);
  });

  it('passes ping options through: TTL 1 dies at the router with time exceeded', () => {
    const r = pingOnce(lab(), 'node1', hostIp(TWO_RACKS, 'node3'), { ttl: 1 });
    expect(r.received).toBe(0);
    expect(r.lines[1]?.text).toBe('From 192.168.56.1 icmp_seq=1 Time to live exceeded');
  });

  it('returns at once when ping cannot start (no route), without running the simulator', () => {
    const c = buildCluster(
      loadGenerated(
        clusterYaml({
          seed: 1,
          segments: [
            { name: 'rack1', cidr: '192.168.1.0/24', mtu: 1500, latency: '50us', bandwidth: '10Gbps' },
          ],
          nodes: [{ name: 'node1', subnet: 'rack1' }],
        }),
      ),
    );
    // The build settles the control plane at t=0; pingOnce itself must run nothing.
    const before = c.sim.eventsExecuted;
    const r = pingOnce(c, 'node1', parseIp4('10.1.2.3') ?? 0);
    expect(r.failed).toBe(true);
    expect(r.lines.map((l) => l.text)).toEqual(['ping: connect: Network is unreachable']);
    expect(c.sim.eventsExecuted).toBe(before);
  });

  it('throws when the event guard runs out before ping is done', () => {
    expect(() => pingOnce(lab(), 'node1', hostIp(TWO_RACKS, 'node3'), { maxEvents: 3 })).toThrow(
      "podwire/testing: ping from node1 did not finish: the run ended 'event-limit' after 3 events",
    );
  });

  it('refuses an unknown host with a RangeError', () => {
    expect(() => pingOnce(lab(), 'node9', 1)).toThrow(RangeError);
    expect(() => hostNs(lab(), 'node9')).toThrow(RangeError);
  });
});

describe('tracerouteOnce()', () => {
  it('lists the router address on the sender segment, then the destination', () => {
    const r = tracerouteOnce(lab(), 'node3', hostIp(TWO_RACKS, 'node2'), { queries: 1 });
    expect(r.reached).toBe(true);
    expect(tracerouteHops(r)).toEqual([parseIp4('192.168.57.1'), parseIp4('192.168.56.12')]);
  });
});

describe('recordFrames() and rxPacketsTotal()', () => {
  it('records each hop of a cold ping on one segment: ARP request, reply, echo request, echo reply', () => {
    const c = lab();
    const log = recordFrames(c);
    pingOnce(c, 'node1', hostIp(TWO_RACKS, 'node2'));
    log.stop();
    const sent = log.frames.filter((f) => f.kind === 'tx' && f.point.startsWith('node'));
    expect(sent.map((f) => [f.point, f.bytes.length])).toEqual([
      ['node1/eth0', 42],
      ['node2/eth0', 42],
      ['node1/eth0', 98],
      ['node2/eth0', 98],
    ]);
    expect(frameLine(sent[0]!)).toMatch(/^0 tx node1\/eth0 ffffffffffff[0-9a-f]{12}0806/);
    // The broadcast reached node2 and the router; the rest were unicast.
    expect(rxPacketsTotal(c)).toBe(5);
  });
});
