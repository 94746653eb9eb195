/**
 * netfilter/ — iptables tables and chains with their matches and targets, conntrack with NAT, ipsets,
 * IPVS with its schedulers, and the `iptables-save` / `conntrack -L` / `ipvsadm -Ln` formats. It fits
 * the hook interface net/ declares without importing net/.
 */
export {
  type ConntrackEntry,
  type ConntrackFilter,
  type ConntrackStats,
  IPS,
  type TupleView,
} from './conntrack.js';
export { conntrackSummary, formatConntrackEntry, formatConntrackList } from './conntrack-format.js';
export { TCP_CT, TCP_STATE_NAMES } from './conntrack-proto.js';
export { CONNTRACK_SYSCTLS } from './defaults.js';
export type { CtExplained, NfExplainer } from './explain.js';
export * from './ipset.js';
export * from './ipset-format.js';
export * from './ipvs/index.js';
export { Netfilter, type NetfilterOptions } from './netfilter.js';
export {
  parseIptablesRestore,
  parseRuleText,
  type RestoreError,
  type RestoreOptions,
  type RestoreResult,
  type RuleSpecContext,
  type RuleSpecResult,
} from './parse.js';
export * from './probability.js';
export * from './rule.js';
export type { ChainCounters } from './ruleset.js';
export {
  formatIptablesSave,
  formatMatch,
  formatRule,
  formatRuleSpec,
  formatTarget,
  type IptablesSaveOptions,
  TABLE_SAVE_ORDER,
} from './save.js';
export { Conntrack } from './tracker.js';
export {
  CtInfo,
  type NfHook,
  type NfHost,
  type NfResult,
  type NfVerdict,
  type PacketMeta,
  RTN,
  type SetLookup,
  type SetPacket,
} from './types.js';
