/**
 * The netfilter engine of one network namespace: iptables tables walked at the five hooks in the
 * kernel's priority order, connection tracking, NAT bindings applied from conntrack, and the rule
 * changes iptables and iptables-restore make. It satisfies net's `NetfilterHooks` structurally; the
 * topology builder sets it as the namespace's `hooks`.
 *
 * Hook order (nf_ip_hook_priorities, reference/linux-datapath.md §1):
 *   PREROUTING  raw → conntrack → mangle → nat (DNAT, or the binding of an entry)
 *   INPUT       mangle → filter → IPVS → nat (SNAT side) → confirm
 *   FORWARD     mangle → filter → IPVS (real servers' replies)
 *   OUTPUT      raw → conntrack → mangle → nat (DNAT) → IPVS → filter   (the stack re-routes if dst changed)
 *   POSTROUTING mangle → nat (SNAT / MASQUERADE) → confirm
 * The nat table is walked only for a connection's first packet; every later packet, and every reply, is
 * rewritten from the entry (nf_nat_inet_fn). IPVS runs only when `ipvs` is set (ipvs-hook.ts).
 */
import type { Rng, Sim } from '../sim/index.js';
import { IPPROTO_ICMP, type Ipv4Packet } from '../wire/index.js';
import type { ConntrackEntry } from './conntrack.js';
import { HookCtx } from './context.js';
import { CONNTRACK_SYSCTLS } from './defaults.js';
import type { CtExplained, NfExplainer } from './explain.js';
import type { Ipvs } from './ipvs/index.js';
import { IPVS_STOLEN, IPVS_VERDICT, IpvsHooks } from './ipvs-hook.js';
import { MANIP_DST, MANIP_SRC, natIcmpError, natInitialized, natPacket, natSetup } from './nat.js';
import { RecentLists } from './recent.js';
import type { Chain, Rule, Table, TableName } from './rule.js';
import { type ChainCounters, Ruleset, type TableRt } from './ruleset.js';
import { Conntrack, CT_FOUND, CT_FULL, CT_KEPT, CT_NEW, CT_RELATED, CT_UNTRACKED } from './tracker.js';
import { JumpStack, NF_ACCEPT, NF_REJECT, type TraverseEnv, traverse } from './traverse.js';
import {
  CtInfo,
  type NfHook,
  type NfHost,
  type NfResult,
  type NfVerdict,
  type PacketMeta,
  type SetLookup,
} from './types.js';

export interface NetfilterOptions {
  /** The namespace's name (`node1`): names the PRNG stream `<name>/netfilter`. */
  readonly name: string;
  readonly host: NfHost;
  /** ipsets for `-m set`; can be set later through `sets`. */
  readonly sets?: SetLookup;
}

const H_PRE = 0;
const H_IN = 1;
const H_FWD = 2;
const H_OUT = 3;
const H_POST = 4;

const DROP: NfVerdict = { kind: 'drop', reason: 'nf_drop' };
const DROP_FULL: NfVerdict = { kind: 'drop', reason: 'nf_conntrack_table_full' };
const DROP_CLASH: NfVerdict = { kind: 'drop', reason: 'nf_conntrack_insert_failed' };
const RESET: NfVerdict = { kind: 'reset', reason: 'nf_reject' };
const REJECTS: readonly NfVerdict[] = Array.from({ length: 16 }, (_, code) => ({
  kind: 'reject',
  code,
  reason: 'nf_reject',
}));

/** One namespace's iptables, conntrack and NAT. */
export class Netfilter implements TraverseEnv {
  /** Told every decision while a packet is being explained; undefined otherwise. */
  explain: NfExplainer | undefined = undefined;
  /** ipset membership for `-m set`. */
  sets: SetLookup | undefined;
  readonly host: NfHost;
  readonly conntrack = new Conntrack();
  readonly recent = new RecentLists();
  readonly rng: Rng;
  private readonly rules: Ruleset;
  private readonly ctx = new HookCtx();
  private readonly stack = new JumpStack();
  private snapshotCache: { readonly generation: number; readonly tables: Table[] } | undefined;
  /** IPVS at its hooks; undefined (one check per hook) when the namespace runs no IPVS. */
  private vs: IpvsHooks | undefined;

  constructor(
    private readonly sim: Sim,
    options: NetfilterOptions,
  ) {
    this.host = options.host;
    this.sets = options.sets;
    this.rng = sim.rng(`${options.name}/netfilter`);
    this.rules = new Ruleset();
  }

  /**
   * The namespace's IPVS (kube-proxy's IPVS mode), called at IPVS's hook points (see ipvs-hook.ts);
   * undefined for none.
   */
  get ipvs(): Ipvs | undefined {
    return this.vs?.ipvs;
  }

  set ipvs(ipvs: Ipvs | undefined) {
    if (this.vs !== undefined) this.vs.ipvs.conns.onExpire = undefined;
    this.vs = ipvs === undefined ? undefined : new IpvsHooks(ipvs, this);
  }

  /** Simulated time, ns. */
  now(): number {
    return this.sim.now;
  }

  // ---- rules: what iptables and iptables-restore do ----

  /** `iptables-restore` of one table (no --noflush): the table becomes exactly `table`, counters 0. */
  replaceTable(table: Table): NfResult {
    return this.rules.replaceTable(table);
  }

  /** `iptables-restore --noflush`: the chains `table` declares are created or flushed and refilled. */
  restoreNoflush(table: Table): NfResult {
    return this.rules.restoreNoflush(table);
  }

  /**
   * kube-proxy's sync of one table in one step: the chains of `base` (held, not copied — namespaces
   * given the same map share it), this namespace's other chains that `keep` accepts kept over it, and
   * `prepend`'s rules first in their built-in chains (see Ruleset.restoreShared).
   */
  restoreShared(
    table: TableName,
    base: ReadonlyMap<string, Chain>,
    prepend: ReadonlyMap<string, readonly Rule[]>,
    keep: (chain: string) => boolean,
  ): NfResult {
    return this.rules.restoreShared(table, base, prepend, keep);
  }

  /** `iptables -t TABLE -N CHAIN`. */
  newChain(table: TableName, chain: string): NfResult {
    return this.rules.newChain(table, chain);
  }

  /** `iptables -t TABLE -X CHAIN` (empty and unreferenced). */
  deleteChain(table: TableName, chain: string): NfResult {
    return this.rules.deleteChain(table, chain);
  }

  /** `iptables -t TABLE -F CHAIN`. */
  flushChain(table: TableName, chain: string): NfResult {
    return this.rules.flushChain(table, chain);
  }

  /** `iptables -t TABLE -P CHAIN POLICY`. */
  setPolicy(table: TableName, chain: string, policy: 'ACCEPT' | 'DROP'): NfResult {
    return this.rules.setPolicy(table, chain, policy);
  }

  /** `iptables -C` and, when absent, `-I CHAIN 1` (`prepend`) or `-A` (`append`). */
  ensureRule(
    table: TableName,
    chain: string,
    rule: Rule,
    where: 'prepend' | 'append',
  ): NfResult & { added?: boolean } {
    return this.rules.ensureRule(table, chain, rule, where);
  }

  /** `iptables -D CHAIN RULE`. */
  deleteRule(table: TableName, chain: string, rule: Rule): NfResult {
    return this.rules.deleteRule(table, chain, rule);
  }

  /** The tables that exist, as `iptables-save` prints them (built-in chains first, user chains sorted). */
  tables(): readonly Table[] {
    const g = this.rules.generation;
    if (this.snapshotCache?.generation !== g)
      this.snapshotCache = { generation: g, tables: this.rules.snapshot() };
    return this.snapshotCache.tables;
  }

  /** Packet/byte counters of a chain (`iptables-save -c`), undefined for an unknown chain. */
  counters(table: TableName, chain: string): ChainCounters | undefined {
    return this.rules.counters(table, chain);
  }

  /** `iptables -Z`. */
  zeroCounters(): void {
    this.rules.zero();
  }

  // ---- sysctls and conntrack administration ----

  /** Sets a `net.netfilter.*` sysctl (integer text); false when the key is not netfilter's. */
  setSysctl(key: string, value: string): boolean {
    const n = Number(value);
    if (!CONNTRACK_SYSCTLS.has(key) || !Number.isInteger(n) || n < 0) return false;
    return this.conntrack.setSysctl(key, n);
  }

  /** The value of a `net.netfilter.*` sysctl as text, or undefined. */
  sysctl(key: string): string | undefined {
    const v = this.conntrack.sysctl(key);
    return v === undefined ? undefined : String(v);
  }

  /** Live conntrack entries (`conntrack -L`). */
  conntrackList(): readonly ConntrackEntry[] {
    return this.conntrack.list(this.sim.now);
  }

  // ---- the hooks ----

  /** NetfilterHooks.run: the tables of `hook` for one packet; the packet to go on with, or a verdict. */
  run(
    hook: NfHook,
    packet: Ipv4Packet,
    inDev: string | undefined,
    outDev: string | undefined,
    meta: PacketMeta,
  ): Ipv4Packet | NfVerdict {
    const c = this.ctx;
    c.hook = hook;
    c.meta = meta;
    c.inDev = inDev;
    c.outDev = outDev;
    c.setPacket(packet);
    const t = this.rules.tables;
    let v: number;
    switch (hook) {
      case 'PREROUTING':
        v = this.walk(t.get('raw'), H_PRE, c);
        if (v !== NF_ACCEPT) return this.verdict(v, c);
        if (!this.track(c)) return DROP_FULL;
        v = this.walk(t.get('mangle'), H_PRE, c);
        if (v !== NF_ACCEPT) return this.verdict(v, c);
        v = this.nat(t.get('nat'), H_PRE, MANIP_DST, c);
        return v === NF_ACCEPT ? c.pkt : this.verdict(v, c);
      case 'INPUT': {
        v = this.walk(t.get('mangle'), H_IN, c);
        if (v === NF_ACCEPT) v = this.walk(t.get('filter'), H_IN, c);
        const vs = this.vs;
        if (v === NF_ACCEPT && vs !== undefined) {
          const r = vs.localIn(c);
          // Stolen: no nat INPUT, no confirmation here; the output path goes on with the packet.
          if (r === IPVS_STOLEN) return c.pkt;
          if (r === IPVS_VERDICT) return vs.verdict;
        }
        if (v === NF_ACCEPT) v = this.nat(t.get('nat'), H_IN, MANIP_SRC, c);
        if (v !== NF_ACCEPT) return this.verdict(v, c);
        return this.confirm(c);
      }
      case 'FORWARD': {
        v = this.walk(t.get('mangle'), H_FWD, c);
        if (v === NF_ACCEPT) v = this.walk(t.get('filter'), H_FWD, c);
        if (v !== NF_ACCEPT) return this.verdict(v, c);
        const vs = this.vs;
        if (vs !== undefined) vs.forward(c);
        return c.pkt;
      }
      case 'OUTPUT':
        v = this.walk(t.get('raw'), H_OUT, c);
        if (v !== NF_ACCEPT) return this.verdict(v, c);
        if (!this.track(c)) return DROP_FULL;
        v = this.walk(t.get('mangle'), H_OUT, c);
        if (v === NF_ACCEPT) v = this.nat(t.get('nat'), H_OUT, MANIP_DST, c);
        if (v === NF_ACCEPT) {
          // IPVS between nat and filter. A request it sends to a remote real server goes on here to
          // filter OUTPUT with its new destination; the stack then routes it again.
          const vs = this.vs;
          if (vs !== undefined && vs.localOut(c) === IPVS_VERDICT) return vs.verdict;
          v = this.walk(t.get('filter'), H_OUT, c);
        }
        return v === NF_ACCEPT ? c.pkt : this.verdict(v, c);
      case 'POSTROUTING':
        v = this.walk(t.get('mangle'), H_POST, c);
        if (v === NF_ACCEPT) v = this.nat(t.get('nat'), H_POST, MANIP_SRC, c);
        if (v !== NF_ACCEPT) return this.verdict(v, c);
        return this.confirm(c);
    }
  }

  /**
   * nf_conntrack_attach: the packet the stack builds in answer to `orig`'s (a REJECT's RST) belongs to
   * `orig`'s entry in the other direction, as RELATED.
   */
  attachReply(reply: PacketMeta, orig: PacketMeta): void {
    const conn = this.conntrack.entryOf(orig);
    if (conn === undefined) return;
    reply.nfct = conn;
    reply.ctinfo = orig.ctinfo >= CtInfo.IS_REPLY ? CtInfo.RELATED : CtInfo.RELATED_REPLY;
  }

  /** The built-in chain of `hook` in `table`, walked; NF_ACCEPT when the table or chain is absent. */
  private walk(table: TableRt | undefined, hook: number, c: HookCtx): number {
    return table === undefined ? NF_ACCEPT : traverse(table, hook, c, this, this.stack);
  }

  /** nf_conntrack_in; false when the packet must be dropped (table full). */
  private track(c: HookCtx): boolean {
    const r = this.conntrack.in(c, this.sim.now);
    const x = this.explain;
    if (x !== undefined && r !== CT_KEPT) {
      const conn = this.conntrack.entryOf(c.meta);
      const what: CtExplained =
        r === CT_NEW
          ? 'new'
          : r === CT_FOUND
            ? 'established'
            : r === CT_RELATED
              ? 'related'
              : r === CT_UNTRACKED
                ? 'untracked'
                : r === CT_FULL
                  ? 'table-full'
                  : 'invalid';
      x.conntrack(c.hook, what, conn, c.meta.ctinfo >= CtInfo.IS_REPLY && conn !== undefined);
    }
    return r !== CT_FULL;
  }

  /**
   * nf_nat_ipv4_fn at a NAT hook: an ICMP error gets its quote and header translated; a connection's
   * first packet walks the nat chain (then a null binding if no rule bound it); then the entry's binding
   * rewrites the packet.
   */
  private nat(table: TableRt | undefined, hook: number, manip: number, c: HookCtx): number {
    if (table === undefined) return NF_ACCEPT;
    const meta = c.meta;
    const conn = this.conntrack.entryOf(meta);
    if (conn === undefined) return NF_ACCEPT;
    const ctinfo = meta.ctinfo;
    const before = c.pkt;
    let after: Ipv4Packet;
    if ((ctinfo === CtInfo.RELATED || ctinfo === CtInfo.RELATED_REPLY) && c.proto === IPPROTO_ICMP) {
      after = natIcmpError(before, conn, ctinfo, manip);
    } else {
      if (
        (ctinfo === CtInfo.NEW || ctinfo === CtInfo.RELATED || ctinfo === CtInfo.RELATED_REPLY) &&
        !natInitialized(conn, manip)
      ) {
        const v = this.walk(table, hook, c);
        if (v !== NF_ACCEPT) return v;
        if (!natInitialized(conn, manip))
          natSetup(this.conntrack, conn, manip, undefined, this.rng, this.sim.now);
      }
      after = natPacket(before, conn, ctinfo, manip);
    }
    if (after !== before) {
      c.setPacket(after);
      const x = this.explain;
      if (x !== undefined) x.nat(c.hook, manip === MANIP_SRC ? 'src' : 'dst', before, after, conn);
    }
    return NF_ACCEPT;
  }

  /** nf_conntrack_confirm at the end of INPUT / POSTROUTING (original direction only). */
  private confirm(c: HookCtx): Ipv4Packet | NfVerdict {
    const meta = c.meta;
    if (meta.ctinfo >= CtInfo.IS_REPLY || this.conntrack.confirm(meta, this.sim.now)) return c.pkt;
    const x = this.explain;
    if (x !== undefined) x.conntrack(c.hook, 'insert-failed', this.conntrack.entryOf(meta), false);
    return DROP_CLASH;
  }

  private verdict(v: number, c: HookCtx): NfVerdict {
    if (v === NF_REJECT) return c.rejectCode < 0 ? RESET : (REJECTS[c.rejectCode] ?? DROP);
    return DROP;
  }
}
