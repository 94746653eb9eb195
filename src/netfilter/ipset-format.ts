/**
 * The text faces of IP sets: `ipset save` (`create …` / `add …` lines, also what `ipset restore` reads),
 * `ipset list` (Name/Type/Revision/Header/Size in memory/References/Number of entries/Members blocks),
 * as ipset 7.x prints them on a current kernel (revisions and the `bucketsize … initval 0x%08x` header
 * from `ipset list` captures of kube-proxy nodes), and the reference counts iptables rules give a set.
 */
import { IPSET_TYPES, IpSet, type IpSetType } from './ipset.js';
import type { Table } from './rule.js';

/** The type revisions a 6.x kernel registers (IPSET_TYPE_REV_MAX), as `ipset list` shows them. */
const REVISION: Readonly<Record<IpSetType, number>> = {
  'hash:ip': 6,
  'hash:ip,port': 6,
  'hash:ip,port,ip': 6,
  'hash:ip,port,net': 8,
  'hash:net': 7,
  'bitmap:port': 3,
};

/** The `Header:` text, which is also what `create NAME TYPE` is followed by in `ipset save`. */
export function ipsetHeader(set: IpSet): string {
  if (set.type === 'bitmap:port') return `range ${set.range?.from ?? 0}-${set.range?.to ?? 0}`;
  let h = `family inet hashsize ${set.hashsize} maxelem ${set.maxelem}`;
  if (set.initval !== undefined) {
    h += ` bucketsize ${set.bucketsize} initval 0x${set.initval.toString(16).padStart(8, '0')}`;
  }
  return h;
}

/** Empty-set size and per-member growth seen on 6.x kernels; the kernel's real figure depends on its allocator. */
const MEMSIZE: Readonly<Record<IpSetType, readonly [empty: number, perMember: number]>> = {
  'hash:ip': [200, 40],
  'hash:ip,port': [200, 48],
  'hash:ip,port,ip': [208, 56],
  'hash:ip,port,net': [464, 56],
  'hash:net': [200, 48],
  'bitmap:port': [72, 0],
};

/**
 * An estimate of `Size in memory`: empty size plus a per-member share for hash types; bitmap:port is
 * 72 bytes plus its bitmap in longs (8264 for 0-65535, as observed). Not byte-exact for hash types.
 */
export function ipsetMemsize(set: IpSet): number {
  const [empty, per] = MEMSIZE[set.type];
  if (set.type === 'bitmap:port' && set.range !== undefined) {
    return empty + Math.ceil((set.range.to - set.range.from + 1) / 64) * 8;
  }
  return empty + per * set.size;
}

/** How many iptables rules name each set in `-m set --match-set` (the `References:` line). */
export function ipsetReferences(tables: readonly Table[]): Map<string, number> {
  const refs = new Map<string, number>();
  for (const t of tables) {
    for (const c of t.chains.values()) {
      for (const r of c.rules) {
        for (const m of r.matches) if (m.kind === 'set') refs.set(m.name, (refs.get(m.name) ?? 0) + 1);
      }
    }
  }
  return refs;
}

/** `ipset save`: per set its `create` line, then one `add` line per member. */
export function formatIpsetSave(sets: readonly IpSet[]): string {
  const out: string[] = [];
  for (const s of sets) {
    out.push(`create ${s.name} ${s.type} ${ipsetHeader(s)}`);
    for (const m of s.memberTexts()) out.push(`add ${s.name} ${m}`);
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}

export interface IpsetListOptions {
  /** `References:` per set name (see ipsetReferences); 0 when absent. */
  readonly references?: ReadonlyMap<string, number>;
  /** `Size in memory:`; defaults to the estimate of ipsetMemsize. */
  readonly memsize?: (set: IpSet) => number;
}

/** `ipset list`: one block per set, blocks separated by an empty line. */
export function formatIpsetList(sets: readonly IpSet[], opts: IpsetListOptions = {}): string {
  const blocks = sets.map((s) => {
    const lines = [
      `Name: ${s.name}`,
      `Type: ${s.type}`,
      `Revision: ${REVISION[s.type]}`,
      `Header: ${ipsetHeader(s)}`,
      `Size in memory: ${(opts.memsize ?? ipsetMemsize)(s)}`,
      `References: ${opts.references?.get(s.name) ?? 0}`,
      `Number of entries: ${s.size}`,
      'Members:',
      ...s.memberTexts(),
    ];
    return `${lines.join('\n')}\n`;
  });
  return blocks.join('\n');
}

export type IpsetRestoreResult =
  | { readonly ok: true; readonly sets: IpSet[] }
  | {
      readonly ok: false;
      readonly error: { readonly line: number; readonly col: number; readonly message: string };
    };

function positiveInt(text: string | undefined): number | undefined {
  return text !== undefined && /^\d{1,10}$/.test(text) ? Number(text) : undefined;
}

/**
 * `ipset restore` input (what formatIpsetSave prints): `create NAME TYPE [options]` and `add NAME MEMBER`
 * lines, `#` comments and blank lines. Options are those formatIpsetSave writes: `family inet`,
 * `hashsize`, `maxelem`, `bucketsize`, `initval`, `range A-B`.
 */
export function parseIpsetRestore(text: string): IpsetRestoreResult {
  const sets = new Map<string, IpSet>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const lineNo = i + 1;
    if (line.trim() === '' || line.startsWith('#')) continue;
    const words = line.split(/\s+/).filter((w) => w !== '');
    const fail = (word: number, message: string): IpsetRestoreResult => {
      let col = 1;
      for (let w = 0, at = 0; w <= word && w < words.length; w++) {
        at = line.indexOf(words[w] ?? '', at);
        col = at + 1;
        at += (words[w] ?? '').length;
      }
      return { ok: false, error: { line: lineNo, col, message } };
    };
    const [cmd, name] = words;
    if (name === undefined) return fail(0, `Syntax error: ${cmd ?? ''} needs a set name`);
    if (cmd === 'create') {
      if (sets.has(name)) return fail(1, 'Set cannot be created: set with the same name already exists');
      const type = words[2] as IpSetType;
      if (!IPSET_TYPES.includes(type))
        return fail(2, `Syntax error: unknown or unsupported set type ${words[2] ?? ''}`);
      const opt: {
        hashsize?: number;
        maxelem?: number;
        bucketsize?: number;
        initval?: number;
        range?: { from: number; to: number };
      } = {};
      for (let w = 3; w < words.length; w += 2) {
        const key = words[w] ?? '';
        const value = words[w + 1];
        if (key === 'family' && value === 'inet') continue;
        if (key === 'initval' && value !== undefined && /^0x[0-9a-f]{1,8}$/i.test(value)) {
          opt.initval = Number.parseInt(value.slice(2), 16);
          continue;
        }
        if (key === 'range' && value !== undefined) {
          const m = /^(\d{1,5})-(\d{1,5})$/.exec(value);
          if (m === null) return fail(w + 1, `Syntax error: bad range ${value}`);
          opt.range = { from: Number(m[1]), to: Number(m[2]) };
          continue;
        }
        const n = positiveInt(value);
        if ((key === 'hashsize' || key === 'maxelem' || key === 'bucketsize') && n !== undefined && n > 0) {
          opt[key] = n;
          continue;
        }
        return fail(w, `Syntax error: unknown or unsupported option ${key}`);
      }
      try {
        sets.set(name, new IpSet(name, type, opt));
      } catch (e) {
        return fail(1, e instanceof Error ? e.message : String(e));
      }
      continue;
    }
    if (cmd === 'add') {
      const set = sets.get(name);
      if (set === undefined) return fail(1, `The set with the given name does not exist: ${name}`);
      const member = words[2];
      if (member === undefined || words.length > 3)
        return fail(words.length > 3 ? 3 : 1, 'Syntax error: add takes exactly one member');
      const r = set.add(member);
      if (!r.ok) return fail(2, r.error);
      continue;
    }
    return fail(0, `Syntax error: unknown command ${cmd ?? ''}`);
  }
  return { ok: true, sets: [...sets.values()] };
}
