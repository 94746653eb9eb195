/**
 * The iptables rules flanneld keeps on its node (pkg/trafficmngr/iptables: masqRules with --ip-masq,
 * forwardRules with --iptables-forward-rules, both on by default in kube-flannel.yml): FLANNEL-POSTRTG in
 * nat, hooked from POSTROUTING, and FLANNEL-FWD in filter, hooked from FORWARD. flanneld writes them with
 * iptables-restore, the jumps appended, so kube-proxy's prepended jumps stay above them.
 */

import { type Netfilter, parseIptablesRestore } from '../netfilter/index.js';
import { formatSubnet } from './backend.js';
import type { Subnet } from './lease.js';

/** kube-proxy's masquerade mark (flannel's KubeProxyMark): packets it marked are left to KUBE-POSTROUTING. */
const KUBE_PROXY_MARK = '0x4000/0x4000';

/** The iptables-restore input flanneld's rules amount to, as it writes them (not iptables-save's order). */
export function flannelRestoreText(network: Subnet, lease: Subnet, ipMasq: boolean): string {
  const n = formatSubnet(network);
  const l = formatSubnet(lease);
  const masq = '-m comment --comment "flanneld masq"';
  const fwd = '-m comment --comment "flanneld forward"';
  const nat = ipMasq
    ? [
        '*nat',
        ':FLANNEL-POSTRTG - [0:0]',
        `-A POSTROUTING ${masq} -j FLANNEL-POSTRTG`,
        `-A FLANNEL-POSTRTG -m mark --mark ${KUBE_PROXY_MARK} ${masq} -j RETURN`,
        `-A FLANNEL-POSTRTG -s ${l} -d ${n} ${masq} -j RETURN`,
        `-A FLANNEL-POSTRTG -s ${n} -d ${l} ${masq} -j RETURN`,
        `-A FLANNEL-POSTRTG ! -s ${n} -d ${l} ${masq} -j RETURN`,
        `-A FLANNEL-POSTRTG -s ${n} ! -d 224.0.0.0/4 ${masq} -j MASQUERADE --random-fully`,
        `-A FLANNEL-POSTRTG ! -s ${n} -d ${n} ${masq} -j MASQUERADE --random-fully`,
        'COMMIT',
      ]
    : [];
  const filter = [
    '*filter',
    ':FLANNEL-FWD - [0:0]',
    `-A FORWARD ${fwd} -j FLANNEL-FWD`,
    `-A FLANNEL-FWD -s ${n} ${fwd} -j ACCEPT`,
    `-A FLANNEL-FWD -d ${n} ${fwd} -j ACCEPT`,
    'COMMIT',
  ];
  return `${[...nat, ...filter].join('\n')}\n`;
}

/** Loads flanneld's rules into the node's netfilter (`iptables-restore --noflush`). */
export function installFlannelRules(nf: Netfilter, network: Subnet, lease: Subnet, ipMasq: boolean): void {
  const parsed = parseIptablesRestore(flannelRestoreText(network, lease, ipMasq), {
    base: nf.tables(),
    noflush: true,
  });
  // The text is ours and fixed; a parse failure is a podwire bug, not bad input.
  if (!parsed.ok) throw new Error(`flannel rules: ${parsed.error.message} (line ${parsed.error.line})`);
  for (const t of parsed.tables) {
    const r = nf.replaceTable(t);
    if (!r.ok) throw new Error(`flannel rules: ${r.error}`);
  }
}
