/**
 * core/v1 Endpoints and discovery.k8s.io/v1 EndpointSlice as zod schemas: hand-written endpoints for a
 * Service without a selector (strict; addresses are IPv4, the cluster is single-stack).
 */

import { z } from 'zod';
import * as D from './defaults.js';
import { dnsLabel, nodeName, objectMeta, portNumber } from './formats.js';
import { ipv4Text } from './schema-pod.js';

/** v1.ObjectReference as endpoints carry it (`targetRef`). */
const targetRef = z.strictObject({
  kind: z.string().optional(),
  namespace: z.string().optional(),
  name: z.string().optional(),
  uid: z.string().optional(),
  apiVersion: z.string().optional(),
  resourceVersion: z.string().optional(),
  fieldPath: z.string().optional(),
});

const endpointAddress = z.strictObject({
  ip: ipv4Text,
  hostname: dnsLabel.optional(),
  nodeName: nodeName.optional(),
  targetRef: targetRef.optional(),
});

const endpointPort = z.strictObject({
  name: dnsLabel.optional(),
  port: portNumber,
  protocol: z.enum(['TCP', 'UDP']).default(D.DEFAULT_PORT_PROTOCOL),
  appProtocol: z.string().optional(),
});

/** A `kind: Endpoints` document (no spec: `subsets` at the top). */
export const endpointsDocument = z.strictObject({
  apiVersion: z.literal('v1'),
  kind: z.literal('Endpoints'),
  metadata: objectMeta(nodeName),
  subsets: z
    .array(
      z.strictObject({
        addresses: z.array(endpointAddress).optional(),
        notReadyAddresses: z.array(endpointAddress).optional(),
        ports: z.array(endpointPort).optional(),
      }),
    )
    .optional(),
});

const sliceEndpoint = z.strictObject({
  addresses: z.array(ipv4Text).min(1).max(100),
  conditions: z
    .strictObject({
      ready: z.boolean().optional(),
      serving: z.boolean().optional(),
      terminating: z.boolean().optional(),
    })
    .prefault({}),
  hostname: dnsLabel.optional(),
  nodeName: nodeName.optional(),
  zone: z.string().optional(),
  targetRef: targetRef.optional(),
  hints: z.unknown().optional(),
  deprecatedTopology: z.unknown().optional(),
});

/** A `kind: EndpointSlice` document (flat: addressType, endpoints, ports). */
export const endpointSliceDocument = z.strictObject({
  apiVersion: z.literal('discovery.k8s.io/v1'),
  kind: z.literal('EndpointSlice'),
  metadata: objectMeta(nodeName),
  // IPv4 only: podwire's cluster is single-stack, and FQDN slices are not routed by kube-proxy.
  addressType: z.enum(['IPv4']),
  endpoints: z.array(sliceEndpoint).max(1000).default([]),
  ports: z
    .array(
      z.strictObject({
        name: z.string().optional(),
        port: portNumber.optional(),
        protocol: z.enum(['TCP', 'UDP']).default(D.DEFAULT_PORT_PROTOCOL),
        appProtocol: z.string().optional(),
      }),
    )
    .optional(),
});

export type EndpointsDocument = z.output<typeof endpointsDocument>;
export type EndpointSliceDocument = z.output<typeof endpointSliceDocument>;
