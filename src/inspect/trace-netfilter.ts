/**
 * The netfilter part of `podwire trace`: per namespace, the engine's observer (`NfExplainer`) and a thin
 * wrapper around the namespace's hook entry, which says which packet each hook run is for — the engine
 * tells rules, policies and conntrack verdicts without the packet. For a traced packet every hook run
 * becomes an `nf-hook` step (its verdict filled in when the run returns), followed by what conntrack
 * found, each rule that matched (as `iptables-save` prints it), each policy taken and each NAT rewrite.
 * Nothing is wrapped or observed unless a trace runs.
 */
import type { HookResult, NetfilterHooks, NetNs } from '../net/index.js';
import {
  type ConntrackEntry,
  type CtExplained,
  formatRule,
  IPS,
  type NfExplainer,
  type NfHook,
  type Rule,
  type TableName,
  TCP_STATE_NAMES,
  type TupleView,
} from '../netfilter/index.js';
import { formatIp4, IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, type Ipv4Packet } from '../wire/index.js';
import type { Match, TracedFlow } from './trace-match.js';
import type { ConntrackStep, NatStep, NfHookStep, TraceStep } from './trace-model.js';

/** A namespace's netfilter as the trace reaches it: the engine's observer slot. */
export interface TraceNetfilter {
  explain: NfExplainer | undefined;
}

/** What the taps file their steps with (the recorder). */
export interface StepSink {
  readonly flow: TracedFlow;
  now(): number;
  /** `ns` built a packet (OUTPUT, ip_local_out): the request, while the recorder waits for it. */
  sending(ns: NetNs, pkt: Ipv4Packet): void;
  /** Files `step` under the packet `m` is; returns where it went, for `replace`. */
  add(m: Match, step: TraceStep): number;
  replace(m: Match, at: number, step: TraceStep): void;
}

/** The hook run in progress: the traced packet it is for and its opening step. */
interface HookRun {
  readonly m: Match;
  readonly at: number;
  readonly step: NfHookStep;
  /** The NAT target of the last nat-table rule that matched in this run. */
  natTarget: NatStep['target'];
}

/** Observes one namespace's netfilter while a trace runs. */
export class NetfilterTap {
  private run: HookRun | undefined;
  private inner: NetfilterHooks | undefined;
  private wrapper: NetfilterHooks | undefined;

  constructor(
    private readonly sink: StepSink,
    private readonly ns: NetNs,
    private readonly host: string,
    private readonly nf: TraceNetfilter,
  ) {}

  /** Wraps the hook entry and sets the observer. */
  start(): void {
    const inner = this.ns.hooks;
    if (inner === undefined) return;
    this.inner = inner;
    // nf_hook_slow's entry: the engine runs a hook to its verdict without sending anything, so the run
    // in progress is the packet's until it returns (kept as a stack all the same).
    const wrapper: NetfilterHooks = {
      run: (hook, pkt, inDev, outDev, skb) => {
        const outerRun = this.run;
        this.run = this.open(hook, pkt, inDev, outDev);
        const r = inner.run(hook, pkt, inDev, outDev, skb);
        this.close(r);
        this.run = outerRun;
        return r;
      },
    };
    if (inner.attachReply !== undefined)
      wrapper.attachReply = (reply, orig) => inner.attachReply?.(reply, orig);
    this.wrapper = wrapper;
    this.ns.hooks = wrapper;
    this.nf.explain = this.explainer();
  }

  /** Puts the hook entry back and takes the observer out. */
  stop(): void {
    if (this.wrapper !== undefined && this.ns.hooks === this.wrapper) this.ns.hooks = this.inner;
    this.nf.explain = undefined;
    this.wrapper = undefined;
    this.inner = undefined;
  }

  private base(outer: boolean) {
    return { timeNs: this.sink.now(), host: this.host, dev: null, outer };
  }

  /** A hook run starts: for a traced packet, its step (verdict to come). */
  private open(
    hook: NfHook,
    pkt: Ipv4Packet,
    inDev: string | undefined,
    outDev: string | undefined,
  ): HookRun | undefined {
    if (hook === 'OUTPUT') this.sink.sending(this.ns, pkt);
    const m = this.sink.flow.classify(pkt);
    if (m === undefined) return undefined;
    const step: NfHookStep = {
      kind: 'nf-hook',
      ...this.base(m.outer),
      dev: inDev ?? outDev ?? null,
      hook,
      inDev: inDev ?? null,
      outDev: outDev ?? null,
      verdict: 'accept',
      reason: null,
      rejectCode: null,
      rejectType: null,
    };
    return { m, at: this.sink.add(m, step), step, natTarget: null };
  }

  /** The run returned: its step gets the verdict. */
  private close(r: HookResult): void {
    const run = this.run;
    if (run === undefined) return;
    let step: NfHookStep;
    if (r === undefined) step = { ...run.step, verdict: 'stolen' };
    else if (r.kind === 'ipv4') return;
    else if (r.kind === 'drop') step = { ...run.step, verdict: 'drop', reason: r.reason };
    else if (r.kind === 'reset') step = { ...run.step, verdict: 'reject', reason: r.reason, rejectCode: -1 };
    else {
      const { reason, code } = r;
      step = { ...run.step, verdict: 'reject', reason, rejectCode: code, rejectType: r.type ?? 3 };
    }
    this.sink.replace(run.m, run.at, step);
  }

  private explainer(): NfExplainer {
    return {
      rule: (hook: NfHook, table: TableName, chain: string, num: number, rule: Rule) => {
        const run = this.run;
        if (run === undefined) return;
        const t = rule.target?.kind;
        if (table === 'nat' && (t === 'DNAT' || t === 'SNAT' || t === 'MASQUERADE')) run.natTarget = t;
        const text = formatRule(chain, rule);
        this.sink.add(run.m, {
          kind: 'nf-rule',
          ...this.base(run.m.outer),
          hook,
          table,
          chain,
          num,
          rule: text,
        });
      },
      policy: (hook: NfHook, table: TableName, chain: string, policy: 'ACCEPT' | 'DROP') => {
        const run = this.run;
        if (run === undefined) return;
        this.sink.add(run.m, { kind: 'nf-policy', ...this.base(run.m.outer), hook, table, chain, policy });
      },
      conntrack: (hook: NfHook, what: CtExplained, entry: ConntrackEntry | undefined, reply: boolean) => {
        const run = this.run;
        if (run === undefined) return;
        const proto = entry === undefined ? run.m.packet.protocol : entry.proto;
        this.sink.add(run.m, {
          kind: 'conntrack',
          ...this.base(run.m.outer),
          hook,
          state: what,
          replyDir: reply,
          ctstate: ctstateOf(what, entry, reply),
          proto: protoName(proto),
          original: entry === undefined ? null : tupleText(entry.proto, entry.orig),
          reply: entry === undefined || what === 'new' ? null : tupleText(entry.proto, entry.reply),
          tcpState: entry?.proto === IPPROTO_TCP ? (TCP_STATE_NAMES[entry.tcpState] ?? 'NONE') : null,
        });
      },
      nat: (
        hook: NfHook,
        manip: 'src' | 'dst',
        before: Ipv4Packet,
        after: Ipv4Packet,
        entry: ConntrackEntry,
      ) => {
        const run = this.run;
        if (run === undefined) return;
        const original = isOriginal(before, entry);
        this.sink.add(run.m, {
          kind: 'nat',
          ...this.base(run.m.outer),
          hook,
          direction: original ? 'original' : 'reply',
          manip,
          target: original ? run.natTarget : null,
          from: endText(before, manip),
          to: endText(after, manip),
        });
        if (!run.m.outer) this.sink.flow.rewritten(run.m.dir, after);
      },
      ipvs: (hook: NfHook, dir: 'request' | 'reply', before: Ipv4Packet, after: Ipv4Packet) => {
        const run = this.run;
        if (run === undefined) return;
        const manip = dir === 'request' ? 'dst' : 'src';
        this.sink.add(run.m, {
          kind: 'nat',
          ...this.base(run.m.outer),
          hook,
          direction: dir === 'request' ? 'original' : 'reply',
          manip,
          target: 'IPVS',
          from: endText(before, manip),
          to: endText(after, manip),
        });
        if (!run.m.outer) this.sink.flow.rewritten(run.m.dir, after);
      },
    };
  }
}

/** The ctstate `-m conntrack` matches (IP_CT_NEW until the entry saw a reply, in the original direction). */
function ctstateOf(
  what: CtExplained,
  e: ConntrackEntry | undefined,
  reply: boolean,
): ConntrackStep['ctstate'] {
  switch (what) {
    case 'new':
      return 'NEW';
    case 'established':
      return reply || (e !== undefined && (e.status & IPS.SEEN_REPLY) !== 0) ? 'ESTABLISHED' : 'NEW';
    case 'related':
      return 'RELATED';
    case 'invalid':
      return 'INVALID';
    case 'untracked':
      return 'UNTRACKED';
    default:
      return null;
  }
}

/** The packet goes the entry's original way: its source end is the original tuple's. */
function isOriginal(p: Ipv4Packet, e: ConntrackEntry): boolean {
  const l4 = p.payload;
  if (p.src !== e.orig.src) return false;
  if (l4.kind === 'tcp' || l4.kind === 'udp') return l4.srcPort === e.orig.sport;
  if (l4.kind === 'icmp' && (l4.type === 8 || l4.type === 0)) return l4.rest >>> 16 === e.orig.sport;
  return l4.kind !== 'icmp';
}

/** One end of a packet: `IP:PORT` for TCP and UDP, the address (and an echo's id) for ICMP. */
function endText(p: Ipv4Packet, which: 'src' | 'dst'): string {
  const ip = formatIp4(which === 'src' ? p.src : p.dst);
  const l4 = p.payload;
  if (l4.kind === 'tcp' || l4.kind === 'udp') return `${ip}:${which === 'src' ? l4.srcPort : l4.dstPort}`;
  if (l4.kind === 'icmp' && (l4.type === 8 || l4.type === 0)) return `${ip} id ${l4.rest >>> 16}`;
  return ip;
}

/** proto2str of conntrack-tools for the protocols podwire tracks. */
function protoName(proto: number): string {
  if (proto === IPPROTO_TCP) return 'tcp';
  if (proto === IPPROTO_UDP) return 'udp';
  if (proto === IPPROTO_ICMP) return 'icmp';
  return String(proto);
}

/** A tuple as `conntrack -L` prints it, without the trailing space. */
function tupleText(proto: number, t: TupleView): string {
  const addrs = `src=${formatIp4(t.src)} dst=${formatIp4(t.dst)}`;
  if (proto === IPPROTO_TCP || proto === IPPROTO_UDP) return `${addrs} sport=${t.sport} dport=${t.dport}`;
  if (proto === IPPROTO_ICMP) return `${addrs} type=${t.dport >>> 8} code=${t.dport & 0xff} id=${t.sport}`;
  return addrs;
}
