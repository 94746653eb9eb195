import { describe, expect, it } from 'vitest';
import { formatPath, topologyJsonSchema } from '../../src/topology/index.js';

describe('topologyJsonSchema()', () => {
  const schema = JSON.parse(JSON.stringify(topologyJsonSchema()));

  it('describes one document: a Cluster, a Scenario, a Pod or a Service, as strict objects', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(
      schema.anyOf.map((d: { properties: { kind: { const: string } } }) => d.properties.kind.const),
    ).toEqual([
      'Cluster',
      'Scenario',
      'Pod',
      'Service',
      'Deployment',
      'ReplicaSet',
      'DaemonSet',
      'StatefulSet',
      'Endpoints',
      'EndpointSlice',
    ]);
    const cluster = schema.anyOf[0];
    expect(cluster.additionalProperties).toBe(false);
    expect(cluster.properties.spec.additionalProperties).toBe(false);
    expect(cluster.required).toEqual(['apiVersion', 'kind', 'spec']);
  });

  it('shows the defaults as written in the file, before conversion', () => {
    const spec = schema.anyOf[0].properties.spec.properties;
    const segment = spec.underlay.items.properties;
    expect(segment.mtu).toMatchObject({ type: 'integer', default: 1500, minimum: 68, maximum: 65535 });
    expect(segment.latency).toMatchObject({ type: 'string', default: '50us' });
    expect(segment.bandwidth).toMatchObject({ type: 'string', default: '10Gbps' });
    expect(spec.network.properties.clusterCIDR).toMatchObject({ type: 'string', default: '10.244.0.0/16' });
    expect(spec.network.properties.backend.enum).toEqual(['vxlan', 'host-gw', 'vxlan-directrouting', 'udp']);
    const ping = schema.anyOf[1].properties.spec.properties.steps.items.properties.ping.properties;
    expect(ping.df).toMatchObject({ type: 'boolean' });
    expect(ping.df.default).toBeUndefined();
    expect(ping.wait).toMatchObject({ type: 'string', default: '10s' });
    expect(ping.interval).toMatchObject({ type: 'string', default: '1s' });
  });
});

describe('topologyJsonSchema(): Services, hosts and the connection steps', () => {
  const schema = JSON.parse(JSON.stringify(topologyJsonSchema()));

  it('describes the Service document as Kubernetes writes it, strictly, with the API server defaults', () => {
    const service = schema.anyOf[3];
    expect(service.properties.apiVersion.const).toBe('v1');
    expect(service.additionalProperties).toBe(false);
    const spec = service.properties.spec.properties;
    expect(service.properties.spec.additionalProperties).toBe(false);
    expect(spec.type).toMatchObject({
      default: 'ClusterIP',
      enum: ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'],
    });
    expect(spec.sessionAffinity).toMatchObject({ default: 'None', enum: ['None', 'ClientIP'] });
    const port = spec.ports.items;
    expect(port.additionalProperties).toBe(false);
    expect(port.required).toEqual(['port']);
    expect(port.properties.protocol).toMatchObject({ default: 'TCP', enum: ['TCP', 'UDP'] });
    expect(port.properties.nodePort).toMatchObject({ type: 'integer', minimum: 30000, maximum: 32767 });
    const timeout = spec.sessionAffinityConfig.properties.clientIP.properties.timeoutSeconds;
    expect(timeout).toMatchObject({ default: 10800, minimum: 1, maximum: 86400 });
  });

  it('has hosts in the Cluster and http, tcp and udp steps with their defaults', () => {
    const host = schema.anyOf[0].properties.spec.properties.hosts.items;
    expect(host.required).toEqual(['name', 'subnet']);
    const step = schema.anyOf[1].properties.spec.properties.steps.items.properties;
    for (const action of ['http', 'tcp', 'udp']) {
      expect(step[action].properties.count).toMatchObject({ type: 'integer', default: 1 });
      expect(step[action].properties.interval).toMatchObject({ type: 'string', default: '1s' });
      expect(step[action].properties.timeout).toMatchObject({ type: 'string', default: '5s' });
    }
  });
});

describe('formatPath()', () => {
  it('writes keys with dots and indices with brackets, quoting keys that are not identifiers', () => {
    expect(formatPath(['spec', 'nodes', 2, 'subnet'])).toBe('spec.nodes[2].subnet');
    expect(formatPath(['spec', 'nodes', 0, 'labels', 'app.kubernetes.io/name'])).toBe(
      'spec.nodes[0].labels["app.kubernetes.io/name"]',
    );
    expect(formatPath([])).toBe('');
  });
});

describe('topologyJsonSchema(): workloads, endpoints and the operation steps', () => {
  const schema = JSON.parse(JSON.stringify(topologyJsonSchema()));
  const byKind = (kind: string) =>
    schema.anyOf.find((d: { properties: { kind: { const: string } } }) => d.properties.kind.const === kind);

  it('describes the apps/v1 workloads strictly, with the pod template and the API server defaults', () => {
    const deploy = byKind('Deployment');
    expect(deploy.properties.apiVersion.const).toBe('apps/v1');
    expect(deploy.additionalProperties).toBe(false);
    const spec = deploy.properties.spec;
    expect(spec.required).toEqual(['selector', 'template']);
    expect(spec.properties.replicas).toMatchObject({ type: 'integer', default: 1, minimum: 0 });
    const pod = spec.properties.template.properties.spec.properties;
    expect(pod.tolerations.items.properties.operator.enum).toEqual(['Equal', 'Exists']);
    expect(pod.affinity.properties.nodeAffinity.additionalProperties).toBe(false);
    expect(pod.dnsPolicy).toMatchObject({ default: 'ClusterFirst' });
    expect(byKind('StatefulSet').properties.spec.properties.podManagementPolicy).toMatchObject({
      default: 'OrderedReady',
    });
    expect(byKind('EndpointSlice').properties.apiVersion.const).toBe('discovery.k8s.io/v1');
  });

  it('has the Cluster dns and controlPlane, and every operation step; apply takes any manifest', () => {
    const cluster = byKind('Cluster').properties.spec.properties;
    expect(cluster.dns).toMatchObject({ default: 'none', enum: ['coredns', 'none'] });
    expect(Object.keys(cluster.controlPlane.properties)).toContain('nodeMonitorGracePeriod');
    const step = byKind('Scenario').properties.spec.properties.steps.items.properties;
    for (const op of [
      'apply',
      'scale',
      'rollout',
      'cordon',
      'uncordon',
      'drain',
      'taint',
      'untaint',
      'label',
    ]) {
      expect(step).toHaveProperty(op);
    }
    expect(step.drain.properties.ignoreDaemonsets).toMatchObject({ type: 'boolean', default: false });
    const kinds = step.apply.anyOf.map(
      (d: { properties: { kind: { const: string } } }) => d.properties.kind.const,
    );
    expect(kinds).toEqual([
      'Pod',
      'Service',
      'Deployment',
      'ReplicaSet',
      'DaemonSet',
      'StatefulSet',
      'Endpoints',
      'EndpointSlice',
    ]);
  });
});
