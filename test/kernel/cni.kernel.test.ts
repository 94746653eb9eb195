/**
 * Kernel-comparison tests for one flannel node with two pods on cni0 (cni-lab.ts): the real bridge and
 * host-local CNI plugins, run with the delegate config flannel generates, in network namespaces.
 *
 * Part 1 pins the kernel and plugin facts the simulator relies on. Part 2 compares the simulator's
 * observation (cni-sim.ts) with the kernel's by deep equality of `comparable()` of both.
 *
 * Needs root, `ip netns`, ping, tshark and Debian's containernetworking-plugins (/usr/lib/cni); otherwise
 * the suite is skipped with the reason printed. PODWIRE_NO_KERNEL=1 forces the skip.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CniCall,
  type CniObservation,
  type DataDirEntry,
  FLANNEL_NETCONF,
  flannelDelegate,
  goJson,
  linkLocalOf,
  observeCniKernel,
  parseSubnetEnv,
  SUBNET_ENV,
  solicitedNodeMacOf,
} from './cni-lab.js';
import { simulateCniLab } from './cni-sim.js';
import { cniAvailable, Lab } from './netns.js';

const avail = cniAvailable();
if (!avail.ok) console.warn(`CNI kernel comparison skipped: ${avail.reason}`);

describe.runIf(!avail.ok)('kernel: flannel CNI (bridge + host-local) on one node', () => {
  it.skip(`CNI kernel comparison skipped: ${avail.ok ? '' : avail.reason}`, () => {});
});

/** The IPv4 entry of a successful ADD result. */
function ipOf(call: CniCall): { address: string; gateway: string } {
  const json = call.json as { ips?: { address: string; gateway: string }[] } | null;
  const ip = json?.ips?.[0];
  if (ip === undefined) throw new Error(`no ips in ${call.command}`);
  return ip;
}

describe.skipIf(!avail.ok)('kernel: flannel CNI (bridge + host-local) on one node', () => {
  let lab: Lab | undefined;
  let kernel: CniObservation;

  beforeAll(async () => {
    lab = new Lab();
    try {
      kernel = await observeCniKernel(lab);
    } finally {
      lab.cleanup();
    }
  }, 90_000);

  afterAll(() => {
    lab?.cleanup();
  });

  describe('kernel facts', () => {
    it('flannel hands the bridge plugin the delegate config with Go-sorted keys', () => {
      expect(kernel.delegate).toBe(
        '{"cniVersion":"0.3.1","hairpinMode":true,"ipMasq":false,' +
          '"ipam":{"dataDir":"<tmp>/ipam","ranges":[[{"subnet":"10.244.1.0/24"}]],' +
          '"routes":[{"dst":"10.244.0.0/16"}],"type":"host-local"},' +
          '"isDefaultGateway":true,"isGateway":true,"mtu":1450,"name":"cbr0","type":"bridge"}',
      );
      expect(kernel.state.flannelScratchAfterAdds).toEqual([
        { name: 'cid-pa', mode: '0600', content: kernel.delegate },
        { name: 'cid-pb', mode: '0600', content: kernel.delegate },
      ]);
    });

    it('ADD result (cniVersion 0.3.1): cni0, host veth, pod eth0; .2 then .3; default route appended', () => {
      expect(kernel.add.pa.exitCode).toBe(0);
      expect(kernel.add.pa.json).toEqual({
        cniVersion: '0.3.1',
        interfaces: [
          { name: 'cni0', mac: '<mac:node1/cni0>' },
          { name: '<veth:pa>', mac: '<mac:node1/<veth:pa>>' },
          { name: 'eth0', mac: '<mac:pa/eth0>', sandbox: '/run/netns/pa' },
        ],
        ips: [{ version: '4', interface: 2, address: '10.244.1.2/24', gateway: '10.244.1.1' }],
        routes: [{ dst: '10.244.0.0/16' }, { dst: '0.0.0.0/0', gw: '10.244.1.1' }],
        dns: {},
      });
      // Pretty-printed with a 4-space indent, no final newline.
      expect(kernel.add.pa.stdout.slice(0, 3)).toEqual([
        '{',
        '    "cniVersion": "0.3.1",',
        '    "interfaces": [',
      ]);
      expect(ipOf(kernel.add.pb)).toEqual({
        version: '4',
        interface: 2,
        address: '10.244.1.3/24',
        gateway: '10.244.1.1',
      });
    });

    it('cni0 keeps its own MAC (neither veth MAC) and has 10.244.1.1/24', () => {
      const macs = (call: CniCall) =>
        (call.json as { interfaces: { mac: string }[] }).interfaces.map((i) => i.mac);
      const [cni0Pa, vethPa] = macs(kernel.add.pa);
      const [cni0Pb, vethPb] = macs(kernel.add.pb);
      // Placeholders name the first interface seen with a MAC, so equal placeholders would mean equal MACs.
      expect(cni0Pa).toBe('<mac:node1/cni0>');
      expect(cni0Pb).toBe('<mac:node1/cni0>');
      expect(vethPa).toBe('<mac:node1/<veth:pa>>');
      expect(vethPb).toBe('<mac:node1/<veth:pb>>');
      expect(kernel.node1.addr.stdout).toContain('    inet 10.244.1.1/24 brd 10.244.1.255 scope global cni0');
      expect(kernel.node1.cni0Link.stdout[0]).toBe(
        '<ifindex:node1/cni0>: cni0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UP ' +
          'mode DEFAULT group default qlen 1000',
      );
      expect(kernel.node1.cni0Link.stdout[2]).toMatch(
        /^ {4}bridge forward_delay 1500 hello_time 200 max_age 2000 ageing_time 30000 stp_state 0 priority 32768 vlan_filtering 0 bridge_id 8000\.<mac:node1\/cni0> /,
      );
      expect(kernel.node1.ipForward.stdout).toEqual(['net.ipv4.ip_forward = 1']);
    });

    it('host veth: MTU 1450, enslaved to cni0, hairpin on, learning and flooding on', () => {
      for (const [pod, link] of Object.entries(kernel.node1.vethLinks)) {
        const [header, ether, kind, slave] = link.stdout;
        expect(header).toBe(
          `<ifindex:node1/<veth:${pod}>>: <veth:${pod}>@if<ifindex:${pod}/eth0>: <BROADCAST,MULTICAST,UP,LOWER_UP> ` +
            'mtu 1450 qdisc noqueue master cni0 state UP mode DEFAULT group default ',
        );
        expect(ether).toMatch(
          new RegExp(
            `^ {4}link/ether <mac:node1/<veth:${pod}>> brd ff:ff:ff:ff:ff:ff link-netns ${pod} promiscuity 1 `,
          ),
        );
        expect(kind).toBe('    veth ');
        expect(slave).toMatch(/^ {4}bridge_slave state forwarding priority 32 cost 2 hairpin on guard off /);
        expect(slave).toContain(' learning on flood on ');
        expect(slave).toContain(' isolated off ');
      }
      expect(kernel.node1.vethLinks.pa.stdout[3]).toContain(' port_id 0x8001 port_no 0x1 ');
      expect(kernel.node1.vethLinks.pb.stdout[3]).toContain(' port_id 0x8002 port_no 0x2 ');
    });

    it('pod view: eth0 MTU 1450, default and cluster routes via the gateway, the connected /24', () => {
      expect(kernel.pods.pa.routes.stdout).toEqual([
        'default via 10.244.1.1 dev eth0 ',
        '10.244.0.0/16 via 10.244.1.1 dev eth0 ',
        '10.244.1.0/24 dev eth0 proto kernel scope link src 10.244.1.2 ',
      ]);
      expect(kernel.pods.pb.routes.stdout).toEqual([
        'default via 10.244.1.1 dev eth0 ',
        '10.244.0.0/16 via 10.244.1.1 dev eth0 ',
        '10.244.1.0/24 dev eth0 proto kernel scope link src 10.244.1.3 ',
      ]);
      expect(kernel.pods.pa.link.stdout[0]).toBe(
        '<ifindex:pa/eth0>: eth0@if<ifindex:node1/<veth:pa>>: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 ' +
          'qdisc noqueue state UP mode DEFAULT group default ',
      );
      expect(kernel.pods.pa.addr.stdout).toContain(
        '    inet 10.244.1.2/24 brd 10.244.1.255 scope global eth0',
      );
    });

    it('node routes: the connected pod /24 on cni0, the local and broadcast routes of 10.244.1.1', () => {
      expect(kernel.node1.routes.stdout).toEqual([
        '10.244.1.0/24 dev cni0 proto kernel scope link src 10.244.1.1 ',
        '192.168.56.0/24 dev eth0 proto kernel scope link src 192.168.56.11 ',
      ]);
      expect(kernel.node1.localRoutes.stdout).toEqual([
        'local 10.244.1.1 dev cni0 proto kernel scope host src 10.244.1.1 ',
        'broadcast 10.244.1.255 dev cni0 proto kernel scope link src 10.244.1.1 ',
        'local 127.0.0.0/8 dev lo proto kernel scope host src 127.0.0.1 ',
        'local 127.0.0.1 dev lo proto kernel scope host src 127.0.0.1 ',
        'broadcast 127.255.255.255 dev lo proto kernel scope link src 127.0.0.1 ',
        'local 192.168.56.11 dev eth0 proto kernel scope host src 192.168.56.11 ',
        'broadcast 192.168.56.255 dev eth0 proto kernel scope link src 192.168.56.11 ',
      ]);
    });

    it('TTL 64: pod ↔ pod on the same node (bridged, no routing), pod → gateway, pod → node IP, node → pod', () => {
      expect(kernel.pings.paToPb.replyTtl).toBe(64);
      expect(kernel.pings.paToGateway.replyTtl).toBe(64);
      expect(kernel.pings.paToNode.replyTtl).toBe(64);
      expect(kernel.pings.nodeToPa.replyTtl).toBe(64);
      expect(kernel.pings.paToPb.stdout[1]).toBe('64 bytes from 10.244.1.3: icmp_seq=1 ttl=64 time=<rtt> ms');
    });

    it('neighbours after the pings: pa knows cni0 and pb, node1 knows pa', () => {
      expect(kernel.pods.pa.neighSorted.map((l) => l.replace(/ \S+ $/, ''))).toEqual([
        '10.244.1.1 dev eth0 lladdr <mac:node1/cni0>',
        '10.244.1.3 dev eth0 lladdr <mac:pb/eth0>',
      ]);
      expect(kernel.pods.pb.neighSorted.map((l) => l.replace(/ \S+ $/, ''))).toEqual([
        '10.244.1.2 dev eth0 lladdr <mac:pa/eth0>',
      ]);
      expect(kernel.node1.neighSorted.map((l) => l.replace(/ \S+ $/, ''))).toEqual([
        '10.244.1.2 dev cni0 lladdr <mac:pa/eth0>',
      ]);
    });

    it('bridge fdb: learned pod MACs, permanent port and bridge MACs, per-device multicast filters', () => {
      const learnedAndPermanent = kernel.node1.fdbSorted.filter((l) => l.includes(' master cni0'));
      expect(learnedAndPermanent).toEqual([
        '<mac:node1/<veth:pa>> dev <veth:pa> master cni0 permanent',
        '<mac:node1/<veth:pb>> dev <veth:pb> master cni0 permanent',
        '<mac:node1/cni0> dev cni0 master cni0 permanent',
        '<mac:pa/eth0> dev <veth:pa> master cni0 ',
        '<mac:pb/eth0> dev <veth:pb> master cni0 ',
      ]);
      expect(kernel.node1.fdbSorted).toContain('33:33:00:00:00:01 dev cni0 self permanent');
      expect(kernel.node1.fdbSorted).toContain('<mac:mcast-sn:node1/cni0> dev cni0 self permanent');
      // `br cni0` lists the bridge and its ports, not eth0.
      expect(kernel.node1.fdbBridgeSorted).toEqual(
        kernel.node1.fdbSorted.filter((l) => !l.includes(' dev eth0 ')),
      );
    });

    it('capture on cni0 during the first ping pa → pb: broadcast ARP request, unicast reply, echo pair', () => {
      expect(kernel.capture.frames).toEqual([
        {
          length: 42,
          src: '<mac:pa/eth0>',
          dst: 'ff:ff:ff:ff:ff:ff',
          ethertype: '0x0806',
          info: 'Who has 10.244.1.3? Tell 10.244.1.2',
        },
        {
          length: 42,
          src: '<mac:pb/eth0>',
          dst: '<mac:pa/eth0>',
          ethertype: '0x0806',
          info: '10.244.1.3 is at <mac:pb/eth0>',
        },
        {
          length: 98,
          src: '<mac:pa/eth0>',
          dst: '<mac:pb/eth0>',
          ethertype: '0x0800',
          info: 'Echo (ping) request  id=<id>, seq=1/256, ttl=64',
        },
        {
          length: 98,
          src: '<mac:pb/eth0>',
          dst: '<mac:pa/eth0>',
          ethertype: '0x0800',
          info: 'Echo (ping) reply    id=<id>, seq=1/256, ttl=64 (request in <frame>)',
        },
      ]);
      // Whatever multicast fell into the window is IPv6 (MLD, RS, DAD) or cni0's IGMP report.
      for (const line of kernel.capture.multicast)
        expect(line).toMatch(/ > (33:33:|01:00:5e:|<mac:mcast-sn:)/);
    });

    it('host-local state: one file per IP holding "<containerID>\\r\\n<ifname>", last_reserved_ip.0, lock', () => {
      expect(kernel.state.afterAdds).toEqual([
        { name: '10.244.1.2', mode: '0644', content: 'cid-pa\r\neth0' },
        { name: '10.244.1.3', mode: '0644', content: 'cid-pb\r\neth0' },
        { name: 'last_reserved_ip.0', mode: '0644', content: '10.244.1.3' },
        { name: 'lock', mode: '0750', content: '' },
      ]);
      expect(kernel.state.afterDelPa.map((e) => e.name)).toEqual([
        '10.244.1.3',
        'last_reserved_ip.0',
        'lock',
      ]);
      expect(kernel.state.afterDelPa.find((e) => e.name === 'last_reserved_ip.0')?.content).toBe(
        '10.244.1.3',
      );
    });

    it('after DEL pa the next ADD gets .4, not the freed .2', () => {
      expect(ipOf(kernel.addPc).address).toBe('10.244.1.4/24');
      expect(kernel.state.afterAddPc).toEqual([
        { name: '10.244.1.3', mode: '0644', content: 'cid-pb\r\neth0' },
        { name: '10.244.1.4', mode: '0644', content: 'cid-pc\r\neth0' },
        { name: 'last_reserved_ip.0', mode: '0644', content: '10.244.1.4' },
        { name: 'lock', mode: '0750', content: '' },
      ]);
    });

    it('DEL is idempotent: exit 0 and no output, at the flannel and at the bridge level', () => {
      for (const call of [kernel.del.pa, kernel.del.paAgain, kernel.del.paBridgeAgain]) {
        expect(call.exitCode).toBe(0);
        expect(call.stdout).toEqual([]);
        expect(call.stderr).toEqual([]);
      }
    });

    it('exhaustion of a /29: .2–.6, then code 999; the veth pair stays until DEL', () => {
      const { adds, afterFailure, del, afterDel } = kernel.exhaustion;
      expect(adds.slice(0, 5).map((a) => ipOf(a).address)).toEqual([
        '10.244.3.2/29',
        '10.244.3.3/29',
        '10.244.3.4/29',
        '10.244.3.5/29',
        '10.244.3.6/29',
      ]);
      const failed = adds[5]!;
      expect(failed.exitCode).toBe(1);
      expect(failed.json).toEqual({
        code: 999,
        msg: 'failed to allocate for range 0: no IP addresses available in range set: 10.244.3.1-10.244.3.6',
      });
      expect(failed.stdout).toEqual([
        '{',
        '    "code": 999,',
        '    "msg": "failed to allocate for range 0: no IP addresses available in range set: 10.244.3.1-10.244.3.6"',
        '}',
      ]);
      // Left behind: the host end (attached to cni0, no carrier) and the pod's eth0 (down, no address).
      expect(afterFailure.nodeVeths.stdout.filter((l) => /^<ifindex:/.test(l))).toHaveLength(6);
      expect(afterFailure.nodeVeths.stdout).toContain(
        '<ifindex:nodet/<veth:t6>>: <veth:t6>@if<ifindex:t6/eth0>: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1450 ' +
          'qdisc noqueue master cni0 state DOWN mode DEFAULT group default ',
      );
      expect(afterFailure.podLink.stdout).toEqual([
        '<ifindex:t6/eth0>: eth0@if<ifindex:nodet/<veth:t6>>: <BROADCAST,MULTICAST> mtu 1450 qdisc noop state DOWN group default ',
        '    link/ether <mac:t6/eth0> brd ff:ff:ff:ff:ff:ff link-netns nodet',
      ]);
      expect(afterFailure.state.map((e) => e.name)).toEqual([
        '10.244.3.2',
        '10.244.3.3',
        '10.244.3.4',
        '10.244.3.5',
        '10.244.3.6',
        'last_reserved_ip.0',
        'lock',
      ]);
      expect(del.exitCode).toBe(0);
      expect(afterDel.nodeVeths.stdout.filter((l) => /^<ifindex:/.test(l))).toHaveLength(5);
      expect(afterDel.podLink.exitCode).toBe(1);
      expect(afterDel.podLink.stderr).toEqual(['Device "eth0" does not exist.']);
    });
  });

  // ─────────────────────────────────────────────────────────────────────────────────────────────────
  // Comparison with the simulator, by deep equality on `comparable` of both normalised observations.
  describe('simulator vs kernel', () => {
    it('the simulator reproduces every normalised kernel observation podwire models', () => {
      const simulated = simulateCniLab();
      const a = comparable(simulated);
      const b = comparable(kernel);
      // Field by field first, for readable failures; then the whole.
      for (const key of Object.keys(b)) expect.soft(a[key], key).toEqual(b[key]);
      expect(a).toEqual(b);
    });
  });
});

/** What `comparable` strips from a host-local / flannel state entry: podwire models no file modes. */
const withoutMode = (entries: readonly DataDirEntry[]) =>
  entries.map(({ name, content }) => ({ name, content }));

/**
 * The lab cables node1 to its segment with a veth into a switch namespace, so its eth0 prints as a veth
 * (`eth0@if<ifindex:switch/rack1-node1>`, `qdisc noqueue`, `link-netns switch`); podwire's eth0 is a
 * physical NIC on a segment (`eth0`, `qdisc fq_codel`). Only those words of eth0's two lines are erased.
 */
const eth0AsNic = (lines: readonly string[]) =>
  lines.map((l) =>
    l.startsWith('<ifindex:node1/eth0>: eth0')
      ? l.replace(/^(<ifindex:node1\/eth0>: eth0)(@if<[^>]+>)?:/, '$1:').replace(/ qdisc \S+ /, ' qdisc Q ')
      : l.startsWith('    link/ether <mac:node1/eth0> ')
        ? l.replace(/ link-netns switch$/, '')
        : l,
  );

/** The lab's host-local dataDir, which flannel copies into the delegate; podwire's is the default one. */
const withoutLabDataDir = (text: string) => text.replace('"dataDir":"<tmp>/ipam",', '');

/**
 * The part of a CniObservation podwire reproduces. Left out, each for the reason given:
 */
function comparable(o: CniObservation): Record<string, unknown> {
  return {
    // The lab relocates host-local's state to a temp dir through a top-level `ipam.dataDir`; podwire's
    // FlannelPlugin has no such key and uses /var/lib/cni/networks. Everything else is byte-compared.
    subnetEnv: o.subnetEnv,
    delegate: withoutLabDataDir(o.delegate),
    add: o.add,
    // The multicast frames (MLD reports, IGMP join, router solicitations, DAD) are IPv6/IGMP chatter
    // podwire does not send; which of them fall into the window also depends on timing.
    capture: { command: o.capture.command, frames: o.capture.frames },
    pings: o.pings,
    node1: { ...o.node1, addr: { ...o.node1.addr, stdout: eth0AsNic(o.node1.addr.stdout) } },
    pods: o.pods,
    // File modes (0644, 0750, 0600): podwire's host-local and flannel state model names and bytes only.
    state: {
      afterAdds: withoutMode(o.state.afterAdds),
      flannelScratchAfterAdds: o.state.flannelScratchAfterAdds.map(({ name, content }) => ({
        name,
        content: withoutLabDataDir(content),
      })),
      afterDelPa: withoutMode(o.state.afterDelPa),
      afterAddPc: withoutMode(o.state.afterAddPc),
    },
    del: o.del,
    addPc: o.addPc,
    exhaustion: {
      ...o.exhaustion,
      afterFailure: { ...o.exhaustion.afterFailure, state: withoutMode(o.exhaustion.afterFailure.state) },
    },
  };
}

// Pure helpers shared by both sides; no kernel needed.
describe('cni-lab helpers', () => {
  it('parses subnet.env like flannel (FLANNEL_SUBNET becomes a network)', () => {
    expect(parseSubnetEnv(SUBNET_ENV)).toEqual({
      network: '10.244.0.0/16',
      subnet: '10.244.1.0/24',
      mtu: 1450,
      ipmasq: true,
    });
  });

  it('builds the delegate config and serialises it like Go (sorted keys, HTML escapes)', () => {
    const delegate = flannelDelegate(FLANNEL_NETCONF, parseSubnetEnv(SUBNET_ENV));
    expect(goJson(delegate)).toBe(
      '{"cniVersion":"0.3.1","hairpinMode":true,"ipMasq":false,' +
        '"ipam":{"ranges":[[{"subnet":"10.244.1.0/24"}]],"routes":[{"dst":"10.244.0.0/16"}],"type":"host-local"},' +
        '"isDefaultGateway":true,"isGateway":true,"mtu":1450,"name":"cbr0","type":"bridge"}',
    );
    // Keys present in the conflist's delegate win.
    const custom = flannelDelegate(
      { ...FLANNEL_NETCONF, delegate: { mtu: 1400, ipMasq: true } },
      parseSubnetEnv(SUBNET_ENV),
    );
    expect(custom['mtu']).toBe(1400);
    expect(custom['ipMasq']).toBe(true);
    expect(goJson({ a: '<&>' })).toBe('{"a":"\\u003c\\u0026\\u003e"}');
  });

  it('derives EUI-64 link-local addresses and solicited-node MACs', () => {
    expect(linkLocalOf('fe:37:8e:b4:2e:f5')).toBe('fe80::fc37:8eff:feb4:2ef5');
    expect(linkLocalOf('02:00:00:00:00:01')).toBe('fe80::ff:fe00:1');
    expect(solicitedNodeMacOf('fe:37:8e:b4:2e:f5')).toBe('33:33:ff:b4:2e:f5');
  });
});
