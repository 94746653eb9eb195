import type { Ip4 } from '../../wire/index.js';
import { CONN_INITIAL_TIMEOUT, TCP_S, TEMPLATE_EXPIRE_LATER } from './defaults.js';
import type { IpvsDest } from './dest.js';
import { ExpiryHeap, type Timed } from './expiry.js';
import { protoIndex } from './service.js';

/**
 * One IPVS connection entry (struct ip_vs_conn): client (caddr:cport), virtual (vaddr:vport) and real
 * server (daddr:dport) ends of a flow, or — with `template` — a persistence template
 * <protocol, client & netmask, 0, vaddr, vport, daddr, dport> that pins a client to a real server.
 */
export class IpvsConn implements Timed {
  /** Creation order: the order podwire lists connections in (`ipvsadm -Lnc`). */
  readonly seq: number;
  readonly protocol: number;
  readonly caddr: Ip4;
  readonly cport: number;
  readonly vaddr: Ip4;
  /** 65535 once an invalidated template was rehashed out of reach (ip_vs_check_template). */
  vport: number;
  readonly daddr: Ip4;
  dport: number;
  readonly template: boolean;
  /** The real server (never NULL here: podwire has no cache-bypass or synced connections). */
  readonly dest: IpvsDest;
  /** TCP state (TCP_S), 0 for UDP (IP_VS_UDP_S_NORMAL) and templates (IP_VS_CTPL_S_NONE). */
  state: number = TCP_S.NONE;
  /** IP_VS_CONN_F_INACTIVE: counted in the dest's inactConns (every new connection starts so). */
  inactive = true;
  /** IP_VS_CTPL_S_ASSURED, for templates: a controlled connection got a reply / reached ESTABLISHED. */
  assured = false;
  /** IP_VS_CONN_F_NFCT: the packets keep their netfilter conntrack entry (sysctl conntrack=1). */
  nfct: boolean;
  /** Current timeout (by state), in ns. */
  timeout: number = CONN_INITIAL_TIMEOUT;
  expires = 0;
  timerSeq = -1;
  timerAt = Number.POSITIVE_INFINITY;
  /** The template controlling this connection (cp->control), and how many it controls (n_control). */
  control: IpvsConn | undefined;
  nControl = 0;
  /** Still in the table. */
  linked = true;

  constructor(seq: number, a: NewConn) {
    this.seq = seq;
    this.protocol = a.protocol;
    this.caddr = a.caddr;
    this.cport = a.cport;
    this.vaddr = a.vaddr;
    this.vport = a.vport;
    this.daddr = a.daddr;
    this.dport = a.dport;
    this.template = a.template;
    this.dest = a.dest;
    this.nfct = a.nfct;
  }
}

/** The fields of ip_vs_conn_new's ip_vs_conn_param plus the chosen real server. */
export interface NewConn {
  readonly protocol: number;
  readonly caddr: Ip4;
  readonly cport: number;
  readonly vaddr: Ip4;
  readonly vport: number;
  readonly daddr: Ip4;
  readonly dport: number;
  readonly template: boolean;
  readonly dest: IpvsDest;
  readonly nfct: boolean;
}

/** The chain key: ip_vs_conn_hashkey_conn hashes on (protocol, caddr, cport) only, as here. */
function chainKey(protocol: number, addr: Ip4, port: number): number {
  return addr * 0x40000 + port * 4 + protoIndex(protocol);
}

/**
 * The connection table (ip_vs_conn.c): chains by client end, newest first (hlist_add_head_rcu), lookups
 * for requests (ip_vs_conn_in_get), replies (ip_vs_conn_out_get) and templates (ip_vs_ct_in_get), and
 * the timers, run lazily: `expireDue(now)` fires every timer due by `now` in expiry order.
 */
export class ConnTable {
  private readonly chains = new Map<number, IpvsConn[]>();
  private readonly live = new Set<IpvsConn>();
  private readonly timers = new ExpiryHeap<IpvsConn>();
  private nextSeq = 0;
  /** Told when a connection leaves the table (the kernel drops its conntrack entry then, for NFCT ones). */
  onExpire: ((conn: IpvsConn) => void) | undefined;
  /** Told when a dest's last reference goes (the trash may free it). */
  onUnreferenced: ((dest: IpvsDest) => void) | undefined;

  get size(): number {
    return this.live.size;
  }

  /** Connections and templates in creation order. */
  list(): IpvsConn[] {
    return [...this.live];
  }

  /** ip_vs_conn_new + ip_vs_bind_dest: hashed, counted on its dest, timer armed `now` + 3 s. */
  create(a: NewConn, now: number): IpvsConn {
    const c = new IpvsConn(this.nextSeq++, a);
    const key = chainKey(c.protocol, c.caddr, c.cport);
    const chain = this.chains.get(key);
    if (chain === undefined) this.chains.set(key, [c]);
    else chain.unshift(c);
    this.live.add(c);
    if (c.template) a.dest.persistConns++;
    else a.dest.inactConns++;
    a.dest.checkOverload();
    c.expires = now + c.timeout;
    this.timers.arm(c);
    return c;
  }

  /** ip_vs_conn_in_get: a request's connection (templates never match: their cport is 0). */
  inGet(protocol: number, caddr: Ip4, cport: number, vaddr: Ip4, vport: number): IpvsConn | undefined {
    const chain = this.chains.get(chainKey(protocol, caddr, cport));
    if (chain === undefined) return undefined;
    for (const c of chain) {
      if (!c.template && c.cport === cport && c.vport === vport && c.caddr === caddr && c.vaddr === vaddr) {
        return c;
      }
    }
    return undefined;
  }

  /** ip_vs_conn_out_get: a reply from daddr:dport to caddr:cport. */
  outGet(protocol: number, daddr: Ip4, dport: number, caddr: Ip4, cport: number): IpvsConn | undefined {
    const chain = this.chains.get(chainKey(protocol, caddr, cport));
    if (chain === undefined) return undefined;
    for (const c of chain) {
      if (!c.template && c.dport === dport && c.cport === cport && c.daddr === daddr && c.caddr === caddr) {
        return c;
      }
    }
    return undefined;
  }

  /** ip_vs_ct_in_get: the template for (protocol, masked client, vaddr, vport). */
  templateGet(protocol: number, snet: Ip4, vaddr: Ip4, vport: number): IpvsConn | undefined {
    const chain = this.chains.get(chainKey(protocol, snet, 0));
    if (chain === undefined) return undefined;
    for (const c of chain) {
      if (c.template && c.caddr === snet && c.vaddr === vaddr && c.vport === vport) return c;
    }
    return undefined;
  }

  /** ip_vs_control_add: `conn` is controlled by `template`. */
  control(conn: IpvsConn, template: IpvsConn): void {
    conn.control = template;
    template.nControl++;
  }

  /** ip_vs_conn_put: the timer restarts at `now` + the connection's current timeout. */
  put(c: IpvsConn, now: number): void {
    c.expires = now + c.timeout;
    this.timers.refresh(c);
  }

  /** Fires every timer due by `now`, in expiry order. */
  expireDue(now: number): void {
    for (let c = this.timers.popDue(now); c !== undefined; c = this.timers.popDue(now)) {
      if (c.linked) this.fire(c, c.expires);
    }
  }

  /** ip_vs_conn_expire_now / ip_vs_conn_del: the timer fires at `now`. */
  expireNow(c: IpvsConn, now: number): void {
    if (c.linked) this.fire(c, now);
  }

  /** TCP: set_tcp_state's counter moves between activeconns and inactconns. */
  setTcpState(c: IpvsConn, state: number): void {
    if (state === c.state) return;
    const d = c.dest;
    if (!c.inactive && state !== TCP_S.ESTABLISHED) {
      d.activeConns--;
      d.inactConns++;
      c.inactive = true;
    } else if (c.inactive && state === TCP_S.ESTABLISHED) {
      d.activeConns++;
      d.inactConns--;
      c.inactive = false;
    }
    if (state === TCP_S.ESTABLISHED) assureTemplate(c);
    c.state = state;
  }

  /**
   * ip_vs_conn_expire: a template that still controls connections is re-armed for 60 s from when it
   * fired; anything else leaves the table, its template loses a controlled connection, its dest a count.
   */
  private fire(c: IpvsConn, at: number): void {
    if (c.nControl > 0) {
      c.timeout = TEMPLATE_EXPIRE_LATER;
      c.expires = at + TEMPLATE_EXPIRE_LATER;
      this.timers.arm(c);
      return;
    }
    c.linked = false;
    const key = chainKey(c.protocol, c.caddr, c.cport);
    const chain = this.chains.get(key);
    if (chain !== undefined) {
      chain.splice(chain.indexOf(c), 1);
      if (chain.length === 0) this.chains.delete(key);
    }
    this.live.delete(c);
    if (c.control !== undefined) {
      c.control.nControl--;
      c.control = undefined;
    }
    const d = c.dest;
    if (c.template) d.persistConns--;
    else if (c.inactive) d.inactConns--;
    else d.activeConns--;
    d.checkUnderload();
    if (!d.referenced) this.onUnreferenced?.(d);
    this.onExpire?.(c);
  }
}

/** ip_vs_control_assure_ct: the controlling template is marked assured. */
export function assureTemplate(c: IpvsConn): void {
  const t = c.control;
  if (t?.template === true) t.assured = true;
}
