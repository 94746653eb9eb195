/**
 * Kernel-comparison tests for flannel's vxlan backend across two nodes (flannel-lab.ts, flannel-lab.yaml):
 * flannel.1 and flannel's neighbour/FDB/route programming in network namespaces, one pod per node through
 * the real bridge + host-local CNI plugins.
 *
 * Part 1 pins the kernel facts the simulator relies on. Part 2 compares the simulator's observation
 * (flannel-sim.ts) with the kernel's by deep equality of `comparable()` of both.
 *
 * Needs root, `ip netns`, ping, traceroute, tshark and Debian's containernetworking-plugins
 * (/usr/lib/cni); otherwise the suite is skipped with the reason printed. PODWIRE_NO_KERNEL=1 forces
 * the skip.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type DecodedFrame,
  decodeFrame,
  FlannelNormaliser,
  type FlannelObservation,
  isMulticastFrame,
  observeFlannelKernel,
  parseTsharkFields,
  readPcapng,
  type VxlanFrame,
  writePcap,
} from './flannel-lab.js';
import { simulateFlannelLab } from './flannel-sim.js';
import { cniAvailable, Lab } from './netns.js';

const avail = cniAvailable();
if (!avail.ok) console.warn(`flannel kernel comparison skipped: ${avail.reason}`);

describe.runIf(!avail.ok)('kernel: flannel vxlan across two nodes', () => {
  it.skip(`flannel kernel comparison skipped: ${avail.ok ? '' : avail.reason}`, () => {});
});

function vxlanFrames(o: FlannelObservation): VxlanFrame[] {
  return o.capture.frames.filter((f): f is VxlanFrame => f.kind === 'vxlan');
}

/**
 * What must be equal between kernel and simulator. Two things cannot be, and are compared as properties
 * instead (kept in the observation, asserted separately below):
 *
 * - The outer UDP checksum. The lab's "NICs" are veths with checksum offload: the kernel leaves the
 *   CHECKSUM_PARTIAL seed (the folded pseudo-header sum) in the field for the NIC to finish, and a veth
 *   never finishes it, so the capture shows `partial` and tshark says Bad. A real NIC puts the full
 *   checksum on the wire, which is what a simulator writes (wire-formats.md §5). Here `partial` counts as
 *   `correct`, and tshark's verdict (which follows from the kind) is left out.
 * - Whether request and reply had the same UDP source port. The port comes from a flow hash that Linux
 *   makes symmetric and keys with one random value per boot (hashrnd). The lab's two "nodes" share one
 *   kernel, hence one key, so request and reply hash alike; two real nodes have different keys, and so may
 *   the simulated ones. The range, and one port per direction, are compared.
 */
function comparable(o: FlannelObservation): unknown {
  return {
    ...o,
    capture: {
      ...o.capture,
      frames: o.capture.frames.map((f): DecodedFrame => {
        if (f.kind !== 'vxlan') return f;
        const checksum = f.udp.checksum === 'partial' ? 'correct' : f.udp.checksum;
        return { ...f, udp: { ...f.udp, checksum, tsharkChecksumStatus: '<not compared>' } };
      }),
      ports: { ...o.capture.ports, requestEqualsReply: '<not compared>' },
    },
  };
}

describe.skipIf(!avail.ok)('kernel: flannel vxlan across two nodes', () => {
  let lab: Lab | undefined;
  let kernel: FlannelObservation;

  beforeAll(async () => {
    lab = new Lab();
    try {
      kernel = await observeFlannelKernel(lab);
    } finally {
      lab.cleanup();
    }
  }, 90_000);

  afterAll(() => {
    lab?.cleanup();
  });

  describe('kernel facts', () => {
    it('pod1 → pod2 across the tunnel: two replies with TTL 62 (one decrement on each node)', () => {
      expect(kernel.ping.exitCode).toBe(0);
      expect(kernel.ping.stdout).toEqual([
        'PING 10.244.1.2 (10.244.1.2) 56(84) bytes of data.',
        '64 bytes from 10.244.1.2: icmp_seq=1 ttl=62 time=<rtt> ms',
        '64 bytes from 10.244.1.2: icmp_seq=2 ttl=62 time=<rtt> ms',
        '',
        '--- 10.244.1.2 ping statistics ---',
        '2 packets transmitted, 2 received, 0% packet loss, time <ms>ms',
        'rtt min/avg/max/mdev = <rtt>/<rtt>/<rtt>/<rtt> ms',
      ]);
    });

    it('n1/eth0 sees the underlay ARP, then each echo inside VXLAN (decoded as VXLAN on 8472)', () => {
      expect(kernel.capture.summary).toEqual([
        '42 <mac:n1/eth0> → ff:ff:ff:ff:ff:ff ARP Who has 192.168.56.12? Tell 192.168.56.11',
        '42 <mac:n2/eth0> → <mac:n1/eth0> ARP 192.168.56.12 is at <mac:n2/eth0>',
        '148 <mac:n1/eth0> → <mac:n2/eth0> ICMP Echo (ping) request  id=<id>, seq=1/256, ttl=63',
        '148 <mac:n2/eth0> → <mac:n1/eth0> ICMP Echo (ping) reply    id=<id>, seq=1/256, ttl=63 (request in <frame>)',
        '148 <mac:n1/eth0> → <mac:n2/eth0> ICMP Echo (ping) request  id=<id>, seq=2/512, ttl=63',
        '148 <mac:n2/eth0> → <mac:n1/eth0> ICMP Echo (ping) reply    id=<id>, seq=2/512, ttl=63 (request in <frame>)',
      ]);
    });

    it('outer headers: node IPs, TTL 64, DF clear, UDP to 8472 from the ephemeral range, VNI 1', () => {
      const frames = vxlanFrames(kernel);
      expect(frames).toHaveLength(4);
      for (const f of frames) {
        const request = f.inner.icmpType === 8;
        const [self, peer] = request ? ['n1', 'n2'] : ['n2', 'n1'];
        expect(f.length).toBe(148);
        expect(f.outer).toEqual({
          srcMac: `<mac:${self}/eth0>`,
          dstMac: `<mac:${peer}/eth0>`,
          src: request ? '192.168.56.11' : '192.168.56.12',
          dst: request ? '192.168.56.12' : '192.168.56.11',
          tos: 0,
          ttl: 64,
          df: false,
          mf: false,
          totalLength: 134,
          protocol: 17,
          idNonZero: true,
          headerChecksumOk: true,
        });
        expect(f.udp).toEqual({
          srcPortInRange: true,
          dstPort: 8472,
          length: 114,
          checksumNonZero: true,
          // veth offload: the pseudo-header seed, not the checksum (see comparable()).
          checksum: 'partial',
          tsharkChecksumStatus: 'Bad',
        });
        expect(f.vxlan).toEqual({ flags: 0x08, tsharkFlags: '0x0800', reservedZero: true, vni: 1 });
        expect(f.inner).toEqual({
          srcMac: `<mac:${self}/flannel.1>`,
          dstMac: `<mac:${peer}/flannel.1>`,
          src: request ? '10.244.0.2' : '10.244.1.2',
          dst: request ? '10.244.1.2' : '10.244.0.2',
          ttl: 63,
          // ping sets DF; the kernel's echo reply does not.
          df: request,
          protocol: 1,
          icmpType: request ? 8 : 0,
        });
      }
      expect(kernel.capture.ports).toEqual({
        allInRange: true,
        requestsShareOnePort: true,
        repliesShareOnePort: true,
        requestEqualsReply: true,
      });
      expect(kernel.capture.outerIdsDistinct).toBe(true);
    });

    it('traceroute: cni0 gateway, then the remote flannel.1 address, then the pod', () => {
      expect(kernel.traceroute.exitCode).toBe(0);
      expect(kernel.traceroute.header).toBe(
        'traceroute to 10.244.1.2 (10.244.1.2), 30 hops max, 60 byte packets',
      );
      expect(kernel.traceroute.hops).toEqual([
        ' 1  10.244.0.1  <rtt> ms  <rtt> ms  <rtt> ms',
        ' 2  10.244.1.0  <rtt> ms  <rtt> ms  <rtt> ms',
        ' 3  10.244.1.2  <rtt> ms  <rtt> ms  <rtt> ms',
      ]);
    });

    it('traceroute again at once: pod2 rate-limits its port unreachables, the answer comes at TTL 19', () => {
      expect(kernel.tracerouteAgain.exitCode).toBe(0);
      const stars = Array.from({ length: 16 }, (_, i) => `${String(i + 3).padStart(2)}  *`);
      expect(kernel.tracerouteAgain.hops).toEqual([
        ' 1  10.244.0.1  <rtt> ms',
        ' 2  10.244.1.0  <rtt> ms',
        ...stars,
        '19  10.244.1.2  <rtt> ms',
      ]);
    });

    it("n1's tables: one route, one permanent neighbour, one FDB entry for n2", () => {
      expect(kernel.n1.routes.stdout).toEqual([
        '10.244.0.0/24 dev cni0 proto kernel scope link src 10.244.0.1 ',
        '10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink ',
        '192.168.56.0/24 dev eth0 proto kernel scope link src 192.168.56.11 ',
      ]);
      expect(kernel.n1.neighFlannel.stdout).toEqual(['10.244.1.0 lladdr <mac:n2/flannel.1> PERMANENT ']);
      // A vxlan device dumps its own FDB only: no `self permanent` multicast entries, no trailing space.
      expect(kernel.n1.fdbFlannel.stdout).toEqual(['<mac:n2/flannel.1> dst 192.168.56.12 self permanent']);
      expect(kernel.n1.routeGet.stdout).toEqual([
        '10.244.1.2 via 10.244.1.0 dev flannel.1 src 10.244.0.0 uid 0 ',
        '    cache ',
      ]);
      expect(kernel.n1.neighSorted).toEqual([
        '10.244.0.2 dev cni0 lladdr <mac:pod1/eth0> REACHABLE ',
        '10.244.1.0 dev flannel.1 lladdr <mac:n2/flannel.1> PERMANENT ',
        '192.168.56.12 dev eth0 lladdr <mac:n2/eth0> REACHABLE ',
      ]);
      expect(kernel.n1.localRoutes.stdout.slice(0, 3)).toEqual([
        'local 10.244.0.0 dev flannel.1 proto kernel scope host src 10.244.0.0 ',
        'local 10.244.0.1 dev cni0 proto kernel scope host src 10.244.0.1 ',
        'broadcast 10.244.0.255 dev cni0 proto kernel scope link src 10.244.0.1 ',
      ]);
      expect(kernel.n2.routes.stdout).toEqual([
        '10.244.0.0/24 via 10.244.0.0 dev flannel.1 onlink ',
        '10.244.1.0/24 dev cni0 proto kernel scope link src 10.244.1.1 ',
        '192.168.56.0/24 dev eth0 proto kernel scope link src 192.168.56.12 ',
      ]);
      expect(kernel.n2.routeGet.stdout[0]).toBe(
        '10.244.0.2 via 10.244.0.0 dev flannel.1 src 10.244.1.0 uid 0 ',
      );
    });

    it('flannel.1: vxlan id 1, nolearning, dstport 8472, udpcsum, MTU 1450, 10.244.0.0/32', () => {
      expect(kernel.n1.link.stdout).toEqual([
        '<ifindex:n1/flannel.1>: flannel.1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000',
        '    link/ether <mac:n1/flannel.1> brd ff:ff:ff:ff:ff:ff promiscuity 0  allmulti 0 minmtu 68 maxmtu 65535 ',
        '    vxlan id 1 local 192.168.56.11 dev eth0 srcport 0 0 dstport 8472 nolearning ttl auto ageing 300 udpcsum noudp6zerocsumtx noudp6zerocsumrx addrgenmode eui64 numtxqueues <ncpu> numrxqueues <ncpu> gso_max_size 65536 gso_max_segs 65535 tso_max_size 524280 tso_max_segs 65535 gro_max_size 65536 ',
      ]);
      expect(kernel.n1.addr.stdout).toEqual([
        '<ifindex:n1/flannel.1>: flannel.1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UNKNOWN group default qlen 1000',
        '    link/ether <mac:n1/flannel.1> brd ff:ff:ff:ff:ff:ff',
        '    inet 10.244.0.0/32 scope global flannel.1',
        '       valid_lft forever preferred_lft forever',
        '    inet6 <ll6:n1/flannel.1>/64 scope link ',
        '       valid_lft forever preferred_lft forever',
      ]);
    });

    it('DF: 1450 bytes cross, 1451 are refused locally by pod1 (eth0 1450) and by n1 (route via flannel.1)', () => {
      const tooBig = [
        'PING 10.244.1.2 (10.244.1.2) 1423(1451) bytes of data.',
        '',
        '--- 10.244.1.2 ping statistics ---',
        '1 packets transmitted, 0 received, +1 errors, 100% packet loss, time 0ms',
        '',
      ];
      for (const p of [kernel.df.podTooBig, kernel.df.nodeTooBig]) {
        expect(p.exitCode).toBe(1);
        expect(p.stdout).toEqual(tooBig);
        expect(p.stderr).toEqual(['ping: local error: message too long, mtu=1450']);
      }
      expect(kernel.df.podFits.stdout[1]).toBe('1430 bytes from 10.244.1.2: icmp_seq=1 ttl=62 time=<rtt> ms');
      expect(kernel.df.nodeFits.stdout[1]).toBe(
        '1430 bytes from 10.244.1.2: icmp_seq=1 ttl=63 time=<rtt> ms',
      );
    });

    it('pod1 with MTU 1500: n1 answers frag needed (mtu = 1450) from cni0, pod1 then learns the PMTU', () => {
      expect(kernel.fragNeeded.ping.exitCode).toBe(1);
      expect(kernel.fragNeeded.ping.error).toBe(
        'From 10.244.0.1 icmp_seq=1 Frag needed and DF set (mtu = 1450)',
      );
      expect(kernel.fragNeeded.ping.stderr).toEqual([]);
      expect(kernel.fragNeeded.routeGet.stdout).toEqual([
        '10.244.1.2 via 10.244.0.1 dev eth0 src 10.244.0.2 uid 0 ',
        '    cache expires <sec>sec mtu 1450 ',
      ]);
      expect(kernel.fragNeeded.expiresInRange).toBe(true);
      expect(kernel.fragNeeded.again.stderr).toEqual(['ping: local error: message too long, mtu=1450']);
    });
  });

  // ─────────────────────────────────────────────────────────────────────────────────────────────────
  // Comparison with the simulator, by deep equality on the normalised observations.
  describe('simulator vs kernel', () => {
    let simulated: FlannelObservation | undefined;
    const sim = (): FlannelObservation => {
      simulated ??= simulateFlannelLab();
      return simulated;
    };

    it('the simulator reproduces every normalised kernel observation', () => {
      expect(comparable(sim())).toEqual(comparable(kernel));
    });

    it('the simulated outer UDP checksum is the full, correct one (tshark: Good)', () => {
      for (const f of vxlanFrames(sim())) {
        expect(f.udp.checksum).toBe('correct');
        expect(f.udp.tsharkChecksumStatus).toBe('Good');
      }
    });
  });
});

// Pure helpers shared by both sides; no kernel needed.
describe('flannel-lab decoding', () => {
  /** A VXLAN frame captured on n1/eth0 (ICMP echo request pod1 → pod2), as tshark -x printed it. */
  const LAB_FRAME = Buffer.from(
    '8af53dccae31462e601a2ee3080045000086f8b300004011904bc0a8380bc0a8' +
      '380ccf8a21180072f1eb0800000000000100b6653a8823c04ececd92330e0800' +
      '45000054ccc440003f0157f90af400020af4010208008d6867780001036d026b' +
      '000000003c73020000000000101112131415161718191a1b1c1d1e1f20212223' +
      '2425262728292a2b2c2d2e2f3031323334353637',
    'hex',
  );
  const owners = new Map([
    ['46:2e:60:1a:2e:e3', '<mac:n1/eth0>'],
    ['8a:f5:3d:cc:ae:31', '<mac:n2/eth0>'],
    ['4e:ce:cd:92:33:0e', '<mac:n1/flannel.1>'],
    ['b6:65:3a:88:23:c0', '<mac:n2/flannel.1>'],
  ]);
  const mac = (m: string): string => owners.get(m) ?? m;

  it('decodes the outer and inner headers; the lab checksum 0xf1eb is the pseudo-header seed', () => {
    const f = decodeFrame(new Uint8Array(LAB_FRAME), mac);
    expect(f.kind).toBe('vxlan');
    if (f.kind !== 'vxlan') return;
    expect(f.outer).toMatchObject({ src: '192.168.56.11', dst: '192.168.56.12', ttl: 64, df: false });
    expect(f.outer.totalLength).toBe(134);
    expect(f.udp).toMatchObject({ srcPortInRange: true, dstPort: 8472, length: 114, checksum: 'partial' });
    expect(f.vxlan).toMatchObject({ flags: 8, vni: 1, reservedZero: true });
    expect(f.inner).toMatchObject({
      srcMac: '<mac:n1/flannel.1>',
      dstMac: '<mac:n2/flannel.1>',
      ttl: 63,
      df: true,
      icmpType: 8,
    });
  });

  it('classifies a completed checksum as correct and 0 as zero', () => {
    const bytes = new Uint8Array(LAB_FRAME);
    // Complete the checksum: ones'-complement sum over pseudo-header + datagram.
    bytes[40] = 0;
    bytes[41] = 0;
    let sum = 0xc0a8 + 0x380b + 0xc0a8 + 0x380c + 17 + 114;
    for (let i = 34; i < 34 + 114; i += 2) sum += (bytes[i]! << 8) | bytes[i + 1]!;
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    const csum = ~sum & 0xffff || 0xffff;
    bytes[40] = csum >> 8;
    bytes[41] = csum & 0xff;
    const correct = decodeFrame(bytes, mac);
    expect(correct.kind === 'vxlan' && correct.udp.checksum).toBe('correct');
    bytes[40] = 0;
    bytes[41] = 0;
    const zero = decodeFrame(bytes, mac);
    expect(zero.kind === 'vxlan' && zero.udp).toMatchObject({ checksum: 'zero', checksumNonZero: false });
  });

  it('writes pcap that reads back, and spots multicast', () => {
    const frames = [{ timeNs: 1_500_000_000n, bytes: new Uint8Array(LAB_FRAME) }];
    const pcap = writePcap(frames);
    expect(Array.from(pcap.subarray(0, 4))).toEqual([0x4d, 0x3c, 0xb2, 0xa1]);
    expect(pcap.length).toBe(24 + 16 + 148);
    expect(isMulticastFrame(new Uint8Array([0x33, 0x33, 0, 0, 0, 0x16]))).toBe(true);
    expect(isMulticastFrame(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]))).toBe(false);
    expect(isMulticastFrame(new Uint8Array(LAB_FRAME))).toBe(false);
    expect(readPcapng(new Uint8Array(0))).toEqual([]);
  });

  it('parses tshark field lines and normalises MACs, link-locals, ids and frame numbers', () => {
    const [t] = parseTsharkFields(
      '148\t46:2e:60:1a:2e:e3\t8a:f5:3d:cc:ae:31\tICMP\tEcho (ping) reply    id=0x6778, seq=1/256, ttl=63 (request in 3)\t0\t0x0800\n',
    );
    expect(t).toEqual({
      summary:
        '148 46:2e:60:1a:2e:e3 → 8a:f5:3d:cc:ae:31 ICMP Echo (ping) reply    id=0x6778, seq=1/256, ttl=63 (request in 3)',
      udpChecksumStatus: 'Bad',
      vxlanFlags: '0x0800',
    });
    const norm = new FlannelNormaliser(
      [{ ns: 'n1', ifname: 'flannel.1', mac: '4e:ce:cd:92:33:0e' }],
      'pw1x1-',
    );
    expect(norm.line('n1', t!.summary)).toBe(
      '148 46:2e:60:1a:2e:e3 → 8a:f5:3d:cc:ae:31 ICMP Echo (ping) reply    id=<id>, seq=1/256, ttl=63 (request in <frame>)',
    );
    expect(norm.line('n1', '    inet6 fe80::4cce:cdff:fe92:330e/64 scope link ')).toBe(
      '    inet6 <ll6:n1/flannel.1>/64 scope link ',
    );
    expect(norm.line('n1', '2 packets transmitted, 2 received, 0% packet loss, time 1027ms')).toBe(
      '2 packets transmitted, 2 received, 0% packet loss, time <ms>ms',
    );
    expect(norm.line('n1', '1 packets transmitted, 1 received, 0% packet loss, time 0ms')).toBe(
      '1 packets transmitted, 1 received, 0% packet loss, time 0ms',
    );
    expect(norm.line('pod1', '    cache expires 598sec mtu 1450 ')).toBe(
      '    cache expires <sec>sec mtu 1450 ',
    );
  });
});
