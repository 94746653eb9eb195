import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Ping } from '../../src/apps/index.js';
import { BridgePlugin, FlannelPlugin } from '../../src/cni/index.js';
import { Kubelet } from '../../src/k8s/index.js';
import { NetNs } from '../../src/net/index.js';
import { SECOND, Sim, TraceBus } from '../../src/sim/index.js';
import { type EthernetFrame, ip4 } from '../../src/wire/index.js';

function node(seed: number, subnetLen: number) {
  const sim = new Sim({ seed });
  const ns = new NetNs(sim, { name: 'node1', trace: new TraceBus<EthernetFrame>() });
  const env = {
    network: ip4('10.244.0.0'),
    networkLen: 16,
    subnet: ip4('10.244.1.1'),
    subnetLen,
    mtu: 1450,
    ipmasq: true,
  };
  return {
    sim,
    ns,
    kubelet: new Kubelet(ns, ip4('192.168.56.11'), new FlannelPlugin(new BridgePlugin(ns), env)),
  };
}

const pod = (name: string) => ({
  name,
  namespace: 'default',
  containers: [{ name: 'c' }],
  hostNetwork: false,
});

describe('pods on one node (fast-check)', () => {
  it('random ADD/DEL sequences never give two live pods one address, nor the network, gateway or broadcast', () => {
    const op = fc.oneof(
      fc.record({ add: fc.integer({ min: 0, max: 9 }) }),
      fc.record({ del: fc.integer({ min: 0, max: 9 }) }),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1000 }),
        fc.integer({ min: 27, max: 29 }),
        fc.array(op, { maxLength: 40 }),
        (seed, len, ops) => {
          const { ns, kubelet } = node(seed, len);
          const net = ip4('10.244.1.0');
          const size = 2 ** (32 - len);
          for (const o of ops) {
            const name = `p${'add' in o ? o.add : o.del}`;
            if ('add' in o) {
              if (kubelet.pod('default', name) === undefined) kubelet.runPod(pod(name));
            } else kubelet.deletePod('default', name);
            const ips = kubelet.pods().flatMap((p) => (p.status.podIP === undefined ? [] : [p.status.podIP]));
            expect(new Set(ips).size).toBe(ips.length);
            for (const ip of ips) expect(ip > net + 1 && ip < net + size - 1).toBe(true);
            // Every pod still there has exactly one host-side veth on cni0; deleted ones left none behind.
            const veths = ns.devices().filter((d) => d.name.startsWith('veth'));
            expect(veths).toHaveLength(kubelet.pods().length);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('any two running pods of a node reach each other with TTL 64 (bridged, not routed)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 6 }), fc.integer({ min: 0, max: 1000 }), (count, seed) => {
        const { sim, kubelet } = node(seed, 24);
        const pods = Array.from({ length: count }, (_, i) => kubelet.runPod(pod(`p${i}`)));
        for (const a of pods) {
          for (const b of pods) {
            if (a === b || b.status.podIP === undefined) continue;
            let done = false;
            const ping = new Ping(
              a.netns,
              {
                dst: b.status.podIP,
                count: 1,
                intervalNs: SECOND,
                size: 56,
                ttl: 64,
                pmtudisc: 'want',
                lingerNs: 5 * SECOND,
              },
              () => {
                done = true;
                sim.stop();
              },
            );
            ping.start();
            if (!done) sim.run();
            expect(ping.result().ttls).toEqual([64]);
          }
        }
      }),
      { numRuns: 15 },
    );
  });
});
