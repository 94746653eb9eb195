/**
 * The endpoints controller and the EndpointSlice controller in one reconcile loop: for every Service
 * with a selector, the `Endpoints` object of the same name and the EndpointSlices labelled
 * `kubernetes.io/service-name` (one per distinct port set, named `<svc>-<5 chars>`), rewritten only
 * when what they would hold changes. They read Services and Pods through informers, so they lag the
 * store by the watch delay, and kube-proxy lags them by its own.
 */

import type { ControlPlaneContext, EndpointSlice, Endpoints, Pod, Service } from '../api/index.js';
import { compileSelector, Informer, type ObjectInput } from '../store/index.js';
import { endpointsSubsets, serviceEndpoints, sliceEndpoints } from './endpoints.js';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
const MANAGED_BY = 'endpointslice-controller.k8s.io';

export class EndpointsController {
  private readonly services: Informer<Service>;
  private readonly pods: Informer<Pod>;
  private readonly queued = new Set<string>();

  constructor(private readonly ctx: ControlPlaneContext) {
    const delayNs = ctx.watchDelay;
    this.services = new Informer<Service>(ctx.store, ctx.sim, 'Service', {
      delayNs,
      handlers: {
        onAdd: (s) => this.enqueue(key(s)),
        onUpdate: (_o, s) => this.enqueue(key(s)),
        onDelete: (s) => this.enqueue(key(s)),
      },
    });
    this.pods = new Informer<Pod>(ctx.store, ctx.sim, 'Pod', {
      delayNs,
      handlers: {
        onAdd: (p) => this.podChanged(p, undefined),
        onUpdate: (o, p) => this.podChanged(p, o),
        onDelete: (p) => this.podChanged(p, undefined),
      },
    });
  }

  start(): this {
    this.services.start();
    this.pods.start();
    return this;
  }

  /** getPodServiceMemberships: the Services selecting the pod now or before the change. */
  private podChanged(pod: Pod, old: Pod | undefined): void {
    for (const svc of this.services.list()) {
      if (svc.metadata.namespace !== pod.metadata.namespace || svc.spec.selector === undefined) continue;
      const m = compileSelector({ matchLabels: svc.spec.selector });
      if (m(pod.metadata.labels) || (old !== undefined && m(old.metadata.labels))) this.enqueue(key(svc));
    }
  }

  private enqueue(k: string): void {
    if (this.queued.has(k)) return;
    this.queued.add(k);
    this.ctx.sim.after(0, (kk: string) => this.sync(kk), k);
  }

  private sync(k: string): void {
    this.queued.delete(k);
    const [namespace, name] = k.split('/') as [string, string];
    const svc = this.services.get(namespace, name);
    const store = this.ctx.store;
    if (svc === undefined || svc.spec.selector === undefined) {
      // The Service is gone (or selects nothing by hand): remove what this controller wrote for it.
      if (svc === undefined) {
        if (store.tryGet('Endpoints', namespace, name) !== undefined)
          store.delete('Endpoints', namespace, name);
        for (const s of this.slicesOf(namespace, name))
          store.delete('EndpointSlice', namespace, s.metadata.name);
      }
      return;
    }
    const eps = serviceEndpoints(
      svc,
      this.pods.list().filter((p) => p.metadata.namespace === namespace),
    );
    this.writeEndpoints(svc, endpointsSubsets(svc, eps));
    this.writeSlice(svc, eps);
  }

  private writeEndpoints(svc: Service, subsets: Endpoints['subsets']): void {
    const { namespace, name } = svc.metadata;
    const store = this.ctx.store;
    const existing = store.tryGet<Endpoints>('Endpoints', namespace, name);
    const input: ObjectInput = {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: {
        name,
        namespace,
        labels: {
          ...(svc.metadata.labels ?? {}),
          'endpoints.kubernetes.io/managed-by': 'endpoint-controller',
        },
      },
      ...(subsets !== undefined && subsets.length > 0 ? { subsets } : {}),
    };
    if (existing === undefined) store.create(input);
    else store.update(input);
  }

  private writeSlice(svc: Service, eps: ReturnType<typeof serviceEndpoints>): void {
    const { namespace, name } = svc.metadata;
    const store = this.ctx.store;
    const endpoints = sliceEndpoints(svc, eps);
    // One slice for the Service; its ports are the first endpoint's (all share them unless named target
    // ports differ between pods — the real controller would then split slices by port set).
    const ports = (eps[0]?.ports ?? []).map((p) => ({ name: p.name, port: p.port, protocol: p.protocol }));
    const labels = {
      ...(svc.metadata.labels ?? {}),
      [SERVICE_NAME_LABEL]: name,
      [MANAGED_BY_LABEL]: MANAGED_BY,
    };
    const body = { addressType: 'IPv4' as const, endpoints, ports };
    const [first, ...rest] = this.slicesOf(namespace ?? 'default', name);
    for (const s of rest) store.delete('EndpointSlice', namespace, s.metadata.name);
    if (first === undefined) {
      store.create({
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: {
          generateName: `${name}-`,
          namespace,
          labels,
          ownerReferences: [
            {
              apiVersion: 'v1',
              kind: 'Service',
              name,
              uid: svc.metadata.uid,
              controller: true,
              blockOwnerDeletion: true,
            },
          ],
        },
        ...body,
      });
    } else {
      store.update({ ...first, metadata: { ...first.metadata, labels }, ...body });
    }
  }

  private slicesOf(namespace: string, service: string): EndpointSlice[] {
    return this.ctx.store
      .list<EndpointSlice>('EndpointSlice', {
        namespace,
        selector: { matchLabels: { [SERVICE_NAME_LABEL]: service } },
      })
      .items.filter((s) => s.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY);
  }
}

function key(o: {
  readonly metadata: { readonly namespace?: string | undefined; readonly name: string };
}): string {
  return `${o.metadata.namespace ?? 'default'}/${o.metadata.name}`;
}
