/**
 * The http step's client and responder across a built cluster: pods on two nodes of one rack and on a
 * node behind a router, for each flannel backend. Pod-to-pod traffic is not NATed, so the responder sees
 * the client pod's own address; the SYN's MSS follows the pod MTU (1450 under VXLAN, flannel.md).
 */
import { describe, expect, it } from 'vitest';
import { httpGet, type RequestResult, startResponder } from '../../src/apps/index.js';
import { SECOND } from '../../src/sim/index.js';
import { hostNs, loadGenerated, podIp } from '../../src/testing/index.js';
import { buildCluster, type Cluster, type FlannelBackend } from '../../src/topology/index.js';
import { IPPROTO_TCP, TCP_SYN } from '../../src/wire/index.js';

function twoRacks(backend: FlannelBackend): Cluster {
  const pod = (name: string, node: string) =>
    `---\n{apiVersion: v1, kind: Pod, metadata: {name: ${name}}, spec: {nodeName: ${node}, containers: [{name: app, image: busybox}]}}\n`;
  return buildCluster(
    loadGenerated(
      [
        'apiVersion: podwire/v1',
        'kind: Cluster',
        'spec:',
        `  network: {backend: ${backend}}`,
        '  underlay:',
        '    - {name: rack1, cidr: 192.168.56.0/24}',
        '    - {name: rack2, cidr: 192.168.57.0/24}',
        '  nodes:',
        '    - {name: node1, subnet: rack1}',
        '    - {name: node2, subnet: rack1}',
        '    - {name: node3, subnet: rack2}',
        '',
      ].join('\n') +
        pod('pa', 'node1') +
        pod('pc', 'node2') +
        pod('pd', 'node3'),
    ),
  );
}

/** curl from pa to `to`'s responder on 8080; the result and the MSS of pa's SYN. */
function curlPod(c: Cluster, to: string): { readonly r: RequestResult; readonly mss: number | undefined } {
  const server = hostNs(c, `pod/${to}`);
  startResponder(server, { pod: to, port: 8080 });
  let mss: number | undefined;
  const client = hostNs(c, 'pod/pa');
  const point = client.deviceByName('eth0')?.point.name;
  c.trace.on((kind, _t, p, frame) => {
    const ip = frame.payload;
    if (kind !== 'tx' || p.name !== point || ip.kind !== 'ipv4' || ip.protocol !== IPPROTO_TCP) return;
    if (ip.payload.kind !== 'tcp' || ip.payload.flags !== TCP_SYN) return;
    const o = ip.payload.options.find((x) => x.kind === 'mss');
    if (o?.kind === 'mss') mss = o.mss;
  });
  let r: RequestResult | undefined;
  httpGet(client, { dst: podIp(c, to), port: 8080, timeoutNs: 10 * SECOND }, (x) => {
    r = x;
  });
  c.sim.run({ until: c.sim.now + 20 * SECOND });
  if (r === undefined) throw new Error('curl did not finish');
  return { r, mss };
}

describe('http between pods of a built cluster', () => {
  for (const backend of ['vxlan', 'vxlan-directrouting', 'udp'] as const) {
    it(`${backend}: pa reaches pc (same rack) and pd (behind the router); the responders see pa's own address`, () => {
      for (const to of ['pc', 'pd']) {
        const c = twoRacks(backend);
        const { r, mss } = curlPod(c, to);
        expect(r.ok, `${backend} pa → ${to}: ${r.ok ? '' : r.errno}`).toBe(true);
        if (!r.ok) continue;
        expect(r.answer.pod).toBe(to);
        expect(r.answer.local).toEqual({ ip: podIp(c, to), port: 8080 });
        expect(r.answer.peer).toEqual(r.src);
        expect(r.src?.ip).toBe(podIp(c, 'pa'));
        expect(mss).toBe(backend === 'udp' ? 1432 : 1410);
      }
    });
  }

  it('host-gw: pa reaches pc on its rack with the full 1500-byte MTU (MSS 1460)', () => {
    const c = twoRacks('host-gw');
    const { r, mss } = curlPod(c, 'pc');
    expect(r.ok && r.answer.pod).toBe('pc');
    expect(mss).toBe(1460);
  });
});
