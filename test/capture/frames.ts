/**
 * Hand-built, well-formed Ethernet/IPv4 frames with correct checksums, so pcapng tests do not depend on
 * wire/. Layouts follow RFC 791/792/768/9293; checksums are the RFC 1071 one's-complement sum.
 */

/** RFC 1071 checksum over `bytes`, starting from a partial sum. */
function checksum(bytes: Uint8Array, initial = 0): number {
  let sum = initial;
  for (let i = 0; i + 1 < bytes.length; i += 2) sum += ((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0);
  if (bytes.length % 2 === 1) sum += (bytes[bytes.length - 1] ?? 0) << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function put16(b: Uint8Array, at: number, v: number): void {
  b[at] = v >>> 8;
  b[at + 1] = v & 0xff;
}

function put32(b: Uint8Array, at: number, v: number): void {
  put16(b, at, v >>> 16);
  put16(b, at + 2, v & 0xffff);
}

const SRC_MAC = [0x0a, 0x58, 0x0a, 0xf4, 0x01, 0x02];
const DST_MAC = [0x0a, 0x58, 0x0a, 0xf4, 0x01, 0x01];
const SRC_IP = 0x0af40102; // 10.244.1.2
const DST_IP = 0x0af40203; // 10.244.2.3

/** Ethernet + IPv4 header around an L4 message; fills the L4 checksum at `checksumAt` (ICMP: at 2, no pseudo-header). */
function ipv4Frame(protocol: number, l4: Uint8Array, checksumAt: number | undefined): Uint8Array {
  const f = new Uint8Array(14 + 20 + l4.length);
  f.set(DST_MAC, 0);
  f.set(SRC_MAC, 6);
  put16(f, 12, 0x0800);
  const ip = 14;
  f[ip] = 0x45;
  put16(f, ip + 2, 20 + l4.length);
  put16(f, ip + 4, 0x1234);
  put16(f, ip + 6, 0x4000); // DF
  f[ip + 8] = 64;
  f[ip + 9] = protocol;
  put32(f, ip + 12, SRC_IP);
  put32(f, ip + 16, DST_IP);
  put16(f, ip + 10, checksum(f.subarray(ip, ip + 20)));
  if (checksumAt !== undefined) {
    // TCP/UDP: the pseudo-header (src, dst, zero+protocol, L4 length) is summed in first.
    const pseudo = new Uint8Array(12);
    put32(pseudo, 0, SRC_IP);
    put32(pseudo, 4, DST_IP);
    pseudo[9] = protocol;
    put16(pseudo, 10, l4.length);
    let c = checksum(l4, ~checksum(pseudo) & 0xffff); // un-complement: the folded pseudo-header sum

    if (protocol === 17 && c === 0) c = 0xffff; // UDP sends a computed 0 as all ones (RFC 768)
    put16(l4, checksumAt, c);
  } else {
    put16(l4, 2, checksum(l4));
  }
  f.set(l4, 34);
  return f;
}

function payload(n: number): Uint8Array {
  const p = new Uint8Array(n);
  for (let i = 0; i < n; i++) p[i] = (i * 7 + 3) & 0xff;
  return p;
}

/** ICMP echo request with `dataLen` bytes of data (56 gives the 98-byte frame of a default ping). */
export function icmpEchoFrame(dataLen = 56, seq = 1): Uint8Array {
  const m = new Uint8Array(8 + dataLen);
  m[0] = 8;
  put16(m, 4, 0x0abc);
  put16(m, 6, seq);
  m.set(payload(dataLen), 8);
  return ipv4Frame(1, m, undefined);
}

/** UDP datagram 40001 → 47001 (a port no dissector claims) with `dataLen` bytes. */
export function udpFrame(dataLen = 32): Uint8Array {
  const m = new Uint8Array(8 + dataLen);
  put16(m, 0, 40001);
  put16(m, 2, 47001);
  put16(m, 4, m.length);
  m.set(payload(dataLen), 8);
  return ipv4Frame(17, m, 6);
}

/** TCP segment 40001 → 8080 with ACK|PSH and `dataLen` bytes (1460 gives a 1514-byte frame). */
export function tcpFrame(dataLen = 100): Uint8Array {
  const m = new Uint8Array(20 + dataLen);
  put16(m, 0, 40001);
  put16(m, 2, 8080);
  put32(m, 4, 1000);
  put32(m, 8, 2000);
  m[12] = 5 << 4;
  m[13] = 0x18;
  put16(m, 14, 64240);
  m.set(payload(dataLen), 20);
  return ipv4Frame(6, m, 16);
}
