import { describe, expect, it } from 'vitest';
import { ipLink, linkJson } from '../../src/inspect/index.js';
import { MS } from '../../src/sim/index.js';
import { bridgeLab } from '../net/bridge-lab.js';

const GSO =
  'gso_max_size 65536 gso_max_segs 65535 tso_max_size 524280 tso_max_segs 65535 gro_max_size 65536 ';

/**
 * LAB (kernel 6.18, iproute2 6.1) in a fresh netns: `ip link add cni0 type bridge; ip link set cni0 up;
 * ip addr add 10.244.1.1/24 dev cni0`, then two veths `veth1a`/`veth1b` enslaved to cni0 with their peers
 * in netns brh-pa/brh-pb, `ip link set veth1a type bridge_slave hairpin on`, and `ip -d link show` about
 * 3.14 s after cni0 came up. (cni0 had taken veth1a's MAC there — an unpinned bridge follows its lowest
 * port MAC — so the fixture creates cni0 with that MAC.)
 */
const LAB_IP_D_LINK = [
  '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000',
  `    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00 promiscuity 0  allmulti 0 minmtu 0 maxmtu 0 addrgenmode eui64 numtxqueues 1 numrxqueues 1 ${GSO}`,
  '2: cni0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default qlen 1000',
  '    link/ether de:fc:b8:91:8d:61 brd ff:ff:ff:ff:ff:ff promiscuity 0  allmulti 0 minmtu 68 maxmtu 65535 ',
  `    bridge forward_delay 1500 hello_time 200 max_age 2000 ageing_time 30000 stp_state 0 priority 32768 vlan_filtering 0 bridge_id 8000.de:fc:b8:91:8d:61 designated_root 8000.de:fc:b8:91:8d:61 root_port 0 root_path_cost 0 topology_change 0 topology_change_detected 0 hello_timer    0.00 tcn_timer    0.00 topology_change_timer    0.00 gc_timer  296.96 group_fwd_mask 0 group_address 01:80:c2:00:00:00 mcast_snooping 1 no_linklocal_learn 0 mcast_vlan_snooping 0 mcast_router 1 mcast_query_use_ifaddr 0 mcast_querier 0 mcast_hash_elasticity 16 mcast_hash_max 4096 mcast_last_member_count 2 mcast_startup_query_count 2 mcast_last_member_interval 100 mcast_membership_interval 26000 mcast_querier_interval 25500 mcast_query_interval 12500 mcast_query_response_interval 1000 mcast_startup_query_interval 3124 mcast_stats_enabled 0 mcast_igmp_version 2 mcast_mld_version 1 nf_call_iptables 0 nf_call_ip6tables 0 nf_call_arptables 0 addrgenmode eui64 numtxqueues 1 numrxqueues 1 ${GSO}`,
  '3: veth1a@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue master cni0 state UP mode DEFAULT group default qlen 1000',
  '    link/ether de:fc:b8:91:8d:61 brd ff:ff:ff:ff:ff:ff link-netns brh-pa promiscuity 1  allmulti 1 minmtu 68 maxmtu 65535 ',
  '    veth ',
  `    bridge_slave state forwarding priority 32 cost 2 hairpin on guard off root_block off fastleave off learning on flood on port_id 0x8001 port_no 0x1 designated_port 32769 designated_cost 0 designated_bridge 8000.de:fc:b8:91:8d:61 designated_root 8000.de:fc:b8:91:8d:61 hold_timer    0.00 message_age_timer    0.00 forward_delay_timer   11.95 topology_change_ack 0 config_pending 0 proxy_arp off proxy_arp_wifi off mcast_router 1 mcast_fast_leave off mcast_flood on bcast_flood on mcast_to_unicast off neigh_suppress off group_fwd_mask 0 group_fwd_mask_str 0x0 vlan_tunnel off isolated off locked off addrgenmode eui64 numtxqueues 2 numrxqueues 2 ${GSO}`,
  '4: veth1b@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue master cni0 state UP mode DEFAULT group default qlen 1000',
  '    link/ether e6:6a:4c:b8:f4:fc brd ff:ff:ff:ff:ff:ff link-netns brh-pb promiscuity 1  allmulti 1 minmtu 68 maxmtu 65535 ',
  '    veth ',
  `    bridge_slave state forwarding priority 32 cost 2 hairpin off guard off root_block off fastleave off learning on flood on port_id 0x8002 port_no 0x2 designated_port 32770 designated_cost 0 designated_bridge 8000.de:fc:b8:91:8d:61 designated_root 8000.de:fc:b8:91:8d:61 hold_timer    0.00 message_age_timer    0.00 forward_delay_timer   11.96 topology_change_ack 0 config_pending 0 proxy_arp off proxy_arp_wifi off mcast_router 1 mcast_fast_leave off mcast_flood on bcast_flood on mcast_to_unicast off neigh_suppress off group_fwd_mask 0 group_fwd_mask_str 0x0 vlan_tunnel off isolated off locked off addrgenmode eui64 numtxqueues 2 numrxqueues 2 ${GSO}`,
  '',
].join('\n');

/** The lab: veth1a enslaved 90 ms after cni0 came up, veth1b 10 ms later, shown at 3.14 s. */
function lab() {
  const l = bridgeLab('de:fc:b8:91:8d:61', [
    {
      host: 'veth1a',
      hostMac: 'de:fc:b8:91:8d:61',
      podMac: '06:5e:2e:af:a2:83',
      netns: 'brh-pa',
      at: 90 * MS,
    },
    {
      host: 'veth1b',
      hostMac: 'e6:6a:4c:b8:f4:fc',
      podMac: 'f2:30:23:55:63:d1',
      netns: 'brh-pb',
      at: 100 * MS,
    },
  ]);
  const port = l.cni0.ports.find((p) => p.dev.name === 'veth1a');
  if (port === undefined) throw new Error('veth1a is not a port');
  port.hairpin = true;
  l.sim.run({ until: 3140 * MS });
  return l;
}

describe('ipLink() for a bridge and its ports', () => {
  it('prints what `ip -d link show` printed in the lab, byte for byte', () => {
    expect(ipLink(lab().node)).toBe(LAB_IP_D_LINK);
  });

  it('gives ip -j the bridge’s info_data and a port’s master and info_slave_data under the JSON key names', () => {
    const [, cni0, veth1a] = linkJson(lab().node);
    expect(cni0?.linkinfo?.info_kind).toBe('bridge');
    expect(cni0?.linkinfo?.info_data).toMatchObject({
      ageing_time: 30000,
      bridge_id: '8000.de:fc:b8:91:8d:61',
      root_id: '8000.de:fc:b8:91:8d:61',
      gc_timer: 296.96,
      group_addr: '01:80:c2:00:00:00',
      mcast_last_member_cnt: 2,
      nf_call_iptables: 0,
    });
    expect(veth1a).toMatchObject({ master: 'cni0', promiscuity: 1, allmulti: 1 });
    expect(veth1a?.linkinfo).toMatchObject({
      info_kind: 'veth',
      info_slave_kind: 'bridge',
      info_slave_data: { state: 'forwarding', hairpin: true, id: '0x8001', no: '0x1', multicast_router: 1 },
    });
    expect(veth1a?.linkinfo?.info_slave_data).not.toHaveProperty('mcast_fast_leave');
  });

  it('shows a bridge that never had a port as UNKNOWN with carrier (LAB)', () => {
    const l = bridgeLab('02:3d:ec:05:76:82', []);
    expect(ipLink(l.node).split('\n')[2]).toBe(
      '2: cni0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000',
    );
  });

  it('shows a port without carrier as disabled and a bridge with no forwarding port as NO-CARRIER', () => {
    const l = lab();
    l.pods[0]?.ns.setLinkUp('eth0', false);
    l.pods[1]?.ns.setLinkUp('eth0', false);
    const text = ipLink(l.node);
    expect(text).toContain(
      '2: cni0: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1500 qdisc noqueue state DOWN mode DEFAULT group default qlen 1000',
    );
    expect(text).toContain('    bridge_slave state disabled priority 32 cost 2 hairpin on ');
    expect(text).toContain('forward_delay_timer    0.00 ');
  });
});
