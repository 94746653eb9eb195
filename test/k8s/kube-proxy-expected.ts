/**
 * What a node's netfilter must hold once kube-proxy has synced, built independently of the engine:
 * the node's other tables with kube-proxy's chains added (replacing same-named ones) and its jumps put
 * in front of each built-in chain's rules, as `iptables-save` prints it.
 */
import type { ProxyTableRules } from '../../src/k8s/index.js';
import {
  BUILTIN_CHAINS,
  type Chain,
  formatIptablesSave,
  type Table,
  type TableName,
} from '../../src/netfilter/index.js';

export function expectedProxyTables(
  base: readonly Table[],
  out: ReadonlyMap<TableName, ProxyTableRules>,
): string {
  const tables = new Map<TableName, Map<string, Chain>>();
  for (const t of base) tables.set(t.name, new Map(t.chains));
  for (const [name, t] of out) {
    const chains = tables.get(name) ?? new Map<string, Chain>();
    for (const b of BUILTIN_CHAINS[name]) {
      const cur = chains.get(b);
      const jumps = t.jumps.filter((j) => j.chain === b).map((j) => j.rule);
      chains.set(b, { name: b, policy: cur?.policy ?? 'ACCEPT', rules: [...jumps, ...(cur?.rules ?? [])] });
    }
    for (const c of t.chains) chains.set(c.name, c);
    tables.set(name, chains);
  }
  return formatIptablesSave([...tables].map(([name, chains]) => ({ name, chains })));
}
