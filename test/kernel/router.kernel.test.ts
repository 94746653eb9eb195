/**
 * Kernel-comparison tests for the "two segments + router" fabric (router-lab.ts, router-lab.yaml).
 *
 * Part 1 builds the fabric with network namespaces and pins the kernel facts the simulator relies on.
 * Part 2 compares the simulator's observation with the kernel's, by deep equality on normalised data;
 * it is skipped while `simulateRouterLab()` returns undefined.
 *
 * Needs root, `ip netns`, ping and traceroute; otherwise the suite is skipped with the reason printed.
 * PODWIRE_NO_KERNEL=1 forces the skip.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kernelAvailable, Lab } from './netns.js';
import {
  buildRouterLab,
  type NormaliseContext,
  normaliseLine,
  observeKernel,
  PATHS,
  type PathObservation,
  pingObservation,
  type RouterObservation,
  tracerouteObservation,
  UNROUTED,
} from './router-lab.js';
import { simulateRouterLab } from './router-sim.js';

const avail = kernelAvailable();
if (!avail.ok) console.warn(`kernel comparison skipped: ${avail.reason}`);

describe.runIf(!avail.ok)('kernel: two segments + router', () => {
  it.skip(`kernel comparison skipped: ${avail.ok ? '' : avail.reason}`, () => {});
});

describe.skipIf(!avail.ok)('kernel: two segments + router', () => {
  let lab: Lab | undefined;
  let kernel: RouterObservation;

  beforeAll(async () => {
    lab = new Lab();
    try {
      buildRouterLab(lab);
      kernel = await observeKernel(lab);
    } finally {
      lab.cleanup();
    }
  }, 90_000);

  afterAll(() => {
    lab?.cleanup();
  });

  const path = (from: string, to: string): PathObservation => {
    const found = kernel.paths.find((p) => p.from === from && p.to === to);
    if (found === undefined) throw new Error(`no observation for ${from} → ${to}`);
    return found;
  };

  describe('kernel facts', () => {
    it('observed every path, in PATHS order', () => {
      expect(kernel.paths.map((p) => `${p.from}→${p.to}`)).toEqual(PATHS.map((p) => `${p.from}→${p.to}`));
    });

    it('ip route get: connected segment without a gateway, everything else via the segment .1', () => {
      expect(path('node1', '192.168.56.12').routeGet.stdout).toEqual([
        '192.168.56.12 dev eth0 src 192.168.56.11 uid 0 ',
        '    cache ',
      ]);
      expect(path('node1', '192.168.57.11').routeGet.stdout).toEqual([
        '192.168.57.11 via 192.168.56.1 dev eth0 src 192.168.56.11 uid 0 ',
        '    cache ',
      ]);
      expect(path('node3', '192.168.56.11').routeGet.stdout).toEqual([
        '192.168.56.11 via 192.168.57.1 dev eth0 src 192.168.57.11 uid 0 ',
        '    cache ',
      ]);
      expect(path('node1', '192.168.57.1').routeGet.stdout).toEqual([
        '192.168.57.1 via 192.168.56.1 dev eth0 src 192.168.56.11 uid 0 ',
        '    cache ',
      ]);
      // node1 has a default route, so the lookup succeeds locally; the router is where it fails.
      expect(path('node1', UNROUTED).routeGet.stdout).toEqual([
        '192.168.99.9 via 192.168.56.1 dev eth0 src 192.168.56.11 uid 0 ',
        '    cache ',
      ]);
    });

    it('TTL 64 on the segment and from the router itself, 63 across the router', () => {
      expect(path('node1', '192.168.56.12').ping.replyTtl).toBe(64);
      expect(path('node1', '192.168.57.1').ping.replyTtl).toBe(64);
      expect(path('node1', '192.168.57.11').ping.replyTtl).toBe(63);
      expect(path('node3', '192.168.56.11').ping.replyTtl).toBe(63);
    });

    it('ping prints its reply and summary lines in iputils format', () => {
      const ping = path('node1', '192.168.57.11').ping;
      expect(ping.exitCode).toBe(0);
      expect(ping.stdout).toEqual([
        'PING 192.168.57.11 (192.168.57.11) 56(84) bytes of data.',
        '64 bytes from 192.168.57.11: icmp_seq=1 ttl=63 time=<rtt> ms',
        '',
        '--- 192.168.57.11 ping statistics ---',
        '1 packets transmitted, 1 received, 0% packet loss, time 0ms',
        'rtt min/avg/max/mdev = <rtt>/<rtt>/<rtt>/<rtt> ms',
      ]);
    });

    it('the router answers an unroutable destination with net unreachable', () => {
      const ping = path('node1', UNROUTED).ping;
      expect(ping.exitCode).toBe(1);
      expect(ping.replyTtl).toBeNull();
      expect(ping.stdout).toEqual([
        'PING 192.168.99.9 (192.168.99.9) 56(84) bytes of data.',
        'From 192.168.56.1 icmp_seq=1 Destination Net Unreachable',
        '',
        '--- 192.168.99.9 ping statistics ---',
        '1 packets transmitted, 0 received, +1 errors, 100% packet loss, time 0ms',
        '',
      ]);
    });

    it('TTL 1 across the router: time exceeded from the router', () => {
      expect(kernel.pingTtl1.exitCode).toBe(1);
      expect(kernel.pingTtl1.error).toBe('From 192.168.56.1 icmp_seq=1 Time to live exceeded');
    });

    it('ARP failure on the local segment: host unreachable from the sender itself, after 3 s', () => {
      expect(kernel.pingNoNeighbour.exitCode).toBe(1);
      expect(kernel.pingNoNeighbour.error).toBe('From 192.168.56.11 icmp_seq=1 Destination Host Unreachable');
      // With -W 1 ping gives up before ARP does: plain loss, no error line, no "+1 errors".
      expect(kernel.pingNoNeighbourShortWait.exitCode).toBe(1);
      expect(kernel.pingNoNeighbourShortWait.error).toBeNull();
      expect(kernel.pingNoNeighbourShortWait.stdout).toContain(
        '1 packets transmitted, 0 received, 100% packet loss, time 0ms',
      );
    });

    it('DF ping: 1472 bytes of payload fit a 1500 MTU, 1473 fail locally', () => {
      expect(kernel.pingDfFits.stdout[0]).toBe(
        'PING 192.168.57.11 (192.168.57.11) 1472(1500) bytes of data.',
      );
      expect(kernel.pingDfFits.replyTtl).toBe(63);
      expect(kernel.pingDfTooBig.exitCode).toBe(1);
      expect(kernel.pingDfTooBig.stderr).toEqual(['ping: local error: message too long, mtu=1500']);
      expect(kernel.pingDfTooBig.stdout).toContain(
        '1 packets transmitted, 0 received, +1 errors, 100% packet loss, time 0ms',
      );
    });

    it('traceroute: header format and hop lists', () => {
      for (const { to, traceroute } of kernel.paths) {
        expect(traceroute.header).toBe(`traceroute to ${to} (${to}), 30 hops max, 60 byte packets`);
        expect(traceroute.exitCode).toBe(0);
      }
      expect(path('node1', '192.168.56.12').traceroute.hops).toEqual([' 1  192.168.56.12  <rtt> ms']);
      expect(path('node1', '192.168.57.11').traceroute.hops).toEqual([
        ' 1  192.168.56.1  <rtt> ms',
        ' 2  192.168.57.11  <rtt> ms',
      ]);
      expect(path('node3', '192.168.56.11').traceroute.hops).toEqual([
        ' 1  192.168.57.1  <rtt> ms',
        ' 2  192.168.56.11  <rtt> ms',
      ]);
      expect(path('node1', '192.168.57.1').traceroute.hops).toEqual([' 1  192.168.57.1  <rtt> ms']);
      expect(path('node1', UNROUTED).traceroute.hops).toEqual([' 1  192.168.56.1  <rtt> ms !N']);
    });

    it('node1 tables and link, as `podwire show` must print them', () => {
      expect(kernel.node1.routes.stdout).toEqual([
        'default via 192.168.56.1 dev eth0 ',
        '192.168.56.0/24 dev eth0 proto kernel scope link src 192.168.56.11 ',
      ]);
      expect(kernel.node1.localRoutes.stdout).toEqual([
        'local 127.0.0.0/8 dev lo proto kernel scope host src 127.0.0.1 ',
        'local 127.0.0.1 dev lo proto kernel scope host src 127.0.0.1 ',
        'broadcast 127.255.255.255 dev lo proto kernel scope link src 127.0.0.1 ',
        'local 192.168.56.11 dev eth0 proto kernel scope host src 192.168.56.11 ',
        'broadcast 192.168.56.255 dev eth0 proto kernel scope link src 192.168.56.11 ',
      ]);
      expect(kernel.node1.routesJson).toEqual([
        { dst: 'default', gateway: '192.168.56.1', dev: 'eth0', flags: [] },
        {
          dst: '192.168.56.0/24',
          dev: 'eth0',
          protocol: 'kernel',
          scope: 'link',
          prefsrc: '192.168.56.11',
          flags: [],
        },
      ]);
      expect(kernel.node1.routeGetJson).toEqual([
        {
          dst: '192.168.57.11',
          gateway: '192.168.56.1',
          dev: 'eth0',
          prefsrc: '192.168.56.11',
          flags: [],
          uid: 0,
          cache: [],
        },
      ]);
      const [header, ether, details] = kernel.node1.link.stdout;
      expect(header).toBe(
        '<ifindex:node1/eth0>: eth0@if<ifindex:switch/rack1-node1>: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 ' +
          'qdisc noqueue state UP mode DEFAULT group default qlen 1000',
      );
      expect(ether).toMatch(
        /^ {4}link\/ether <mac:node1\/eth0> brd ff:ff:ff:ff:ff:ff link-netns switch promiscuity 0 /,
      );
      expect(details).toMatch(/^ {4}veth addrgenmode eui64 numtxqueues <ncpu> numrxqueues <ncpu> /);
      expect(kernel.node1.neighSorted).toEqual([
        '192.168.56.1 dev eth0 lladdr <mac:router/eth0> REACHABLE ',
        '192.168.56.12 dev eth0 lladdr <mac:node2/eth0> REACHABLE ',
        '192.168.56.98 dev eth0 FAILED ',
        '192.168.56.99 dev eth0 FAILED ',
      ]);
    });
  });

  // ─────────────────────────────────────────────────────────────────────────────────────────────────
  // Comparison with the simulator, by deep equality on the normalised observations.
  describe('simulator vs kernel', () => {
    it('the simulator reproduces every normalised kernel observation but the eth0 link', () => {
      const simulated = simulateRouterLab();
      // The lab cables each host to its segment with a veth into a switch namespace, so its eth0 prints
      // as a veth (`eth0@ifN`, `link-netns switch`, a `veth` detail line); podwire's eth0 is a physical
      // NIC on a switch port. Everything but that line-for-line device description must be equal.
      const withoutLink = (o: RouterObservation) => ({ ...o, node1: { ...o.node1, link: undefined } });
      expect(withoutLink(simulated)).toEqual(withoutLink(kernel));
      const head = (o: RouterObservation) =>
        (o.node1.link.stdout[0] ?? '').replace(/@if<[^>]+>/, '').replace(/qdisc \S+/, 'qdisc Q');
      expect(head(simulated)).toBe(head(kernel));
    });
  });
});

// Pure helpers shared by both sides; no kernel needed.
describe('router-lab normalisation', () => {
  const ctx: NormaliseContext = {
    ns: 'node1',
    macOwner: (mac) => (mac === 'b2:3a:f0:dd:77:53' ? 'node1/eth0' : undefined),
    linkPeer: (ns, ifname) => (ns === 'node1' && ifname === 'eth0' ? 'switch/rack1-node1' : undefined),
    nsPrefix: 'pw6699x2-',
  };

  it('replaces ifindexes, MACs, namespace prefixes and queue counts', () => {
    expect(
      [
        '2: eth0@if6: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default qlen 1000',
        '    link/ether b2:3a:f0:dd:77:53 brd ff:ff:ff:ff:ff:ff link-netns pw6699x2-switch promiscuity 0 ',
        '    veth addrgenmode eui64 numtxqueues 2 numrxqueues 2 gso_max_size 65536 ',
        '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536',
      ].map((l) => normaliseLine(l, ctx)),
    ).toEqual([
      '<ifindex:node1/eth0>: eth0@if<ifindex:switch/rack1-node1>: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default qlen 1000',
      '    link/ether <mac:node1/eth0> brd ff:ff:ff:ff:ff:ff link-netns switch promiscuity 0 ',
      '    veth addrgenmode eui64 numtxqueues <ncpu> numrxqueues <ncpu> gso_max_size 65536 ',
      '<ifindex:node1/lo>: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536',
    ]);
  });

  it('parses ping replies and errors, stripping round-trip times', () => {
    const ok = pingObservation(
      'ping -c 1 -W 1 192.168.57.11',
      {
        status: 0,
        stderr: '',
        stdout:
          'PING 192.168.57.11 (192.168.57.11) 56(84) bytes of data.\n' +
          '64 bytes from 192.168.57.11: icmp_seq=1 ttl=63 time=0.424 ms\n\n' +
          '--- 192.168.57.11 ping statistics ---\n' +
          '1 packets transmitted, 1 received, 0% packet loss, time 0ms\n' +
          'rtt min/avg/max/mdev = 0.424/0.424/0.424/0.000 ms\n',
      },
      ctx,
    );
    expect(ok.replyTtl).toBe(63);
    expect(ok.error).toBeNull();
    expect(ok.stdout[1]).toBe('64 bytes from 192.168.57.11: icmp_seq=1 ttl=63 time=<rtt> ms');
    expect(ok.stdout[5]).toBe('rtt min/avg/max/mdev = <rtt>/<rtt>/<rtt>/<rtt> ms');

    const err = pingObservation(
      'ping -c 1 -t 1 192.168.57.11',
      {
        status: 1,
        stderr: '',
        stdout:
          'PING 192.168.57.11 (192.168.57.11) 56(84) bytes of data.\n' +
          'From 192.168.56.1 icmp_seq=1 Time to live exceeded\n\n' +
          '--- 192.168.57.11 ping statistics ---\n' +
          '1 packets transmitted, 0 received, +1 errors, 100% packet loss, time 0ms\n\n',
      },
      ctx,
    );
    expect(err.replyTtl).toBeNull();
    expect(err.error).toBe('From 192.168.56.1 icmp_seq=1 Time to live exceeded');
    expect(err.stdout.at(-1)).toBe('');
  });

  it('splits traceroute output into header and hops', () => {
    const tr = tracerouteObservation(
      'traceroute -n -q 1 -w 1 192.168.99.9',
      {
        status: 0,
        stderr: '',
        stdout:
          'traceroute to 192.168.99.9 (192.168.99.9), 30 hops max, 60 byte packets\n' +
          ' 1  192.168.56.1  0.053 ms !N\n',
      },
      ctx,
    );
    expect(tr.header).toBe('traceroute to 192.168.99.9 (192.168.99.9), 30 hops max, 60 byte packets');
    expect(tr.hops).toEqual([' 1  192.168.56.1  <rtt> ms !N']);
  });
});
