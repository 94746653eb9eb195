/** Frame records built with wire/'s builders, as the datapath will hand them to the trace bus. */
import {
  type EthernetFrame,
  ethernet,
  IP_FLAG_DF,
  icmpEcho,
  ip4,
  ipv4,
  mac,
  pingPayload,
  TCP_ACK,
  TCP_PSH,
  tcp,
  udp,
  VXLAN_PORT_LINUX,
  vxlan,
} from '../../src/wire/index.js';

const podA = ip4('10.244.1.2');
const podB = ip4('10.244.2.3');
const macA = mac('0a:58:0a:f4:01:02');
const macGw = mac('0a:58:0a:f4:01:01');

/** A default ping's echo request (98 bytes). */
export function pingFrame(seq: number): EthernetFrame {
  const echo = icmpEcho({ type: 8, id: 0x1234, seq, data: pingPayload() });
  return ethernet(macGw, macA, ipv4({ src: podA, dst: podB, flags: IP_FLAG_DF, id: seq, payload: echo }));
}

/** A UDP datagram to a port no dissector claims. */
export function udpRecord(len: number): EthernetFrame {
  const d = udp({
    src: podA,
    dst: podB,
    srcPort: 40001,
    dstPort: 47001,
    payload: new Uint8Array(len).fill(0x5a),
  });
  return ethernet(macGw, macA, ipv4({ src: podA, dst: podB, flags: IP_FLAG_DF, payload: d }));
}

/** A full-size TCP segment (1514-byte frame). */
export function tcpRecord(): EthernetFrame {
  const s = tcp({
    src: podA,
    dst: podB,
    srcPort: 40001,
    dstPort: 8080,
    seq: 1000,
    ack: 2000,
    flags: TCP_ACK | TCP_PSH,
    window: 502,
    payload: new Uint8Array(1460).fill(0x33),
  });
  return ethernet(macGw, macA, ipv4({ src: podA, dst: podB, flags: IP_FLAG_DF, payload: s }));
}

/** The ping wrapped by flannel.1: outer node-to-node UDP 8472 with VXLAN VNI 1. */
export function vxlanRecord(seq: number): EthernetFrame {
  const n1 = ip4('192.168.56.11');
  const n2 = ip4('192.168.56.12');
  const d = udp({
    src: n1,
    dst: n2,
    srcPort: 50640,
    dstPort: VXLAN_PORT_LINUX,
    payload: vxlan({ vni: 1, inner: pingFrame(seq) }),
  });
  return ethernet(mac('08:00:27:00:00:12'), mac('08:00:27:00:00:11'), ipv4({ src: n1, dst: n2, payload: d }));
}
