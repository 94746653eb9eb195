/**
 * The `-j` target extensions podwire models (REJECT, DNAT, SNAT, MASQUERADE, MARK) and the ones it only
 * carries as text (LOG, NOTRACK, CT, TRACE), each with the options and checks of its libxt_/libipt_ source
 * and the table its kernel module registers for (`.table = "nat"` in xt_nat.c, `"filter"` in ipt_REJECT.c,
 * `"raw"` for CT/NOTRACK/TRACE). The hook restrictions are checked per table on COMMIT (parse.ts).
 */
import { REJECT_DEFAULT, rejectWithName } from './iptables-names.js';
import { type ExtParser, type OptionDef, type RuleContext, saveString, unsupported } from './parse-ext.js';
import { parseMarkMask } from './parse-match.js';
import { parseDottedQuad, parsePort, parseUint } from './parse-tokens.js';
import type { TableName, Target } from './rule.js';

type TargetParser = ExtParser<Target>;

function onlyIn(table: TableName, ctx: RuleContext, target: string): string | undefined {
  return ctx.table === table ? undefined : `${target} target is only valid in the ${table} table`;
}

class RejectParser implements TargetParser {
  readonly name = 'REJECT';
  readonly options = { 'reject-with': { args: 1 } } as const;
  private with = REJECT_DEFAULT;
  option(_name: string, arg: string): string | undefined {
    const w = rejectWithName(arg);
    if (w === undefined) return `unknown reject type "${arg}"`;
    this.with = w;
    return undefined;
  }
  finish(ctx: RuleContext): Target | string {
    const bad = onlyIn('filter', ctx, 'REJECT');
    if (bad !== undefined) return bad;
    // ipt_REJECT.c reject_tg_check: a TCP reset needs a TCP rule.
    if (this.with === 'tcp-reset' && (ctx.proto?.num !== 6 || ctx.proto.invert)) {
      return 'REJECT --reject-with tcp-reset requires -p tcp';
    }
    return { kind: 'REJECT', with: this.with };
  }
}

/** Protocols libipt_DNAT/SNAT accept a port with ("Need TCP, UDP, SCTP or DCCP with port specification"). */
const NAT_PORT_PROTOS: ReadonlySet<number> = new Set([1, 6, 17, 33, 132]);

/** `IP[:PORT]` of --to-destination / --to-source; ranges are not modelled. */
function parseNatAddr(text: string): { addr: number; port?: number } | string {
  const colon = text.indexOf(':');
  const ipText = colon < 0 ? text : text.slice(0, colon);
  if (ipText.includes('-')) return `address ranges (\`${text}') are not supported by podwire`;
  if (ipText === '') return `a port without an address (\`${text}') is not supported by podwire`;
  const addr = parseDottedQuad(ipText);
  if (addr === undefined) return `Bad IP address "${ipText}"`;
  if (colon < 0) return { addr };
  const portText = text.slice(colon + 1);
  if (portText.includes('-')) return `port ranges (\`${text}') are not supported by podwire`;
  const port = parsePort(portText);
  if (port === undefined || port === 0) return `Port "${portText}" not valid`;
  return { addr, port };
}

const DNAT_OPTIONS: Readonly<Record<string, OptionDef>> = {
  'to-destination': { args: 1 },
  ...unsupported('random', 'persistent'),
};
const SNAT_OPTIONS: Readonly<Record<string, OptionDef>> = {
  'to-source': { args: 1 },
  'random-fully': { args: 0 },
  ...unsupported('random', 'persistent'),
};

class NatParser implements TargetParser {
  readonly options: Readonly<Record<string, OptionDef>>;
  private to: { addr: number; port?: number } | undefined;
  private randomFully = false;
  constructor(readonly name: 'DNAT' | 'SNAT') {
    this.options = name === 'DNAT' ? DNAT_OPTIONS : SNAT_OPTIONS;
  }
  option(name: string, arg: string): string | undefined {
    if (name === 'random-fully') {
      this.randomFully = true;
      return undefined;
    }
    if (this.to !== undefined) return `${this.name}: Multiple --${name} not supported`;
    const r = parseNatAddr(arg);
    if (typeof r === 'string') return r;
    this.to = r;
    return undefined;
  }
  finish(ctx: RuleContext): Target | string {
    const bad = onlyIn('nat', ctx, this.name);
    if (bad !== undefined) return bad;
    const opt = this.name === 'DNAT' ? 'to-destination' : 'to-source';
    if (this.to === undefined) return `${this.name}: option "--${opt}" must be specified`;
    if (this.to.port !== undefined && (ctx.proto === undefined || !NAT_PORT_PROTOS.has(ctx.proto.num))) {
      return 'Need TCP, UDP, SCTP or DCCP with port specification';
    }
    const { addr, port } = this.to;
    if (this.name === 'DNAT') {
      return port === undefined
        ? { kind: 'DNAT', toAddr: addr }
        : { kind: 'DNAT', toAddr: addr, toPort: port };
    }
    return port === undefined
      ? { kind: 'SNAT', toAddr: addr, randomFully: this.randomFully }
      : { kind: 'SNAT', toAddr: addr, toPort: port, randomFully: this.randomFully };
  }
}

const MASQUERADE_OPTIONS: Readonly<Record<string, OptionDef>> = {
  'random-fully': { args: 0 },
  ...unsupported('to-ports', 'random'),
};

class MasqueradeParser implements TargetParser {
  readonly name = 'MASQUERADE';
  readonly options = MASQUERADE_OPTIONS;
  private randomFully = false;
  option(): undefined {
    this.randomFully = true;
  }
  finish(ctx: RuleContext): Target | string {
    return onlyIn('nat', ctx, 'MASQUERADE') ?? { kind: 'MASQUERADE', randomFully: this.randomFully };
  }
}

/** libxt_MARK.c mark_tg_parse (revision 2): every form becomes `--set-xmark value/mask`. */
class MarkTargetParser implements TargetParser {
  readonly name = 'MARK';
  readonly options = {
    'set-xmark': { args: 1 },
    'set-mark': { args: 1 },
    'and-mark': { args: 1 },
    'or-mark': { args: 1 },
    'xor-mark': { args: 1 },
  } as const;
  private xmark: { value: number; mask: number } | undefined;
  private given: string | undefined;
  option(name: string, arg: string): string | undefined {
    if (this.given !== undefined)
      return `MARK: option "--${name}" cannot be used together with "--${this.given}".`;
    const vm =
      name === 'set-xmark' || name === 'set-mark'
        ? parseMarkMask(arg)
        : (() => {
            const v = parseUint(arg, 0xffffffff);
            return v === undefined ? undefined : { value: v, mask: 0 };
          })();
    if (vm === undefined) return `MARK: Bad value for "--${name}" option: "${arg}"`;
    const { value, mask } = vm;
    switch (name) {
      case 'set-xmark':
        this.xmark = { value, mask };
        break;
      case 'set-mark':
        this.xmark = { value, mask: (value | mask) >>> 0 };
        break;
      case 'and-mark':
        this.xmark = { value: 0, mask: ~value >>> 0 };
        break;
      case 'or-mark':
        this.xmark = { value, mask: value };
        break;
      default:
        this.xmark = { value, mask: 0 };
    }
    this.given = name;
    return undefined;
  }
  finish(): Target | string {
    if (this.xmark === undefined) {
      return 'MARK: One of the --set-xmark, --{and,or,xor,set}-mark options is required';
    }
    return { kind: 'MARK', ...this.xmark };
  }
}

/** syslog level names LOG accepts (libxt_LOG.c); printed back as numbers. */
const LOG_LEVELS: Readonly<Record<string, number>> = {
  emerg: 0,
  alert: 1,
  crit: 2,
  error: 3,
  err: 3,
  warning: 4,
  warn: 4,
  notice: 5,
  info: 6,
  debug: 7,
};
const LOG_DEFAULT_LEVEL = 4;
const LOG_PREFIX_MAX = 29;
const LOG_FLAGS = ['log-tcp-sequence', 'log-tcp-options', 'log-ip-options', 'log-uid', 'log-macdecode'];

/** LOG: no effect on the packet; kept as the text iptables-save prints (LOG_save's option order). */
const LOG_OPTIONS: Readonly<Record<string, OptionDef>> = {
  'log-level': { args: 1 },
  'log-prefix': { args: 1 },
  ...Object.fromEntries(LOG_FLAGS.map((f) => [f, { args: 0 }])),
};

class LogParser implements TargetParser {
  readonly name = 'LOG';
  readonly options = LOG_OPTIONS;
  private level = LOG_DEFAULT_LEVEL;
  private prefix = '';
  private readonly flags = new Set<string>();
  option(name: string, arg: string): string | undefined {
    if (name === 'log-level') {
      const level = LOG_LEVELS[arg.toLowerCase()] ?? parseUint(arg, 7);
      if (level === undefined) return `log-level \`${arg}' unknown`;
      this.level = level;
    } else if (name === 'log-prefix') {
      if (arg.length > LOG_PREFIX_MAX) return `Maximum prefix length ${LOG_PREFIX_MAX} for --log-prefix`;
      this.prefix = arg;
    } else {
      this.flags.add(name);
    }
    return undefined;
  }
  finish(): Target {
    let text = 'LOG';
    if (this.prefix !== '') text += ` --log-prefix ${saveString(this.prefix)}`;
    if (this.level !== LOG_DEFAULT_LEVEL) text += ` --log-level ${this.level}`;
    for (const f of LOG_FLAGS) if (this.flags.has(f)) text += ` --${f}`;
    return { kind: 'other', text };
  }
}

/** CT with --notrack / --zone (libxt_CT.c ct_save_v2 order), NOTRACK and TRACE: raw-table text targets. */
const CT_OPTIONS: Readonly<Record<string, OptionDef>> = {
  notrack: { args: 0 },
  zone: { args: 1 },
  ...unsupported('helper', 'timeout', 'ctevents', 'expevents', 'zone-orig', 'zone-reply'),
};

class RawTextParser implements TargetParser {
  readonly options: Readonly<Record<string, OptionDef>>;
  private notrack = false;
  private zone = 0;
  constructor(readonly name: 'CT' | 'NOTRACK' | 'TRACE') {
    this.options = name === 'CT' ? CT_OPTIONS : {};
  }
  option(name: string, arg: string): string | undefined {
    if (name === 'notrack') {
      this.notrack = true;
      return undefined;
    }
    const zone = parseUint(arg, 0xffff);
    if (zone === undefined) return `CT: Bad value for "--zone" option: "${arg}"`;
    this.zone = zone;
    return undefined;
  }
  finish(ctx: RuleContext): Target | string {
    const bad = onlyIn('raw', ctx, this.name);
    if (bad !== undefined) return bad;
    let text: string = this.name;
    if (this.notrack) text += ' --notrack';
    if (this.zone !== 0) text += ` --zone ${this.zone}`;
    return { kind: 'other', text };
  }
}

/** `-j NAME` → a fresh parser for one rule (chains and the standard verdicts are handled by the caller). */
export const TARGET_PARSERS: Readonly<Record<string, () => TargetParser>> = {
  REJECT: () => new RejectParser(),
  DNAT: () => new NatParser('DNAT'),
  SNAT: () => new NatParser('SNAT'),
  MASQUERADE: () => new MasqueradeParser(),
  MARK: () => new MarkTargetParser(),
  LOG: () => new LogParser(),
  CT: () => new RawTextParser('CT'),
  NOTRACK: () => new RawTextParser('NOTRACK'),
  TRACE: () => new RawTextParser('TRACE'),
};
