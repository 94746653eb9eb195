/**
 * IP sets: members in ipset's syntax, the packet test for every type and flag combination kube-proxy
 * uses (KUBE-CLUSTER-IP dst,dst; KUBE-LOOP-BACK dst,dst,src; KUBE-NODE-PORT-TCP dst; LB source CIDRs
 * dst,dst,src on hash:ip,port,net), and the `ipset save` / `ipset list` formats as captured on kube-proxy
 * nodes (`Header: family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x…`, `range 0-65535`).
 * The ipset tool is not installed on the LAB machine, so these formats come from published captures.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatIpsetList,
  formatIpsetSave,
  IpSet,
  type IpSetPacket,
  IpSets,
  ipsetMemsize,
  ipsetReferences,
  parseIpsetRestore,
  parseIptablesRestore,
  type SetLookup,
} from '../../src/netfilter/index.js';
import { formatIp4, ip4 } from '../../src/wire/index.js';

const pkt = (src: string, sport: number, dst: string, dport: number, proto = 6): IpSetPacket => ({
  src: ip4(src),
  dst: ip4(dst),
  proto,
  sport,
  dport,
});

describe('members', () => {
  it('hash:ip,port: protocol defaults to tcp; add twice is an error unless -exist; del of a missing one too', () => {
    const s = new IpSet('KUBE-CLUSTER-IP', 'hash:ip,port');
    expect(s.add('10.96.0.1,443')).toEqual({ ok: true });
    expect(s.memberTexts()).toEqual(['10.96.0.1,tcp:443']);
    expect(s.add('10.96.0.1,tcp:443')).toEqual({
      ok: false,
      error: "Element cannot be added to the set: it's already added",
    });
    expect(s.add('10.96.0.1,tcp:443', { exist: true })).toEqual({ ok: true });
    expect(s.del('10.96.0.10,udp:53')).toEqual({
      ok: false,
      error: "Element cannot be deleted from the set: it's not added",
    });
    expect(s.add({ ip: ip4('10.96.0.10'), proto: 17, port: 53 })).toEqual({ ok: true });
    expect(s.memberTexts()).toEqual(['10.96.0.1,tcp:443', '10.96.0.10,udp:53']);
    expect(s.has('10.96.0.10,udp:53')).toBe(true);
    expect(s.has('10.96.0.10,tcp:53')).toBe(false);
  });

  it('hash:net keeps the network address and prints /32 members bare', () => {
    const s = new IpSet('NETS', 'hash:net');
    s.add('10.244.1.7/24');
    s.add('192.168.1.1');
    expect(s.memberTexts()).toEqual(['10.244.1.0/24', '192.168.1.1']);
    expect(s.has('10.244.1.99')).toBe(true);
    expect(s.has('10.244.2.1')).toBe(false);
    expect(s.add('10.0.0.0/0')).toMatchObject({ ok: false });
  });

  it('bitmap:port lists ascending and refuses ports outside its range', () => {
    const s = new IpSet('KUBE-NODE-PORT-TCP', 'bitmap:port', { range: { from: 30000, to: 32767 } });
    s.add('31000');
    s.add('30080');
    expect(s.memberTexts()).toEqual(['30080', '31000']);
    expect(s.add('80')).toEqual({ ok: false, error: 'Element is out of the range of the set' });
  });

  it('maxelem is enforced', () => {
    const s = new IpSet('SMALL', 'hash:ip', { maxelem: 2 });
    s.add('1.1.1.1');
    s.add('1.1.1.2');
    expect(s.add('1.1.1.3')).toEqual({ ok: false, error: 'Hash is full, cannot add more elements' });
  });

  it('syntax errors name the problem', () => {
    const s = new IpSet('X', 'hash:ip,port,ip');
    expect(s.add('10.0.0.1,tcp:80')).toMatchObject({ ok: false });
    expect(s.add('10.0.0.1,icmp:ping,10.0.0.2')).toMatchObject({ ok: false });
    expect(s.add('10.0.0.1,tcp:80,10.0.0.2')).toEqual({ ok: true });
  });
});

describe('packet test', () => {
  it('KUBE-CLUSTER-IP dst,dst: destination address and port, protocol must agree', () => {
    const s = new IpSet('KUBE-CLUSTER-IP', 'hash:ip,port');
    s.add('10.96.0.100,tcp:80');
    expect(s.test(pkt('10.244.1.2', 40000, '10.96.0.100', 80), ['dst', 'dst'])).toBe(true);
    expect(s.test(pkt('10.244.1.2', 40000, '10.96.0.100', 80, 17), ['dst', 'dst'])).toBe(false);
    expect(s.test(pkt('10.244.1.2', 40000, '10.96.0.100', 81), ['dst', 'dst'])).toBe(false);
    expect(s.test(pkt('10.96.0.100', 80, '10.244.1.2', 40000), ['src', 'src'])).toBe(true);
    // Fewer flags than the type's dimensions never match (ip_set_test).
    expect(s.test(pkt('10.244.1.2', 40000, '10.96.0.100', 80), ['dst'])).toBe(false);
    // ICMP has no port to match a tcp member.
    expect(s.test(pkt('10.244.1.2', 0x0800, '10.96.0.100', 0x0800, 1), ['dst', 'dst'])).toBe(false);
  });

  it('KUBE-LOOP-BACK dst,dst,src: a pod reaching itself through its service', () => {
    const s = new IpSet('KUBE-LOOP-BACK', 'hash:ip,port,ip');
    s.add('10.244.1.3,tcp:8080,10.244.1.3');
    expect(s.test(pkt('10.244.1.3', 50000, '10.244.1.3', 8080), ['dst', 'dst', 'src'])).toBe(true);
    expect(s.test(pkt('10.244.1.2', 50000, '10.244.1.3', 8080), ['dst', 'dst', 'src'])).toBe(false);
  });

  it('hash:ip,port,net dst,dst,src: load-balancer source ranges, most and least specific', () => {
    const s = new IpSet('KUBE-LOAD-BALANCER-SOURCE-CIDR', 'hash:ip,port,net');
    s.add('192.0.2.10,tcp:443,203.0.113.0/24');
    s.add('192.0.2.10,tcp:443,198.51.100.7');
    expect(s.test(pkt('203.0.113.77', 1, '192.0.2.10', 443), ['dst', 'dst', 'src'])).toBe(true);
    expect(s.test(pkt('198.51.100.7', 1, '192.0.2.10', 443), ['dst', 'dst', 'src'])).toBe(true);
    expect(s.test(pkt('198.51.100.8', 1, '192.0.2.10', 443), ['dst', 'dst', 'src'])).toBe(false);
    s.del('192.0.2.10,tcp:443,203.0.113.0/24');
    expect(s.test(pkt('203.0.113.77', 1, '192.0.2.10', 443), ['dst', 'dst', 'src'])).toBe(false);
  });

  it('bitmap:port dst and hash:ip src', () => {
    const ports = new IpSet('KUBE-NODE-PORT-TCP', 'bitmap:port', { range: { from: 0, to: 65535 } });
    ports.add('30080');
    expect(ports.test(pkt('1.2.3.4', 5, '192.168.56.11', 30080), ['dst'])).toBe(true);
    expect(ports.test(pkt('1.2.3.4', 30080, '192.168.56.11', 5), ['dst'])).toBe(false);
    const ips = new IpSet('IPS', 'hash:ip');
    ips.add('1.2.3.4');
    expect(ips.test(pkt('1.2.3.4', 5, '9.9.9.9', 5), ['src'])).toBe(true);
    expect(ips.test(pkt('1.2.3.4', 5, '9.9.9.9', 5), ['dst'])).toBe(false);
  });

  it('property: test agrees with membership of the member built from the packet', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.integer({ min: 0, max: 0xffff_ffff }),
            fc.constantFrom(6, 17),
            fc.integer({ min: 0, max: 0xffff }),
          ),
          {
            maxLength: 30,
          },
        ),
        fc.integer({ min: 0, max: 0xffff_ffff }),
        fc.constantFrom(6, 17, 1),
        fc.integer({ min: 0, max: 0xffff }),
        fc.boolean(),
        (members, ip, proto, port, pickMember) => {
          const s = new IpSet('P', 'hash:ip,port');
          for (const [mip, mproto, mport] of members)
            s.add({ ip: mip, proto: mproto, port: mport }, { exist: true });
          const probe: readonly [number, number, number] =
            pickMember && members[0] !== undefined ? members[0] : [ip, proto, port];
          const [pip, pproto, pport] = probe;
          const inSet = members.some(([a, b, c]) => a === pip && b === pproto && c === pport);
          expect(s.test({ src: 0, dst: pip, proto: pproto, sport: 0, dport: pport }, ['dst', 'dst'])).toBe(
            inSet,
          );
          expect(s.size).toBe(new Set(members.map((m) => m.join('/'))).size);
        },
      ),
    );
  });
});

describe("a namespace's sets", () => {
  it("create/destroy with ipset's errors, and the by-name test the rule engine calls", () => {
    const sets = new IpSets();
    expect(sets.create('KUBE-CLUSTER-IP', 'hash:ip,port')).toEqual({ ok: true });
    expect(sets.create('KUBE-CLUSTER-IP', 'hash:ip,port')).toEqual({
      ok: false,
      error: 'Set cannot be created: set with the same name already exists',
    });
    expect(sets.create('KUBE-CLUSTER-IP', 'hash:ip,port', {}, { exist: true })).toEqual({ ok: true });
    expect(sets.create('B', 'bitmap:port')).toMatchObject({ ok: false });
    sets.get('KUBE-CLUSTER-IP')?.add('10.96.0.1,tcp:443');
    const lookup: SetLookup = sets;
    const p = pkt('10.244.1.2', 40000, '10.96.0.1', 443);
    expect(lookup.test('KUBE-CLUSTER-IP', p, ['dst', 'dst'])).toBe(true);
    expect(lookup.test('NO-SUCH-SET', p, ['dst', 'dst'])).toBe(false);
    expect(sets.destroy('KUBE-CLUSTER-IP', { inUse: true })).toMatchObject({ ok: false });
    expect(sets.destroy('KUBE-CLUSTER-IP')).toEqual({ ok: true });
    expect(sets.destroy('KUBE-CLUSTER-IP')).toEqual({
      ok: false,
      error: 'The set with the given name does not exist',
    });
    expect(sets.all()).toEqual([]);
  });
});

describe('formats', () => {
  function kubeSets(): IpSet[] {
    const cluster = new IpSet('KUBE-CLUSTER-IP', 'hash:ip,port', { initval: 0x15dd7a3f });
    cluster.add('10.96.0.1,tcp:443');
    cluster.add('10.96.0.10,udp:53');
    const loop = new IpSet('KUBE-LOOP-BACK', 'hash:ip,port,ip', { initval: 0x0000beef });
    const nodePorts = new IpSet('KUBE-NODE-PORT-TCP', 'bitmap:port', { range: { from: 0, to: 65535 } });
    nodePorts.add('30080');
    return [cluster, loop, nodePorts];
  }

  it('ipset save: create line with the header, then one add line per member', () => {
    expect(formatIpsetSave(kubeSets())).toBe(
      [
        'create KUBE-CLUSTER-IP hash:ip,port family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x15dd7a3f',
        'add KUBE-CLUSTER-IP 10.96.0.1,tcp:443',
        'add KUBE-CLUSTER-IP 10.96.0.10,udp:53',
        'create KUBE-LOOP-BACK hash:ip,port,ip family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x0000beef',
        'create KUBE-NODE-PORT-TCP bitmap:port range 0-65535',
        'add KUBE-NODE-PORT-TCP 30080',
        '',
      ].join('\n'),
    );
  });

  it('without an initval the header is the older one (no bucketsize/initval)', () => {
    expect(formatIpsetSave([new IpSet('OLD', 'hash:ip', { hashsize: 100 })])).toBe(
      'create OLD hash:ip family inet hashsize 128 maxelem 65536\n',
    );
  });

  it('ipset list: the block layout of kube-proxy captures, references counted from the rules', () => {
    const tables = parseIptablesRestore(
      '*nat\n:KUBE-SERVICES - [0:0]\n:KUBE-MARK-MASQ - [0:0]\n' +
        '-A KUBE-SERVICES -m set --match-set KUBE-CLUSTER-IP dst,dst ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ\n' +
        '-A KUBE-SERVICES -m set --match-set KUBE-CLUSTER-IP dst,dst -j ACCEPT\nCOMMIT\n',
    );
    if (!tables.ok) throw new Error(tables.error.message);
    // Size in memory of a hash set with members depends on the kernel's allocator; 488 is a capture's value
    // for KUBE-CLUSTER-IP. Empty hash sets and bitmap:port keep the default (captured values, below).
    const out = formatIpsetList(kubeSets(), {
      references: ipsetReferences(tables.tables),
      memsize: (set) => (set.name === 'KUBE-CLUSTER-IP' ? 488 : ipsetMemsize(set)),
    });
    expect(out).toBe(
      [
        'Name: KUBE-CLUSTER-IP',
        'Type: hash:ip,port',
        'Revision: 6',
        'Header: family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x15dd7a3f',
        'Size in memory: 488',
        'References: 2',
        'Number of entries: 2',
        'Members:',
        '10.96.0.1,tcp:443',
        '10.96.0.10,udp:53',
        '',
        'Name: KUBE-LOOP-BACK',
        'Type: hash:ip,port,ip',
        'Revision: 6',
        'Header: family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x0000beef',
        'Size in memory: 208',
        'References: 0',
        'Number of entries: 0',
        'Members:',
        '',
        'Name: KUBE-NODE-PORT-TCP',
        'Type: bitmap:port',
        'Revision: 3',
        'Header: range 0-65535',
        'Size in memory: 8264',
        'References: 0',
        'Number of entries: 1',
        'Members:',
        '30080',
        '',
      ].join('\n'),
    );
  });

  it('Size in memory of empty sets and of bitmap:port 0-65535 is what kube-proxy nodes show', () => {
    expect(ipsetMemsize(new IpSet('A', 'hash:ip,port'))).toBe(200);
    expect(ipsetMemsize(new IpSet('B', 'hash:ip,port,ip'))).toBe(208);
    expect(ipsetMemsize(new IpSet('C', 'hash:ip,port,net'))).toBe(464);
    expect(ipsetMemsize(new IpSet('D', 'bitmap:port', { range: { from: 0, to: 65535 } }))).toBe(8264);
  });

  it('ipset save output restores to the same sets', () => {
    const text = formatIpsetSave(kubeSets());
    const back = parseIpsetRestore(text);
    expect(back.ok).toBe(true);
    if (back.ok) expect(formatIpsetSave(back.sets)).toBe(text);
  });

  it('restore errors carry line and column', () => {
    expect(parseIpsetRestore('create A hash:ip\nadd A 1.2.3.4,80\n')).toEqual({
      ok: false,
      error: { line: 2, col: 7, message: "Syntax error: '1.2.3.4,80' is not a hash:ip element" },
    });
    expect(parseIpsetRestore('add B 1.2.3.4\n')).toMatchObject({ ok: false, error: { line: 1, col: 5 } });
    expect(parseIpsetRestore('create A hash:mac\n')).toMatchObject({
      ok: false,
      error: { line: 1, col: 10 },
    });
  });

  it('property: random hash:ip,port,net sets survive save → restore', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.integer({ min: 0, max: 0xffff_ffff }),
            fc.constantFrom('tcp', 'udp', 'sctp'),
            fc.integer({ min: 0, max: 0xffff }),
            fc.integer({ min: 0, max: 0xffff_ffff }),
            fc.integer({ min: 1, max: 32 }),
          ),
          { maxLength: 20 },
        ),
        fc.integer({ min: 0, max: 0xffff_ffff }),
        (members, initval) => {
          const s = new IpSet('R', 'hash:ip,port,net', { initval });
          for (const [ip, proto, port, net, len] of members) {
            s.add(`${formatIp4(ip)},${proto}:${port},${formatIp4(net)}/${len}`, { exist: true });
          }
          const text = formatIpsetSave([s]);
          const back = parseIpsetRestore(text);
          expect(back.ok && formatIpsetSave(back.sets)).toBe(text);
        },
      ),
    );
  });
});
