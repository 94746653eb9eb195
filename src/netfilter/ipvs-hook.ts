/**
 * IPVS at its netfilter hooks for one namespace's engine (ip_vs_ops4 in ip_vs_core.c), between the
 * Netfilter walk and the Ipvs state: which packets IPVS looks at, what its verdicts become for the stack,
 * and how its NAT is kept in step with conntrack (ip_vs_update_conntrack, ip_vs_notrack,
 * ip_vs_conn_drop_conntrack). A packet IPVS rewrote is not looked at again (skb->ipvs_property).
 *
 * The engine calls, in the kernel's priority order (see `Ipvs`):
 * - `localIn` after filter INPUT: a reply to a local client (98), else a request to a virtual service
 *   (99). A request NATed to a remote real server is stolen: the engine hands it back at once and the
 *   stack sends it through OUTPUT and POSTROUTING (ip_vs_send_or_cont → NF_HOOK(LOCAL_OUT)).
 * - `localOut` after nat OUTPUT, before filter OUTPUT: a local real server's reply (−99), else a local
 *   client's request (−98).
 * - `forward` after filter FORWARD (100): a remote real server's reply routed (or bridged) back.
 */
import { IPPROTO_ICMP, type Ipv4Packet } from '../wire/index.js';
import { type Conn, IPS } from './conntrack.js';
import type { HookCtx } from './context.js';
import type { NfExplainer } from './explain.js';
import type { Ipvs, IpvsConn, IpvsDropReason, IpvsReply, IpvsRequestHook } from './ipvs/index.js';
import type { Conntrack } from './tracker.js';
import { CtInfo, type NfHook, type NfVerdict, type PacketMeta } from './types.js';

/** Go on with `c.pkt` (rewritten or not). */
export const IPVS_CONTINUE = 0;
/** NF_STOLEN: the request was NATed to a remote real server; `c.pkt` leaves through the output path. */
export const IPVS_STOLEN = 1;
/** The packet ends with `IpvsHooks.verdict`. */
export const IPVS_VERDICT = 2;

/** What the hooks read of the engine they serve (the Netfilter instance). */
export interface IpvsHookEnv {
  readonly conntrack: Conntrack;
  readonly explain: NfExplainer | undefined;
  now(): number;
}

/** ip_vs_leave: ICMP port unreachable about the original packet (no usable real server). */
const NO_DESTINATION: NfVerdict = { kind: 'reject', code: 3, reason: 'ipvs_no_destination' };
/** decrement_ttl in __ip_vs_get_out_rt: ICMP time exceeded in transit. */
const TTL_EXCEEDED: NfVerdict = { kind: 'reject', type: 11, code: 0, reason: 'ipvs_ttl_exceeded' };
const DROPS: Readonly<Record<IpvsDropReason, NfVerdict>> = {
  'dest-unavailable': { kind: 'drop', reason: 'ipvs_dest_unavailable' },
  'old-conntrack': { kind: 'drop', reason: 'ipvs_old_conntrack' },
  'dnat-to-loopback': { kind: 'drop', reason: 'ipvs_dnat_to_loopback' },
};
const CONFIRMED = { conntrackConfirmed: true } as const;

/** The IPVS hook functions of one engine. */
export class IpvsHooks {
  /** The verdict of the last call that returned IPVS_VERDICT. */
  verdict: NfVerdict = NO_DESTINATION;
  /** skb->ipvs_property: packet states IPVS already rewrote. */
  private readonly handled = new WeakSet<PacketMeta>();

  constructor(
    readonly ipvs: Ipvs,
    private readonly env: IpvsHookEnv,
  ) {
    // ip_vs_conn_expire → ip_vs_conn_drop_conntrack: a connection with IP_VS_CONN_F_NFCT takes its
    // conntrack entry with it.
    ipvs.conns.onExpire = (cp) => this.dropConntrack(cp);
  }

  /** LOCAL_IN: ip_vs_out_hook (98), then ip_vs_in_hook (99). */
  localIn(c: HookCtx): number {
    return this.localHook('LOCAL_IN', c);
  }

  /** LOCAL_OUT: ip_vs_out_hook (−99), then ip_vs_in_hook (−98). */
  localOut(c: HookCtx): number {
    return this.localHook('LOCAL_OUT', c);
  }

  /** FORWARD: ip_vs_out_hook (100) for a real server's reply passing through. */
  forward(c: HookCtx): void {
    if (this.handled.has(c.meta)) return;
    const rep = this.ipvs.reply('FORWARD', c.pkt, this.env.now());
    if (rep !== undefined) this.replied('FORWARD', c, rep);
  }

  private localHook(hook: IpvsRequestHook, c: HookCtx): number {
    const meta = c.meta;
    if (this.handled.has(meta)) return IPVS_CONTINUE;
    const now = this.env.now();
    const ipvs = this.ipvs;
    const rep = ipvs.reply(hook, c.pkt, now);
    if (rep !== undefined) {
      this.replied(hook === 'LOCAL_IN' ? 'INPUT' : 'OUTPUT', c, rep);
      return IPVS_CONTINUE;
    }
    const ct = this.env.conntrack.entryOf(meta);
    const confirmed = ct !== undefined && (ct.status & IPS.CONFIRMED) !== 0;
    const v = ipvs.request(hook, c.pkt, now, confirmed ? CONFIRMED : undefined);
    switch (v.kind) {
      case 'accept':
        return IPVS_CONTINUE;
      case 'nat': {
        this.handled.add(meta);
        if (v.conntrack) updateConntrack(this.env.conntrack, meta, ct, v.conn, true);
        else notrack(meta);
        this.rewrote(hook === 'LOCAL_IN' ? 'INPUT' : 'OUTPUT', 'request', c.pkt, v.packet);
        c.setPacket(v.packet);
        return v.local ? IPVS_CONTINUE : IPVS_STOLEN;
      }
      case 'icmp':
        this.verdict = v.type === 11 ? TTL_EXCEEDED : NO_DESTINATION;
        return IPVS_VERDICT;
      case 'drop':
        this.verdict = DROPS[v.reason];
        return IPVS_VERDICT;
    }
  }

  /** handle_response: the reply carries the virtual address now; conntrack follows or lets go. */
  private replied(hook: NfHook, c: HookCtx, rep: IpvsReply): void {
    const meta = c.meta;
    this.handled.add(meta);
    if (rep.conn.nfct)
      updateConntrack(this.env.conntrack, meta, this.env.conntrack.entryOf(meta), rep.conn, false);
    else notrack(meta);
    this.rewrote(hook, 'reply', c.pkt, rep.packet);
    c.setPacket(rep.packet);
  }

  private rewrote(hook: NfHook, dir: 'request' | 'reply', before: Ipv4Packet, after: Ipv4Packet): void {
    const x = this.env.explain;
    if (x?.ipvs !== undefined) x.ipvs(hook, dir, before, after);
  }

  /** ip_vs_conn_drop_conntrack: the entry whose ORIGINAL tuple is the connection's client → virtual end. */
  private dropConntrack(cp: IpvsConn): void {
    if (!cp.nfct || cp.template || cp.cport === 0) return;
    const table = this.env.conntrack.table;
    const t = table.find(cp.protocol, cp.caddr, cp.vaddr, cp.cport, cp.vport, this.env.now());
    if (t !== undefined) table.remove(t.conn);
  }
}

/**
 * ip_vs_update_conntrack: before the entry is confirmed, its REPLY tuple is made what the other end will
 * send — from the real server (`outin`, a request) or to the virtual address (a reply seen first) — so
 * the real server's answers find the entry and `conntrack -L` shows the real server.
 */
function updateConntrack(
  ct: Conntrack,
  meta: PacketMeta,
  conn: Conn | undefined,
  cp: IpvsConn,
  outin: boolean,
): void {
  if (conn === undefined || (conn.status & (IPS.CONFIRMED | IPS.DYING)) !== 0) return;
  if (meta.ctinfo >= CtInfo.IS_REPLY) return;
  const r = conn.reply;
  const icmp = conn.proto === IPPROTO_ICMP;
  ct.alterReply(
    meta,
    outin
      ? { src: cp.daddr, dst: r.dst, sport: icmp ? r.sport : cp.dport, dport: r.dport }
      : { src: r.src, dst: cp.vaddr, sport: r.sport, dport: icmp ? r.dport : cp.vport },
  );
}

/** ip_vs_notrack: the packet leaves its entry and is UNTRACKED from here on. */
function notrack(meta: PacketMeta): void {
  if (meta.nfct === undefined) return;
  meta.nfct = undefined;
  meta.ctinfo = CtInfo.UNTRACKED;
}
