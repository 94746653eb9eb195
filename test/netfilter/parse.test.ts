import { readFileSync } from 'node:fs';
/**
 * iptables-restore parsing: the reference dumps (kube-proxy reference §7, flannel reference §6) read and
 * print back unchanged; kube-proxy's own argument order gives the canonical records; restore commands
 * (-I with positions, -D, -X, -F, -P, :CHAIN re-declaration, --noflush) behave as iptables-nft 1.8.9 did
 * in a namespace; and every refusal names its line and column.
 */
import { describe, expect, it } from 'vitest';
import {
  formatIptablesSave,
  formatRule,
  parseIptablesRestore,
  parseRuleText,
  type Rule,
  type Table,
} from '../../src/netfilter/index.js';
import { ip4 } from '../../src/wire/index.js';

function parseOk(text: string, opts = {}): Table[] {
  const r = parseIptablesRestore(text, opts);
  if (!r.ok) throw new Error(`line ${r.error.line} col ${r.error.col}: ${r.error.message}`);
  return r.tables;
}

function rulesOf(tables: readonly Table[], table: string, chain: string): readonly Rule[] {
  const t = tables.find((x) => x.name === table);
  return t?.chains.get(chain)?.rules ?? [];
}

/** kube-proxy reference §7: iptables-save -t nat after kube-proxy synced one ClusterIP service (LAB). */
const KUBE_PROXY_DUMP = readFileSync('test/fixtures/iptables/kube-proxy-ref7.save', 'utf8');

/** The same ruleset as kube-proxy writes it to iptables-restore (proxier.go argument order). */
const KUBE_PROXY_INPUT = `*nat
:KUBE-SERVICES - [0:0]
:KUBE-POSTROUTING - [0:0]
:KUBE-MARK-MASQ - [0:0]
:KUBE-NODEPORTS - [0:0]
:KUBE-SVC-CDGGSHYLG3RE2FKL - [0:0]
:KUBE-SEP-2AZ33KU3V5PGPQZH - [0:0]
:KUBE-SEP-4EX2N4PG4ASNZOBF - [0:0]
-I PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-I OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-I POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING
-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000
-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully
-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000
-A KUBE-SERVICES -m comment --comment "default/web:http cluster IP" -m tcp -p tcp -d 10.96.0.100 --dport 80 -j KUBE-SVC-CDGGSHYLG3RE2FKL
-A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http cluster IP" -m tcp -p tcp -d 10.96.0.100 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http -> 10.244.1.3:8080" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-2AZ33KU3V5PGPQZH
-A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http -> 10.244.2.2:8080" -j KUBE-SEP-4EX2N4PG4ASNZOBF
-A KUBE-SEP-2AZ33KU3V5PGPQZH -m comment --comment default/web:http -s 10.244.1.3 -j KUBE-MARK-MASQ
-A KUBE-SEP-2AZ33KU3V5PGPQZH -m comment --comment default/web:http -m tcp -p tcp -j DNAT --to-destination 10.244.1.3:8080
-A KUBE-SEP-4EX2N4PG4ASNZOBF -m comment --comment default/web:http -s 10.244.2.2 -j KUBE-MARK-MASQ
-A KUBE-SEP-4EX2N4PG4ASNZOBF -m comment --comment default/web:http -m tcp -p tcp -j DNAT --to-destination 10.244.2.2:8080
-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS
COMMIT
`;

/** flannel reference §6: the rules flanneld installs (Network 10.244.0.0/16, lease 10.244.2.0/24), LAB. */
const FLANNEL_RULES = {
  nat: [
    '-A POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG',
    '-A FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 -m comment --comment "flanneld masq" -j RETURN',
    '-A FLANNEL-POSTRTG -s 10.244.2.0/24 -d 10.244.0.0/16 -m comment --comment "flanneld masq" -j RETURN',
    '-A FLANNEL-POSTRTG -s 10.244.0.0/16 -d 10.244.2.0/24 -m comment --comment "flanneld masq" -j RETURN',
    '-A FLANNEL-POSTRTG ! -s 10.244.0.0/16 -d 10.244.2.0/24 -m comment --comment "flanneld masq" -j RETURN',
    '-A FLANNEL-POSTRTG -s 10.244.0.0/16 ! -d 224.0.0.0/4 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully',
    '-A FLANNEL-POSTRTG ! -s 10.244.0.0/16 -d 10.244.0.0/16 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully',
  ],
  filter: [
    '-A FORWARD -m comment --comment "flanneld forward" -j FLANNEL-FWD',
    '-A FLANNEL-FWD -s 10.244.0.0/16 -m comment --comment "flanneld forward" -j ACCEPT',
    '-A FLANNEL-FWD -d 10.244.0.0/16 -m comment --comment "flanneld forward" -j ACCEPT',
  ],
};

/** The whole iptables-save of a namespace holding only flannel's rules (the reference shows the chains' part). */
const FLANNEL_DUMP = `*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:FLANNEL-FWD - [0:0]
${FLANNEL_RULES.filter.join('\n')}
COMMIT
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:FLANNEL-POSTRTG - [0:0]
${FLANNEL_RULES.nat.join('\n')}
COMMIT
`;

describe('reference dumps', () => {
  it('kube-proxy §7 dump parses and prints back byte for byte', () => {
    expect(formatIptablesSave(parseOk(KUBE_PROXY_DUMP))).toBe(KUBE_PROXY_DUMP);
  });

  it("kube-proxy's own argument order prints as the canonical §7 dump", () => {
    expect(formatIptablesSave(parseOk(KUBE_PROXY_INPUT))).toBe(KUBE_PROXY_DUMP);
  });

  it('both orders give deep-equal rule records', () => {
    expect(parseOk(KUBE_PROXY_INPUT)).toEqual(parseOk(KUBE_PROXY_DUMP));
  });

  it("flannel's dump parses and prints back byte for byte, with the reference's -A lines in order", () => {
    const out = formatIptablesSave(parseOk(FLANNEL_DUMP));
    expect(out).toBe(FLANNEL_DUMP);
    const lines = out.split('\n').filter((l) => l.startsWith('-A'));
    expect(lines).toEqual([...FLANNEL_RULES.filter, ...FLANNEL_RULES.nat]);
  });
});

describe('canonical records', () => {
  const tables = parseOk(KUBE_PROXY_INPUT);

  it('the ClusterIP rule: /32 destination, tcp, comment then tcp match, jump', () => {
    const [rule] = rulesOf(tables, 'nat', 'KUBE-SERVICES');
    expect(rule).toEqual({
      dst: { addr: ip4('10.96.0.100'), prefixLen: 32, mask: 0xffffffff, invert: false },
      proto: { num: 6, invert: false },
      matches: [
        { kind: 'comment', text: 'default/web:http cluster IP' },
        { kind: 'tcp', dport: { from: 80, to: 80, invert: false } },
      ],
      target: { kind: 'jump', chain: 'KUBE-SVC-CDGGSHYLG3RE2FKL' },
    });
  });

  it('--or-mark X is set-xmark X/X and --xor-mark X is set-xmark X/0', () => {
    expect(rulesOf(tables, 'nat', 'KUBE-MARK-MASQ')[0]?.target).toEqual({
      kind: 'MARK',
      value: 0x4000,
      mask: 0x4000,
    });
    expect(rulesOf(tables, 'nat', 'KUBE-POSTROUTING')[1]?.target).toEqual({
      kind: 'MARK',
      value: 0x4000,
      mask: 0,
    });
  });

  it('statistic 0.5000000000 is stored as 2^30', () => {
    const m = rulesOf(tables, 'nat', 'KUBE-SVC-CDGGSHYLG3RE2FKL')[1]?.matches[1];
    expect(m).toEqual({ kind: 'statistic', stored: 1073741824, invert: false });
  });

  it('host bits are cleared and /0 drops the address match', () => {
    const r = parseRuleText('-s 10.0.0.1/24 -d 10.1.2.3/255.255.0.0 -j ACCEPT', {
      table: 'filter',
      chain: 'INPUT',
      userChain: () => undefined,
    });
    expect(r.ok && formatRule('INPUT', r.rules[0] as Rule)).toBe(
      '-A INPUT -s 10.0.0.0/24 -d 10.1.0.0/16 -j ACCEPT',
    );
    const all = parseRuleText('-s 0.0.0.0/0 -j ACCEPT', {
      table: 'filter',
      chain: 'INPUT',
      userChain: () => undefined,
    });
    expect(all.ok && all.rules[0]).toEqual({ matches: [], target: { kind: 'ACCEPT' } });
  });

  it('-p tcp with --dport loads the tcp match where the option appears', () => {
    const r = parseRuleText('-p tcp -m comment --comment x --dport 80 -j ACCEPT', {
      table: 'filter',
      chain: 'INPUT',
      userChain: () => undefined,
    });
    expect(r.ok && formatRule('INPUT', r.rules[0] as Rule)).toBe(
      '-A INPUT -p tcp -m comment --comment x -m tcp --dport 80 -j ACCEPT',
    );
  });

  it('address lists expand source-major; -I puts the expansion in reverse at its position', () => {
    const t = parseOk(
      '*filter\n-N A\n-A A -j ACCEPT\n-I A -s 1.1.1.1,2.2.2.2 -d 3.3.3.3,4.4.4.4 -j DROP\nCOMMIT\n',
    );
    expect(rulesOf(t, 'filter', 'A').map((r) => formatRule('A', r))).toEqual([
      '-A A -s 2.2.2.2/32 -d 4.4.4.4/32 -j DROP',
      '-A A -s 2.2.2.2/32 -d 3.3.3.3/32 -j DROP',
      '-A A -s 1.1.1.1/32 -d 4.4.4.4/32 -j DROP',
      '-A A -s 1.1.1.1/32 -d 3.3.3.3/32 -j DROP',
      '-A A -j ACCEPT',
    ]);
  });
});

describe('restore commands', () => {
  const lines = (t: Table[], chain: string) => rulesOf(t, 'filter', chain).map((r) => formatRule(chain, r));

  it('-I without a number prepends, with a number inserts before that rule, n+1 appends', () => {
    const t = parseOk(
      '*filter\n-N A\n-A A -j ACCEPT\n-I A -j DROP\n-I A 2 -j RETURN\n-A A -p udp\n-I A 5 -p tcp\nCOMMIT\n',
    );
    expect(lines(t, 'A')).toEqual([
      '-A A -j DROP',
      '-A A -j RETURN',
      '-A A -j ACCEPT',
      '-A A -p udp',
      '-A A -p tcp',
    ]);
  });

  it(':CHAIN on an existing chain flushes it but keeps jumps to it', () => {
    const t = parseOk(
      '*filter\n:A - [0:0]\n-A A -j ACCEPT\n-A INPUT -j A\n:A - [0:0]\n-A A -j DROP\nCOMMIT\n',
    );
    expect(lines(t, 'A')).toEqual(['-A A -j DROP']);
    expect(lines(t, 'INPUT')).toEqual(['-A INPUT -j A']);
  });

  it('-D by number and by specification, -F, -X of an empty unreferenced chain, -P', () => {
    const t = parseOk(
      '*filter\n-N A\n-N B\n-A A -j ACCEPT\n-A A -p udp -j DROP\n-A A -j RETURN\n-D A 1\n-D A -p udp -j DROP\n' +
        '-A B -j ACCEPT\n-F B\n-X B\n-P FORWARD DROP\nCOMMIT\n',
    );
    expect(lines(t, 'A')).toEqual(['-A A -j RETURN']);
    expect(t[0]?.chains.has('B')).toBe(false);
    expect(t[0]?.chains.get('FORWARD')?.policy).toBe('DROP');
  });

  it('user chains print sorted by byte value after the built-in chains', () => {
    const t = parseOk(
      '*filter\n:b - [0:0]\n:B - [0:0]\n:_x - [0:0]\n:a-1 - [0:0]\n:a - [0:0]\n:Z9 - [0:0]\nCOMMIT\n',
    );
    expect([...(t[0]?.chains.keys() ?? [])]).toEqual([
      'INPUT',
      'FORWARD',
      'OUTPUT',
      'B',
      'Z9',
      '_x',
      'a',
      'a-1',
      'b',
    ]);
  });

  it('a table named but left empty disappears; `-F` alone does not create one', () => {
    expect(parseOk('*raw\nCOMMIT\n*mangle\n-F\nCOMMIT\n')).toEqual([]);
    const base = parseOk('*nat\n-N X\nCOMMIT\n');
    expect(parseOk('*nat\nCOMMIT\n', { base }).map((t) => t.name)).toEqual([]);
  });

  it('without --noflush a named table starts afresh; with it, the table keeps its chains', () => {
    const base = parseOk('*filter\n:INPUT DROP [0:0]\n-N A\n-A INPUT -j A\nCOMMIT\n*nat\n-N N\nCOMMIT\n');
    const fresh = parseOk('*filter\n-A FORWARD -j ACCEPT\nCOMMIT\n', { base });
    expect(formatIptablesSave(fresh)).toBe(
      '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A FORWARD -j ACCEPT\nCOMMIT\n' +
        '*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n:N - [0:0]\nCOMMIT\n',
    );
    const kept = parseOk('*filter\n-N B\n-A INPUT -j B\n:FORWARD DROP\nCOMMIT\n', { base, noflush: true });
    expect(formatIptablesSave(kept.filter((t) => t.name === 'filter'))).toBe(
      '*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n:A - [0:0]\n:B - [0:0]\n' +
        '-A INPUT -j A\n-A INPUT -j B\nCOMMIT\n',
    );
  });

  it('comments, empty lines and counters in front of a rule are skipped', () => {
    const t = parseOk('# hi\n\n*filter\n# inside\n[5:100] -A INPUT -j ACCEPT\nCOMMIT\n');
    expect(lines(t, 'INPUT')).toEqual(['-A INPUT -j ACCEPT']);
  });

  it('a self-jump in a chain no built-in reaches is accepted (the kernel checks loops from hooks only)', () => {
    expect(parseIptablesRestore('*filter\n-N A\n-A A -j A\nCOMMIT\n').ok).toBe(true);
  });
});

describe('errors name the line and column', () => {
  const cases: readonly (readonly [input: string, line: number, col: number, message: string])[] = [
    ['*filter\n-A INPUT -o cni0 -j ACCEPT\nCOMMIT\n', 2, 10, "Can't use -o with INPUT"],
    ['*filter\n-A OUTPUT -i eth0 -j ACCEPT\nCOMMIT\n', 2, 11, "Can't use -i with OUTPUT"],
    ['*filter\n-A INPUT -m tcp --dport 80 -j ACCEPT\nCOMMIT\n', 2, 10, "TCP match requires '-p tcp'"],
    ['*filter\n-A INPUT --dport 80 -j ACCEPT\nCOMMIT\n', 2, 10, 'unknown option "--dport"'],
    ['*filter\n-A INPUT -p tcp --bogus 1 -j ACCEPT\nCOMMIT\n', 2, 17, 'unknown option "--bogus"'],
    ['*filter\n-A INPUT -m nosuch -j ACCEPT\nCOMMIT\n', 2, 10, "Couldn't load match `nosuch'"],
    ['*filter\n-A INPUT -m limit --limit 5/s -j ACCEPT\nCOMMIT\n', 2, 10, 'not supported by podwire'],
    ['*filter\n-A INPUT -j NOPE\nCOMMIT\n', 2, 10, "Couldn't load target `NOPE'"],
    ['*filter\n-A INPUT -j A\n:A - [0:0]\nCOMMIT\n', 2, 10, "Couldn't load target `A'"],
    ['*filter\n-A INPUT -g ACCEPT\nCOMMIT\n', 2, 10, "Chain 'ACCEPT' does not exist"],
    ['*filter\n-A INPUT ! ! -s 1.2.3.4 -j ACCEPT\nCOMMIT\n', 2, 12, 'multiple consecutive ! not allowed'],
    ['*filter\n-A INPUT -j ACCEPT junk\nCOMMIT\n', 2, 20, "Bad argument `junk'"],
    ['*filter\n-A INPUT -p tcp --dport 80 --dport 81\nCOMMIT\n', 2, 28, 'may only be specified once'],
    ['*filter\n-A INPUT -s 10.0.0.1 -s 10.0.0.2\nCOMMIT\n', 2, 22, 'multiple -s flags not allowed'],
    ['*filter\n-A INPUT -p tcp --sport 10:5\nCOMMIT\n', 2, 17, 'invalid portrange (min > max)'],
    ['*filter\n-A INPUT -m comment --comment "open\nCOMMIT\n', 2, 31, 'unterminated quoted string'],
    ['*filter\n-A INPUT -m recent --rcheck --set\nCOMMIT\n', 2, 29, 'cannot be used together'],
    ['*filter\n-A INPUT -m recent --rcheck --reap\nCOMMIT\n', 2, 10, 'also requires "--seconds"'],
    ['*filter\n-A INPUT -m statistic --mode random --probability 1.5\nCOMMIT\n', 2, 37, 'between 0 and 1'],
    [
      '*filter\n-A FORWARD -p udp -m multiport --dports 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16\nCOMMIT\n',
      2,
      32,
      'too many ports',
    ],
    ['*filter\n-A INPUT -m multiport --dports 1\nCOMMIT\n', 2, 10, 'multiport needs'],
    ['*filter\n-A FORWARD -j DNAT --to-destination 1.2.3.4\nCOMMIT\n', 2, 12, 'only valid in the nat table'],
    [
      '*nat\n-A PREROUTING -j DNAT --to-destination 1.2.3.4:80\nCOMMIT\n',
      2,
      15,
      'Need TCP, UDP, SCTP or DCCP',
    ],
    ['*nat\n-A INPUT -j DNAT --to-destination 1.2.3.4\nCOMMIT\n', 2, 1, 'DNAT target is not valid in INPUT'],
    [
      '*nat\n-N X\n-A X -j MASQUERADE\n-A PREROUTING -j X\nCOMMIT\n',
      3,
      1,
      'chain X is reached from PREROUTING',
    ],
    ['*filter\n-A INPUT -j REJECT --reject-with tcp-reset\nCOMMIT\n', 2, 10, 'requires -p tcp'],
    [
      '*filter\n-A OUTPUT -m addrtype --dst-type LOCAL --limit-iface-in -j ACCEPT\nCOMMIT\n',
      2,
      1,
      'addrtype --limit-iface-in is not valid in OUTPUT',
    ],
    ['*filter\n-N A\n-N B\n-A A -j B\n-A B -j A\n-A INPUT -j A\nCOMMIT\n', 5, 1, 'chain loop A -> B -> A'],
    ['*filter\n-N A\n-A INPUT -j A\n-X A\nCOMMIT\n', 4, 4, 'is referenced'],
    ['*filter\n-N A\n-A A -j ACCEPT\n-X A\nCOMMIT\n', 4, 4, 'is not empty'],
    ['*filter\n-X INPUT\nCOMMIT\n', 2, 4, 'No chain/target/match by that name.'],
    ['*filter\n-A NOPE -j ACCEPT\nCOMMIT\n', 2, 4, 'No chain/target/match by that name.'],
    ['*filter\n-N A\n-N A\nCOMMIT\n', 3, 4, 'Chain already exists.'],
    ['*filter\n-P A DROP\nCOMMIT\n', 2, 4, 'Bad built-in chain name.'],
    ['*filter\n:INPUT REJECT [0:0]\nCOMMIT\n', 2, 8, 'Bad policy name.'],
    ['*filter\n:ABCDEFGHIJKLMNOPQRSTUVWXYZ123 - [0:0]\nCOMMIT\n', 2, 2, 'too long (must be under 29 chars)'],
    ['*filter\n:ACCEPT - [0:0]\nCOMMIT\n', 2, 2, 'may not clash with target name'],
    ['*filter\n-N !x\nCOMMIT\n', 2, 4, "not allowed to start with `!'"],
    ['*filter\n-I INPUT 0 -j ACCEPT\nCOMMIT\n', 2, 10, "Invalid rule number `0'"],
    ['*filter\n-N A\n-A A -j ACCEPT\n-I A 3 -p tcp\nCOMMIT\n', 4, 6, 'Index of insertion too big.'],
    ['*bogus\nCOMMIT\n', 1, 2, "table name 'bogus' invalid"],
    ['-A INPUT -j ACCEPT\n', 1, 1, 'no table specified'],
    ['*filter\n-A INPUT -j ACCEPT\n', 3, 1, 'COMMIT expected'],
    ['*filter\n   \nCOMMIT\n', 2, 1, 'no command specified'],
    ['*filter\n-t nat -A INPUT\nCOMMIT\n', 2, 1, 'cannot be used in iptables-restore'],
  ];
  for (const [input, line, col, message] of cases) {
    it(`${JSON.stringify(input.split('\n')[1] ?? input)} → ${line}:${col} ${message}`, () => {
      const r = parseIptablesRestore(input);
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.error.message).toContain(message);
      expect([r.error.line, r.error.col]).toEqual([line, col]);
    });
  }

  it('a later table failing returns no tables at all', () => {
    const r = parseIptablesRestore('*filter\n-A INPUT -j ACCEPT\nCOMMIT\n*nat\n-A INPUT -j NOPE\nCOMMIT\n');
    expect(r).toEqual({
      ok: false,
      error: { line: 5, col: 10, message: "Couldn't load target `NOPE':No such file or directory" },
    });
  });
});

describe('tokenizer', () => {
  const parse = (spec: string) =>
    parseRuleText(spec, { table: 'filter', chain: 'INPUT', userChain: () => undefined });

  it('quotes, escapes and an empty quoted argument', () => {
    const r = parse('-m comment --comment "q\\"uo\\\\te\'x" -m comment --comment "" -j ACCEPT');
    expect(r.ok && r.rules[0]?.matches).toEqual([
      { kind: 'comment', text: 'q"uo\\te\'x' },
      { kind: 'comment', text: '' },
    ]);
  });

  it('a closing quote ends the argument, so "a"b is two arguments', () => {
    const r = parse('-m comment --comment "a"b -j ACCEPT');
    expect(r).toEqual({ ok: false, error: { col: 25, message: "Bad argument `b'" } });
  });

  it('a quoted "!" is an argument, not a negation', () => {
    const r = parse('-m comment --comment "!" -j ACCEPT');
    expect(r.ok && r.rules[0]?.matches).toEqual([{ kind: 'comment', text: '!' }]);
  });

  it('--option=value is read like two arguments', () => {
    const r = parse('-p tcp --dport=80 -j ACCEPT');
    expect(r.ok && formatRule('INPUT', r.rules[0] as Rule)).toBe(
      '-A INPUT -p tcp -m tcp --dport 80 -j ACCEPT',
    );
  });

  it('comments longer than 255 bytes are cut, as iptables 1.8.9 does', () => {
    const r = parse(`-m comment --comment ${'x'.repeat(300)} -j ACCEPT`);
    expect(r.ok && r.rules[0]?.matches[0]).toEqual({ kind: 'comment', text: 'x'.repeat(255) });
  });
});
