/**
 * CoreDNS as kubeadm configures it (`kubernetes cluster.local in-addr.arpa ip6.arpa { pods insecure;
 * fallthrough in-addr.arpa ip6.arpa; ttl 30 }`), answering from Services, EndpointSlices, Pods and
 * Namespaces seen through informers — plugin/kubernetes/handler.go ServeDNS with plugin/backend_lookup.go.
 *
 * Replies: positive answers have AA set and RA clear (the plugin never sets RA, hence dig's "recursion
 * requested but not available"); NXDOMAIN and NODATA carry the zone's SOA in the authority section
 * (BackendError). Names outside the zones — and reverse names the plugin does not know, which fall
 * through — would go to `forward . /etc/resolv.conf`; no upstream is modelled, and a CoreDNS whose chain
 * has no plugin after kubernetes answers SERVFAIL (plugin.NextOrFailure), so that is the answer here.
 * `cache` and `loadbalance` (answer order shuffling) are not modelled.
 */
import type { Sim } from '../../sim/index.js';
import {
  DNS_CLASS_IN,
  DNS_RCODE,
  DNS_TYPE,
  type DnsMessage,
  type DnsRecord,
  dnsLower,
  dnsReply,
  fqdn,
  parseIp4,
} from '../../wire/index.js';
import type { ControlPlaneContext, EndpointSlice, Pod, Service } from '../api/index.js';
import { Informer, type KubeObject } from '../store/index.js';
import { isIp4Text, NAME_ERROR, records, type ZoneItem, type ZoneView } from './lookup.js';
import { addressFromReverse, parseRequest } from './request.js';

/** CoreDNS's DNS schema version, served as TXT at `dns-version.<zone>` (kubernetes.go DNSSchemaVersion). */
export const DNS_SCHEMA_VERSION = '1.1.0';

/** Options of `CoreDnsZone`. */
export interface CoreDnsOptions {
  /** The cluster domain (kubelet clusterDomain), default `cluster.local`. */
  readonly clusterDomain?: string;
  /** Record TTL, s: kubeadm's Corefile says `ttl 30` (the plugin's own default is 5). */
  readonly ttl?: number;
  /** The Service in front of CoreDNS, for NS answers: default kube-system/kube-dns. */
  readonly dnsService?: { readonly namespace: string; readonly name: string };
}

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

export class CoreDnsZone implements ZoneView {
  readonly zone: string;
  private readonly ttl: number;
  private readonly dnsService: { readonly namespace: string; readonly name: string };
  private readonly sim: Sim;
  private services: Informer<Service> | undefined;
  private slicesInf: Informer<EndpointSlice> | undefined;
  private pods: Informer<Pod> | undefined;
  private namespaces: Informer | undefined;
  /** Unix seconds of the last change seen (dnsControl.modified): the SOA serial. */
  private modified = 0;

  constructor(
    private readonly ctx: ControlPlaneContext,
    opts: CoreDnsOptions = {},
  ) {
    this.sim = ctx.sim;
    this.zone = fqdn(dnsLower(opts.clusterDomain ?? 'cluster.local'));
    this.ttl = opts.ttl ?? 30;
    this.dnsService = opts.dnsService ?? { namespace: 'kube-system', name: 'kube-dns' };
  }

  /** Starts the informers (Services, EndpointSlices, Pods, Namespaces). */
  start(): this {
    const touch = (): void => {
      this.modified = Math.floor(this.sim.now / 1_000_000_000);
    };
    const handlers = { onAdd: touch, onUpdate: touch, onDelete: touch };
    const opts = { delayNs: this.ctx.watchDelay, handlers };
    this.services ??= new Informer<Service>(this.ctx.store, this.sim, 'Service', opts).start();
    this.slicesInf ??= new Informer<EndpointSlice>(this.ctx.store, this.sim, 'EndpointSlice', opts).start();
    this.pods ??= new Informer<Pod>(this.ctx.store, this.sim, 'Pod', {
      delayNs: this.ctx.watchDelay,
    }).start();
    this.namespaces ??= new Informer<KubeObject>(this.ctx.store, this.sim, 'Namespace', {
      delayNs: this.ctx.watchDelay,
    }).start();
    return this;
  }

  /** Stops the informers. */
  stop(): void {
    for (const i of [this.services, this.slicesInf, this.pods, this.namespaces]) i?.stop();
  }

  /** True once every informer has its initial list (APIConn.HasSynced). */
  get hasSynced(): boolean {
    return [this.services, this.slicesInf, this.pods, this.namespaces].every((i) => i?.hasSynced === true);
  }

  service(namespace: string, name: string): Service | undefined {
    return this.services?.get(namespace, name);
  }

  slices(namespace: string, service: string): readonly EndpointSlice[] {
    return (this.slicesInf?.list() ?? []).filter(
      (s) => s.metadata.namespace === namespace && s.metadata.labels?.[SERVICE_NAME_LABEL] === service,
    );
  }

  /**
   * namespaceExposed: the Namespace object exists. podwire's loader may not create Namespace objects, so
   * a namespace holding a Service or a Pod counts as existing too.
   */
  namespaceExists(namespace: string): boolean {
    if (this.namespaces?.get(undefined, namespace) !== undefined) return true;
    const inNs = (o: KubeObject) => o.metadata.namespace === namespace;
    return (this.services?.list() ?? []).some(inNs) || (this.pods?.list() ?? []).some(inNs);
  }

  /** The reply to `query`, as the kubernetes plugin (or, outside its zones, the missing forwarder) gives it. */
  answer(query: DnsMessage): DnsMessage {
    const q = query.questions[0];
    if (q === undefined || query.questions.length !== 1) return dnsReply(query, DNS_RCODE.FORMERR);
    const name = dnsLower(fqdn(q.name));
    const zone = [this.zone, 'in-addr.arpa.', 'ip6.arpa.'].find((z) => name === z || name.endsWith(`.${z}`));
    if (zone === undefined || q.class !== DNS_CLASS_IN) return dnsReply(query, DNS_RCODE.SERVFAIL);
    const zoneText = q.name.slice(q.name.length - zone.length); // keeps the query's case, as CoreDNS does
    if (zone !== this.zone) return this.reverse(query, name);
    const positive = (answers: DnsRecord[], additionals: DnsRecord[] = []): DnsMessage => {
      if (answers.length === 0) return this.backendError(query, DNS_RCODE.NOERROR, zoneText);
      return { ...dnsReply(query, DNS_RCODE.NOERROR), aa: true, answers, additionals };
    };
    if (q.type === DNS_TYPE.NS && name === zone) return positive(...this.nsRecords(q.name));
    if (q.type === DNS_TYPE.SOA && name === zone) return positive([this.soa(zoneText)]);
    if (q.type === DNS_TYPE.TXT && name === `dns-version.${zone}`) {
      return positive([
        {
          name: q.name,
          type: DNS_TYPE.TXT,
          class: DNS_CLASS_IN,
          ttl: 28800,
          data: { kind: 'TXT', strings: [DNS_SCHEMA_VERSION] },
        },
      ]);
    }
    const items = this.lookup(name);
    if (items === NAME_ERROR) {
      const rcode = this.hasSynced ? DNS_RCODE.NXDOMAIN : DNS_RCODE.SERVFAIL;
      return this.backendError(query, rcode, zoneText);
    }
    switch (q.type) {
      case DNS_TYPE.A:
        return positive(this.addresses(q.name, items, 0));
      case DNS_TYPE.CNAME: {
        const ext = items.find((i) => !isIp4Text(i.host));
        return positive(ext === undefined ? [] : [this.cname(q.name, ext.host)]);
      }
      case DNS_TYPE.SRV:
        return positive(...this.srv(q.name, items));
      default:
        // AAAA (no IPv6 here), TXT, PTR of a forward name, …: the name exists, so NODATA.
        return positive(
          q.type === DNS_TYPE.AAAA
            ? this.addresses(q.name, items, 0).filter((r) => r.type === DNS_TYPE.CNAME)
            : [],
        );
    }
  }

  private lookup(name: string): ZoneItem[] | typeof NAME_ERROR {
    // isDefaultNS: ns.dns.<zone> is the DNS Service's address.
    if (name === `ns.dns.${this.zone}`) {
      const ip = this.dnsServiceIp();
      return ip === undefined ? NAME_ERROR : [{ host: ip, port: 0, target: name }];
    }
    const req = parseRequest(name, this.zone);
    if (req === undefined) return NAME_ERROR;
    return records(this, req, this.zone);
  }

  /** plugin.A: A per address (deduplicated); a name host becomes a CNAME, completed inside the zone. */
  private addresses(qname: string, items: readonly ZoneItem[], depth: number): DnsRecord[] {
    const out: DnsRecord[] = [];
    const seen = new Set<string>();
    for (const it of items) {
      if (isIp4Text(it.host)) {
        if (seen.has(it.host)) continue;
        seen.add(it.host);
        out.push({
          name: qname,
          type: DNS_TYPE.A,
          class: DNS_CLASS_IN,
          ttl: this.ttl,
          data: { kind: 'A', address: parseIp4(it.host) ?? 0 },
        });
        continue;
      }
      const target = fqdn(it.host);
      if (dnsLower(target) === dnsLower(fqdn(qname)) || depth > 7) continue; // x CNAME x, or a long chain
      const inZone = dnsLower(target).endsWith(`.${this.zone}`);
      if (!inZone) {
        // b.Lookup through the server itself: with no upstream the lookup returns SERVFAIL and no
        // records, and the CNAME is still answered alone.
        out.push(this.cname(qname, target));
        continue;
      }
      const next = this.lookup(dnsLower(target));
      if (next === NAME_ERROR) continue;
      const rest = this.addresses(target, next, depth + 1);
      if (rest.length > 0) out.push(this.cname(qname, target), ...rest);
    }
    return out;
  }

  /** plugin.SRV: one SRV per (target, port), weight 100/n each, and the targets' A records as extra. */
  private srv(qname: string, items: readonly ZoneItem[]): [DnsRecord[], DnsRecord[]] {
    const internal = items.filter((i) => isIp4Text(i.host));
    const weight = Math.max(1, Math.floor((100.0 / (100 * internal.length)) * 100));
    const answers: DnsRecord[] = [];
    const extra: DnsRecord[] = [];
    const seen = new Set<string>();
    for (const it of internal) {
      if (it.port === -1) continue;
      const target = fqdn(it.target);
      if (!seen.has(`${target} ${it.port}`)) {
        seen.add(`${target} ${it.port}`);
        answers.push({
          name: qname,
          type: DNS_TYPE.SRV,
          class: DNS_CLASS_IN,
          ttl: this.ttl,
          data: { kind: 'SRV', priority: 0, weight, port: it.port, target },
        });
      }
      if (!seen.has(`${target} ${it.host}`)) {
        seen.add(`${target} ${it.host}`);
        extra.push({
          name: target,
          type: DNS_TYPE.A,
          class: DNS_CLASS_IN,
          ttl: this.ttl,
          data: { kind: 'A', address: parseIp4(it.host) ?? 0 },
        });
      }
    }
    return [answers, extra];
  }

  /** PTR in in-addr.arpa: a ClusterIP names its Service, else endpoints name `<label>.<svc>.<ns>.svc`. */
  private reverse(query: DnsMessage, name: string): DnsMessage {
    const q = query.questions[0];
    const ip = addressFromReverse(name);
    if (q === undefined || q.type !== DNS_TYPE.PTR || ip === undefined)
      return dnsReply(query, DNS_RCODE.SERVFAIL);
    const ptr = (target: string): DnsRecord => ({
      name: q.name,
      type: DNS_TYPE.PTR,
      class: DNS_CLASS_IN,
      ttl: this.ttl,
      data: { kind: 'PTR', target },
    });
    const services = this.services?.list() ?? [];
    const svc = services.find((s) => (s.spec.clusterIPs ?? [s.spec.clusterIP]).includes(ip));
    let answers: DnsRecord[] = [];
    if (svc !== undefined) answers = [ptr(`${svc.metadata.name}.${svc.metadata.namespace}.svc.${this.zone}`)];
    else {
      for (const s of this.slicesInf?.list() ?? []) {
        const owner = s.metadata.labels?.[SERVICE_NAME_LABEL];
        if (owner === undefined) continue;
        const seen = new Set<string>();
        for (const e of s.endpoints) {
          if (e.conditions.ready === false || !e.addresses.includes(ip)) continue;
          const t = `${e.hostname ?? ip.replaceAll('.', '-')}.${owner}.${s.metadata.namespace}.svc.${this.zone}`;
          if (!seen.has(t)) answers.push(ptr(t));
          seen.add(t);
        }
      }
    }
    // Not found: `fallthrough in-addr.arpa` hands it to forward, which is not modelled (SERVFAIL).
    if (answers.length === 0) return dnsReply(query, DNS_RCODE.SERVFAIL);
    return { ...dnsReply(query, DNS_RCODE.NOERROR), aa: true, answers };
  }

  /** NS at the apex: ns.dns.<zone> with the DNS Service's address as glue. */
  private nsRecords(qname: string): [DnsRecord[], DnsRecord[]] {
    const ip = this.dnsServiceIp();
    if (ip === undefined) return [[], []];
    const target = `ns.dns.${this.zone}`;
    return [
      [{ name: qname, type: DNS_TYPE.NS, class: DNS_CLASS_IN, ttl: this.ttl, data: { kind: 'NS', target } }],
      [
        {
          name: target,
          type: DNS_TYPE.A,
          class: DNS_CLASS_IN,
          ttl: this.ttl,
          data: { kind: 'A', address: parseIp4(ip) ?? 0 },
        },
      ],
    ];
  }

  private dnsServiceIp(): string | undefined {
    const ip = this.service(this.dnsService.namespace, this.dnsService.name)?.spec.clusterIP;
    return ip !== undefined && isIp4Text(ip) ? ip : undefined;
  }

  private cname(qname: string, target: string): DnsRecord {
    return {
      name: qname,
      type: DNS_TYPE.CNAME,
      class: DNS_CLASS_IN,
      ttl: this.ttl,
      data: { kind: 'CNAME', target: fqdn(target) },
    };
  }

  /** plugin.SOA: ns.dns.<zone> / hostmaster.<zone>, serial = last change, 7200 1800 86400, minimum = ttl. */
  soa(zoneName: string = this.zone): DnsRecord {
    return {
      name: zoneName,
      type: DNS_TYPE.SOA,
      class: DNS_CLASS_IN,
      ttl: Math.min(this.ttl, 300),
      data: {
        kind: 'SOA',
        mname: `ns.dns.${zoneName}`,
        rname: `hostmaster.${zoneName}`,
        serial: this.modified >>> 0,
        refresh: 7200,
        retry: 1800,
        expire: 86400,
        minimum: this.ttl,
      },
    };
  }

  /** plugin.BackendError: the rcode, AA, and the SOA in the authority section. */
  private backendError(query: DnsMessage, rcode: number, zoneName: string): DnsMessage {
    return { ...dnsReply(query, rcode), aa: true, authorities: [this.soa(zoneName)] };
  }
}
