import { describe, expect, it } from 'vitest';
import { CNI_ERR, hostLocalConfigFrom, loadHostLocalConfig } from '../../src/cni/index.js';
import { flannelDelegate, mustFail, mustLoad } from './helpers.js';

const fails = (net: unknown) => mustFail(hostLocalConfigFrom(net));
const withRange = (range: Record<string, unknown>) => flannelDelegate('unused', { ranges: [[range]] });

describe('loadHostLocalConfig()', () => {
  it('reads the flannel delegate: one /24 with defaults filled in, the cluster route, the default dataDir', () => {
    const c = mustLoad(flannelDelegate('10.244.1.0/24'));
    expect(c.name).toBe('cbr0');
    expect(c.cniVersion).toBe('0.3.1');
    expect(c.dataDir).toBe('/var/lib/cni/networks');
    expect(c.ranges).toEqual([
      [
        {
          subnet: 0x0af40100,
          prefixLen: 24,
          rangeStart: 0x0af40101,
          rangeEnd: 0x0af401fe,
          gateway: 0x0af40101,
        },
      ],
    ]);
    expect(c.routes).toEqual([{ dst: 0x0af40000, dstLen: 16 }]);
    expect(c.requestedIps).toEqual([]);
  });

  it('accepts the old single-range form and puts runtimeConfig.ipRanges first', () => {
    const net = {
      ...flannelDelegate('10.0.0.0/24', { subnet: '10.1.0.0/24' }),
      runtimeConfig: { ipRanges: [[{ subnet: '10.2.0.0/24' }]] },
    };
    expect(mustLoad(net).ranges.map((set) => set[0]?.subnet)).toEqual([0x0a020000, 0x0a010000, 0x0a000000]);
  });

  it('rejects a /31 as too small to allocate from', () => {
    const err = fails(flannelDelegate('10.244.1.0/31'));
    expect(err).toEqual({
      cniVersion: '0.3.1',
      code: CNI_ERR.internal,
      msg: 'invalid range set 0: Network 10.244.1.0/31 too small to allocate from',
    });
  });

  it('rejects a subnet with host bits set, naming the network address', () => {
    expect(fails(flannelDelegate('10.244.1.1/24')).msg).toBe(
      'invalid range set 0: Network has host bits set. For a subnet mask of length 24 the network address is 10.244.1.0',
    );
  });

  it('checks rangeStart and rangeEnd against the subnet and each other', () => {
    expect(fails(withRange({ subnet: '10.0.0.0/24', rangeStart: '10.0.1.5' })).msg).toBe(
      'invalid range set 0: RangeStart 10.0.1.5 not in network 10.0.0.0/24',
    );
    expect(fails(withRange({ subnet: '10.0.0.0/24', rangeEnd: '10.0.1.5' })).msg).toBe(
      'invalid range set 0: RangeEnd 10.0.1.5 not in network 10.0.0.0/24',
    );
    expect(
      fails(withRange({ subnet: '10.0.0.0/24', rangeStart: '10.0.0.9', rangeEnd: '10.0.0.8' })).msg,
    ).toBe('invalid range set 0: RangeStart 10.0.0.9 not in network 10.0.0.0/24');
  });

  it('rejects overlapping ranges inside a set and overlapping sets', () => {
    const inSet = flannelDelegate('unused', {
      ranges: [[{ subnet: '10.0.0.0/24' }, { subnet: '10.0.0.0/25' }]],
    });
    expect(fails(inSet).msg).toBe(
      'invalid range set 0: subnets 10.0.0.1-10.0.0.254 and 10.0.0.1-10.0.0.126 overlap',
    );
    const sets = flannelDelegate('unused', {
      ranges: [[{ subnet: '10.0.0.0/24' }], [{ subnet: '10.0.0.0/24' }]],
    });
    expect(fails(sets).msg).toBe('range set 0 overlaps with 1');
  });

  it('rejects missing ipam, no ranges, an empty set, a range without subnet and bad address texts', () => {
    const { ipam: _ipam, ...noIpam } = flannelDelegate('10.0.0.0/24');
    expect(fails(noIpam).msg).toBe("IPAM config missing 'ipam' key");
    expect(fails(flannelDelegate('unused', { ranges: [] })).msg).toBe('no IP ranges specified');
    expect(fails(flannelDelegate('unused', { ranges: [[]] })).msg).toBe(
      'invalid range set 0: empty range set',
    );
    expect(fails(withRange({ rangeStart: '10.0.0.2' })).msg).toBe(
      'invalid range set 0: IP <nil> not v4 nor v6',
    );
    expect(fails(flannelDelegate('10.0.0.0/33')).msg).toBe('invalid CIDR address: 10.0.0.0/33');
    expect(fails(withRange({ subnet: '10.0.0.0/24', gateway: '10.0.0.300' })).msg).toBe(
      'invalid IP address: 10.0.0.300',
    );
  });

  it('reports a value of the wrong JSON type as encoding/json does', () => {
    expect(fails(withRange({ subnet: 24 })).msg).toMatch(
      /^json: cannot unmarshal number into Go struct field .*subnet of type types\.IPNet$/,
    );
  });

  it('answers IPv6 with "unsupported field" rather than a wrong address', () => {
    const err = fails(flannelDelegate('fd00::/64'));
    expect(err.code).toBe(CNI_ERR.unsupportedField);
    expect(err.details).toBe('fd00::/64');
  });

  it('checks the network name first, as skel does (code 7)', () => {
    const { name: _name, ...noName } = flannelDelegate('10.0.0.0/24');
    expect(fails(noName)).toEqual({ cniVersion: '0.3.1', code: 7, msg: 'missing network name' });
    expect(fails({ ...noName, name: 'a/b' })).toEqual({
      cniVersion: '0.3.1',
      code: CNI_ERR.invalidNetworkConfig,
      msg: 'invalid characters found in network name',
      details: 'a/b',
    });
  });

  it('rejects a spec version it cannot print a result for (code 1)', () => {
    const err = fails({ ...flannelDelegate('10.0.0.0/24'), cniVersion: '0.2.0' });
    expect(err.code).toBe(CNI_ERR.incompatibleCniVersion);
    expect(err.msg).toBe('incompatible CNI versions');
    expect(err.details).toBe('config is "0.2.0", plugin supports ["0.3.0" "0.3.1" "0.4.0" "1.0.0" "1.1.0"]');
  });

  it('reports text that is not JSON as a decoding failure (code 6)', () => {
    const err = mustFail(loadHostLocalConfig('{"name": '));
    expect(err.code).toBe(CNI_ERR.decodingFailure);
    expect(err.msg).toMatch(/^error unmarshall network config: /);
  });

  it('collects requested addresses from args.cni.ips and runtimeConfig.ips (CIDR form allowed)', () => {
    const net = {
      ...flannelDelegate('10.0.0.0/24'),
      args: { cni: { ips: ['10.0.0.7'] } },
      runtimeConfig: { ips: ['10.0.0.8/24'] },
    };
    expect(mustLoad(net).requestedIps).toEqual([0x0a000007, 0x0a000008]);
  });
});
