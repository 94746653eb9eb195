/**
 * How CoreDNS's kubernetes plugin reads a query name inside its zone (plugin/kubernetes/parse.go
 * parseRequest), right to left after the zone:
 *   `<service>.<namespace>.svc|pod.<zone>`, `<endpoint>.<service>.<namespace>.svc.<zone>`,
 *   `_<port>._<proto>.<service>.<namespace>.svc.<zone>`.
 * Anything longer, or a label other than `svc`/`pod` where it must be, is an invalid request (NXDOMAIN).
 */

/** A parsed query name; empty strings are parts the name did not have (wildcards). */
export interface RecordRequest {
  readonly podOrSvc: '' | 'svc' | 'pod';
  readonly namespace: string;
  readonly service: string;
  readonly endpoint: string;
  /** The named port of an SRV name, underscore removed. */
  readonly port: string;
  /** The protocol of an SRV name (`tcp`, `udp`), underscore removed. */
  readonly protocol: string;
}

const EMPTY: RecordRequest = {
  podOrSvc: '',
  namespace: '',
  service: '',
  endpoint: '',
  port: '',
  protocol: '',
};

/**
 * Parses `name` (lower-case, fully qualified) below `zone` (e.g. `cluster.local.`); undefined is
 * errInvalidRequest. The apex, `svc.<zone>` and `pod.<zone>` parse to an empty request (NODATA).
 */
export function parseRequest(name: string, zone: string): RecordRequest | undefined {
  const base = name === zone ? '' : name.slice(0, name.length - zone.length - 1);
  if (base === '' || base === 'svc' || base === 'pod') return EMPTY;
  const segs = base.split('.');
  let last = segs.length - 1;
  const kind = segs[last];
  if (kind !== 'svc' && kind !== 'pod') return undefined;
  last--;
  if (last < 0) return { ...EMPTY, podOrSvc: kind };
  const namespace = segs[last--] ?? '';
  if (last < 0) return { ...EMPTY, podOrSvc: kind, namespace };
  const service = segs[last--] ?? '';
  if (last < 0) return { ...EMPTY, podOrSvc: kind, namespace, service };
  if (last === 0) return { ...EMPTY, podOrSvc: kind, namespace, service, endpoint: segs[0] ?? '' };
  if (last === 1) {
    return {
      ...EMPTY,
      podOrSvc: kind,
      namespace,
      service,
      protocol: stripUnderscore(segs[1] ?? ''),
      port: stripUnderscore(segs[0] ?? ''),
    };
  }
  return undefined; // too long
}

function stripUnderscore(s: string): string {
  return s.startsWith('_') ? s.slice(1) : s;
}

/** matchPortAndProtocol: an empty request part matches anything; names compare case-insensitively. */
export function matchPortAndProtocol(
  reqPort: string,
  port: string | undefined,
  reqProto: string,
  proto: string | undefined,
): boolean {
  return (
    (reqPort === '' || reqPort === (port ?? '').toLowerCase()) &&
    (reqProto === '' || reqProto === (proto ?? '').toLowerCase())
  );
}

/**
 * The address in a reverse name (`3.0.96.10.in-addr.arpa.` → `10.96.0.3`), or undefined
 * (dnsutil.ExtractAddressFromReverse; IPv6 reverse names are not modelled).
 */
export function addressFromReverse(name: string): string | undefined {
  const suffix = '.in-addr.arpa.';
  if (!name.endsWith(suffix)) return undefined;
  const parts = name.slice(0, -suffix.length).split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.reverse().join('.');
}
