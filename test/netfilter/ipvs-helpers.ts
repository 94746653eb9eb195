import { IpvsDest, IpvsService, type SchedPacket, type SchedulerName } from '../../src/netfilter/index.js';
import { type Ip4, ip4 } from '../../src/wire/index.js';

/** Real server i of a test service: 10.244.0.(i+1):8080. */
export function rip(i: number): Ip4 {
  return ip4(`10.244.0.${i + 1}`);
}

/**
 * A TCP service on 10.96.0.100:80 whose list, in the kernel's order (head first), holds one dest per
 * weight: they are linked last-to-first, because the kernel puts each new dest at the head.
 */
export function serviceWith(scheduler: SchedulerName, weights: readonly number[]): IpvsService {
  const svc = new IpvsService({ protocol: 'TCP', addr: ip4('10.96.0.100'), port: 80, scheduler });
  for (let i = weights.length - 1; i >= 0; i--) svc.link(new IpvsDest(rip(i), 8080, weights[i] as number));
  return svc;
}

/** The index (in list order) of the dest a scheduler picked, or -1 for none. */
export function pickIndex(svc: IpvsService, pkt: SchedPacket = packet(), now = 0): number {
  const d = svc.scheduler.schedule(svc, pkt, now);
  return d === undefined ? -1 : svc.dests.indexOf(d);
}

export function packet(src = '10.244.1.2', dst = '10.96.0.100', srcPort = 40000): SchedPacket {
  return { src: ip4(src), dst: ip4(dst), srcPort };
}

/** `n` picks as list indices. */
export function picks(svc: IpvsService, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(pickIndex(svc));
  return out;
}

/** Sets a dest's connection counters the way the connection table would leave them. */
export function load(d: IpvsDest | undefined, active: number, inactive: number): void {
  if (d === undefined) throw new Error('no such dest');
  d.activeConns = active;
  d.inactConns = inactive;
}
