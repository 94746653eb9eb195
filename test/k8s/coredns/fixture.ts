import { ControlPlaneContext } from '../../../src/k8s/api/index.js';
import { CoreDnsZone } from '../../../src/k8s/coredns/index.js';
import { ApiStore } from '../../../src/k8s/store/index.js';
import { Sim } from '../../../src/sim/index.js';

/** A store with web (ClusterIP, named port http), db (headless, two StatefulSet pods, one not ready), ext (ExternalName), kube-dns. */
export function dnsFixture(sim = new Sim({ seed: 1 })): { sim: Sim; store: ApiStore; zone: CoreDnsZone } {
  const store = new ApiStore(sim);
  const svc = (ns: string, name: string, spec: Record<string, unknown>) =>
    store.create({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec });
  svc('default', 'web', {
    clusterIP: '10.96.0.20',
    clusterIPs: ['10.96.0.20'],
    ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }],
  });
  svc('default', 'db', { clusterIP: 'None', ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }] });
  svc('default', 'ext', { type: 'ExternalName', externalName: 'example.com' });
  svc('kube-system', 'kube-dns', {
    clusterIP: '10.96.0.10',
    ports: [{ name: 'dns', port: 53, protocol: 'UDP' }],
  });
  const slice = (ns: string, name: string, service: string, endpoints: unknown[], ports: unknown[]) =>
    store.create({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name, namespace: ns, labels: { 'kubernetes.io/service-name': service } },
      addressType: 'IPv4',
      endpoints,
      ports,
    });
  slice(
    'default',
    'web-abcde',
    'web',
    [
      { addresses: ['10.244.1.2'], conditions: { ready: true } },
      { addresses: ['10.244.2.3'], conditions: { ready: true } },
    ],
    [{ name: 'http', port: 8080, protocol: 'TCP' }],
  );
  slice(
    'default',
    'db-fghjk',
    'db',
    [
      { addresses: ['10.244.1.7'], hostname: 'db-0', conditions: { ready: true } },
      { addresses: ['10.244.2.8'], hostname: 'db-1', conditions: { ready: true } },
      { addresses: ['10.244.2.9'], hostname: 'db-2', conditions: { ready: false } },
    ],
    [{ name: 'pg', port: 5432, protocol: 'TCP' }],
  );
  const ctx = new ControlPlaneContext(sim, store);
  const zone = new CoreDnsZone(ctx).start();
  sim.run();
  return { sim, store, zone };
}
