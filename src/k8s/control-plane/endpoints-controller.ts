/**
 * The endpoints controller and the EndpointSlice controller in one reconcile loop: for every Service
 * with a selector, the `Endpoints` object of the same name and the EndpointSlices labelled
 * `kubernetes.io/service-name` (one per distinct port set, named `<svc>-<5 chars>`), rewritten only
 * when what they would hold changes. They read Services and Pods through informers, so they lag the
 * store by the watch delay, and kube-proxy lags them by its own.
 */

import {
  type ControlPlaneContext,
  type EndpointSlice,
  type Endpoints,
  isPodReady,
  type Pod,
  type Service,
} from '../api/index.js';
import { type SharedInformer, SharedInformers } from '../controllers/index.js';
import {
  deepEqual,
  Informer,
  type InformerHandlers,
  labelIndexKeys,
  labelPairKey,
  labelPairKeys,
  type ObjectInput,
  selectorIndexKey,
  setSelects,
} from '../store/index.js';
import { endpointsSubsets, serviceEndpoints, sliceEndpoints } from './endpoints.js';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
const MANAGED_BY = 'endpointslice-controller.k8s.io';

export class EndpointsController {
  private readonly services: Informer<Service>;
  private readonly pods: SharedInformer<Pod>;
  private readonly podHandlers: InformerHandlers<Pod> = {
    onAdd: (p) => this.podChanged(p, undefined),
    onUpdate: (o, p) => this.podChanged(p, o),
    onDelete: (p) => this.podChanged(p, undefined),
  };
  private readonly queued = new Set<string>();
  /**
   * selecting()'s answer per frozen labels object (a template's pods share it), valid while no Service
   * changed since (`servicesGeneration` counts the Service informer's events).
   */
  private readonly memberships = new WeakMap<
    object,
    { readonly generation: number; readonly namespace: string | undefined; readonly keys: readonly string[] }
  >();
  private servicesGeneration = 0;
  /**
   * The slice this controller keeps for each Service, by `namespace/service` (its endpointSliceTracker):
   * read back from the store at each sync, so a slice deleted by someone else is written again.
   */
  private readonly tracked = new Map<string, string>();

  /**
   * `informers`: kube-controller-manager's shared informers (the pod informer serves the workload and
   * node controllers too); a controller of its own by default.
   */
  constructor(
    private readonly ctx: ControlPlaneContext,
    informers: SharedInformers = new SharedInformers(ctx),
  ) {
    const delayNs = ctx.watchDelay;
    this.services = new Informer<Service>(ctx.store, ctx.sim, 'Service', {
      delayNs,
      indexers: { [BY_SELECTOR]: (s) => (s.spec.selector === undefined ? [] : [selectorKey(s)]) },
      handlers: {
        onAdd: (s) => this.serviceChanged(s),
        onUpdate: (_o, s) => this.serviceChanged(s),
        onDelete: (s) => this.serviceChanged(s),
      },
    });
    this.pods = informers.for<Pod>('Pod');
    this.pods.addIndexers({ [BY_LABEL]: labelPairKeys });
  }

  start(): this {
    const managed = this.ctx.store.list<EndpointSlice>('EndpointSlice', {
      selector: { matchLabels: { [MANAGED_BY_LABEL]: MANAGED_BY } },
    });
    for (const slice of managed.items) {
      const service = slice.metadata.labels?.[SERVICE_NAME_LABEL];
      const k = `${slice.metadata.namespace ?? 'default'}/${service}`;
      if (service !== undefined && !this.tracked.has(k)) this.tracked.set(k, slice.metadata.name);
    }
    this.services.start();
    this.pods.addHandlers(this.podHandlers);
    this.pods.start();
    return this;
  }

  /**
   * addPod / deletePod queue the Services selecting the pod; updatePod only those a change can matter
   * to (endpointutil.GetServicesToUpdateOnPodChange): none when neither what an endpoint says of the pod
   * (readiness, IPs, deletion) nor its labels, hostname or subdomain changed — so the binding, which
   * only sets the node, syncs nothing. Labels alone changing touch the Services that select exactly one
   * of the two versions; labels and endpoint both changing, every Service selecting either.
   */
  private podChanged(pod: Pod, old: Pod | undefined): void {
    if (old === undefined) {
      this.enqueueSelecting(pod);
      return;
    }
    if (old.metadata.resourceVersion === pod.metadata.resourceVersion) return;
    const endpointChanged = podEndpointChanged(old, pod);
    const labelsChanged =
      (old.metadata.labels !== pod.metadata.labels && !deepEqual(old.metadata.labels, pod.metadata.labels)) ||
      old.spec.hostname !== pod.spec.hostname ||
      old.spec.subdomain !== pod.spec.subdomain;
    if (!labelsChanged) {
      if (endpointChanged) this.enqueueSelecting(pod);
      return;
    }
    const now = this.selecting(pod);
    const before = this.selecting(old);
    for (const k of now) if (endpointChanged || !before.includes(k)) this.enqueue(k);
    for (const k of before) if (endpointChanged || !now.includes(k)) this.enqueue(k);
  }

  /** Queues every Service whose selector selects `pod`. */
  private enqueueSelecting(pod: Pod): void {
    for (const k of this.selecting(pod)) this.enqueue(k);
  }

  /**
   * getPodServiceMemberships: the keys of the Services selecting `pod`. Only Services filed under one
   * of the pod's labels (or selecting the whole namespace) can, so only those are tried.
   */
  private selecting(pod: Pod): readonly string[] {
    const labels = pod.metadata.labels;
    const namespace = pod.metadata.namespace;
    const frozen = labels !== undefined && Object.isFrozen(labels);
    if (frozen) {
      const hit = this.memberships.get(labels);
      if (hit !== undefined && hit.generation === this.servicesGeneration && hit.namespace === namespace)
        return hit.keys;
    }
    const out: string[] = [];
    const indexKeys = labelIndexKeys(pod);
    for (let i = 0; i < indexKeys.length; i++) {
      const filed = this.services.byIndex(BY_SELECTOR, indexKeys[i] as string);
      for (let j = 0; j < filed.length; j++) {
        const svc = filed[j] as Service;
        if (setSelects(svc.spec.selector ?? {}, labels)) out.push(key(svc));
      }
    }
    if (frozen) this.memberships.set(labels, { generation: this.servicesGeneration, namespace, keys: out });
    return out;
  }

  private serviceChanged(svc: Service): void {
    this.servicesGeneration++;
    this.enqueue(key(svc));
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
        const slice = this.sliceOf(namespace, name);
        if (slice !== undefined) store.delete('EndpointSlice', namespace, slice.metadata.name);
        this.tracked.delete(k);
      }
      return;
    }
    const eps = serviceEndpoints(svc, this.selectedPods(namespace, svc.spec.selector));
    this.writeEndpoints(svc, endpointsSubsets(svc, eps));
    this.writeSlice(svc, eps);
  }

  /**
   * The pods a selector may select, sorted by key: the bucket of its first pair, or — an empty selector
   * selects the whole namespace — the namespace's pods.
   */
  private selectedPods(namespace: string, selector: Readonly<Record<string, string>>): readonly Pod[] {
    for (const k in selector)
      return this.pods.byIndex(BY_LABEL, labelPairKey(namespace, k, selector[k] ?? ''));
    return this.pods.list().filter((p) => (p.metadata.namespace ?? 'default') === namespace);
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
    const first = this.sliceOf(namespace ?? 'default', name);
    if (first === undefined) {
      const created = store.create({
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
      this.tracked.set(`${namespace ?? 'default'}/${name}`, created.metadata.name);
    } else {
      // What did not change is passed as the stored (frozen) value, so the slice's versions share it
      // and readers keeping what they made of it per object (kube-proxy) find it again.
      store.update({
        ...first,
        metadata: {
          ...first.metadata,
          labels: deepEqual(first.metadata.labels, labels) ? first.metadata.labels : labels,
        },
        ...body,
        ports: deepEqual(first.ports, ports) ? first.ports : ports,
      });
    }
  }

  private sliceOf(namespace: string, service: string): EndpointSlice | undefined {
    const name = this.tracked.get(`${namespace}/${service}`);
    return name === undefined
      ? undefined
      : this.ctx.store.tryGet<EndpointSlice>('EndpointSlice', namespace, name);
  }
}

const BY_SELECTOR = 'selector';
const BY_LABEL = 'label';

/**
 * podEndpointsChanged's first answer: what an endpoint says of the pod changed — its deletion, its
 * readiness, its IPs. The node is set before the pod has an IP, so the binding is not such a change.
 */
function podEndpointChanged(old: Pod, pod: Pod): boolean {
  if (old.metadata.deletionTimestamp !== pod.metadata.deletionTimestamp) return true;
  if (isPodReady(old) !== isPodReady(pod)) return true;
  const a = old.status?.podIPs ?? [];
  const b = pod.status?.podIPs ?? [];
  if (a.length !== b.length) return true;
  for (let i = 0; i < a.length; i++) if (a[i]?.ip !== b[i]?.ip) return true;
  return false;
}

/** Where a Service is filed, and where the pods it may select are found. */
function selectorKey(svc: Service): string {
  return selectorIndexKey(svc.metadata.namespace, svc.spec.selector ?? {});
}

function key(o: {
  readonly metadata: { readonly namespace?: string | undefined; readonly name: string };
}): string {
  return `${o.metadata.namespace ?? 'default'}/${o.metadata.name}`;
}
