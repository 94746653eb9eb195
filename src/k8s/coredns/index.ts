/** coredns/ — the kubernetes plugin of kubeadm's CoreDNS: DNS answers computed from the API objects. */
export {
  isIp4Text,
  NAME_ERROR,
  type ReadyAddress,
  readyAddresses,
  records,
  type ZoneItem,
  type ZoneView,
} from './lookup.js';
export { addressFromReverse, matchPortAndProtocol, parseRequest, type RecordRequest } from './request.js';
export { type CoreDnsOptions, CoreDnsZone, DNS_SCHEMA_VERSION } from './zone.js';
