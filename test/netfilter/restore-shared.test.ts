import { describe, expect, it } from 'vitest';
import { type Chain, formatIptablesSave, type Rule } from '../../src/netfilter/index.js';
import {
  ACCEPT,
  forward,
  jump,
  load,
  masquerade,
  RETURN,
  rule,
  table,
  udpPacket,
  unitNf,
} from './engine-lab.js';

const chain = (name: string, rules: readonly Rule[]): Chain =>
  Object.freeze({ name, policy: undefined, rules });

/** What kube-proxy hands over: its chains (one shared map) and its jumps. */
function kubeBase(svcChains: readonly string[]): ReadonlyMap<string, Chain> {
  const m = new Map<string, Chain>();
  m.set('KUBE-POSTROUTING', chain('KUBE-POSTROUTING', [rule({ target: masquerade() })]));
  m.set(
    'KUBE-SERVICES',
    chain(
      'KUBE-SERVICES',
      svcChains.map((c, i) => rule({ dst: `10.96.0.${i + 1}`, target: jump(c) })),
    ),
  );
  for (const c of svcChains) m.set(c, chain(c, [rule({ target: RETURN })]));
  return m;
}

const J_SERVICES = rule({ target: jump('KUBE-SERVICES') });
const J_POST = rule({ target: jump('KUBE-POSTROUTING') });
const PREPEND = new Map<string, readonly Rule[]>([
  ['PREROUTING', [J_SERVICES]],
  ['POSTROUTING', [J_POST]],
]);
const keep = (name: string) => !name.startsWith('KUBE-SVC-');

/** A node with flannel-like rules in nat already. */
function node() {
  const { nf } = unitNf();
  load(
    nf,
    table('nat', {
      POSTROUTING: [rule({ target: jump('FLANNEL-POSTRTG') })],
      'FLANNEL-POSTRTG': [rule({ src: '10.244.0.0/16', target: masquerade() })],
    }),
  );
  return nf;
}

describe('Netfilter.restoreShared (kube-proxy’s restore over a shared chain map)', () => {
  it('the base chains are held, the other chains kept, the prepended rules first in their built-in chains', () => {
    const nf = node();
    const base = kubeBase(['KUBE-SVC-A']);
    expect(nf.restoreShared('nat', base, PREPEND, keep)).toEqual({ ok: true });
    const nat = nf.tables().find((t) => t.name === 'nat');
    expect(nat?.chains.get('KUBE-SVC-A')).toBe(base.get('KUBE-SVC-A'));
    expect(formatIptablesSave(nf.tables())).toBe(
      [
        '*nat',
        ':PREROUTING ACCEPT [0:0]',
        ':INPUT ACCEPT [0:0]',
        ':OUTPUT ACCEPT [0:0]',
        ':POSTROUTING ACCEPT [0:0]',
        ':FLANNEL-POSTRTG - [0:0]',
        ':KUBE-POSTROUTING - [0:0]',
        ':KUBE-SERVICES - [0:0]',
        ':KUBE-SVC-A - [0:0]',
        '-A PREROUTING -j KUBE-SERVICES',
        '-A POSTROUTING -j KUBE-POSTROUTING',
        '-A POSTROUTING -j FLANNEL-POSTRTG',
        '-A FLANNEL-POSTRTG -s 10.244.0.0/16 -j MASQUERADE',
        '-A KUBE-POSTROUTING -j MASQUERADE',
        '-A KUBE-SERVICES -d 10.96.0.1/32 -j KUBE-SVC-A',
        '-A KUBE-SVC-A -j RETURN',
        'COMMIT',
        '',
      ].join('\n'),
    );
  });

  it('a stale chain the new base lacks is deleted; the prepended rules are not duplicated', () => {
    const nf = node();
    nf.restoreShared('nat', kubeBase(['KUBE-SVC-A', 'KUBE-SVC-B']), PREPEND, keep);
    nf.newChain('nat', 'KUBE-KUBELET-CANARY');
    nf.restoreShared('nat', kubeBase(['KUBE-SVC-B']), PREPEND, keep);
    const nat = nf.tables().find((t) => t.name === 'nat');
    expect([...(nat?.chains.keys() ?? [])]).toEqual([
      'PREROUTING',
      'INPUT',
      'OUTPUT',
      'POSTROUTING',
      'FLANNEL-POSTRTG',
      'KUBE-KUBELET-CANARY',
      'KUBE-POSTROUTING',
      'KUBE-SERVICES',
      'KUBE-SVC-B',
    ]);
    expect(nat?.chains.get('POSTROUTING')?.rules).toEqual([
      J_POST,
      rule({ target: jump('FLANNEL-POSTRTG') }),
    ]);
  });

  it('counters stay with the rules that stay, also when the built-in chain is rebuilt around them', () => {
    const nf = node();
    forward(nf, udpPacket('10.244.1.2', '8.8.8.8', 1000, 53));
    expect(nf.counters('nat', 'POSTROUTING')?.rules.map((r) => r.packets)).toEqual([1]);
    nf.restoreShared('nat', kubeBase([]), PREPEND, keep);
    expect(nf.counters('nat', 'POSTROUTING')?.rules.map((r) => r.packets)).toEqual([0, 1]);
    expect(nf.counters('nat', 'PREROUTING')?.policy?.packets).toBe(1);
    expect(nf.counters('nat', 'FLANNEL-POSTRTG')?.rules.map((r) => r.packets)).toEqual([1]);
  });

  it('the same call again changes no record', () => {
    const nf = node();
    const base = kubeBase(['KUBE-SVC-A']);
    nf.restoreShared('nat', base, PREPEND, keep);
    const before = nf.tables().find((t) => t.name === 'nat');
    nf.restoreShared('nat', base, PREPEND, keep);
    const after = nf.tables().find((t) => t.name === 'nat');
    for (const [name, c] of before?.chains ?? []) expect(after?.chains.get(name)).toBe(c);
  });

  it('refuses, and changes nothing, when a kept chain jumps to a chain that goes, or a rule to a missing one', () => {
    const nf = node();
    nf.restoreShared('nat', kubeBase(['KUBE-SVC-A']), PREPEND, keep);
    nf.newChain('nat', 'MINE');
    expect(nf.ensureRule('nat', 'MINE', rule({ target: jump('KUBE-SVC-A') }), 'append').ok).toBe(true);
    const text = formatIptablesSave(nf.tables());
    const r = nf.restoreShared('nat', kubeBase([]), PREPEND, keep);
    expect(r.ok).toBe(false);
    expect(formatIptablesSave(nf.tables())).toBe(text);
    const bad = new Map([['KUBE-SERVICES', chain('KUBE-SERVICES', [rule({ target: jump('NOWHERE') })])]]);
    expect(nf.restoreShared('nat', bad, new Map(), keep)).toEqual({
      ok: false,
      error: "Couldn't load target `NOWHERE':No such file or directory",
    });
    const loop = new Map([['KUBE-X', chain('KUBE-X', [rule({ target: jump('KUBE-X') })])]]);
    expect(nf.restoreShared('nat', loop, new Map(), keep).ok).toBe(false);
    expect(
      nf.restoreShared('nat', kubeBase([]), new Map([['KUBE-SERVICES', [rule({ target: ACCEPT })]]]), keep),
    ).toEqual({ ok: false, error: "Chain 'KUBE-SERVICES' is not a built-in chain" });
  });
});
