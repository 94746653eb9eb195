import {
  type ArpPacket,
  arpReply,
  arpRequest,
  BROADCAST_MAC,
  ethernet,
  type Ip4,
  type Mac,
} from '../wire/index.js';
import { isLocalAddress, selectSource } from './addr-select.js';
import type { NetDevice } from './dev/index.js';
import type { NeighEntry } from './neigh.js';
import type { StackView } from './view.js';

/** An ARP packet is 28 bytes; with its Ethernet header the frame Linux captures is 42 bytes (no padding). */
const ARP_FRAME_LEN = 42;

/**
 * ARP for one namespace (net/ipv4/arp.c): answers requests for any local address on any interface
 * (arp_ignore=0), learns from what it hears, and sends the requests the neighbour table asks for.
 * Functions of the namespace rather than an object per namespace: ARP keeps no state of its own (the
 * neighbour table does), and 150,000 pod namespaces would each hold one.
 */

/** arp_process. */
export function arpReceive(view: StackView, dev: NetDevice, arp: ArpPacket, toUs: boolean): void {
  if (arp.op !== 1 && arp.op !== 2) return;
  const neigh = view.neigh;
  if (arp.senderIp === 0) return; // a duplicate-address probe: nothing to learn
  const forUs = isLocalAddress(view, arp.targetIp);
  if (arp.op === 1 && forUs) {
    neigh.update(dev.ifindex, arp.senderIp, arp.senderMac, false, true);
    const reply = arpReply({
      senderMac: dev.mac,
      senderIp: arp.targetIp,
      targetMac: arp.senderMac,
      targetIp: arp.senderIp,
    });
    dev.xmit(ethernet(arp.senderMac, dev.mac, reply), ARP_FRAME_LEN);
    return;
  }
  // Replies addressed to us confirm reachability; anything else only refreshes an existing entry.
  neigh.update(dev.ifindex, arp.senderIp, arp.senderMac, arp.op === 2 && toUs, false);
}

/** arp_solicit: a broadcast request (or a unicast probe to `unicastTo`) for the entry's address. */
export function arpSolicit(
  view: StackView,
  dev: NetDevice,
  entry: NeighEntry,
  unicastTo: Mac | undefined,
): void {
  const last = entry.queue[entry.queue.length - 1];
  // arp_announce=0: use the waiting packet's source if it is ours, else the device's best address.
  let sip: Ip4 | undefined;
  if (last !== undefined && isLocalAddress(view, last.src)) sip = last.src;
  else sip = selectSource(view, dev.ifindex, entry.ip, 'link');
  if (sip === undefined) return;
  const req = arpRequest({ senderMac: dev.mac, senderIp: sip, targetIp: entry.ip });
  dev.xmit(ethernet(unicastTo ?? BROADCAST_MAC, dev.mac, req), ARP_FRAME_LEN);
}
