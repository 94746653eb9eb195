/**
 * The `-m` matches podwire models that look at the packet itself (comment, tcp/udp, icmp, multiport,
 * mark, statistic), one parser each, with the option names, defaults and checks of their libxt_*.c
 * counterparts (iptables 1.8.9) and the kernel's checkentry where iptables-restore would fail on commit;
 * and the registry of all matches (the ones that consult state are in parse-match-state.ts). Each
 * produces the canonical record of rule.ts, so printing it gives iptables-save's text.
 */
import { ICMP_TYPE_ANY, ICMP_TYPE_NAMES } from './iptables-names.js';
import { type ExtParser, type OptionDef, type RuleContext, unsupported } from './parse-ext.js';
import {
  AddrtypeParser,
  ConntrackParser,
  PhysdevParser,
  RecentParser,
  SetParser,
} from './parse-match-state.js';
import { parsePort, parsePortRange, parseUint } from './parse-tokens.js';
import { parseProbability } from './probability.js';
import type { Match, PortMatch } from './rule.js';

type MatchParser = ExtParser<Match>;

/** XT_MAX_COMMENT_LEN: the kernel keeps 255 bytes of a comment; iptables 1.8.9 cuts longer ones silently. */
const MAX_COMMENT_BYTES = 255;
const utf8 = new TextEncoder();

function truncateUtf8(s: string, max: number): string {
  if (s.length * 3 <= max || utf8.encode(s).length <= max) return s;
  let out = '';
  let bytes = 0;
  for (const ch of s) {
    const n = utf8.encode(ch).length;
    if (bytes + n > max) break;
    bytes += n;
    out += ch;
  }
  return out;
}

class CommentParser implements MatchParser {
  readonly name = 'comment';
  readonly options = { comment: { args: 1 } } as const;
  private text: string | undefined;
  option(_name: string, arg: string): undefined {
    this.text = truncateUtf8(arg, MAX_COMMENT_BYTES);
  }
  finish(): Match | string {
    if (this.text === undefined) return 'comment: option "--comment" must be specified';
    return { kind: 'comment', text: this.text };
  }
}

const UDP_OPTIONS: Readonly<Record<string, OptionDef>> = {
  sport: { args: 1, invert: true },
  'source-port': { args: 1, invert: true, alias: 'sport' },
  dport: { args: 1, invert: true },
  'destination-port': { args: 1, invert: true, alias: 'dport' },
};
const TCP_OPTIONS: Readonly<Record<string, OptionDef>> = {
  ...UDP_OPTIONS,
  ...unsupported('syn', 'tcp-flags', 'tcp-option'),
};

class PortsParser implements MatchParser {
  readonly options: Readonly<Record<string, OptionDef>>;
  private sport: PortMatch | undefined;
  private dport: PortMatch | undefined;
  constructor(readonly name: 'tcp' | 'udp') {
    this.options = name === 'tcp' ? TCP_OPTIONS : UDP_OPTIONS;
  }
  option(name: string, arg: string, invert: boolean): string | undefined {
    const r = parsePortRange(arg);
    if (typeof r === 'string') return r;
    if (r.from === 0 && r.to === 0xffff) {
      // libxt_tcp prints nothing for 0:65535, and iptables-nft drops the inverted form entirely.
      if (invert) return `${this.name}: "! --${name} 0:65535" never matches (not supported by podwire)`;
      return undefined;
    }
    const pm: PortMatch = { from: r.from, to: r.to, invert };
    if (name === 'sport') this.sport = pm;
    else this.dport = pm;
    return undefined;
  }
  finish(ctx: RuleContext): Match | string {
    const num = this.name === 'tcp' ? 6 : 17;
    if (ctx.proto?.num !== num || ctx.proto.invert) {
      return `${this.name.toUpperCase()} match requires '-p ${this.name}'`;
    }
    const m: { kind: 'tcp' | 'udp'; sport?: PortMatch; dport?: PortMatch } = { kind: this.name };
    if (this.sport !== undefined) m.sport = this.sport;
    if (this.dport !== undefined) m.dport = this.dport;
    return m;
  }
}

/** libxt_icmp parse_icmp: a name (case-insensitive, a unique prefix will do) or `TYPE[/CODE]`. */
function parseIcmpType(text: string): { type: number; code?: number } | string {
  const slash = text.indexOf('/');
  const first = text.charCodeAt(0);
  if (first >= 0x30 && first <= 0x39) {
    const type = parseUint(slash < 0 ? text : text.slice(0, slash), 255);
    const code = slash < 0 ? undefined : parseUint(text.slice(slash + 1), 255);
    if (type === undefined || (slash >= 0 && code === undefined)) return `Invalid ICMP type \`${text}'`;
    return code === undefined ? { type } : { type, code };
  }
  const lower = text.toLowerCase();
  let found: { type: number; code?: number } | undefined;
  let count = 0;
  for (const [name, v] of ICMP_TYPE_NAMES) {
    const n = name.toLowerCase();
    if (n === lower) return v;
    if (n.startsWith(lower)) {
      // Aliases of one entry (ping / echo-request) are not ambiguous.
      if (found === undefined || found.type !== v.type || found.code !== v.code) count++;
      found = v;
    }
  }
  if (found === undefined) return `Invalid ICMP type \`${text}'`;
  if (count > 1) return `Ambiguous ICMP type \`${text}'`;
  return found;
}

class IcmpParser implements MatchParser {
  readonly name = 'icmp';
  readonly options = { 'icmp-type': { args: 1, invert: true } } as const;
  private value: { type: number; code?: number } = { type: ICMP_TYPE_ANY };
  private invert = false;
  option(_name: string, arg: string, invert: boolean): string | undefined {
    const v = parseIcmpType(arg);
    if (typeof v === 'string') return v;
    this.value = v.type === ICMP_TYPE_ANY ? { type: ICMP_TYPE_ANY } : v;
    this.invert = invert;
    return undefined;
  }
  finish(ctx: RuleContext): Match | string {
    if (ctx.proto?.num !== 1 || ctx.proto.invert) return "ICMP match requires '-p icmp'";
    const { type, code } = this.value;
    return code === undefined
      ? { kind: 'icmp', type, invert: this.invert }
      : { kind: 'icmp', type, code, invert: this.invert };
  }
}

/** libxt_multiport: at most 15 ports (XT_MULTI_PORTS); only with a protocol that has ports. */
const MULTIPORT_MAX = 15;
const MULTIPORT_PROTOS: ReadonlySet<number> = new Set([6, 17, 33, 132, 136]);

const MULTIPORT_OPTIONS: Readonly<Record<string, OptionDef>> = {
  sports: { args: 1, invert: true },
  'source-ports': { args: 1, invert: true, alias: 'sports' },
  dports: { args: 1, invert: true },
  'destination-ports': { args: 1, invert: true, alias: 'dports' },
  ...unsupported('ports'),
};

class MultiportParser implements MatchParser {
  readonly name = 'multiport';
  readonly options = MULTIPORT_OPTIONS;
  private dir: 'sports' | 'dports' | undefined;
  private ports: number[] = [];
  private invert = false;
  option(name: string, arg: string, invert: boolean): string | undefined {
    if (this.dir !== undefined) {
      const long = (d: string) => (d === 'sports' ? '--source-ports' : '--destination-ports');
      return `multiport: option "${long(name)}" cannot be used together with "${long(this.dir)}".`;
    }
    const list = arg.split(',');
    if (list.length > MULTIPORT_MAX) return 'too many ports specified';
    for (const p of list) {
      if (p.includes(':')) return `multiport: port ranges (\`${p}') are not supported by podwire`;
      const port = parsePort(p);
      if (port === undefined) return `invalid port/service \`${p}' specified`;
      this.ports.push(port);
    }
    this.dir = name as 'sports' | 'dports';
    this.invert = invert;
    return undefined;
  }
  finish(ctx: RuleContext): Match | string {
    if (ctx.proto === undefined || ctx.proto.invert || !MULTIPORT_PROTOS.has(ctx.proto.num)) {
      return "multiport needs `-p tcp', `-p udp', `-p udplite', `-p sctp' or `-p dccp'";
    }
    if (this.dir === undefined) return 'multiport expects an option';
    return { kind: 'multiport', dir: this.dir, ports: this.ports, invert: this.invert };
  }
}

/** `VALUE[/MASK]` as xtables parses a mark: base-0 u32s, mask defaulting to 0xffffffff. */
export function parseMarkMask(text: string): { value: number; mask: number } | undefined {
  const slash = text.indexOf('/');
  const value = parseUint(slash < 0 ? text : text.slice(0, slash), 0xffffffff);
  const mask = slash < 0 ? 0xffffffff : parseUint(text.slice(slash + 1), 0xffffffff);
  if (value === undefined || mask === undefined) return undefined;
  return { value, mask };
}

class MarkParser implements MatchParser {
  readonly name = 'mark';
  readonly options = { mark: { args: 1, invert: true } } as const;
  private m: { value: number; mask: number; invert: boolean } | undefined;
  option(_name: string, arg: string, invert: boolean): string | undefined {
    const vm = parseMarkMask(arg);
    if (vm === undefined) return `mark: Bad value for "--mark" option: "${arg}"`;
    this.m = { ...vm, invert };
    return undefined;
  }
  finish(): Match | string {
    if (this.m === undefined) return 'mark: option "--mark" must be specified';
    return { kind: 'mark', ...this.m };
  }
}

const STATISTIC_OPTIONS: Readonly<Record<string, OptionDef>> = {
  mode: { args: 1 },
  probability: { args: 1, invert: true },
  ...unsupported('every', 'packet'),
};

class StatisticParser implements MatchParser {
  readonly name = 'statistic';
  readonly options = STATISTIC_OPTIONS;
  private mode: string | undefined;
  private stored: number | undefined;
  private invert = false;
  option(name: string, arg: string, invert: boolean): string | undefined {
    if (name === 'mode') {
      if (arg === 'nth') return 'statistic: --mode nth is not supported by podwire';
      if (arg !== 'random') return `statistic: Bad mode "${arg}"`;
      this.mode = arg;
      return undefined;
    }
    const stored = parseProbability(arg);
    if (stored === undefined) return `statistic: --probability must be between 0 and 1, got "${arg}"`;
    this.stored = stored;
    this.invert = invert;
    return undefined;
  }
  finish(): Match | string {
    if (this.mode === undefined) return 'statistic: option "--mode" must be specified';
    if (this.stored === undefined) return '--probability must be specified when using random mode';
    return { kind: 'statistic', stored: this.stored, invert: this.invert };
  }
}

/** `-m NAME` → a fresh parser for one rule. */
export const MATCH_PARSERS: Readonly<Record<string, () => MatchParser>> = {
  comment: () => new CommentParser(),
  tcp: () => new PortsParser('tcp'),
  udp: () => new PortsParser('udp'),
  icmp: () => new IcmpParser(),
  multiport: () => new MultiportParser(),
  mark: () => new MarkParser(),
  statistic: () => new StatisticParser(),
  addrtype: () => new AddrtypeParser(),
  conntrack: () => new ConntrackParser(),
  set: () => new SetParser(),
  recent: () => new RecentParser(),
  physdev: () => new PhysdevParser(),
};
