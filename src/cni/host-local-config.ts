/**
 * host-local's network config: the JSON the runtime (or the flannel plugin's delegate) pipes to the
 * plugin, decoded and checked as skel's `validateConfig` + version check and host-local's
 * `LoadIPAMConfig` (plugins/ipam/host-local/backend/allocator/config.go) do, with their texts.
 * Like the real plugin, every LoadIPAMConfig failure is a plain Go error, which skel prints as code 999.
 */
import { formatIp4, type Ip4, parseCidr, parseIp4 } from '../wire/index.js';
import {
  CNI_VALID_NAME,
  CNI_VERSION_WHEN_ABSENT,
  HOST_LOCAL_DATA_DIR,
  SUPPORTED_CNI_VERSIONS,
} from './defaults.js';
import {
  canonicalizeRangeSet,
  type HostLocalRangeSet,
  type RawRange,
  rangeSetsOverlap,
} from './host-local-range.js';
import {
  type FieldRead,
  isJsonObject,
  type JsonObject,
  readArray,
  readObject,
  readString,
  typeError,
} from './json-fields.js';
import { cniFail, cniOk } from './result.js';
import { CNI_ERR, type CniResult } from './types.js';

/** A route host-local copies into its result; `dst` keeps any host bits it was written with. */
export interface HostLocalRoute {
  readonly dst: Ip4;
  readonly dstLen: number;
  readonly gw?: Ip4;
}

/** A checked host-local config (allocator.IPAMConfig after LoadIPAMConfig), IPv4 only. */
export interface HostLocalConfig {
  /** The network name: host-local keeps its state in `<dataDir>/<name>/`. */
  readonly name: string;
  readonly cniVersion: string;
  readonly dataDir: string;
  /** One address is allocated from each range set; the index is the `last_reserved_ip.<n>` suffix. */
  readonly ranges: readonly HostLocalRangeSet[];
  readonly routes: readonly HostLocalRoute[];
  /** Addresses asked for by `args.cni.ips` and `runtimeConfig.ips`, in that order. */
  readonly requestedIps: readonly Ip4[];
}

type Step<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly result: CniResult<never> };

/** Decodes and checks the stdin text of a host-local call. */
export function loadHostLocalConfig(stdin: string): CniResult<HostLocalConfig> {
  let net: unknown;
  try {
    net = JSON.parse(stdin);
  } catch (e: unknown) {
    const why = e instanceof Error ? e.message : String(e);
    return cniFail('', CNI_ERR.decodingFailure, `error unmarshall network config: ${why}`);
  }
  return hostLocalConfigFrom(net);
}

/** Checks an already decoded network config (what `loadHostLocalConfig` does after JSON.parse). */
export function hostLocalConfigFrom(net: unknown): CniResult<HostLocalConfig> {
  if (!isJsonObject(net))
    return cniFail(
      '',
      CNI_ERR.decodingFailure,
      `error unmarshall network config: ${typeError(net, 'Net', 'Net')}`,
    );
  const version = net['cniVersion'];
  const cniVersion = typeof version === 'string' ? version : '';
  // skel validateConfig: the name is checked before anything else.
  const name = readString(net, 'name', 'Net');
  if (name.kind === 'error')
    return cniFail(cniVersion, CNI_ERR.decodingFailure, `error unmarshall network config: ${name.msg}`);
  if (name.kind === 'absent' || name.value === '')
    return cniFail(cniVersion, CNI_ERR.invalidNetworkConfig, 'missing network name');
  if (!CNI_VALID_NAME.test(name.value))
    return cniFail(
      cniVersion,
      CNI_ERR.invalidNetworkConfig,
      'invalid characters found in network name',
      name.value,
    );
  const versionCheck = checkVersion(net);
  if (!versionCheck.ok) return versionCheck.result;
  const v = versionCheck.value;
  const fail = (msg: string): CniResult<never> => cniFail(v, CNI_ERR.internal, msg);
  // json.Unmarshal first (types and CIDR/IP texts), then LoadIPAMConfig's checks in its order.
  const ipamField = readObject(net, 'ipam', 'Net', 'allocator.IPAMConfig');
  if (ipamField.kind === 'error') return fail(ipamField.msg);
  const ipam = ipamField.kind === 'value' ? ipamField.value : {};
  const sets = rawRangeSets(net, ipam, v);
  if (!sets.ok) return sets.result;
  const routes = readRoutes(ipam, v);
  if (!routes.ok) return routes.result;
  const dataDir = readString(ipam, 'dataDir', 'IPAMConfig.ipam');
  if (dataDir.kind === 'error') return fail(dataDir.msg);
  const resolvConf = readString(ipam, 'resolvConf', 'IPAMConfig.ipam');
  if (resolvConf.kind === 'error') return fail(resolvConf.msg);
  const requested = requestedIps(net, v);
  if (!requested.ok) return requested.result;
  if (ipamField.kind === 'absent') return fail("IPAM config missing 'ipam' key");
  if (sets.value.length === 0) return fail('no IP ranges specified');
  const ranges: HostLocalRangeSet[] = [];
  for (const [i, raws] of sets.value.entries()) {
    const set = canonicalizeRangeSet(raws);
    if (!set.ok) return fail(`invalid range set ${i}: ${set.msg}`);
    ranges.push(set.value);
  }
  for (let i = 0; i < ranges.length; i++) {
    for (let j = i + 1; j < ranges.length; j++) {
      const a = ranges[i];
      const b = ranges[j];
      if (a !== undefined && b !== undefined && rangeSetsOverlap(a, b))
        return fail(`range set ${i} overlaps with ${j}`);
    }
  }
  if (resolvConf.kind === 'value' && resolvConf.value !== '')
    return cniFail(v, CNI_ERR.unsupportedField, 'podwire does not read resolvConf files', resolvConf.value);
  return cniOk({
    name: name.value,
    cniVersion: v,
    dataDir: dataDir.kind === 'value' && dataDir.value !== '' ? dataDir.value : HOST_LOCAL_DATA_DIR,
    ranges,
    routes: routes.value,
    requestedIps: requested.value,
  });
}

// skel checkVersionAndCall: the config's version must be one the plugin supports.
function checkVersion(net: JsonObject): Step<string> {
  const v = readString(net, 'cniVersion', 'NetConf');
  if (v.kind === 'error')
    return {
      ok: false,
      result: cniFail('', CNI_ERR.decodingFailure, `decoding version from network config: ${v.msg}`),
    };
  const version = v.kind === 'value' && v.value !== '' ? v.value : CNI_VERSION_WHEN_ABSENT;
  if (SUPPORTED_CNI_VERSIONS.includes(version)) return { ok: true, value: version };
  const supported = SUPPORTED_CNI_VERSIONS.map((s) => `"${s}"`).join(' ');
  const details = `config is "${version}", plugin supports [${supported}]`;
  return {
    ok: false,
    result: cniFail(version, CNI_ERR.incompatibleCniVersion, 'incompatible CNI versions', details),
  };
}

// net.IP's UnmarshalText: "" is nil, anything else must be an address.
function ipField(obj: JsonObject, key: string, path: string, cniVersion: string): Step<Ip4 | undefined> {
  const s = readString(obj, key, path, 'net.IP');
  if (s.kind === 'error') return { ok: false, result: cniFail(cniVersion, CNI_ERR.internal, s.msg) };
  if (s.kind === 'absent' || s.value === '') return { ok: true, value: undefined };
  return ipText(s.value, cniVersion);
}

function ipText(text: string, cniVersion: string): Step<Ip4> {
  const ip = parseIp4(text);
  if (ip !== undefined) return { ok: true, value: ip };
  if (text.includes(':')) return { ok: false, result: ipv6Unsupported(text, cniVersion) };
  return { ok: false, result: cniFail(cniVersion, CNI_ERR.internal, `invalid IP address: ${text}`) };
}

function ipv6Unsupported(text: string, cniVersion: string): CniResult<never> {
  return cniFail(cniVersion, CNI_ERR.unsupportedField, 'podwire models IPv4 only', text);
}

// cni types.IPNet: net.ParseCIDR, keeping the address as written.
function cidrText(text: string, cniVersion: string): Step<{ readonly ip: Ip4; readonly len: number }> {
  const c = parseCidr(text);
  if (c !== undefined) return { ok: true, value: c };
  if (text.includes(':')) return { ok: false, result: ipv6Unsupported(text, cniVersion) };
  return { ok: false, result: cniFail(cniVersion, CNI_ERR.internal, `invalid CIDR address: ${text}`) };
}

function rawRange(v: unknown, path: string, cniVersion: string): Step<RawRange> {
  if (!isJsonObject(v))
    return {
      ok: false,
      result: cniFail(cniVersion, CNI_ERR.internal, typeError(v, path, 'allocator.Range')),
    };
  const subnet = readString(v, 'subnet', path, 'types.IPNet');
  if (subnet.kind === 'error')
    return { ok: false, result: cniFail(cniVersion, CNI_ERR.internal, subnet.msg) };
  let cidr: { readonly ip: Ip4; readonly len: number } | undefined;
  if (subnet.kind === 'value') {
    const parsed = cidrText(subnet.value, cniVersion);
    if (!parsed.ok) return parsed;
    cidr = parsed.value;
  }
  const start = ipField(v, 'rangeStart', path, cniVersion);
  if (!start.ok) return start;
  const end = ipField(v, 'rangeEnd', path, cniVersion);
  if (!end.ok) return end;
  const gateway = ipField(v, 'gateway', path, cniVersion);
  if (!gateway.ok) return gateway;
  return {
    ok: true,
    value: {
      ...(cidr === undefined ? {} : { subnet: cidr }),
      ...(start.value === undefined ? {} : { rangeStart: start.value }),
      ...(end.value === undefined ? {} : { rangeEnd: end.value }),
      ...(gateway.value === undefined ? {} : { gateway: gateway.value }),
    },
  };
}

function rangeSetList(
  list: FieldRead<readonly unknown[]>,
  path: string,
  cniVersion: string,
): Step<RawRange[][]> {
  if (list.kind === 'error') return { ok: false, result: cniFail(cniVersion, CNI_ERR.internal, list.msg) };
  if (list.kind === 'absent') return { ok: true, value: [] };
  const sets: RawRange[][] = [];
  for (const setValue of list.value) {
    if (!Array.isArray(setValue))
      return {
        ok: false,
        result: cniFail(cniVersion, CNI_ERR.internal, typeError(setValue, path, 'allocator.RangeSet')),
      };
    const set: RawRange[] = [];
    for (const r of setValue) {
      const range = rawRange(r, path, cniVersion);
      if (!range.ok) return range;
      set.push(range.value);
    }
    sets.push(set);
  }
  return { ok: true, value: sets };
}

// config.go: runtimeConfig.ipRanges first, then the old single range (ipam.subnet), then ipam.ranges.
function rawRangeSets(net: JsonObject, ipam: JsonObject, cniVersion: string): Step<RawRange[][]> {
  const ranges = rangeSetList(
    readArray(ipam, 'ranges', 'IPAMConfig.ipam', '[]allocator.RangeSet'),
    'IPAMConfig.ipam.ranges',
    cniVersion,
  );
  if (!ranges.ok) return ranges;
  const sets = ranges.value;
  const single = readString(ipam, 'subnet', 'IPAMConfig.ipam', 'types.IPNet');
  if (single.kind === 'error')
    return { ok: false, result: cniFail(cniVersion, CNI_ERR.internal, single.msg) };
  if (single.kind === 'value') {
    const range = rawRange(ipam, 'IPAMConfig.ipam', cniVersion);
    if (!range.ok) return range;
    sets.unshift([range.value]);
  }
  const runtime = readObject(net, 'runtimeConfig', 'Net', 'struct');
  if (runtime.kind === 'error')
    return { ok: false, result: cniFail(cniVersion, CNI_ERR.internal, runtime.msg) };
  if (runtime.kind === 'value') {
    const path = 'Net.runtimeConfig.ipRanges';
    const extra = rangeSetList(
      readArray(runtime.value, 'ipRanges', 'Net.runtimeConfig', '[]allocator.RangeSet'),
      path,
      cniVersion,
    );
    if (!extra.ok) return extra;
    sets.unshift(...extra.value);
  }
  return { ok: true, value: sets };
}

function ipList(
  list: FieldRead<readonly unknown[]>,
  path: string,
  cniVersion: string,
  cidrOk: boolean,
): Step<Ip4[]> {
  if (list.kind === 'error') return { ok: false, result: cniFail(cniVersion, CNI_ERR.internal, list.msg) };
  if (list.kind === 'absent') return { ok: true, value: [] };
  const ips: Ip4[] = [];
  for (const v of list.value) {
    if (typeof v !== 'string')
      return { ok: false, result: cniFail(cniVersion, CNI_ERR.internal, typeError(v, path, 'net.IP')) };
    // pkg/ip.IP (runtimeConfig.ips) also takes "a.b.c.d/len" and keeps the address.
    const slash = v.indexOf('/');
    const ip = ipText(cidrOk && slash >= 0 ? v.slice(0, slash) : v, cniVersion);
    if (!ip.ok) return ip;
    ips.push(ip.value);
  }
  return { ok: true, value: ips };
}

// config.go: args.cni.ips, then runtimeConfig.ips (CNI_ARGS "IP=" is not modelled).
function requestedIps(net: JsonObject, cniVersion: string): Step<Ip4[]> {
  const out: Ip4[] = [];
  const args = readObject(net, 'args', 'Net', 'struct');
  if (args.kind === 'error') return { ok: false, result: cniFail(cniVersion, CNI_ERR.internal, args.msg) };
  if (args.kind === 'value') {
    const cni = readObject(args.value, 'cni', 'Net.args', 'allocator.IPAMArgs');
    if (cni.kind === 'error') return { ok: false, result: cniFail(cniVersion, CNI_ERR.internal, cni.msg) };
    if (cni.kind === 'value') {
      const ips = ipList(
        readArray(cni.value, 'ips', 'Net.args.cni', '[]net.IP'),
        'Net.args.cni.ips',
        cniVersion,
        false,
      );
      if (!ips.ok) return ips;
      out.push(...ips.value);
    }
  }
  const runtime = readObject(net, 'runtimeConfig', 'Net', 'struct');
  if (runtime.kind === 'value') {
    const ips = ipList(
      readArray(runtime.value, 'ips', 'Net.runtimeConfig', '[]*ip.IP'),
      'Net.runtimeConfig.ips',
      cniVersion,
      true,
    );
    if (!ips.ok) return ips;
    out.push(...ips.value);
  }
  return { ok: true, value: out };
}

function readRoutes(ipam: JsonObject, cniVersion: string): Step<HostLocalRoute[]> {
  const list = readArray(ipam, 'routes', 'IPAMConfig.ipam', '[]*types.Route');
  if (list.kind === 'error') return { ok: false, result: cniFail(cniVersion, CNI_ERR.internal, list.msg) };
  if (list.kind === 'absent') return { ok: true, value: [] };
  const routes: HostLocalRoute[] = [];
  for (const v of list.value) {
    if (v === null) continue;
    if (!isJsonObject(v))
      return {
        ok: false,
        result: cniFail(cniVersion, CNI_ERR.internal, typeError(v, 'IPAMConfig.ipam.routes', 'types.Route')),
      };
    const dst = readString(v, 'dst', 'IPAMConfig.ipam.routes', 'string');
    if (dst.kind === 'error') return { ok: false, result: cniFail(cniVersion, CNI_ERR.internal, dst.msg) };
    // Upstream accepts a route without dst and prints "<nil>"; podwire refuses it.
    if (dst.kind === 'absent')
      return { ok: false, result: cniFail(cniVersion, CNI_ERR.invalidNetworkConfig, 'route without dst') };
    const cidr = cidrText(dst.value, cniVersion);
    if (!cidr.ok) return cidr;
    const gw = ipField(v, 'gw', 'IPAMConfig.ipam.routes', cniVersion);
    if (!gw.ok) return gw;
    const route: HostLocalRoute = { dst: cidr.value.ip, dstLen: cidr.value.len };
    routes.push(gw.value === undefined ? route : { ...route, gw: gw.value });
  }
  return { ok: true, value: routes };
}

/** The route as it is printed in a result ("10.244.0.0/16"). */
export function formatRouteDst(r: HostLocalRoute): string {
  return `${formatIp4(r.dst)}/${r.dstLen}`;
}
