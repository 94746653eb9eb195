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
import { asTable } from './kube-proxy-fixtures.js';

export function expectedProxyTables(
  base: readonly Table[],
  out: ReadonlyMap<TableName, ProxyTableRules>,
): string {
  const tables = new Map<TableName, Map<string, Chain>>();
  for (const t of base) tables.set(t.name, new Map(t.chains));
  for (const [name, t] of out) {
    const chains = tables.get(name) ?? new Map<string, Chain>();
    const builtin = new Set<string>(BUILTIN_CHAINS[name]);
    for (const [chain, c] of asTable(name, t).chains) {
      const cur = chains.get(chain);
      // A built-in chain keeps its policy and rules, behind kube-proxy's jumps.
      if (builtin.has(chain)) {
        chains.set(chain, {
          name: chain,
          policy: cur?.policy ?? 'ACCEPT',
          rules: [...c.rules, ...(cur?.rules ?? [])],
        });
      } else chains.set(chain, c);
    }
    tables.set(name, chains);
  }
  return formatIptablesSave([...tables].map(([name, chains]) => ({ name, chains })));
}
