import { describe, expect, it } from 'vitest';
import {
  type EndpointsRow,
  kubectlGetEndpoints,
  kubectlGetServices,
  type ServiceRow,
} from '../../src/inspect/index.js';

const MIN = 60_000_000_000;

function svc(over: Partial<ServiceRow> & { name: string }): ServiceRow {
  return {
    namespace: 'default',
    type: 'ClusterIP',
    clusterIP: '10.96.0.20',
    externalIPs: [],
    loadBalancerIPs: [],
    ports: [{ port: 80, protocol: 'TCP' }],
    selector: new Map([['app', 'web']]),
    ageNs: 5 * MIN,
    ...over,
  };
}

describe('kubectl get services', () => {
  it('prints each type as printService does: None, <pending>, the external name, node ports', () => {
    const rows = [
      svc({ name: 'web' }),
      svc({ name: 'db', clusterIP: 'None', ports: [] }),
      svc({
        name: 'np',
        type: 'NodePort',
        ports: [
          { port: 80, protocol: 'TCP', nodePort: 30080 },
          { port: 53, protocol: 'UDP', nodePort: 31053 },
        ],
      }),
      svc({ name: 'lb', type: 'LoadBalancer', ports: [{ port: 443, protocol: 'TCP', nodePort: 31443 }] }),
      svc({
        name: 'ext',
        type: 'ExternalName',
        clusterIP: undefined,
        externalName: 'example.com',
        ports: [],
        selector: undefined,
      }),
    ];
    expect(kubectlGetServices(rows, { wide: true })).toBe(
      [
        'NAME   TYPE           CLUSTER-IP   EXTERNAL-IP   PORT(S)                     AGE   SELECTOR',
        'db     ClusterIP      None         <none>        <none>                      5m    app=web',
        'ext    ExternalName   <none>       example.com   <none>                      5m    <none>',
        'lb     LoadBalancer   10.96.0.20   <pending>     443:31443/TCP               5m    app=web',
        'np     NodePort       10.96.0.20   <none>        80:30080/TCP,53:31053/UDP   5m    app=web',
        'web    ClusterIP      10.96.0.20   <none>        80/TCP                      5m    app=web',
        '',
      ].join('\n'),
    );
  });

  it('says so on an empty namespace, and -A adds the NAMESPACE column', () => {
    expect(kubectlGetServices([svc({ name: 'dns', namespace: 'kube-system' })], { wide: false })).toBe(
      'No resources found in default namespace.\n',
    );
    expect(
      kubectlGetServices([svc({ name: 'dns', namespace: 'kube-system' })], {
        wide: false,
        allNamespaces: true,
      }),
    ).toBe(
      'NAMESPACE     NAME   TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE\nkube-system   dns    ClusterIP   10.96.0.20   <none>        80/TCP    5m\n',
    );
  });
});

describe('kubectl get endpoints', () => {
  const ep = (name: string, addresses: string[], ports: number[]): EndpointsRow => ({
    name,
    namespace: 'default',
    addresses,
    ports,
    ageNs: 90_000_000_000,
  });

  it('shows at most three ip:port pairs, then how many more (formatEndpoints)', () => {
    const rows = [
      ep('none', [], [80]),
      ep('three', ['10.244.0.3', '10.244.1.2', '10.244.1.3'], [8080]),
      ep('more', ['10.244.0.3', '10.244.1.2'], [8080, 9090]),
      ep('headless', ['10.244.0.9'], []),
    ];
    expect(kubectlGetEndpoints(rows, { wide: false })).toBe(
      [
        'NAME       ENDPOINTS                                                     AGE',
        'headless   10.244.0.9                                                    90s',
        'more       10.244.0.3:8080,10.244.1.2:8080,10.244.0.3:9090 + 1 more...   90s',
        'none       <none>                                                        90s',
        'three      10.244.0.3:8080,10.244.1.2:8080,10.244.1.3:8080               90s',
        '',
      ].join('\n'),
    );
  });
});
