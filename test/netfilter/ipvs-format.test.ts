import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareServices,
  formatIpvsadmConnections,
  formatIpvsadmList,
  formatIpvsadmTimeout,
  glibcMergeSort,
  Ipvs,
  ipvsadmServiceOrder,
  wrappedAddrDiff,
} from '../../src/netfilter/index.js';
import { SECOND } from '../../src/sim/index.js';
import { formatIp4, ip4, ipv4, TCP_ACK, TCP_SYN, tcp } from '../../src/wire/index.js';

/** A kube-proxy-like table: kubernetes, kube-dns (TCP and UDP), a ClientIP-affinity service, a NodePort. */
function kubeProxyTable(): Ipvs {
  const ipvs = new Ipvs();
  const svc = (protocol: 'TCP' | 'UDP', vip: string, port: number, dests: string[], persistent?: number) => {
    ipvs.addService({
      protocol,
      addr: ip4(vip),
      port,
      scheduler: 'rr',
      ...(persistent !== undefined ? { persistent: { timeout: persistent } } : {}),
    });
    for (const d of dests) {
      const [a, p] = d.split(':');
      ipvs.addDest(protocol, ip4(vip), port, { addr: ip4(a as string), port: Number(p), weight: 1 });
    }
  };
  // Added in an order ipvsadm's sort must undo.
  svc('UDP', '10.96.0.10', 53, ['10.244.0.3:53', '10.244.0.2:53']);
  svc('TCP', '10.96.0.100', 80, ['10.244.1.3:8080'], 10800);
  svc('TCP', '192.168.56.11', 30080, ['10.244.1.3:8080']);
  svc('TCP', '10.96.0.10', 53, ['10.244.0.3:53', '10.244.0.2:53']);
  svc('TCP', '10.96.0.1', 443, ['192.168.56.11:6443']);
  return ipvs;
}

describe('ipvsadm -Ln', () => {
  it('prints the header, services sorted by protocol/address/port, 28-column real servers', () => {
    const rs = (addr: string, active: number, inactive: number) =>
      `  -> ${addr.padEnd(28)} Masq    1      ${String(active).padEnd(10)} ${String(inactive).padEnd(10)}\n`;
    expect(formatIpvsadmList(kubeProxyTable())).toBe(
      'IP Virtual Server version 1.2.1 (size=4096)\n' +
        'Prot LocalAddress:Port Scheduler Flags\n' +
        '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n' +
        'TCP  192.168.56.11:30080 rr\n' +
        rs('10.244.1.3:8080', 0, 0) +
        'TCP  10.96.0.1:443 rr\n' +
        rs('192.168.56.11:6443', 0, 0) +
        'TCP  10.96.0.10:53 rr\n' +
        rs('10.244.0.2:53', 0, 0) +
        rs('10.244.0.3:53', 0, 0) +
        'TCP  10.96.0.100:80 rr persistent 10800\n' +
        rs('10.244.1.3:8080', 0, 0) +
        'UDP  10.96.0.10:53 rr\n' +
        rs('10.244.0.2:53', 0, 0) +
        rs('10.244.0.3:53', 0, 0),
    );
  });

  it('a real-server line is exactly the reference layout, trailing spaces included', () => {
    const text = formatIpvsadmList(kubeProxyTable());
    expect(text).toContain('  -> 192.168.56.11:6443           Masq    1      0          0         \n');
  });

  it('prints the counters and a non-default persistence mask', () => {
    const ipvs = new Ipvs();
    const vip = ip4('10.96.0.100');
    ipvs.addService({
      protocol: 'TCP',
      addr: vip,
      port: 80,
      scheduler: 'wlc',
      persistent: { timeout: 60, netmask: ip4('255.255.255.0') },
    });
    ipvs.addDest('TCP', vip, 80, { addr: ip4('10.244.1.3'), port: 8080, weight: 3 });
    const c = ip4('10.244.1.2');
    const seg = (port: number, flags: number) =>
      ipv4({
        src: c,
        dst: vip,
        payload: tcp({ src: c, dst: vip, srcPort: port, dstPort: 80, seq: 0, ack: 0, flags, window: 1 }),
      });
    ipvs.request('LOCAL_IN', seg(1, TCP_SYN), 0);
    ipvs.request('LOCAL_IN', seg(1, TCP_ACK), 1);
    ipvs.request('LOCAL_IN', seg(2, TCP_SYN), 1);
    expect(formatIpvsadmList(ipvs, 2).split('\n').slice(3)).toEqual([
      'TCP  10.96.0.100:80 wlc persistent 60 mask 255.255.255.0',
      `  -> 10.244.1.3:8080${' '.repeat(14)}Masq    3      1          1         `,
      '',
    ]);
    // 60 s later only the ESTABLISHED connection and the template remain.
    expect(formatIpvsadmList(ipvs, 61 * SECOND)).toContain('Masq    3      1          0         \n');
  });

  it('sorts addresses by the signed 32-bit difference libipvs computes', () => {
    expect(wrappedAddrDiff(ip4('10.96.0.1'), ip4('192.168.56.11'))).toBeGreaterThan(0);
    expect(wrappedAddrDiff(ip4('172.17.0.1'), ip4('192.168.56.11'))).toBeLessThan(0);
    expect(wrappedAddrDiff(ip4('10.96.0.1'), ip4('10.96.0.10'))).toBeLessThan(0);
    const order = ipvsadmServiceOrder(kubeProxyTable()).map(
      (s) => `${s.protocolName} ${formatIp4(s.addr)}:${s.port}`,
    );
    expect(order).toEqual([
      'TCP 192.168.56.11:30080',
      'TCP 10.96.0.1:443',
      'TCP 10.96.0.10:53',
      'TCP 10.96.0.100:80',
      'UDP 10.96.0.10:53',
    ]);
  });

  it('glibcMergeSort() sorts like a stable sort for a total order', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 9 }), fc.nat())), (xs) => {
        const cmp = (a: [number, number], b: [number, number]) => a[0] - b[0];
        expect(glibcMergeSort(xs, cmp)).toEqual([...xs].sort(cmp));
      }),
    );
  });

  it('service order is a total order when addresses span under half the address space', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0x0a000000, max: 0x0affffff }), { minLength: 1, maxLength: 8 }),
        (vips) => {
          const ipvs = new Ipvs();
          for (const v of vips) ipvs.addService({ protocol: 'TCP', addr: v, port: 80 });
          const sorted = ipvsadmServiceOrder(ipvs).map((s) => s.addr);
          expect(sorted).toEqual([...vips].sort((a, b) => a - b));
          for (let i = 1; i < sorted.length; i++) {
            const [a, b] = [
              ipvs.findService(6, sorted[i - 1] as number, 80),
              ipvs.findService(6, sorted[i] as number, 80),
            ];
            if (a !== undefined && b !== undefined) expect(compareServices(a, b)).toBeLessThan(0);
          }
        },
      ),
    );
  });
});

describe('ipvsadm -Lnc and --timeout', () => {
  it('lists connections with mm:ss left and their state', () => {
    const ipvs = new Ipvs();
    const vip = ip4('10.96.0.1');
    ipvs.addService({ protocol: 'TCP', addr: vip, port: 443, scheduler: 'rr' });
    ipvs.addDest('TCP', vip, 443, { addr: ip4('192.168.56.11'), port: 6443 });
    const c = ip4('10.244.1.2');
    const seg = (flags: number) =>
      ipv4({
        src: c,
        dst: vip,
        payload: tcp({ src: c, dst: vip, srcPort: 52012, dstPort: 443, seq: 0, ack: 0, flags, window: 1 }),
      });
    ipvs.request('LOCAL_IN', seg(TCP_SYN), 0);
    ipvs.request('LOCAL_IN', seg(TCP_ACK), 0);
    expect(formatIpvsadmConnections(ipvs, 1)).toBe(
      'IPVS connection entries\n' +
        'pro expire state       source             virtual            destination\n' +
        'TCP 14:59  ESTABLISHED 10.244.1.2:52012   10.96.0.1:443      192.168.56.11:6443\n',
    );
  });

  it('prints the default timeouts and what --set changed', () => {
    const ipvs = new Ipvs();
    expect(formatIpvsadmTimeout(ipvs)).toBe('Timeout (tcp tcpfin udp): 900 120 300\n');
    ipvs.setTimeouts({ tcp: 7200, tcpFin: 0, udp: 60 });
    expect(formatIpvsadmTimeout(ipvs)).toBe('Timeout (tcp tcpfin udp): 7200 120 60\n');
  });
});
