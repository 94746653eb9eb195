/**
 * Checks of single string fields (durations, bandwidths, names, quantities, capture points), the zod
 * schemas of the fields several documents share (addresses, names, Kubernetes `metadata`), and the
 * shape of the issue a failed check attaches to a zod `custom` issue. The schema reports a problem by
 * putting a `CustomDetail` in the zod issue's `params`; `from-zod.ts` reads it back through
 * `customDetailSchema`, so the detail stays typed across zod without a cast.
 */

import { z } from 'zod';
import { parseDuration } from '../sim/index.js';
import { formatCidr, parseCidr, parseIp4 } from './addr.js';
import { DEFAULT_NAMESPACE } from './defaults.js';
import type { FormatName } from './issues.js';

const FORMAT_NAMES = [
  'duration',
  'bandwidth',
  'cidr',
  'ipv4',
  'dns_label',
  'node_name',
  'quantity',
  'reference',
  'capture_point',
  'port_name',
  'port',
  'port_number',
  'port_number_only',
  'service_name',
  'mtu',
  'object_name',
  'taint',
  'untaint',
  'label_key',
  'label_value',
] as const satisfies readonly FormatName[];

/** The issue details a schema check can raise; each is also an `IssueDetail` variant. */
export const customDetailSchema = z.discriminatedUnion('code', [
  z.object({ code: z.literal('invalid_format'), format: z.enum(FORMAT_NAMES), received: z.string() }),
  z.object({ code: z.literal('not_network_address'), received: z.string(), network: z.string() }),
  z.object({
    code: z.literal('unsupported_reference'),
    received: z.string(),
    prefix: z.string(),
    arrivesWith: z.enum(['orchestration']),
  }),
  z.object({ code: z.literal('choose_one'), found: z.array(z.string()), allowed: z.array(z.string()) }),
  z.object({
    code: z.literal('out_of_range'),
    origin: z.enum(['duration', 'number']),
    received: z.union([z.string(), z.number()]),
    min: z.union([z.string(), z.number()]),
    max: z.exactOptional(z.number()),
  }),
]);

/** An issue detail raised from inside the schema. */
export type CustomDetail = z.output<typeof customDetailSchema>;

/** The part of zod's refinement context the checks use. */
export interface IssueSink {
  addIssue(issue: { code: 'custom'; input: unknown; params: CustomDetail }): void;
}

/** Reports `detail` on the value being checked and returns zod's "no value" marker. */
export function reject(ctx: IssueSink, input: unknown, detail: CustomDetail): never {
  ctx.addIssue({ code: 'custom', input, params: detail });
  return z.NEVER;
}

/** Reports a malformed string of the given format. */
export function badFormat(ctx: IssueSink, format: FormatName, received: string): never {
  return reject(ctx, received, { code: 'invalid_format', format, received });
}

/** Parses a duration to nanoseconds, requiring at least `minNs`. */
export function checkDuration(text: string, ctx: IssueSink, minNs: number, minText: string): number {
  const ns = parseDuration(text);
  if (ns === undefined) return badFormat(ctx, 'duration', text);
  if (ns < minNs)
    return reject(ctx, text, { code: 'out_of_range', origin: 'duration', received: text, min: minText });
  return ns;
}

const BANDWIDTH = /^(\d+(?:\.\d+)?)\s*(|k|K|M|G|T)bps$/;
const SI: ReadonlyMap<string, number> = new Map([
  ['', 1],
  ['k', 1e3],
  ['K', 1e3],
  ['M', 1e6],
  ['G', 1e9],
  ['T', 1e12],
]);

/** Parses `10Gbps`, `100Mbps`, `1.5Gbps` (SI prefixes) to bits per second; undefined if malformed or zero. */
export function parseBandwidth(text: string): number | undefined {
  const m = BANDWIDTH.exec(text);
  const scale = SI.get(m?.[2] ?? 'x');
  if (m === null || scale === undefined) return undefined;
  const bps = Math.round(Number(m[1]) * scale);
  return Number.isSafeInteger(bps) && bps > 0 ? bps : undefined;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** RFC 1123 label, as Kubernetes validates most names (`IsDNS1123Label`). */
export function isDnsLabel(text: string): boolean {
  return DNS_LABEL.test(text);
}

/** RFC 1123 subdomain, as Kubernetes validates Node names (`IsDNS1123Subdomain`). */
export function isNodeName(text: string): boolean {
  return text.length <= 253 && text.split('.').every(isDnsLabel);
}

// apimachinery resource.Quantity: sign, digits with an optional fraction, then a suffix (binary, decimal SI, or exponent).
const QUANTITY = /^[+-]?(\d+(\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;

/** Whether text is a Kubernetes quantity such as `4`, `500m`, `8Gi`. */
export function isQuantity(text: string): boolean {
  return QUANTITY.test(text);
}

const PORT_NAME = /^[-a-z0-9]{1,15}$/;

/** A container port name as Kubernetes validates it (`IsValidPortName`: an IANA_SVC_NAME). */
export function isPortName(text: string): boolean {
  return PORT_NAME.test(text) && /[a-z]/.test(text) && !text.includes('--') && !/^-|-$/.test(text);
}

const CAPTURE_POINT = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(\/[A-Za-z0-9._@:-]+){1,2}$/;

/** Whether text names a capture point: `OWNER/IFACE` or `NODE/POD/IFACE`. */
export function isCapturePoint(text: string): boolean {
  return CAPTURE_POINT.test(text);
}

const DNS_1035_LABEL = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** RFC 1035 label, as Kubernetes validates Service names (`ValidateServiceName`). */
export function isServiceName(text: string): boolean {
  return DNS_1035_LABEL.test(text);
}

const PORT_NUMBER = /^[1-9]\d{0,4}$/;

/** A port number written as text (`80`), or undefined if it is not one from 1 to 65535. */
export function parsePortNumber(text: string): number | undefined {
  if (!PORT_NUMBER.test(text)) return undefined;
  const port = Number(text);
  return port <= 65535 ? port : undefined;
}

// The zod schemas of fields several documents share.

/** An IPv4 CIDR with no host bits set. */
export const cidr = z
  .string()
  .transform((s, ctx) => {
    const parsed = parseCidr(s);
    if (parsed.kind === 'ok') return parsed.cidr;
    if (parsed.kind === 'host_bits') {
      return reject(ctx, s, {
        code: 'not_network_address',
        received: s,
        network: formatCidr(parsed.network),
      });
    }
    return badFormat(ctx, 'cidr', s);
  })
  .meta({ description: 'IPv4 network in CIDR form, e.g. 192.168.56.0/24' });

/** A dotted-quad IPv4 address, as a number. */
export const ipv4 = z
  .string()
  .transform((s, ctx) => parseIp4(s) ?? badFormat(ctx, 'ipv4', s))
  .meta({ description: 'IPv4 address, e.g. 192.168.56.11' });

export const dnsLabel = z
  .string()
  .superRefine((s, ctx) => {
    if (!isDnsLabel(s)) badFormat(ctx, 'dns_label', s);
  })
  .meta({ pattern: '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$' });

export const nodeName = z.string().superRefine((s, ctx) => {
  if (!isNodeName(s)) badFormat(ctx, 'node_name', s);
});

export const portName = z.string().superRefine((s, ctx) => {
  if (!isPortName(s)) badFormat(ctx, 'port_name', s);
});

/** A port number, 1–65535. */
export const portNumber = z.int().min(1).max(65535);

/** Kubernetes label and annotation values are strings: `version: 1` is refused, as kubectl refuses it. */
export const k8sStringMap = z.record(z.string(), z.string());

/**
 * `metadata` of a Kubernetes object whose name is checked by `name`; `creationTimestamp: null` is what
 * `kubectl … --dry-run -o yaml` writes.
 */
export function objectMeta<T extends z.ZodType<string, string>>(name: T) {
  return z.strictObject({
    name,
    namespace: dnsLabel.default(DEFAULT_NAMESPACE),
    labels: k8sStringMap.default({}),
    annotations: k8sStringMap.default({}),
    creationTimestamp: z.unknown().optional(),
  });
}
