import { formatIp4 } from '../wire/index.js';

/** Formats a round-trip time in µs the way iputils ping prints it (print_timing: 3 significant places). */
export function pingTime(us: number): string {
  const t = Math.round(us);
  if (t >= 100000 - 50) return `${Math.floor((t + 500) / 1000)} ms`;
  if (t >= 10000 - 5) {
    const r = Math.floor((t + 50) / 100);
    return `${Math.floor(r / 10)}.${r % 10} ms`;
  }
  if (t >= 1000) {
    const r = Math.floor((t + 5) / 10);
    return `${Math.floor(r / 100)}.${String(r % 100).padStart(2, '0')} ms`;
  }
  return `${Math.floor(t / 1000)}.${String(t % 1000).padStart(3, '0')} ms`;
}

/** C's `%g` for a percentage such as 33.3333 or 0. */
export function percentG(value: number): string {
  if (value === 0) return '0';
  return String(Number(value.toPrecision(6)));
}

/** `%.3f` of milliseconds from a duration in ns. */
export function ms3(ns: number): string {
  return (ns / 1e6).toFixed(3);
}

/** The text iputils ping prints for an ICMP error it received (print_icmp / pr_icmph). */
export function pingIcmpText(type: number, code: number, rest: number): string {
  if (type === 3) {
    switch (code) {
      case 0:
        return 'Destination Net Unreachable';
      case 1:
        return 'Destination Host Unreachable';
      case 2:
        return 'Destination Protocol Unreachable';
      case 3:
        return 'Destination Port Unreachable';
      case 4:
        return `Frag needed and DF set (mtu = ${rest & 0xffff})`;
      case 5:
        return 'Source Route Failed';
      case 9:
        return 'Destination Net Prohibited';
      case 10:
        return 'Destination Host Prohibited';
      case 13:
        return 'Packet filtered';
      default:
        return `Dest Unreachable, Bad Code: ${code}`;
    }
  }
  if (type === 11) return code === 0 ? 'Time to live exceeded' : 'Frag reassembly time exceeded';
  return `Bad ICMP type: ${type}`;
}

/** The annotation traceroute adds after a probe answered by an ICMP unreachable (!H, !N, …). */
export function tracerouteAnnotation(type: number, code: number, rest: number): string {
  if (type !== 3) return '';
  switch (code) {
    case 0:
      return '!N';
    case 1:
      return '!H';
    case 2:
      return '!P';
    case 3:
      return '';
    case 4:
      return `!F-${rest & 0xffff}`;
    case 13:
      return '!X';
    default:
      return `!<${code}>`;
  }
}

export { formatIp4 };
