/**
 * iptables-save printing: each match and target in its extension's save format (facts from the LAB runs
 * that produced test/fixtures/iptables/*.save), the table and chain order, counters and the comment
 * frame, and the round trip: any ruleset podwire can hold prints as text iptables-restore reads back
 * into the same records.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatIptablesSave,
  formatRule,
  type Match,
  parseIptablesRestore,
  type Rule,
  type Table,
  type Target,
} from '../../src/netfilter/index.js';
import { arbTables } from '../../src/testing/index.js';
import { ip4, maskOf } from '../../src/wire/index.js';

const rule = (matches: Match[], target?: Target, extra: Partial<Rule> = {}): Rule =>
  target === undefined ? { matches, ...extra } : { matches, target, ...extra };

describe('rule lines', () => {
  const cases: readonly (readonly [Rule, string])[] = [
    [
      rule(
        [{ kind: 'comment', text: 'default/web:http' }],
        { kind: 'jump', chain: 'KUBE-MARK-MASQ' },
        {
          src: { addr: ip4('10.244.1.3'), prefixLen: 32, mask: 0xffffffff, invert: false },
        },
      ),
      '-A C -s 10.244.1.3/32 -m comment --comment "default/web:http" -j KUBE-MARK-MASQ',
    ],
    [
      rule([{ kind: 'mark', value: 0x4000, mask: 0x4000, invert: true }], { kind: 'RETURN' }),
      '-A C -m mark ! --mark 0x4000/0x4000 -j RETURN',
    ],
    [
      rule([{ kind: 'mark', value: 1, mask: 0xffffffff, invert: false }], { kind: 'ACCEPT' }),
      '-A C -m mark --mark 0x1 -j ACCEPT',
    ],
    [rule([], { kind: 'MARK', value: 0x4000, mask: 0 }), '-A C -j MARK --set-xmark 0x4000/0x0'],
    [rule([], { kind: 'MASQUERADE', randomFully: true }), '-A C -j MASQUERADE --random-fully'],
    [
      rule([{ kind: 'statistic', stored: 715827883, invert: false }], { kind: 'jump', chain: 'KUBE-SEP-X' }),
      '-A C -m statistic --mode random --probability 0.33333333349 -j KUBE-SEP-X',
    ],
    [
      rule([
        {
          kind: 'recent',
          name: 'KUBE-SEP-X',
          op: 'rcheck',
          seconds: 10800,
          reap: true,
          mask: 0xffffffff,
          side: 'rsource',
        },
      ]),
      '-A C -m recent --rcheck --seconds 10800 --reap --name KUBE-SEP-X --mask 255.255.255.255 --rsource',
    ],
    [
      rule([
        {
          kind: 'addrtype',
          srcType: { type: 'LOCAL', invert: true },
          dstType: { type: 'UNICAST', invert: false },
          limitIfaceIn: true,
        },
      ]),
      '-A C -m addrtype ! --src-type LOCAL --dst-type UNICAST --limit-iface-in',
    ],
    [
      rule([{ kind: 'conntrack', ctstate: ['RELATED', 'ESTABLISHED', 'DNAT'], invert: true }], {
        kind: 'DROP',
      }),
      '-A C -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP',
    ],
    [
      rule([{ kind: 'set', name: 'KUBE-LOOP-BACK', flags: ['dst', 'dst', 'src'], invert: false }], {
        kind: 'MASQUERADE',
        randomFully: false,
      }),
      '-A C -m set --match-set KUBE-LOOP-BACK dst,dst,src -j MASQUERADE',
    ],
    [
      rule([
        {
          kind: 'physdev',
          isBridged: false,
          physdevIn: { name: 'veth1', invert: false },
          physdevOut: { name: 'eth+', invert: true },
        },
      ]),
      '-A C -m physdev --physdev-in veth1 ! --physdev-out eth+ ! --physdev-is-bridged',
    ],
    [
      rule(
        [{ kind: 'icmp', type: 3, code: 4, invert: true }],
        { kind: 'ACCEPT' },
        { proto: { num: 1, invert: false } },
      ),
      '-A C -p icmp -m icmp ! --icmp-type 3/4 -j ACCEPT',
    ],
    [
      rule([{ kind: 'icmp', type: 255, invert: false }], undefined, { proto: { num: 1, invert: false } }),
      '-A C -p icmp -m icmp --icmp-type any',
    ],
    [
      rule([{ kind: 'multiport', dir: 'dports', ports: [8472, 4789], invert: false }], undefined, {
        proto: { num: 17, invert: false },
      }),
      '-A C -p udp -m multiport --dports 8472,4789',
    ],
    [
      rule(
        [
          {
            kind: 'tcp',
            sport: { from: 1024, to: 65535, invert: false },
            dport: { from: 22, to: 22, invert: true },
          },
        ],
        {
          kind: 'REJECT',
          with: 'tcp-reset',
        },
        { proto: { num: 6, invert: false } },
      ),
      '-A C -p tcp -m tcp --sport 1024:65535 ! --dport 22 -j REJECT --reject-with tcp-reset',
    ],
    [
      rule(
        [],
        { kind: 'SNAT', toAddr: ip4('192.168.57.11'), toPort: 40000, randomFully: true },
        { proto: { num: 6, invert: false } },
      ),
      '-A C -p tcp -j SNAT --to-source 192.168.57.11:40000 --random-fully',
    ],
    [
      rule([], { kind: 'DNAT', toAddr: ip4('10.244.1.3'), toPort: 8080 }),
      '-A C -j DNAT --to-destination 10.244.1.3:8080',
    ],
    [rule([], { kind: 'goto', chain: 'X' }), '-A C -g X'],
    [rule([], { kind: 'other', text: 'CT --notrack' }), '-A C -j CT --notrack'],
    [
      rule([], undefined, {
        src: { addr: ip4('10.244.0.0'), prefixLen: 16, mask: maskOf(16), invert: true },
        dst: { addr: ip4('10.244.2.0'), prefixLen: 24, mask: maskOf(24), invert: false },
        inIface: { name: 'veth+', invert: false },
        outIface: { name: 'cni0', invert: true },
        proto: { num: 47, invert: true },
      }),
      '-A C ! -s 10.244.0.0/16 -d 10.244.2.0/24 -i veth+ ! -o cni0 ! -p gre',
    ],
    [
      rule([
        { kind: 'comment', text: 'abc_-9' },
        { kind: 'comment', text: '' },
        { kind: 'comment', text: 'q"\\\'' },
      ]),
      '-A C -m comment --comment abc_-9 -m comment --comment "" -m comment --comment "q\\"\\\\\\\'"',
    ],
    [rule([]), '-A C'],
  ];
  for (const [r, text] of cases) {
    it(text, () => {
      expect(formatRule('C', r)).toBe(text);
    });
  }
});

function table(name: Table['name'], chains: [string, 'ACCEPT' | 'DROP' | undefined, Rule[]][]): Table {
  return { name, chains: new Map(chains.map(([n, policy, rules]) => [n, { name: n, policy, rules }])) };
}

describe('whole tables', () => {
  const filter = table('filter', [
    ['b', undefined, [rule([], { kind: 'RETURN' })]],
    ['OUTPUT', 'ACCEPT', []],
    ['A', undefined, []],
    ['INPUT', 'DROP', [rule([], { kind: 'jump', chain: 'b' })]],
    ['FORWARD', 'ACCEPT', []],
  ]);
  const nat = table('nat', [
    ['PREROUTING', 'ACCEPT', []],
    ['INPUT', 'ACCEPT', []],
    ['OUTPUT', 'ACCEPT', []],
    ['POSTROUTING', 'ACCEPT', []],
  ]);

  it('tables in mangle, raw, filter, nat order; built-ins in kernel order, then user chains sorted', () => {
    expect(formatIptablesSave([nat, filter])).toBe(
      '*filter\n:INPUT DROP [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:A - [0:0]\n:b - [0:0]\n' +
        '-A INPUT -j b\n-A b -j RETURN\nCOMMIT\n' +
        '*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n',
    );
  });

  it('counters come from the caller; the comment frame carries the caller-given date', () => {
    const out = formatIptablesSave([nat], {
      counters: (t, c) => (t === 'nat' && c === 'PREROUTING' ? [12, 3400] : [0, 0]),
      date: 'Sun Nov 22 05:41:38 2026',
    });
    expect(out).toBe(
      '# Generated by iptables-save v1.8.9 (nf_tables) on Sun Nov 22 05:41:38 2026\n*nat\n:PREROUTING ACCEPT [12:3400]\n' +
        ':INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n# Completed on Sun Nov 22 05:41:38 2026\n',
    );
  });

  it('no tables print nothing; a table given twice is a caller bug', () => {
    expect(formatIptablesSave([])).toBe('');
    expect(() => formatIptablesSave([nat, nat])).toThrow(RangeError);
  });
});

describe('round trip', () => {
  it('print → parse gives the same tables, and printing again the same text', () => {
    fc.assert(
      fc.property(arbTables(), (tables) => {
        const text = formatIptablesSave(tables);
        const back = parseIptablesRestore(text);
        if (!back.ok) throw new Error(`${back.error.line}:${back.error.col} ${back.error.message}\n${text}`);
        expect(back.tables).toEqual(tables);
        expect(formatIptablesSave(back.tables)).toBe(text);
      }),
      { numRuns: 300 },
    );
  });
});
