/**
 * fast-check arbitraries for iptables rulesets in podwire's canonical model (netfilter/rule.ts): every
 * rule is one `iptables-restore` accepts and prints back unchanged, and every table passes the COMMIT
 * checks (targets only in their table and hooks, no jump loops). Hook-restricted rules (DNAT, SNAT,
 * MASQUERADE, REJECT, addrtype --limit-iface-*) live in user chains no built-in chain reaches, and jumps
 * only go "forward" in a fixed chain order, so no table has a loop.
 */
import fc from 'fast-check';
import {
  type AddrMatch,
  BUILTIN_CHAINS,
  type Chain,
  type IfaceMatch,
  type Match,
  type PortMatch,
  type Rule,
  type Table,
  type TableName,
  type Target,
} from '../netfilter/index.js';
import { maskOf } from '../wire/index.js';

const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const word = (chars: string, min: number, max: number): fc.Arbitrary<string> =>
  fc.string({ unit: fc.constantFrom(...chars), minLength: min, maxLength: max });

/** Target names a chain may not take, and every built-in chain name (kept out of user chain names). */
const RESERVED = new Set([
  'ACCEPT',
  'DROP',
  'RETURN',
  'QUEUE',
  'REJECT',
  'DNAT',
  'SNAT',
  'MASQUERADE',
  'MARK',
  'LOG',
  'NOTRACK',
  'CT',
  'TRACE',
  'PREROUTING',
  'INPUT',
  'FORWARD',
  'OUTPUT',
  'POSTROUTING',
]);

/** A user chain name iptables accepts (≤ 28 characters, no leading `-`/`!`, not a target's name). */
export const arbChainName = (): fc.Arbitrary<string> =>
  fc
    .tuple(word(`${ALNUM}_`, 1, 1), word(`${ALNUM}_.-`, 0, 27))
    .map(([a, b]) => a + b)
    .filter((n) => !RESERVED.has(n));

/** An address match: any prefix 1..32 with the host bits cleared, possibly negated. */
export const arbAddrMatch = (): fc.Arbitrary<AddrMatch> =>
  fc
    .record({
      ip: fc.integer({ min: 0, max: 0xffff_ffff }),
      prefixLen: fc.integer({ min: 1, max: 32 }),
      invert: fc.boolean(),
    })
    .map(({ ip, prefixLen, invert }) => ({
      addr: (ip & maskOf(prefixLen)) >>> 0,
      prefixLen,
      mask: maskOf(prefixLen),
      invert,
    }));

/** An interface name (1..15 characters), sometimes a `+` wildcard. */
export const arbIfaceMatch = (): fc.Arbitrary<IfaceMatch> =>
  fc.record({
    name: fc.tuple(word(`${ALNUM}._-`, 1, 14), fc.boolean()).map(([n, plus]) => (plus ? `${n}+` : n)),
    invert: fc.boolean(),
  });

const arbPortMatch = (): fc.Arbitrary<PortMatch> =>
  fc
    .record({
      a: fc.integer({ min: 0, max: 0xffff }),
      b: fc.integer({ min: 0, max: 0xffff }),
      single: fc.boolean(),
      invert: fc.boolean(),
    })
    .map(({ a, b, single, invert }) => ({
      from: Math.min(a, b),
      to: single ? Math.min(a, b) : Math.max(a, b),
      invert,
    }))
    .filter((p) => !(p.from === 0 && p.to === 0xffff));

/** Comment text: printable ASCII with the characters that need quoting and escaping, and some non-ASCII. */
const arbCommentText = (): fc.Arbitrary<string> =>
  fc.string({ unit: fc.constantFrom(...`${ALNUM} _-/:;.,"'\\!$\`#*()é→🙂`), maxLength: 60 });

const ADDRTYPES = [
  'UNSPEC',
  'UNICAST',
  'LOCAL',
  'BROADCAST',
  'ANYCAST',
  'MULTICAST',
  'BLACKHOLE',
  'UNREACHABLE',
  'PROHIBIT',
  'THROW',
  'NAT',
  'XRESOLVE',
];
const CTSTATES = ['INVALID', 'NEW', 'RELATED', 'ESTABLISHED', 'UNTRACKED', 'SNAT', 'DNAT'];

/** A non-empty subset of `all`, kept in `all`'s order (the order iptables prints lists in). */
const arbOrderedSubset = (all: readonly string[]): fc.Arbitrary<string[]> =>
  fc
    .subarray([...all.keys()], { minLength: 1 })
    .map((idx) => [...idx].sort((x, y) => x - y).map((i) => all[i] as string));

const arbAddrType = () =>
  fc.record({ type: arbOrderedSubset(ADDRTYPES).map((t) => t.join(',')), invert: fc.boolean() });

/** Matches that need no particular protocol; `restricted` allows addrtype's --limit-iface-* flags. */
function arbGenericMatch(restricted: boolean): fc.Arbitrary<Match> {
  return fc.oneof(
    arbCommentText().map((text): Match => ({ kind: 'comment', text })),
    fc
      .record({
        value: fc.integer({ min: 0, max: 0xffff_ffff }),
        mask: fc.integer({ min: 0, max: 0xffff_ffff }),
        invert: fc.boolean(),
      })
      .map((m): Match => ({ kind: 'mark', ...m })),
    fc
      .record({ stored: fc.integer({ min: 0, max: 0x8000_0000 }), invert: fc.boolean() })
      .map((m): Match => ({ kind: 'statistic', ...m })),
    fc
      .record({
        src: fc.option(arbAddrType(), { nil: undefined }),
        dst: fc.option(arbAddrType(), { nil: undefined }),
        limit: restricted ? fc.constantFrom(undefined, 'in', 'out') : fc.constant(undefined),
      })
      .filter((a) => a.src !== undefined || a.dst !== undefined)
      .map(({ src, dst, limit }): Match => {
        const m: {
          -readonly [K in keyof Extract<Match, { kind: 'addrtype' }>]: Extract<
            Match,
            { kind: 'addrtype' }
          >[K];
        } = {
          kind: 'addrtype',
        };
        if (src !== undefined) m.srcType = src;
        if (dst !== undefined) m.dstType = dst;
        if (limit === 'in') m.limitIfaceIn = true;
        if (limit === 'out') m.limitIfaceOut = true;
        return m;
      }),
    fc
      .record({ ctstate: arbOrderedSubset(CTSTATES), invert: fc.boolean() })
      .map((m): Match => ({ kind: 'conntrack', ...m })),
    fc
      .record({
        name: word(`${ALNUM}-_`, 1, 31),
        flags: fc.array(fc.constantFrom<'src' | 'dst'>('src', 'dst'), { minLength: 1, maxLength: 6 }),
        invert: fc.boolean(),
      })
      .map((m): Match => ({ kind: 'set', ...m })),
    fc
      .record({
        name: word(`${ALNUM}-_`, 1, 40),
        op: fc.constantFrom<'set' | 'rcheck' | 'update' | 'remove'>('set', 'rcheck', 'update', 'remove'),
        seconds: fc.option(fc.integer({ min: 1, max: 0xffff_ffff }), { nil: undefined }),
        reap: fc.boolean(),
        mask: fc.integer({ min: 0, max: 0xffff_ffff }),
        side: fc.constantFrom<'rsource' | 'rdest'>('rsource', 'rdest'),
      })
      .map(({ seconds, reap, ...r }): Match => {
        const checks = r.op === 'rcheck' || r.op === 'update';
        const s = checks ? seconds : undefined;
        return s === undefined
          ? { kind: 'recent', ...r, reap: false }
          : { kind: 'recent', ...r, seconds: s, reap };
      }),
    fc
      .record({
        isBridged: fc.option(fc.boolean(), { nil: undefined }),
        physdevIn: fc.option(arbIfaceMatch(), { nil: undefined }),
        physdevOut: fc.option(arbIfaceMatch(), { nil: undefined }),
      })
      .filter((p) => p.isBridged !== undefined || p.physdevIn !== undefined || p.physdevOut !== undefined)
      .map(({ isBridged, physdevIn, physdevOut }): Match => {
        const m: { kind: 'physdev'; isBridged?: boolean; physdevIn?: IfaceMatch; physdevOut?: IfaceMatch } = {
          kind: 'physdev',
        };
        if (physdevIn !== undefined) m.physdevIn = physdevIn;
        if (physdevOut !== undefined) m.physdevOut = physdevOut;
        if (isBridged !== undefined) m.isBridged = isBridged;
        return m;
      }),
  );
}

/** Matches that need `-p` to be `proto` (not negated). */
function arbProtoMatch(proto: number): fc.Arbitrary<Match> | undefined {
  const ports = (kind: 'tcp' | 'udp') =>
    fc
      .record({
        sport: fc.option(arbPortMatch(), { nil: undefined }),
        dport: fc.option(arbPortMatch(), { nil: undefined }),
      })
      .map(({ sport, dport }): Match => {
        const m: { kind: 'tcp' | 'udp'; sport?: PortMatch; dport?: PortMatch } = { kind };
        if (sport !== undefined) m.sport = sport;
        if (dport !== undefined) m.dport = dport;
        return m;
      });
  const multiport = fc
    .record({
      dir: fc.constantFrom<'sports' | 'dports'>('sports', 'dports'),
      ports: fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 1, maxLength: 15 }),
      invert: fc.boolean(),
    })
    .map((m): Match => ({ kind: 'multiport', ...m }));
  switch (proto) {
    case 6:
      return fc.oneof(ports('tcp'), multiport);
    case 17:
      return fc.oneof(ports('udp'), multiport);
    case 33:
    case 132:
    case 136:
      return multiport;
    case 1:
      return fc.oneof(
        fc.constant<Match>({ kind: 'icmp', type: 255, invert: false }),
        fc
          .record({
            type: fc.integer({ min: 0, max: 254 }),
            code: fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined }),
            invert: fc.boolean(),
          })
          .map(
            ({ type, code, invert }): Match =>
              code === undefined ? { kind: 'icmp', type, invert } : { kind: 'icmp', type, code, invert },
          ),
      );
    default:
      return undefined;
  }
}

/** Text targets in the form iptables-save prints them. */
const OTHER_TARGETS: Readonly<Record<TableName, readonly string[]>> = {
  filter: ['LOG', 'LOG --log-prefix "x y: "', 'LOG --log-level 7 --log-uid'],
  nat: ['LOG --log-prefix nat'],
  mangle: ['LOG --log-tcp-options --log-macdecode'],
  raw: ['NOTRACK', 'CT --notrack', 'CT --notrack --zone 5', 'CT --zone 1', 'TRACE', 'LOG'],
};

const NAT_PORT_PROTOS = [1, 6, 17, 33, 132];

function arbTarget(
  table: TableName,
  jumpTo: readonly string[],
  restricted: boolean,
  proto: Rule['proto'],
): fc.Arbitrary<Target | undefined> {
  const options: fc.Arbitrary<Target | undefined>[] = [
    fc.constant(undefined),
    fc.constantFrom<Target>({ kind: 'ACCEPT' }, { kind: 'DROP' }, { kind: 'RETURN' }),
    fc
      .record({
        value: fc.integer({ min: 0, max: 0xffff_ffff }),
        mask: fc.integer({ min: 0, max: 0xffff_ffff }),
      })
      .map((m): Target => ({ kind: 'MARK', ...m })),
    fc.constantFrom(...OTHER_TARGETS[table]).map((text): Target => ({ kind: 'other', text })),
  ];
  if (jumpTo.length > 0) {
    options.push(
      fc
        .record({ kind: fc.constantFrom<'jump' | 'goto'>('jump', 'goto'), chain: fc.constantFrom(...jumpTo) })
        .map((t): Target => t),
    );
  }
  const portOk = proto !== undefined && NAT_PORT_PROTOS.includes(proto.num);
  const natTo = fc.record({
    toAddr: fc.integer({ min: 0, max: 0xffff_ffff }),
    toPort: portOk
      ? fc.option(fc.integer({ min: 1, max: 0xffff }), { nil: undefined })
      : fc.constant(undefined),
  });
  if (restricted && table === 'nat') {
    options.push(
      natTo.map(
        ({ toAddr, toPort }): Target =>
          toPort === undefined ? { kind: 'DNAT', toAddr } : { kind: 'DNAT', toAddr, toPort },
      ),
      fc
        .tuple(natTo, fc.boolean())
        .map(
          ([{ toAddr, toPort }, randomFully]): Target =>
            toPort === undefined
              ? { kind: 'SNAT', toAddr, randomFully }
              : { kind: 'SNAT', toAddr, toPort, randomFully },
        ),
      fc.boolean().map((randomFully): Target => ({ kind: 'MASQUERADE', randomFully })),
    );
  }
  if (restricted && table === 'filter') {
    const withs = [
      'icmp-net-unreachable',
      'icmp-host-unreachable',
      'icmp-port-unreachable',
      'icmp-proto-unreachable',
      'icmp-net-prohibited',
      'icmp-host-prohibited',
      'icmp-admin-prohibited',
    ];
    if (proto?.num === 6 && !proto.invert) withs.push('tcp-reset');
    options.push(fc.constantFrom(...withs).map((w): Target => ({ kind: 'REJECT', with: w })));
  }
  return fc.oneof(...options);
}

/**
 * One rule for `chain` of `table`, jumping only to `jumpTo`. `restricted` allows the hook-restricted
 * targets and matches (for chains no built-in chain reaches).
 */
export function arbRule(
  table: TableName,
  chain: string,
  jumpTo: readonly string[],
  restricted: boolean,
): fc.Arbitrary<Rule> {
  const noIn = chain === 'OUTPUT' || chain === 'POSTROUTING';
  const noOut = chain === 'INPUT' || chain === 'PREROUTING';
  return fc
    .record({
      src: fc.option(arbAddrMatch(), { nil: undefined }),
      dst: fc.option(arbAddrMatch(), { nil: undefined }),
      inIface: noIn ? fc.constant(undefined) : fc.option(arbIfaceMatch(), { nil: undefined }),
      outIface: noOut ? fc.constant(undefined) : fc.option(arbIfaceMatch(), { nil: undefined }),
      proto: fc.option(
        fc.record({
          num: fc.oneof(fc.constantFrom(1, 6, 17, 132, 47), fc.integer({ min: 1, max: 255 })),
          invert: fc.boolean(),
        }),
        { nil: undefined },
      ),
    })
    .chain((base) => {
      const protoMatch =
        base.proto !== undefined && !base.proto.invert ? arbProtoMatch(base.proto.num) : undefined;
      const anyMatch =
        protoMatch === undefined
          ? arbGenericMatch(restricted)
          : fc.oneof(arbGenericMatch(restricted), protoMatch);
      return fc
        .record({
          matches: fc.array(anyMatch, { maxLength: 4 }),
          target: arbTarget(table, jumpTo, restricted, base.proto),
        })
        .map(({ matches, target }): Rule => {
          const rule: { -readonly [K in keyof Rule]: Rule[K] } = { matches };
          if (base.src !== undefined) rule.src = base.src;
          if (base.dst !== undefined) rule.dst = base.dst;
          if (base.inIface !== undefined) rule.inIface = base.inIface;
          if (base.outIface !== undefined) rule.outIface = base.outIface;
          if (base.proto !== undefined) rule.proto = base.proto;
          if (target !== undefined) rule.target = target;
          return rule;
        });
    });
}

/**
 * A table iptables-restore accepts: built-in chains with random policies and unrestricted rules, user
 * chains split into those reachable from built-ins (unrestricted) and unreachable ones (anything), jumps
 * only forward in that order.
 */
export function arbTable(name: TableName): fc.Arbitrary<Table> {
  const builtins = BUILTIN_CHAINS[name];
  return fc
    .record({
      users: fc.uniqueArray(arbChainName(), { maxLength: 6 }),
      reachable: fc.integer({ min: 0, max: 6 }),
      policies: fc.array(fc.constantFrom<'ACCEPT' | 'DROP'>('ACCEPT', 'DROP'), {
        minLength: builtins.length,
        maxLength: builtins.length,
      }),
    })
    .chain(({ users, reachable, policies }) => {
      const split = Math.min(reachable, users.length);
      const reach = users.slice(0, split);
      const unreach = users.slice(split);
      const chainArbs: fc.Arbitrary<Chain>[] = [];
      builtins.forEach((b, i) => {
        chainArbs.push(
          fc
            .array(arbRule(name, b, reach, false), { maxLength: 4 })
            .map((rules) => ({ name: b, policy: policies[i], rules })),
        );
      });
      reach.forEach((c, i) => {
        chainArbs.push(
          fc
            .array(arbRule(name, c, reach.slice(i + 1), false), { maxLength: 4 })
            .map((rules) => ({ name: c, policy: undefined, rules })),
        );
      });
      unreach.forEach((c, i) => {
        chainArbs.push(
          fc
            .array(arbRule(name, c, unreach.slice(i + 1), true), { maxLength: 4 })
            .map((rules) => ({ name: c, policy: undefined, rules })),
        );
      });
      return fc.tuple(...chainArbs).map((chains): Table => {
        const user = chains
          .slice(builtins.length)
          .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        return {
          name,
          chains: new Map([...chains.slice(0, builtins.length), ...user].map((c) => [c.name, c])),
        };
      });
    });
}

/** A namespace's tables: any subset of raw/mangle/nat/filter, in iptables-save's table order. */
export function arbTables(): fc.Arbitrary<Table[]> {
  const order: TableName[] = ['mangle', 'raw', 'filter', 'nat'];
  return fc
    .subarray(order)
    .chain((names) => (names.length === 0 ? fc.constant([]) : fc.tuple(...names.map((n) => arbTable(n)))));
}
