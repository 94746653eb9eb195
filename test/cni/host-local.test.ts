import { describe, expect, it } from 'vitest';
import { CNI_ERR, HostLocalStore, ipamResult, renderHostLocalDir } from '../../src/cni/index.js';
import { addOk, flannelDelegate, mustFail, mustLoad } from './helpers.js';

const exhausted = (range: string): string =>
  `failed to allocate for range 0: no IP addresses available in range set: ${range}`;

describe('host-local allocate()/release()', () => {
  it('walks the worked /29 example of cni.md §4: .2–.6, exhaustion, then .3 after a wrap', () => {
    const config = mustLoad(flannelDelegate('10.244.3.0/29'));
    const store = new HostLocalStore('cbr0');
    const got = ['cid1', 'cid2', 'cid3', 'cid4', 'cid5'].map((cid) => addOk(store, config, cid));
    expect(got).toEqual(['10.244.3.2', '10.244.3.3', '10.244.3.4', '10.244.3.5', '10.244.3.6']);
    const err = mustFail(store.allocate(config, 'cid6', 'eth0'));
    expect(err).toEqual({
      cniVersion: '0.3.1',
      code: CNI_ERR.internal,
      msg: exhausted('10.244.3.1-10.244.3.6'),
    });
    store.release('cid2', 'eth0');
    expect(addOk(store, config, 'cid7')).toBe('10.244.3.3');
  });

  it('gives .2 first on a fresh flannel /24 and does not reuse a freed address before the wrap', () => {
    const config = mustLoad(flannelDelegate('10.244.1.0/24'));
    const store = new HostLocalStore('cbr0');
    expect(addOk(store, config, 'a')).toBe('10.244.1.2');
    expect(addOk(store, config, 'b')).toBe('10.244.1.3');
    store.release('a', 'eth0');
    expect(addOk(store, config, 'c')).toBe('10.244.1.4');
    for (let i = 5; i <= 254; i++) expect(addOk(store, config, `p${i}`)).toBe(`10.244.1.${i}`);
    store.release('p100', 'eth0');
    // last_reserved_ip.0 is .254: the next ADD wraps to .1 (the gateway, skipped), then finds .2 free.
    expect(addOk(store, config, 'd')).toBe('10.244.1.2');
    expect(addOk(store, config, 'e')).toBe('10.244.1.100');
    expect(mustFail(store.allocate(config, 'f', 'eth0')).msg).toBe(exhausted('10.244.1.1-10.244.1.254'));
  });

  it('refuses a second ADD for the same container and ifname, with the plugin text', () => {
    const config = mustLoad(flannelDelegate('10.244.1.0/24'));
    const store = new HostLocalStore('cbr0');
    addOk(store, config, 'cid1');
    const err = mustFail(store.allocate(config, 'cid1', 'eth0'));
    expect(err.code).toBe(999);
    expect(err.msg).toBe(
      'failed to allocate for range 0: 10.244.1.2 has been allocated to cid1, duplicate allocation is not allowed',
    );
    expect(addOk(store, config, 'cid1', 'net1')).toBe('10.244.1.3');
  });

  it('skips a gateway set inside rangeStart..rangeEnd and prints the range in the exhaustion error', () => {
    const ipam = {
      ranges: [
        [
          {
            subnet: '10.244.1.0/24',
            rangeStart: '10.244.1.10',
            rangeEnd: '10.244.1.12',
            gateway: '10.244.1.11',
          },
        ],
      ],
    };
    const config = mustLoad(flannelDelegate('unused', ipam));
    const store = new HostLocalStore('cbr0');
    expect([addOk(store, config, 'a'), addOk(store, config, 'b')]).toEqual(['10.244.1.10', '10.244.1.12']);
    expect(mustFail(store.allocate(config, 'c', 'eth0')).msg).toBe(exhausted('10.244.1.10-10.244.1.12'));
  });

  it('moves through the ranges of one set in order and names all of them when exhausted', () => {
    const ipam = { ranges: [[{ subnet: '10.0.0.0/30' }, { subnet: '10.0.1.0/30' }]] };
    const config = mustLoad(flannelDelegate('unused', ipam));
    const store = new HostLocalStore('cbr0');
    expect([addOk(store, config, 'a'), addOk(store, config, 'b')]).toEqual(['10.0.0.2', '10.0.1.2']);
    expect(mustFail(store.allocate(config, 'c', 'eth0')).msg).toBe(
      exhausted('10.0.0.1-10.0.0.2,10.0.1.1-10.0.1.2'),
    );
  });

  it('allocates one address per range set and keeps one last_reserved_ip per set', () => {
    const ipam = { ranges: [[{ subnet: '10.0.0.0/29' }], [{ subnet: '10.1.0.0/29' }]] };
    const config = mustLoad(flannelDelegate('unused', ipam));
    const store = new HostLocalStore('cbr0');
    const r = store.allocate(config, 'a', 'eth0');
    expect(r.ok && r.value.ips.map((ip) => ip.address)).toEqual([0x0a000002, 0x0a010002]);
    const names = store.listFiles().map((f) => f.name);
    expect(names).toEqual(['10.0.0.2', '10.1.0.2', 'last_reserved_ip.0', 'last_reserved_ip.1', 'lock']);
  });

  it('releases every address of the container when a later range set fails, without rewinding the cursor', () => {
    const ipam = { ranges: [[{ subnet: '10.0.0.0/29' }], [{ subnet: '10.1.0.0/30' }]] };
    const config = mustLoad(flannelDelegate('unused', ipam));
    const store = new HostLocalStore('cbr0');
    addOk(store, config, 'a');
    const err = mustFail(store.allocate(config, 'b', 'eth0'));
    expect(err.msg).toBe(
      'failed to allocate for range 1: no IP addresses available in range set: 10.1.0.1-10.1.0.2',
    );
    expect(store.holder(0x0a000003)).toBeUndefined();
    expect(store.listFiles().find((f) => f.name === 'last_reserved_ip.0')?.content).toBe('10.0.0.3');
  });

  it('release() is idempotent and leaves last_reserved_ip where it was', () => {
    const config = mustLoad(flannelDelegate('10.244.1.0/24'));
    const store = new HostLocalStore('cbr0');
    addOk(store, config, 'cid1');
    addOk(store, config, 'cid2');
    store.release('cid2', 'eth0');
    const after = store.listFiles();
    store.release('cid2', 'eth0');
    store.release('never-added', 'eth0');
    expect(store.listFiles()).toEqual(after);
    expect(after.find((f) => f.name === 'last_reserved_ip.0')?.content).toBe('10.244.1.3');
  });

  it('releases only the named interface of a container', () => {
    const config = mustLoad(flannelDelegate('10.244.1.0/24'));
    const store = new HostLocalStore('cbr0');
    addOk(store, config, 'cid1', 'eth0');
    addOk(store, config, 'cid1', 'net1');
    store.release('cid1', 'eth0');
    expect(store.holder(0x0af40102)).toBeUndefined();
    expect(store.holder(0x0af40103)).toEqual({ containerId: 'cid1', ifname: 'net1' });
  });

  it('throws RangeError when handed the config of another network', () => {
    const config = mustLoad({ ...flannelDelegate('10.244.1.0/24'), name: 'other' });
    expect(() => new HostLocalStore('cbr0').allocate(config, 'a', 'eth0')).toThrow(RangeError);
  });
});

describe('host-local requested addresses', () => {
  const withIps = (ips: string[]): Record<string, unknown> => ({
    ...flannelDelegate('10.244.1.0/24'),
    args: { cni: { ips } },
  });

  it('hands out a requested address and moves last_reserved_ip to it', () => {
    const store = new HostLocalStore('cbr0');
    expect(addOk(store, mustLoad(withIps(['10.244.1.9'])), 'a')).toBe('10.244.1.9');
    expect(addOk(store, mustLoad(flannelDelegate('10.244.1.0/24')), 'b')).toBe('10.244.1.10');
  });

  it('rejects the gateway with "requested ip … is subnet\'s gateway"', () => {
    const err = mustFail(new HostLocalStore('cbr0').allocate(mustLoad(withIps(['10.244.1.1'])), 'a', 'eth0'));
    expect(err.msg).toBe("failed to allocate for range 0: requested ip 10.244.1.1 is subnet's gateway");
  });

  it('rejects an address already reserved', () => {
    const store = new HostLocalStore('cbr0');
    addOk(store, mustLoad(withIps(['10.244.1.9'])), 'a');
    const err = mustFail(store.allocate(mustLoad(withIps(['10.244.1.9'])), 'b', 'eth0'));
    expect(err.msg).toBe(
      'failed to allocate for range 0: requested IP address 10.244.1.9 is not available in range set 10.244.1.1-10.244.1.254',
    );
  });

  it('fails and releases when a requested address is in no range set', () => {
    const store = new HostLocalStore('cbr0');
    const err = mustFail(store.allocate(mustLoad(withIps(['10.9.9.9'])), 'a', 'eth0'));
    expect(err.msg).toBe('failed to allocate all requested IPs: 10.9.9.9');
    expect(store.listFiles().map((f) => f.name)).toEqual(['last_reserved_ip.0', 'lock']);
  });
});

describe('host-local state directory', () => {
  it('is empty before the first operation', () => {
    expect(new HostLocalStore('cbr0').listFiles()).toEqual([]);
  });

  it('holds "<containerID>\\r\\n<ifname>" per address, the cursor and an empty lock, in ls order', () => {
    const config = mustLoad(flannelDelegate('10.244.1.0/24'));
    const store = new HostLocalStore('cbr0');
    for (let i = 0; i < 9; i++) addOk(store, config, `cid${i + 1}`);
    const files = store.listFiles();
    expect(files.map((f) => f.name)).toEqual([
      '10.244.1.10',
      '10.244.1.2',
      '10.244.1.3',
      '10.244.1.4',
      '10.244.1.5',
      '10.244.1.6',
      '10.244.1.7',
      '10.244.1.8',
      '10.244.1.9',
      'last_reserved_ip.0',
      'lock',
    ]);
    expect(files[1]).toEqual({ name: '10.244.1.2', content: 'cid1\r\neth0' });
    expect(files[9]).toEqual({ name: 'last_reserved_ip.0', content: '10.244.1.10' });
    expect(files[10]).toEqual({ name: 'lock', content: '' });
    expect(store.dir).toBe('/var/lib/cni/networks/cbr0');
  });

  it('renders like printf "%s %q\\n" over the directory', () => {
    const config = mustLoad(flannelDelegate('10.244.3.0/29'));
    const store = new HostLocalStore('cbr0');
    addOk(store, config, 'cid1');
    addOk(store, config, 'cid2');
    expect(renderHostLocalDir(store.listFiles())).toBe(
      "10.244.3.2 $'cid1\\r\\neth0'\n10.244.3.3 $'cid2\\r\\neth0'\nlast_reserved_ip.0 10.244.3.3\nlock ''\n",
    );
  });
});

describe('ipamResult()', () => {
  it('prints the 0.3.1 result with version "4", the routes and an empty dns', () => {
    const config = mustLoad(flannelDelegate('10.244.1.0/24'));
    const r = new HostLocalStore('cbr0').allocate(config, 'a', 'eth0');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(JSON.stringify(ipamResult(r.value, config.cniVersion))).toBe(
      '{"cniVersion":"0.3.1","ips":[{"version":"4","address":"10.244.1.2/24","gateway":"10.244.1.1"}],' +
        '"routes":[{"dst":"10.244.0.0/16"}],"dns":{}}',
    );
  });

  it('drops "version" from 1.0.0 on and prints a route gateway', () => {
    const net = flannelDelegate('10.244.1.0/24', { routes: [{ dst: '0.0.0.0/0', gw: '10.244.1.1' }] });
    const config = mustLoad({ ...net, cniVersion: '1.0.0' });
    const r = new HostLocalStore('cbr0').allocate(config, 'a', 'eth0');
    if (!r.ok) throw new Error(r.error.msg);
    expect(ipamResult(r.value, config.cniVersion)).toEqual({
      cniVersion: '1.0.0',
      ips: [{ address: '10.244.1.2/24', gateway: '10.244.1.1' }],
      routes: [{ dst: '0.0.0.0/0', gw: '10.244.1.1' }],
      dns: {},
    });
  });
});
