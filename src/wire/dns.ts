/**
 * DNS messages (RFC 1035 §4.1): a 12-byte header, the question section and three sections of resource
 * records. Record data is decoded for A, AAAA, NS, CNAME, PTR, SOA, TXT and SRV; any other type (OPT
 * included) keeps its data bytes as they are.
 *
 * Compression is a choice of the sender, so it is an option of `emitDns`: names in the question, every
 * owner name and the data names of NS, CNAME, PTR and SOA may point back at earlier names, as miekg/dns
 * does with `Msg.Compress`; SRV targets never are (RFC 2782). glibc's res_mkquery writes queries without
 * compression (one question, nothing to point at), and CoreDNS sends answers uncompressed whenever they
 * fit the client's buffer (request.Scrub clears `Compress` first and sets it only for a reply too big).
 */
import { put32, u16, u32 } from './bytes.js';
import {
  type CompressionMap,
  encodeName,
  isNameError,
  type NameError,
  nameLabels,
  readName,
} from './dns-name.js';
import type { Ip4 } from './types.js';

export { DNS_MAX_LABEL, DNS_MAX_NAME, dnsLower, fqdn, nameLabels } from './dns-name.js';

/** The DNS port (UDP and TCP). */
export const DNS_PORT = 53;
/** Largest DNS message over UDP without EDNS0 (RFC 1035 §4.2.1). */
export const DNS_UDP_MAX = 512;

/** Record types podwire decodes, with their numbers (IANA DNS parameters). */
export const DNS_TYPE = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  OPT: 41,
} as const;

/** The Internet class. */
export const DNS_CLASS_IN = 1;

/** Response codes (RFC 1035 §4.1.1, RFC 2136). */
export const DNS_RCODE = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
} as const;

/** One question: name, type, class. */
export interface DnsQuestion {
  readonly name: string;
  readonly type: number;
  readonly class: number;
}

/** Decoded record data, by the record's type; `raw` for types without a decoder (and OPT). */
export type DnsRData =
  | { readonly kind: 'A'; readonly address: Ip4 }
  | { readonly kind: 'AAAA'; readonly address: Uint8Array }
  | { readonly kind: 'NS' | 'CNAME' | 'PTR'; readonly target: string }
  | {
      readonly kind: 'SOA';
      readonly mname: string;
      readonly rname: string;
      readonly serial: number;
      readonly refresh: number;
      readonly retry: number;
      readonly expire: number;
      readonly minimum: number;
    }
  | { readonly kind: 'TXT'; readonly strings: readonly string[] }
  | {
      readonly kind: 'SRV';
      readonly priority: number;
      readonly weight: number;
      readonly port: number;
      readonly target: string;
    }
  | { readonly kind: 'raw'; readonly bytes: Uint8Array };

/** A resource record. TXT strings hold one character per byte (latin1), so any bytes round-trip. */
export interface DnsRecord {
  readonly name: string;
  readonly type: number;
  readonly class: number;
  readonly ttl: number;
  readonly data: DnsRData;
}

/** A whole message: header fields, then the four sections. `z` is the reserved bit 0x0040. */
export interface DnsMessage {
  readonly id: number;
  readonly qr: boolean;
  readonly opcode: number;
  readonly aa: boolean;
  readonly tc: boolean;
  readonly rd: boolean;
  readonly ra: boolean;
  readonly z: boolean;
  readonly ad: boolean;
  readonly cd: boolean;
  readonly rcode: number;
  readonly questions: readonly DnsQuestion[];
  readonly answers: readonly DnsRecord[];
  readonly authorities: readonly DnsRecord[];
  readonly additionals: readonly DnsRecord[];
}

/** Why bytes are not a DNS message: the field, its byte offset, what was expected. */
export interface DnsWireError {
  readonly layer: 'dns';
  readonly field: string;
  readonly offset: number;
  readonly expected: string;
}

export type DnsParseResult =
  | { readonly ok: true; readonly value: DnsMessage }
  | { readonly ok: false; readonly error: DnsWireError };

const HLEN = 12;

/** The kind a record of `type` decodes to. */
function kindOf(type: number): DnsRData['kind'] {
  switch (type) {
    case DNS_TYPE.A:
      return 'A';
    case DNS_TYPE.AAAA:
      return 'AAAA';
    case DNS_TYPE.NS:
      return 'NS';
    case DNS_TYPE.CNAME:
      return 'CNAME';
    case DNS_TYPE.PTR:
      return 'PTR';
    case DNS_TYPE.SOA:
      return 'SOA';
    case DNS_TYPE.TXT:
      return 'TXT';
    case DNS_TYPE.SRV:
      return 'SRV';
    default:
      return 'raw';
  }
}

function bad(field: string, offset: number, expected: string): DnsParseResult {
  return { ok: false, error: { layer: 'dns', field, offset, expected } };
}

/** Parses a whole DNS message (a UDP payload); total: any bytes give a message or an error. */
export function parseDns(b: Uint8Array): DnsParseResult {
  if (b.length < HLEN) return bad('length', 0, `at least ${HLEN} bytes, got ${b.length}`);
  const flags = u16(b, 2);
  const counts = [u16(b, 4), u16(b, 6), u16(b, 8), u16(b, 10)] as const;
  let at = HLEN;
  const questions: DnsQuestion[] = [];
  for (let i = 0; i < counts[0]; i++) {
    const n = readName(b, at);
    if (isNameError(n)) return nameBad(`questions[${i}].name`, n);
    if (n.end + 4 > b.length) return bad(`questions[${i}].type`, n.end, 'type and class (4 bytes)');
    questions.push({ name: n.name, type: u16(b, n.end), class: u16(b, n.end + 2) });
    at = n.end + 4;
  }
  const sections: DnsRecord[][] = [[], [], []];
  const names = ['answers', 'authorities', 'additionals'] as const;
  for (let s = 0; s < 3; s++) {
    const list = sections[s] ?? [];
    for (let i = 0; i < (counts[s + 1] ?? 0); i++) {
      const r = parseRecord(b, at, `${names[s]}[${i}]`);
      if (!r.ok) return r;
      list.push(r.record);
      at = r.end;
    }
  }
  if (at !== b.length) return bad('length', at, `the message to end at ${at}, got ${b.length} bytes`);
  return {
    ok: true,
    value: {
      id: u16(b, 0),
      qr: (flags & 0x8000) !== 0,
      opcode: (flags >> 11) & 0xf,
      aa: (flags & 0x0400) !== 0,
      tc: (flags & 0x0200) !== 0,
      rd: (flags & 0x0100) !== 0,
      ra: (flags & 0x0080) !== 0,
      z: (flags & 0x0040) !== 0,
      ad: (flags & 0x0020) !== 0,
      cd: (flags & 0x0010) !== 0,
      rcode: flags & 0xf,
      questions,
      answers: sections[0] ?? [],
      authorities: sections[1] ?? [],
      additionals: sections[2] ?? [],
    },
  };
}

function nameBad(field: string, e: NameError): DnsParseResult {
  return bad(field, e.offset, e.expected);
}

type RecordRead = { ok: true; record: DnsRecord; end: number } | { ok: false; error: DnsWireError };

function parseRecord(b: Uint8Array, at: number, field: string): RecordRead {
  const n = readName(b, at);
  if (isNameError(n)) return nameBad(`${field}.name`, n) as RecordRead;
  const h = n.end;
  if (h + 10 > b.length)
    return bad(`${field}.type`, h, 'type, class, TTL and length (10 bytes)') as RecordRead;
  const type = u16(b, h);
  const rdlen = u16(b, h + 8);
  const start = h + 10;
  const end = start + rdlen;
  if (end > b.length) return bad(`${field}.rdlength`, h + 8, `${rdlen} bytes of data`) as RecordRead;
  const data = parseRData(b, type, start, end, `${field}.data`);
  if ('error' in data) return { ok: false, error: data.error };
  const record = { name: n.name, type, class: u16(b, h + 2), ttl: u32(b, h + 4), data };
  return { ok: true, record, end };
}

function parseRData(
  b: Uint8Array,
  type: number,
  start: number,
  end: number,
  field: string,
): DnsRData | { error: DnsWireError } {
  const len = end - start;
  const fail = (expected: string, offset = start) => ({
    error: { layer: 'dns' as const, field, offset, expected },
  });
  // A name inside data must end inside the data (its pointers may still reach back before it).
  const nameIn = (from: number, what: string) => {
    const n = readName(b.subarray(0, end), from);
    if (isNameError(n)) return fail(`${what}: ${n.expected}`, n.offset);
    return n;
  };
  switch (kindOf(type)) {
    case 'A':
      return len === 4 ? { kind: 'A', address: u32(b, start) } : fail('4 bytes of IPv4 address');
    case 'AAAA':
      return len === 16 ? { kind: 'AAAA', address: b.slice(start, end) } : fail('16 bytes of IPv6 address');
    case 'NS':
    case 'CNAME':
    case 'PTR': {
      const n = nameIn(start, 'a target name');
      if ('error' in n) return n;
      if (n.end !== end) return fail('the name to fill the data', n.end);
      return { kind: kindOf(type) as 'NS' | 'CNAME' | 'PTR', target: n.name };
    }
    case 'SOA': {
      const m = nameIn(start, 'the primary server name');
      if ('error' in m) return m;
      const r = nameIn(m.end, 'the mailbox name');
      if ('error' in r) return r;
      if (r.end + 20 !== end) return fail('five 32-bit counters after the names', r.end);
      const at = r.end;
      return {
        kind: 'SOA',
        mname: m.name,
        rname: r.name,
        serial: u32(b, at),
        refresh: u32(b, at + 4),
        retry: u32(b, at + 8),
        expire: u32(b, at + 12),
        minimum: u32(b, at + 16),
      };
    }
    case 'TXT': {
      const strings: string[] = [];
      let at = start;
      while (at < end) {
        const l = b[at] ?? 0;
        if (at + 1 + l > end) return fail(`a ${l}-byte character-string`, at);
        strings.push(String.fromCharCode(...b.subarray(at + 1, at + 1 + l)));
        at += 1 + l;
      }
      if (strings.length === 0) return fail('at least one character-string');
      return { kind: 'TXT', strings };
    }
    case 'SRV': {
      if (len < 7) return fail('priority, weight, port and a target');
      const n = nameIn(start + 6, 'a target name');
      if ('error' in n) return n;
      if (n.end !== end) return fail('the target to fill the data', n.end);
      return {
        kind: 'SRV',
        priority: u16(b, start),
        weight: u16(b, start + 2),
        port: u16(b, start + 4),
        target: n.name,
      };
    }
    case 'raw':
      return { kind: 'raw', bytes: b.slice(start, end) };
  }
}

/** How to emit: compress names as miekg/dns does with `Msg.Compress = true` (default false). */
export interface DnsEmitOptions {
  readonly compress?: boolean;
}

/** Writes the message; counts come from the sections. Throws RangeError for an unsendable name. */
export function emitDns(m: DnsMessage, opts: DnsEmitOptions = {}): Uint8Array {
  const out: number[] = [];
  const map: CompressionMap | undefined = opts.compress === true ? new Map() : undefined;
  const flags =
    (m.qr ? 0x8000 : 0) |
    ((m.opcode & 0xf) << 11) |
    (m.aa ? 0x0400 : 0) |
    (m.tc ? 0x0200 : 0) |
    (m.rd ? 0x0100 : 0) |
    (m.ra ? 0x0080 : 0) |
    (m.z ? 0x0040 : 0) |
    (m.ad ? 0x0020 : 0) |
    (m.cd ? 0x0010 : 0) |
    (m.rcode & 0xf);
  push16(out, m.id);
  push16(out, flags);
  push16(out, m.questions.length);
  push16(out, m.answers.length);
  push16(out, m.authorities.length);
  push16(out, m.additionals.length);
  for (const q of m.questions) {
    pushName(out, q.name, map);
    push16(out, q.type);
    push16(out, q.class);
  }
  for (const r of [...m.answers, ...m.authorities, ...m.additionals]) emitRecord(out, r, map);
  return Uint8Array.from(out);
}

function emitRecord(out: number[], r: DnsRecord, map: CompressionMap | undefined): void {
  pushName(out, r.name, map);
  push16(out, r.type);
  push16(out, r.class);
  const ttl = new Uint8Array(4);
  put32(ttl, 0, r.ttl);
  out.push(...ttl);
  const lenAt = out.length;
  push16(out, 0);
  const d = r.data;
  switch (d.kind) {
    case 'A': {
      const a = new Uint8Array(4);
      put32(a, 0, d.address);
      out.push(...a);
      break;
    }
    case 'AAAA':
      out.push(...d.address);
      break;
    case 'NS':
    case 'CNAME':
    case 'PTR':
      pushName(out, d.target, map);
      break;
    case 'SOA': {
      pushName(out, d.mname, map);
      pushName(out, d.rname, map);
      const c = new Uint8Array(20);
      put32(c, 0, d.serial);
      put32(c, 4, d.refresh);
      put32(c, 8, d.retry);
      put32(c, 12, d.expire);
      put32(c, 16, d.minimum);
      out.push(...c);
      break;
    }
    case 'TXT':
      for (const s of d.strings) {
        if (s.length > 255) throw new RangeError('DNS TXT character-string over 255 bytes');
        out.push(s.length);
        for (let i = 0; i < s.length; i++) out.push(s.charCodeAt(i) & 0xff);
      }
      break;
    case 'SRV':
      push16(out, d.priority);
      push16(out, d.weight);
      push16(out, d.port);
      pushName(out, d.target, undefined); // RFC 2782: the target is never compressed
      break;
    case 'raw':
      out.push(...d.bytes);
      break;
  }
  const rdlen = out.length - lenAt - 2;
  out[lenAt] = rdlen >>> 8;
  out[lenAt + 1] = rdlen & 0xff;
}

function push16(out: number[], v: number): void {
  out.push((v >>> 8) & 0xff, v & 0xff);
}

function pushName(out: number[], name: string, map: CompressionMap | undefined): void {
  out.push(...encodeName(name, out.length, map));
}

/** Bytes `name` takes uncompressed. */
export function dnsNameLength(name: string): number {
  return nameLabels(name).reduce((n, l) => n + l.length + 1, 1);
}

/** A query as glibc's res_mkquery builds it: opcode QUERY, RD set, one question of class IN. */
export function dnsQuery(id: number, name: string, type: number): DnsMessage {
  return {
    id,
    qr: false,
    opcode: 0,
    aa: false,
    tc: false,
    rd: true,
    ra: false,
    z: false,
    ad: false,
    cd: false,
    rcode: 0,
    questions: [{ name, type, class: DNS_CLASS_IN }],
    answers: [],
    authorities: [],
    additionals: [],
  };
}

/**
 * The reply skeleton miekg/dns's `Msg.SetRcode(req, rcode)` makes: same id, opcode, RD and CD, QR set,
 * the first question copied, every other flag clear and no records.
 */
export function dnsReply(req: DnsMessage, rcode: number): DnsMessage {
  const q = req.questions[0];
  return {
    id: req.id,
    qr: true,
    opcode: req.opcode,
    aa: false,
    tc: false,
    rd: req.rd,
    ra: false,
    z: false,
    ad: false,
    cd: req.cd,
    rcode,
    questions: q === undefined ? [] : [q],
    answers: [],
    authorities: [],
    additionals: [],
  };
}

/** The name of a type for messages: `A`, `AAAA`, … or `TYPE99`. */
export function dnsTypeName(type: number): string {
  for (const [k, v] of Object.entries(DNS_TYPE)) if (v === type) return k;
  return `TYPE${type}`;
}

/** The name of an rcode: `NOERROR`, `NXDOMAIN`, … or `RCODE9`. */
export function dnsRcodeName(rcode: number): string {
  for (const [k, v] of Object.entries(DNS_RCODE)) if (v === rcode) return k;
  return `RCODE${rcode}`;
}
