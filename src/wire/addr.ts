/**
 * MAC and IPv4 addresses as numbers, with their text forms for the edges (topology files, inspect
 * output, tests). The per-packet path compares and masks plain numbers and never calls these formatters.
 */
import { hexByte } from './hex.js';
import type { Ip4, Mac } from './types.js';

const MAC_RE = /^([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2})$/i;
const IP4_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const TWO_40 = 0x100_0000_0000;

/** Formats a MAC as lower-case colon-separated hex, as `ip link` prints it. */
export function formatMac(mac: Mac): string {
  const hi = Math.floor(mac / 4294967296);
  const lo = mac >>> 0;
  // Joined rather than appended: one flat string, where `+=` leaves a rope of pieces that callers keeping
  // the text (a pod's CNI result) would hold for the whole run.
  return [
    hexByte(hi >>> 8),
    hexByte(hi),
    hexByte(lo >>> 24),
    hexByte(lo >>> 16),
    hexByte(lo >>> 8),
    hexByte(lo),
  ].join(':');
}

/** Parses "0a:00:00:00:00:02" (either case); undefined when the text is not six hex octets. */
export function parseMac(text: string): Mac | undefined {
  const m = MAC_RE.exec(text);
  if (m === null) return undefined;
  let mac = 0;
  for (let i = 1; i <= 6; i++) mac = mac * 256 + Number.parseInt(m[i] ?? '0', 16);
  return mac;
}

/** Formats an IPv4 address as a dotted quad. */
export function formatIp4(ip: Ip4): string {
  return `${ip >>> 24}.${(ip >>> 16) & 0xff}.${(ip >>> 8) & 0xff}.${ip & 0xff}`;
}

/** Parses a dotted quad of decimal octets (no leading zeros, which inet_aton would read as octal). */
export function parseIp4(text: string): Ip4 | undefined {
  const m = IP4_RE.exec(text);
  if (m === null) return undefined;
  let ip = 0;
  for (let i = 1; i <= 4; i++) {
    const part = m[i] ?? '';
    if (part.length > 1 && part.startsWith('0')) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    ip = ip * 256 + octet;
  }
  return ip;
}

/** Parses a MAC literal; throws RangeError on bad text (for constants in code and tests). */
export function mac(text: string): Mac {
  const v = parseMac(text);
  if (v === undefined) throw new RangeError(`not a MAC address: "${text}"`);
  return v;
}

/** Parses an IPv4 literal; throws RangeError on bad text (for constants in code and tests). */
export function ip4(text: string): Ip4 {
  const v = parseIp4(text);
  if (v === undefined) throw new RangeError(`not an IPv4 address: "${text}"`);
  return v;
}

/** The netmask of a prefix length 0..32 as a uint32 (24 → 0xffffff00). */
export function maskOf(len: number): number {
  if (!Number.isInteger(len) || len < 0 || len > 32)
    throw new RangeError(`prefix length ${len} not in 0..32`);
  return len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
}

/** The network address of `ip` under a prefix length (10.244.1.7/24 → 10.244.1.0). */
export function networkOf(ip: Ip4, len: number): Ip4 {
  return (ip & maskOf(len)) >>> 0;
}

/** True when `ip` lies in network/len. */
export function inPrefix(ip: Ip4, network: Ip4, len: number): boolean {
  const m = maskOf(len);
  return (ip & m) >>> 0 === (network & m) >>> 0;
}

/** Parses "10.244.0.0/16" into address and length; undefined on bad text (host bits are kept). */
export function parseCidr(text: string): { readonly ip: Ip4; readonly len: number } | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const ip = parseIp4(text.slice(0, slash));
  const lenText = text.slice(slash + 1);
  if (ip === undefined || !/^\d{1,2}$/.test(lenText)) return undefined;
  const len = Number(lenText);
  return len <= 32 ? { ip, len } : undefined;
}

/** Formats address and prefix length as "10.244.0.0/16". */
export function formatCidr(ip: Ip4, len: number): string {
  return `${formatIp4(ip)}/${len}`;
}

/** True for a group (multicast or broadcast) MAC: bit 0 of the first octet. */
export function isMulticastMac(m: Mac): boolean {
  return Math.floor(m / TWO_40) % 2 === 1;
}
