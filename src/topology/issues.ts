/**
 * Topology issues: every problem the loader finds, as readonly data keyed by `code` (the shape of zod's
 * `core/errors.ts`), and the one renderer that turns an issue into a line of text. No other file words a
 * message; checks build issue data and `describeIssue` says what it means.
 */

/** A step from the document root: a mapping key or a list index. */
export type PathKey = string | number;

/** Formats a single string field is checked against. */
export type FormatName =
  | 'duration'
  | 'bandwidth'
  | 'cidr'
  | 'ipv4'
  | 'dns_label'
  | 'node_name'
  | 'quantity'
  | 'reference'
  | 'capture_point'
  | 'port_name'
  | 'port'
  | 'port_number'
  | 'port_number_only'
  | 'service_name'
  | 'mtu'
  | 'object_name'
  | 'taint'
  | 'untaint'
  | 'label_key'
  | 'label_value';

/** Kinds of named things a field can refer to. */
export type NamedKind =
  | 'segment'
  | 'node'
  | 'router'
  | 'host'
  | 'pod'
  | 'service'
  | 'capture target'
  | 'deployment'
  | 'replicaset'
  | 'daemonset'
  | 'statefulset'
  | 'container';

/** Kinds of Kubernetes object whose names are unique per namespace, as messages name them. */
export type ObjectKindWord =
  | 'pod'
  | 'service'
  | 'deployment'
  | 'replicaset'
  | 'daemonset'
  | 'statefulset'
  | 'endpoints'
  | 'endpointslice';

/** Where a DNS name may not stand, and why. */
export type DnsMisuse = 'from' | 'traceroute' | 'expect' | 'no_coredns' | 'source';

/** What a Kubernetes kind or reference that is not supported yet arrives with. */
export type LaterFeature = 'orchestration';

/** Kinds of machine that hold an underlay address and share one namespace of names with segments. */
export type MachineKind = 'node' | 'segment' | 'router' | 'host';

/**
 * Rules the API server's `ValidateService` applies between the fields of one Service; each renders as
 * the sentence the API server says, at the field it names.
 */
export type ServiceRule =
  | 'ports_required'
  | 'port_name_required'
  | 'node_port_type'
  | 'external_traffic_policy'
  | 'health_check_node_port'
  | 'headless_type'
  | 'external_name_required'
  | 'external_name_forbidden'
  | 'affinity_config_none'
  | 'load_balancer_only'
  | 'cluster_ips_match'
  | 'none_alone'
  | 'single_stack';

/** The rules `ValidateTolerations` applies to one toleration. */
export type TolerationRule = 'exists_value' | 'empty_key' | 'seconds_effect';

/** Why a reference may not carry a port where it stands. */
export type PortlessUse = 'from' | 'icmp' | 'delete';

/** Where in the file an issue sits; `doc` is the 0-based document index, null for file-level issues. */
export interface IssueSite {
  readonly doc: number | null;
  readonly path: readonly PathKey[];
  /** 1-based line of the offending node (for a missing field, of its parent). */
  readonly line: number;
  /** 1-based column, counted in UTF-16 code units as `yaml` counts them. */
  readonly col: number;
}

/** What is wrong, without where; one variant per `code`. */
export type IssueDetail =
  | { readonly code: 'file_unreadable'; readonly reason: string }
  | { readonly code: 'yaml_syntax'; readonly yamlCode: string; readonly reason: string }
  | { readonly code: 'missing_document'; readonly kind: 'Cluster' }
  | { readonly code: 'duplicate_document'; readonly kind: string; readonly firstLine: number }
  | {
      readonly code: 'unsupported_kind';
      readonly kind: string;
      readonly arrivesWith: LaterFeature | null;
    }
  | { readonly code: 'unknown_field'; readonly field: string; readonly known: readonly string[] }
  | { readonly code: 'missing_field'; readonly expected: readonly string[] }
  | { readonly code: 'invalid_type'; readonly expected: readonly string[]; readonly received: unknown }
  | {
      readonly code: 'invalid_value';
      readonly received: unknown;
      readonly allowed: readonly (string | number | boolean | null)[];
    }
  | {
      readonly code: 'out_of_range';
      readonly origin: 'number' | 'string' | 'array' | 'duration';
      /** The value (number), the length (string, array), or the text (duration). */
      readonly received: number | string;
      readonly min?: number | string;
      readonly max?: number | string;
    }
  | { readonly code: 'invalid_format'; readonly format: FormatName; readonly received: string }
  | { readonly code: 'not_network_address'; readonly received: string; readonly network: string }
  | {
      readonly code: 'unsupported_reference';
      readonly received: string;
      readonly prefix: string;
      readonly arrivesWith: LaterFeature;
    }
  | { readonly code: 'choose_one'; readonly found: readonly string[]; readonly allowed: readonly string[] }
  | {
      readonly code: 'unknown_reference';
      readonly kind: NamedKind;
      readonly name: string;
      readonly known: readonly string[];
    }
  | {
      readonly code: 'duplicate_name';
      readonly name: string;
      readonly kind: MachineKind;
      readonly firstKind: MachineKind;
      /** Rendered path of the first use, or null for the implicit router. */
      readonly firstPath: string | null;
    }
  | { readonly code: 'duplicate_entry'; readonly value: string; readonly firstPath: string }
  | {
      readonly code: 'overlap';
      readonly cidr: string;
      readonly other: string;
      readonly otherKind: 'segment' | 'clusterCIDR' | 'serviceCIDR';
      readonly otherName: string;
    }
  | { readonly code: 'segment_too_small'; readonly cidr: string }
  | { readonly code: 'address_outside'; readonly ip: string; readonly segment: string; readonly cidr: string }
  | {
      readonly code: 'reserved_address';
      readonly ip: string;
      readonly segment: string;
      readonly role: 'network' | 'broadcast' | 'gateway';
    }
  | { readonly code: 'duplicate_address'; readonly ip: string; readonly firstPath: string }
  | {
      readonly code: 'segment_full';
      readonly segment: string;
      readonly cidr: string;
      readonly kind: 'node' | 'host';
      readonly name: string;
    }
  | {
      readonly code: 'router_conflict';
      readonly segment: string;
      readonly router: string;
      readonly ip: string;
    }
  | { readonly code: 'node_cidr_mask'; readonly maskSize: number; readonly clusterCIDR: string }
  | {
      readonly code: 'cluster_too_small';
      readonly clusterCIDR: string;
      readonly maskSize: number;
      readonly room: number;
      readonly nodes: number;
    }
  | { readonly code: 'unowned_address'; readonly ip: string }
  | { readonly code: 'pod_node_required' }
  | {
      readonly code: 'duplicate_object';
      readonly kind: ObjectKindWord;
      readonly name: string;
      readonly namespace: string;
      /** Line of the first object's `metadata.name`. */
      readonly firstLine: number;
    }
  | { readonly code: 'service_rule'; readonly rule: ServiceRule; readonly serviceType: string }
  | { readonly code: 'reserved_service'; readonly ip: string }
  | { readonly code: 'cluster_ip_outside'; readonly ip: string; readonly serviceCIDR: string }
  | {
      readonly code: 'cluster_ip_reserved';
      readonly ip: string;
      readonly serviceCIDR: string;
      readonly role: 'network' | 'broadcast' | 'kubernetes' | 'kube-dns';
    }
  | {
      readonly code: 'cluster_ip_taken';
      readonly ip: string;
      /** `NAMESPACE/NAME` of the Service that has it. */
      readonly service: string;
      readonly firstLine: number;
    }
  | {
      readonly code: 'node_port_taken';
      readonly port: number;
      readonly service: string;
      readonly firstLine: number;
    }
  | { readonly code: 'unexpected_port'; readonly ref: string; readonly use: PortlessUse }
  | { readonly code: 'port_required'; readonly ref: string; readonly ports: readonly string[] }
  | {
      readonly code: 'unknown_port';
      /** The reference without its port: `svc/web`, `pod/dns`. */
      readonly ref: string;
      readonly port: string;
      readonly known: readonly string[];
    }
  | {
      readonly code: 'port_protocol';
      /** The reference without its port. */
      readonly ref: string;
      readonly port: number;
      readonly protocol: 'TCP' | 'UDP';
      readonly action: 'http' | 'tcp' | 'udp';
    }
  | { readonly code: 'not_a_source'; readonly ref: string }
  | {
      /** `ValidateDeploymentSpec` etc.: the selector must select the template's labels. */
      readonly code: 'selector_mismatch';
      readonly labels: Readonly<Record<string, string>>;
    }
  | { readonly code: 'empty_selector'; readonly kind: string }
  | {
      /** An object podwire makes itself when the Cluster says `dns: coredns`. */
      readonly code: 'reserved_object';
      readonly kind: ObjectKindWord;
      readonly name: string;
      readonly namespace: string;
    }
  | { readonly code: 'dns_name'; readonly ref: string; readonly misuse: DnsMisuse }
  | {
      readonly code: 'container_required';
      readonly deployment: string;
      readonly containers: readonly string[];
    }
  | { readonly code: 'toleration_rule'; readonly rule: TolerationRule }
  | { readonly code: 'no_cluster_ip'; readonly ref: string; readonly reason: 'headless' | 'external_name' };

/** One problem in a topology file: what (`code` and its fields) and where (`doc`, `path`, `line`, `col`). */
export type TopologyIssue = IssueDetail & IssueSite;

/** The issue code union, e.g. `'unknown_field'`. */
export type TopologyIssueCode = IssueDetail['code'];

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Renders a path the way the messages show it: `spec.nodes[2].subnet`, `labels["app.kubernetes.io/name"]`. */
export function formatPath(path: readonly PathKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (IDENT.test(key)) out += out === '' ? key : `.${key}`;
    else out += `[${JSON.stringify(key)}]`;
  }
  return out;
}

/** Renders one issue as `FILE:LINE:COL: PATH: message` (the path part is left out for file-level issues). */
export function renderIssue(issue: TopologyIssue, fileName: string): string {
  const where = `${fileName}:${issue.line}:${issue.col}`;
  const what = describeIssue(issue);
  if (issue.doc === null) return `${where}: ${what}`;
  const path = issue.path.length === 0 ? `(document ${issue.doc + 1})` : formatPath(issue.path);
  return `${where}: ${path}: ${what}`;
}

/** Renders every issue, one line each, in the order given. */
export function renderIssues(issues: readonly TopologyIssue[], fileName: string): string {
  return issues.map((issue) => renderIssue(issue, fileName)).join('\n');
}

const q = (s: string): string => JSON.stringify(s);

/** A received value in a message: scalars as JSON with their type, collections by kind. */
function showValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return `${typeof value} ${JSON.stringify(value)}`;
  }
  return typeof value;
}

function list(items: readonly string[], last = 'or'): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} ${last} ${items.at(-1) ?? ''}`;
}

function known(items: readonly string[]): string {
  return items.length === 0 ? 'none' : items.join(', ');
}

const TYPE_WORDS: ReadonlyMap<string, string> = new Map([
  ['string', 'a string'],
  ['number', 'a number'],
  ['int', 'an integer'],
  ['boolean', 'true/false'],
  ['array', 'a list'],
  ['object', 'a mapping'],
  ['record', 'a mapping'],
  ['null', 'null'],
]);

function expectedWords(expected: readonly string[]): string {
  return list(expected.map((e) => TYPE_WORDS.get(e) ?? e));
}

const FORMAT_WORDS: Readonly<Record<FormatName, string>> = {
  duration: 'a duration such as 50us, 250ms, 1s or 1.5s',
  bandwidth: 'a bandwidth such as 100Mbps, 1Gbps or 10Gbps',
  cidr: 'an IPv4 CIDR such as 192.168.56.0/24',
  ipv4: 'an IPv4 address such as 192.168.56.11',
  dns_label: 'a DNS label: lowercase letters, digits and "-", at most 63 characters',
  node_name: 'a DNS subdomain: lowercase letters, digits, "-" and ".", at most 253 characters',
  quantity: 'a Kubernetes quantity such as 4, 500m or 8Gi',
  reference:
    'node/NAME, router/NAME, host/NAME, pod/[NAMESPACE/]NAME, deploy/[NAMESPACE/]NAME, sts/[NAMESPACE/]NAME, svc/[NAMESPACE/]NAME, an IPv4 address or a DNS name, with an optional :PORT',
  capture_point: 'a capture point such as node1/eth0, node1/cni0 or rack1/node1',
  port_name: 'a port name: at most 15 lowercase letters, digits and "-", with at least one letter',
  port: 'a port: a number from 1 to 65535 or a port name',
  port_number: 'a port number from 1 to 65535',
  port_number_only: 'a port number (only pod/, deploy/, sts/ and svc/ references take port names)',
  service_name:
    'a DNS-1035 label: lowercase letters, digits and "-", starting with a letter, at most 63 characters',
  mtu: 'an MTU: an integer from 68 to 65535',
  object_name: 'NAME or NAMESPACE/NAME (a DNS subdomain, in a namespace that is a DNS label)',
  taint: 'a taint KEY[=VALUE]:EFFECT, EFFECT one of NoSchedule, PreferNoSchedule, NoExecute',
  untaint: 'a taint to remove: KEY or KEY:EFFECT, EFFECT one of NoSchedule, PreferNoSchedule, NoExecute',
  label_key:
    'a label key: [PREFIX/]NAME, NAME at most 63 letters, digits, "-", "_" or "." starting and ending alphanumeric',
  label_value:
    'a label value: at most 63 letters, digits, "-", "_" or ".", starting and ending alphanumeric (or empty)',
};

const ARRIVES: Readonly<Record<LaterFeature, string>> = {
  orchestration: 'the orchestration layer and its controllers',
};

const SERVICE_RULES: Readonly<Record<ServiceRule, (type: string) => string>> = {
  ports_required: (t) =>
    `a ${t} Service needs at least one port (only headless and ExternalName Services may have none)`,
  port_name_required: () => 'required when a Service has more than one port',
  node_port_type: (t) => `may only be used when type is NodePort or LoadBalancer, not ${t}`,
  external_traffic_policy: () =>
    'may only be set for externally-accessible services (type NodePort or LoadBalancer, or with externalIPs)',
  health_check_node_port: () =>
    'may only be set when type is LoadBalancer and externalTrafficPolicy is Local',
  headless_type: (t) => `may not be "None" for a ${t} Service`,
  external_name_required: () => 'required when type is ExternalName',
  external_name_forbidden: () => 'may not be set for ExternalName services',
  affinity_config_none: () => 'must not be set when sessionAffinity is None',
  load_balancer_only: (t) => `may only be used when type is LoadBalancer, not ${t}`,
  cluster_ips_match: () => 'the first value must match clusterIP',
  none_alone: () => '"None" must be the first and only value',
  single_stack: () => 'the cluster is IPv4 single-stack: it is not configured for dual-stack services',
};

const PORTLESS: Readonly<Record<PortlessUse, string>> = {
  from: 'a step starts on a machine; drop the port',
  icmp: 'ping and traceroute choose their own ports; drop the port',
  delete: 'delete names a pod; drop the port',
};

const DNS_MISUSE: Readonly<Record<DnsMisuse, (ref: string) => string>> = {
  from: (r) =>
    `${r} is a DNS name, not a machine; a step starts on node/NAME, router/NAME, host/NAME, pod/NAME, deploy/NAME or sts/NAME`,
  traceroute: (r) =>
    `${r} is a DNS name; only ping, http, tcp and udp steps resolve names: name the target with a KIND/ prefix or an address`,
  expect: (r) =>
    `${r} is a DNS name; expectations do not resolve names: name the target with a KIND/ prefix or an address`,
  no_coredns: (r) => `${r} is a DNS name, and the cluster has no DNS: set spec.dns: coredns in the Cluster`,
  source: (r) =>
    `${r} is a DNS name, resolved through the cluster DNS, and only pods get its resolv.conf (nameserver kube-dns, search <ns>.svc.cluster.local …); start the step on pod/, deploy/ or sts/`,
};

const TOLERATION_RULES: Readonly<Record<TolerationRule, string>> = {
  exists_value: "value must be empty when `operator` is 'Exists'",
  empty_key: 'operator must be Exists when `key` is empty, which means "match all values and all keys"',
  seconds_effect: "effect must be 'NoExecute' when `tolerationSeconds` is set",
};

/** A string map as Go's `%#v` prints it (keys sorted): `map[string]string{"app":"web", "tier":"db"}`. */
function goStringMap(map: Readonly<Record<string, string>>): string {
  const keys = Object.keys(map).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return `map[string]string{${keys.map((k) => `${q(k)}:${q(map[k] ?? '')}`).join(', ')}}`;
}

function range(issue: Extract<IssueDetail, { code: 'out_of_range' }>): string {
  const { origin, received, min, max } = issue;
  if (origin === 'string') return 'must not be empty';
  if (origin === 'array') {
    if (min !== undefined) return `needs at least ${min} ${min === 1 ? 'entry' : 'entries'}`;
    return `allows at most ${max ?? ''} entries, got ${received}`;
  }
  const shown = typeof received === 'string' ? q(received) : String(received);
  if (min !== undefined && max !== undefined) return `${shown} is out of range (${min}..${max})`;
  if (min !== undefined) return `${shown} is too small (minimum ${min})`;
  return `${shown} is too large (maximum ${max ?? ''})`;
}

/** Says what is wrong in one sentence fragment, without the file position or path. */
export function describeIssue(issue: IssueDetail): string {
  switch (issue.code) {
    case 'file_unreadable':
      return `cannot read the file: ${issue.reason}`;
    case 'yaml_syntax':
      return `YAML syntax error: ${issue.reason}`;
    case 'missing_document':
      return 'no Cluster document (expected one with apiVersion: podwire/v1 and kind: Cluster)';
    case 'duplicate_document':
      return `a second ${issue.kind} document (the first is at line ${issue.firstLine}); only one is allowed`;
    case 'unsupported_kind':
      return issue.arrivesWith === null
        ? `kind ${issue.kind} is not supported (known: Cluster, Scenario, Pod, Service, Deployment, ReplicaSet, DaemonSet, StatefulSet, Endpoints, EndpointSlice)`
        : `kind ${issue.kind} is not supported yet (arrives with ${ARRIVES[issue.arrivesWith]})`;
    case 'unknown_field':
      return `unknown field ${q(issue.field)} (known: ${known(issue.known)})`;
    case 'missing_field':
      return issue.expected.length === 0
        ? 'missing required field'
        : `missing required field (expected ${expectedWords(issue.expected)})`;
    case 'invalid_type':
      return `expected ${expectedWords(issue.expected)}, got ${showValue(issue.received)}`;
    case 'invalid_value':
      return issue.allowed.length === 0
        ? `${showValue(issue.received)} is not allowed`
        : `${showValue(issue.received)} is not allowed (expected ${list(issue.allowed.map((v) => JSON.stringify(v)))})`;
    case 'out_of_range':
      return range(issue);
    case 'invalid_format':
      return `${q(issue.received)} is not ${FORMAT_WORDS[issue.format]}`;
    case 'not_network_address':
      return `${q(issue.received)} has host bits set: expected a network address, ${issue.network}`;
    case 'unsupported_reference':
      return `${q(issue.received)}: ${issue.prefix}/ references are not supported yet (arrive with ${ARRIVES[issue.arrivesWith]})`;
    case 'choose_one':
      return issue.found.length === 0
        ? `needs one of ${list(issue.allowed)}`
        : `has ${list(issue.found, 'and')}; exactly one of ${list(issue.allowed)} is allowed`;
    case 'unknown_reference':
      return `unknown ${issue.kind} ${q(issue.name)} (known: ${known(issue.known)})`;
    case 'duplicate_name':
      return issue.firstPath === null
        ? `${issue.kind} name ${q(issue.name)} is taken by the implicit router that joins all segments`
        : `${issue.kind} name ${q(issue.name)} is already used by the ${issue.firstKind} at ${issue.firstPath}`;
    case 'duplicate_entry':
      return `${q(issue.value)} is listed twice (first at ${issue.firstPath})`;
    case 'overlap':
      return issue.otherKind === 'segment'
        ? `${issue.cidr} overlaps segment ${q(issue.otherName)} (${issue.other})`
        : `${issue.cidr} overlaps the ${issue.otherKind} ${issue.other}`;
    case 'segment_too_small':
      return `${issue.cidr} is too small for a segment (needs a prefix of /30 or shorter)`;
    case 'address_outside':
      return `${issue.ip} is outside segment ${q(issue.segment)} (${issue.cidr})`;
    case 'reserved_address':
      return `${issue.ip} is the ${issue.role} address of segment ${q(issue.segment)}`;
    case 'duplicate_address':
      return `${issue.ip} is already used at ${issue.firstPath}`;
    case 'segment_full':
      return `segment ${q(issue.segment)} (${issue.cidr}) has no free address left for ${issue.kind} ${q(issue.name)}`;
    case 'router_conflict':
      return `segment ${q(issue.segment)} is already joined by router ${q(issue.router)} at its gateway ${issue.ip}`;
    case 'node_cidr_mask':
      return `nodeCIDRMaskSize ${issue.maskSize} must be longer than the clusterCIDR prefix (${issue.clusterCIDR})`;
    case 'cluster_too_small':
      return `clusterCIDR ${issue.clusterCIDR} has room for ${issue.room} node subnets of /${issue.maskSize}, but there are ${issue.nodes} nodes`;
    case 'unowned_address':
      return `no node, router or host has the address ${issue.ip}; a step starts on one of them`;
    case 'pod_node_required':
      return 'required until the scheduler exists (issue 6); name a node';
    case 'duplicate_object':
      return `${issue.kind} ${q(issue.name)} is already defined in namespace ${q(issue.namespace)} at line ${issue.firstLine}`;
    case 'service_rule':
      return SERVICE_RULES[issue.rule](issue.serviceType);
    case 'reserved_service':
      return `the Service default/kubernetes is podwire's own: it makes it as the API server does (ClusterIP ${issue.ip}, port 443/TCP); use another name`;
    case 'cluster_ip_outside':
      return `${issue.ip} is not in the serviceCIDR ${issue.serviceCIDR}, the range ClusterIPs are allocated from`;
    case 'cluster_ip_reserved':
      if (issue.role === 'kube-dns')
        return `${issue.ip} is the ClusterIP of the Service kube-system/kube-dns (the 10th address of ${issue.serviceCIDR}, as kubeadm assigns it with dns: coredns)`;
      return issue.role === 'kubernetes'
        ? `${issue.ip} is the ClusterIP of the Service default/kubernetes (the first address of ${issue.serviceCIDR})`
        : `${issue.ip} is the ${issue.role} address of the serviceCIDR ${issue.serviceCIDR}`;
    case 'cluster_ip_taken':
      return `${issue.ip} is already the ClusterIP of service ${issue.service} (line ${issue.firstLine})`;
    case 'node_port_taken':
      return `nodePort ${issue.port} is already allocated to service ${issue.service} (line ${issue.firstLine})`;
    case 'unexpected_port':
      return `${q(issue.ref)}: ${PORTLESS[issue.use]}`;
    case 'port_required':
      return issue.ports.length === 0
        ? `${q(issue.ref)} needs a port (${issue.ref}:PORT)`
        : `${q(issue.ref)} needs a port: the Service has ${issue.ports.length} (${issue.ports.join(', ')})`;
    case 'unknown_port':
      return `${issue.ref} has no port ${q(issue.port)} (known: ${known(issue.known)})`;
    case 'port_protocol': {
      const needs =
        issue.action === 'udp'
          ? 'a udp step needs a UDP port'
          : `${issue.action === 'http' ? 'an' : 'a'} ${issue.action} step needs a TCP port`;
      return `${issue.ref} port ${issue.port} is ${issue.protocol}; ${needs}`;
    }
    case 'not_a_source':
      return `${q(issue.ref)}: a Service is an address, not a machine; a step starts on a node, router, host or pod`;
    case 'selector_mismatch':
      return `Invalid value: ${goStringMap(issue.labels)}: \`selector\` does not match template \`labels\``;
    case 'empty_selector':
      return `empty selector is invalid for ${issue.kind.toLowerCase()}`;
    case 'reserved_object':
      return `${issue.kind} ${issue.namespace}/${issue.name} is podwire's own with dns: coredns (kubeadm's CoreDNS); use another name, or dns: none`;
    case 'dns_name':
      return DNS_MISUSE[issue.misuse](q(issue.ref));
    case 'container_required':
      return `deployment ${q(issue.deployment)} has ${issue.containers.length} containers (${issue.containers.join(', ')}); name one in container`;
    case 'toleration_rule':
      return TOLERATION_RULES[issue.rule];
    case 'no_cluster_ip':
      return issue.reason === 'headless'
        ? `${q(issue.ref)} is headless (clusterIP: None): it has no address of its own; name a pod`
        : `${q(issue.ref)} is an ExternalName Service: it has no address of its own, only a DNS name`;
  }
}
