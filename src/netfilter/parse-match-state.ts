/**
 * The `-m` matches that consult state beyond the packet: the routing table (addrtype), conntrack
 * (conntrack), IP sets (set), the recent lists (recent) and the bridge (physdev). Parsers follow their
 * libxt_*.c sources; the records are rule.ts's canonical ones.
 */
import { parseIp4 } from '../wire/index.js';
import { ADDRTYPES, CTSTATES } from './iptables-names.js';
import { type ExtParser, type OptionDef, unsupported } from './parse-ext.js';
import { checkIfaceName, parseUint } from './parse-tokens.js';
import type { IfaceMatch, Match } from './rule.js';

type MatchParser = ExtParser<Match>;

/** A comma list of route types → the canonical text iptables-save prints (bit order, upper case). */
function parseAddrTypes(text: string): string | { error: string } {
  let bits = 0;
  for (const part of text.split(',')) {
    const i = ADDRTYPES.indexOf(part.toUpperCase());
    if (i < 0) return { error: `addrtype: bad type \`${part}'` };
    bits |= 1 << i;
  }
  return ADDRTYPES.filter((_, i) => (bits & (1 << i)) !== 0).join(',');
}

export class AddrtypeParser implements MatchParser {
  readonly name = 'addrtype';
  readonly options = {
    'src-type': { args: 1, invert: true },
    'dst-type': { args: 1, invert: true },
    'limit-iface-in': { args: 0 },
    'limit-iface-out': { args: 0 },
  } as const;
  private src: { type: string; invert: boolean } | undefined;
  private dst: { type: string; invert: boolean } | undefined;
  private limitIn = false;
  private limitOut = false;
  option(name: string, arg: string, invert: boolean): string | undefined {
    if (name === 'limit-iface-in') this.limitIn = true;
    else if (name === 'limit-iface-out') this.limitOut = true;
    else {
      const type = parseAddrTypes(arg);
      if (typeof type !== 'string') return type.error;
      if (name === 'src-type') this.src = { type, invert };
      else this.dst = { type, invert };
    }
    return undefined;
  }
  finish(): Match | string {
    if (this.src === undefined && this.dst === undefined) {
      return 'addrtype: you must specify --src-type or --dst-type';
    }
    if (this.limitIn && this.limitOut) {
      return "addrtype: you can't specify both --limit-iface-in and --limit-iface-out";
    }
    const m: {
      kind: 'addrtype';
      srcType?: { type: string; invert: boolean };
      dstType?: { type: string; invert: boolean };
      limitIfaceIn?: boolean;
      limitIfaceOut?: boolean;
    } = { kind: 'addrtype' };
    if (this.src !== undefined) m.srcType = this.src;
    if (this.dst !== undefined) m.dstType = this.dst;
    if (this.limitIn) m.limitIfaceIn = true;
    if (this.limitOut) m.limitIfaceOut = true;
    return m;
  }
}

const CONNTRACK_OPTIONS: Readonly<Record<string, OptionDef>> = {
  ctstate: { args: 1, invert: true },
  ...unsupported(
    'ctproto',
    'ctorigsrc',
    'ctorigdst',
    'ctreplsrc',
    'ctrepldst',
    'ctorigsrcport',
    'ctorigdstport',
    'ctreplsrcport',
    'ctrepldstport',
    'ctstatus',
    'ctexpire',
    'ctdir',
  ),
};

export class ConntrackParser implements MatchParser {
  readonly name = 'conntrack';
  readonly options = CONNTRACK_OPTIONS;
  private states: string[] | undefined;
  private invert = false;
  option(_name: string, arg: string, invert: boolean): string | undefined {
    let bits = 0;
    for (const part of arg.split(',')) {
      const i = CTSTATES.indexOf(part.toUpperCase());
      if (i < 0) return `Bad ctstate "${part}"`;
      bits |= 1 << i;
    }
    this.states = CTSTATES.filter((_, i) => (bits & (1 << i)) !== 0);
    this.invert = invert;
    return undefined;
  }
  finish(): Match | string {
    if (this.states === undefined) return 'conntrack: At least one option is required';
    return { kind: 'conntrack', ctstate: this.states, invert: this.invert };
  }
}

/** IPSET_MAXNAMELEN − 1 and IPSET_DIM_MAX (xt_set.h). */
const IPSET_NAME_MAX = 31;
const IPSET_DIM_MAX = 6;

const SET_OPTIONS: Readonly<Record<string, OptionDef>> = {
  'match-set': { args: 2, invert: true },
  ...unsupported(
    'return-nomatch',
    'update-counters',
    'update-subcounters',
    'packets-eq',
    'packets-lt',
    'packets-gt',
    'bytes-eq',
    'bytes-lt',
    'bytes-gt',
  ),
};

export class SetParser implements MatchParser {
  readonly name = 'set';
  readonly options = SET_OPTIONS;
  private m: { name: string; flags: ('src' | 'dst')[]; invert: boolean } | undefined;
  option(_name: string, setName: string, invert: boolean, dirs?: string): string | undefined {
    if (this.m !== undefined) return '--match-set can be specified only once';
    if (dirs === undefined || dirs.startsWith('-') || dirs.startsWith('!')) {
      return '--match-set requires two args.';
    }
    if (setName.length > IPSET_NAME_MAX) {
      return `setname \`${setName}' too long, max ${IPSET_NAME_MAX} characters.`;
    }
    const flags: ('src' | 'dst')[] = [];
    for (const d of dirs.split(',')) {
      if (d !== 'src' && d !== 'dst') return "You must specify (the comma separated list of) 'src' or 'dst'.";
      flags.push(d);
    }
    if (flags.length > IPSET_DIM_MAX) return `Can't be more src/dst options than ${IPSET_DIM_MAX}.`;
    this.m = { name: setName, flags, invert };
    return undefined;
  }
  finish(): Match | string {
    if (this.m === undefined) return "You must specify `--match-set' with proper arguments";
    return { kind: 'set', ...this.m };
  }
}

type RecentOp = 'set' | 'rcheck' | 'update' | 'remove';

/** XT_RECENT_NAME_LEN − 1. */
const RECENT_NAME_MAX = 199;

const RECENT_OPTIONS: Readonly<Record<string, OptionDef>> = {
  set: { args: 0, invert: true },
  rcheck: { args: 0, invert: true },
  update: { args: 0, invert: true },
  remove: { args: 0, invert: true },
  seconds: { args: 1 },
  reap: { args: 0 },
  name: { args: 1 },
  rsource: { args: 0 },
  rdest: { args: 0 },
  mask: { args: 1 },
  ...unsupported('hitcount', 'rttl'),
};

export class RecentParser implements MatchParser {
  readonly name = 'recent';
  readonly options = RECENT_OPTIONS;
  private op: RecentOp | undefined;
  private seconds: number | undefined;
  private reap = false;
  private recentName = 'DEFAULT';
  private side: 'rsource' | 'rdest' | undefined;
  private mask = 0xffffffff;
  option(name: string, arg: string, invert: boolean): string | undefined {
    switch (name) {
      case 'set':
      case 'rcheck':
      case 'update':
      case 'remove':
        if (invert) return `recent: an inverted match ("! --${name}") is not supported by podwire`;
        if (this.op !== undefined) {
          return `recent: option "--${name}" cannot be used together with "--${this.op}".`;
        }
        this.op = name;
        return undefined;
      case 'seconds': {
        const s = parseUint(arg, 0xffffffff);
        if (s === undefined || s === 0) {
          return 'recent: bad value for option "--seconds", or out of range (1-4294967295).';
        }
        this.seconds = s;
        return undefined;
      }
      case 'reap':
        this.reap = true;
        return undefined;
      case 'name':
        if (arg === '' || arg.length > RECENT_NAME_MAX) return `recent: bad --name \`${arg}'`;
        this.recentName = arg;
        return undefined;
      case 'mask': {
        const m = parseIp4(arg);
        if (m === undefined) return `recent: Bad value for "--mask" option: "${arg}"`;
        this.mask = m;
        return undefined;
      }
      default:
        if (this.side !== undefined && this.side !== name) {
          return `recent: option "--${name}" cannot be used together with "--${this.side}".`;
        }
        this.side = name as 'rsource' | 'rdest';
        return undefined;
    }
  }
  finish(): Match | string {
    if (this.op === undefined) {
      return "recent: you must specify one of `--set', `--rcheck' `--update' or `--remove'";
    }
    if (this.reap && this.seconds === undefined) return 'recent: option "--reap" also requires "--seconds".';
    if ((this.op === 'set' || this.op === 'remove') && (this.seconds !== undefined || this.reap)) {
      // xt_recent.c recent_mt_check: modifiers only with --rcheck / --update.
      return 'recent: --seconds and --reap only work with --rcheck or --update';
    }
    const base = {
      kind: 'recent' as const,
      name: this.recentName,
      op: this.op,
      reap: this.reap,
      mask: this.mask,
      side: this.side ?? 'rsource',
    };
    return this.seconds === undefined ? base : { ...base, seconds: this.seconds };
  }
}

const PHYSDEV_OPTIONS: Readonly<Record<string, OptionDef>> = {
  'physdev-in': { args: 1, invert: true },
  'physdev-out': { args: 1, invert: true },
  'physdev-is-bridged': { args: 0, invert: true },
  ...unsupported('physdev-is-in', 'physdev-is-out'),
};

export class PhysdevParser implements MatchParser {
  readonly name = 'physdev';
  readonly options = PHYSDEV_OPTIONS;
  private physIn: IfaceMatch | undefined;
  private physOut: IfaceMatch | undefined;
  private bridged: boolean | undefined;
  option(name: string, arg: string, invert: boolean): string | undefined {
    if (name === 'physdev-is-bridged') {
      this.bridged = !invert;
      return undefined;
    }
    const dev = arg;
    const bad = checkIfaceName(dev);
    if (bad !== undefined) return bad;
    if (name === 'physdev-in') this.physIn = { name: dev, invert };
    else this.physOut = { name: dev, invert };
    return undefined;
  }
  finish(): Match | string {
    if (this.physIn === undefined && this.physOut === undefined && this.bridged === undefined) {
      return 'PHYSDEV: no physdev option specified';
    }
    const m: { kind: 'physdev'; isBridged?: boolean; physdevIn?: IfaceMatch; physdevOut?: IfaceMatch } = {
      kind: 'physdev',
    };
    if (this.physIn !== undefined) m.physdevIn = this.physIn;
    if (this.physOut !== undefined) m.physdevOut = this.physOut;
    if (this.bridged !== undefined) m.isBridged = this.bridged;
    return m;
  }
}
