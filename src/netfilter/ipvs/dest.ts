import type { Ip4 } from '../../wire/index.js';

/** Forwarding methods `ipvsadm -Ln` prints; podwire implements NAT (Masq), the one kube-proxy uses. */
export type IpvsForward = 'Masq';

/**
 * A real server of one virtual service (struct ip_vs_dest). Its connection counters are maintained by
 * the connection table exactly where the kernel does it: ip_vs_bind_dest / ip_vs_unbind_dest and the TCP
 * state transitions (set_tcp_state).
 */
export class IpvsDest {
  weight: number;
  /** Upper/lower connection thresholds (`ipvsadm -x/-y`); 0 means none. */
  uThreshold: number;
  lThreshold: number;
  /** TCP connections in ESTABLISHED (`ActiveConn`). */
  activeConns = 0;
  /** All other connections, UDP ones always (`InActConn`). */
  inactConns = 0;
  /** Persistence templates pointing here (`ipvsadm -Ln --persistent-conn`). */
  persistConns = 0;
  /** IP_VS_DEST_F_AVAILABLE: in its service's list; cleared when deleted (the dest then lives in the trash). */
  available = true;
  /** IP_VS_DEST_F_OVERLOAD: set when total connections reach uThreshold. */
  overloaded = false;
  readonly forward: IpvsForward = 'Masq';
  /** Connections ever scheduled here (`ipvsadm -Ln --stats` Conns). */
  conns = 0;

  constructor(
    readonly addr: Ip4,
    readonly port: number,
    weight: number,
    uThreshold = 0,
    lThreshold = 0,
  ) {
    this.weight = weight;
    this.uThreshold = uThreshold;
    this.lThreshold = lThreshold;
  }

  /** ip_vs_dest_conn_overhead: active connections count 256 times an inactive one. */
  get overhead(): number {
    return this.activeConns * 256 + this.inactConns;
  }

  /** ip_vs_dest_totalconns. */
  get totalConns(): number {
    return this.activeConns + this.inactConns;
  }

  /** Whether anything still references the dest (its refcnt beyond the service's own). */
  get referenced(): boolean {
    return this.activeConns + this.inactConns + this.persistConns > 0;
  }

  /** ip_vs_bind_dest's overload check, after a connection was counted. */
  checkOverload(): void {
    if (this.uThreshold !== 0 && this.totalConns >= this.uThreshold) this.overloaded = true;
  }

  /** ip_vs_unbind_dest's hysteresis, after a connection was uncounted. */
  checkUnderload(): void {
    if (this.lThreshold !== 0) {
      if (this.totalConns < this.lThreshold) this.overloaded = false;
    } else if (this.uThreshold !== 0) {
      if (this.totalConns * 4 < this.uThreshold * 3) this.overloaded = false;
    } else {
      this.overloaded = false;
    }
  }
}
