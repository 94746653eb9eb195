import { describe, expect, it } from 'vitest';
import { Ping } from '../../src/apps/index.js';
import { bridgeFdbShow, selfFdbMacs } from '../../src/inspect/index.js';
import { NetNs, Nic } from '../../src/net/index.js';
import { SECOND } from '../../src/sim/index.js';
import { formatMac, ip4 } from '../../src/wire/index.js';
import { bridgeLab, mac } from '../net/bridge-lab.js';

/**
 * LAB (kernel 6.18, iproute2 6.1), the CNI bridge plugin's order in a fresh netns: `ip link add cni0 type
 * bridge; ip link set cni0 up; ip link set cni0 mtu 1450; ip addr add 10.244.1.1/24 dev cni0`, a veth
 * `veth1a` (up) with its peer `eth0` in the pod netns, `ip link set veth1a master cni0`, pod eth0 up, and
 * `ip link set cni0 address <the MAC cni0 was created with>` (pinning it). Then `bridge fdb show`:
 */
const LAB_FDB = [
  '33:33:00:00:00:01 dev cni0 self permanent',
  '01:00:5e:00:00:6a dev cni0 self permanent',
  '33:33:00:00:00:6a dev cni0 self permanent',
  '01:00:5e:00:00:01 dev cni0 self permanent',
  '33:33:ff:48:a4:65 dev cni0 self permanent',
  '1e:76:8f:48:a4:65 dev cni0 master cni0 permanent',
  '0e:db:f6:2c:e9:68 dev veth1a master cni0 ',
  '8a:b0:8c:3d:dd:27 dev veth1a master cni0 permanent',
  '33:33:00:00:00:01 dev veth1a self permanent',
  '01:00:5e:00:00:01 dev veth1a self permanent',
  '33:33:ff:3d:dd:27 dev veth1a self permanent',
  '',
].join('\n');

/** The same lab with the pod's first frames sent (the kernel pod's were IPv6 MLD/RS; ours is a ping). */
function labWithTraffic() {
  const lab = bridgeLab(
    '1e:76:8f:48:a4:65',
    [{ host: 'veth1a', hostMac: '8a:b0:8c:3d:dd:27', podMac: '0e:db:f6:2c:e9:68', netns: 'brh3-pa' }],
    { mtu: 1450 },
  );
  const pod = lab.pods[0];
  if (pod === undefined) throw new Error('no pod');
  new Ping(pod.ns, {
    dst: ip4('10.244.1.1'),
    count: 1,
    intervalNs: SECOND,
    size: 56,
    ttl: 64,
    pmtudisc: 'want',
  }).start();
  lab.sim.run();
  return lab;
}

describe('bridgeFdbShow()', () => {
  it('prints what `bridge fdb show` printed in the lab, byte for byte', () => {
    expect(bridgeFdbShow(labWithTraffic().node)).toBe(LAB_FDB);
  });

  it('`br cni0` keeps the bridge and its ports (all of them here)', () => {
    expect(bridgeFdbShow(labWithTraffic().node, { br: 'cni0' })).toBe(LAB_FDB);
  });

  it('`dev veth1a` leaves out the `dev` field, as iproute2 does', () => {
    expect(bridgeFdbShow(labWithTraffic().node, { dev: 'veth1a' })).toBe(
      [
        '0e:db:f6:2c:e9:68 master cni0 ',
        '8a:b0:8c:3d:dd:27 master cni0 permanent',
        '33:33:00:00:00:01 self permanent',
        '01:00:5e:00:00:01 self permanent',
        '33:33:ff:3d:dd:27 self permanent',
        '',
      ].join('\n'),
    );
  });

  it('drops a learned entry once it has aged out, keeping the permanent ones', () => {
    const lab = labWithTraffic();
    lab.sim.run({ until: 400 * SECOND });
    expect(bridgeFdbShow(lab.node)).toBe(LAB_FDB.replace('0e:db:f6:2c:e9:68 dev veth1a master cni0 \n', ''));
  });

  it('forgets a port’s learned entries when the port loses carrier (LAB: pod eth0 down)', () => {
    const lab = labWithTraffic();
    lab.node.setLinkUp('veth1a', true);
    lab.pods[0]?.ns.setLinkUp('eth0', false);
    expect(bridgeFdbShow(lab.node)).toBe(LAB_FDB.replace('0e:db:f6:2c:e9:68 dev veth1a master cni0 \n', ''));
  });

  it('lists an Ethernet NIC’s filter list and nothing for lo; a down device has none', () => {
    const lab = bridgeLab('02:00:00:00:00:ff', []);
    const node = new NetNs(lab.sim, { name: 'n', trace: lab.trace });
    node.attach(new Nic(lab.sim, node.deviceOptions('eth0', mac('52:54:00:12:34:56'), 1500)));
    expect(bridgeFdbShow(node)).toBe(
      [
        '33:33:00:00:00:01 dev eth0 self permanent',
        '01:00:5e:00:00:01 dev eth0 self permanent',
        '33:33:ff:12:34:56 dev eth0 self permanent',
        '',
      ].join('\n'),
    );
    node.setLinkUp('eth0', false);
    expect(bridgeFdbShow(node)).toBe('');
  });

  it('selfFdbMacs() gives a bridge the all-snoopers groups between ff02::1 and 224.0.0.1', () => {
    const lab = bridgeLab('1e:76:8f:48:a4:65', []);
    expect(selfFdbMacs(lab.cni0).map(formatMac)).toEqual([
      '33:33:00:00:00:01',
      '01:00:5e:00:00:6a',
      '33:33:00:00:00:6a',
      '01:00:5e:00:00:01',
      '33:33:ff:48:a4:65',
    ]);
  });

  it('`br` naming something that is not a bridge prints nothing', () => {
    expect(bridgeFdbShow(labWithTraffic().node, { br: 'veth1a' })).toBe('');
  });
});
