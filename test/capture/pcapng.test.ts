import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SNAPLEN,
  EPB_INBOUND,
  EPB_OUTBOUND,
  encodeEpb,
  encodeIdb,
  encodeShb,
  epbLength,
} from '../../src/capture/pcapng.js';
import { readPcapng } from './read-pcapng.js';

function hex(text: string): Uint8Array {
  const clean = text.replace(/[^0-9a-f]/gi, '');
  return Uint8Array.from(clean.match(/../g) ?? [], (h) => Number.parseInt(h, 16));
}

function ascii(text: string): string {
  return Buffer.from(text, 'ascii').toString('hex');
}

// wire-formats.md §9: the IDB dumpcap wrote for eth0 on the LAB machine (68 bytes, with if_os).
const LAB_DUMPCAP_IDB = hex(
  `01000000 44000000 0100 0000 00000400 0200 0400 ${ascii('eth0')} 0900 0100 09 000000
   0c00 1500 ${ascii('Linux 6.18.44-fc-v669')} 000000 0000 0000 44000000`,
);

describe('encodeIdb()', () => {
  it('matches the LAB dumpcap IDB in every field both carry', () => {
    const ours = encodeIdb({ name: 'eth0' });
    expect(LAB_DUMPCAP_IDB.length).toBe(68);
    // block type
    expect(ours.subarray(0, 4)).toEqual(LAB_DUMPCAP_IDB.subarray(0, 4));
    // linktype 1, reserved 0, snaplen 262144
    expect(ours.subarray(8, 16)).toEqual(LAB_DUMPCAP_IDB.subarray(8, 16));
    // if_name "eth0" TLV, then if_tsresol 9 TLV with its padding, in the same order as dumpcap
    expect(ours.subarray(16, 32)).toEqual(LAB_DUMPCAP_IDB.subarray(16, 32));
    // dumpcap adds if_os; we stop with opt_endofopt and the trailing length
    expect(ours).toEqual(
      hex(
        `01000000 28000000 0100 0000 00000400 0200 0400 ${ascii('eth0')} 0900 0100 09000000 00000000 28000000`,
      ),
    );
  });

  it('pads a capture-point name to 4 bytes and records its true length', () => {
    const idb = encodeIdb({ name: 'node1/pa/eth0' }); // 13 bytes → 3 padding bytes
    expect(idb).toEqual(
      hex(
        `01000000 34000000 0100 0000 00000400 0200 0d00 ${ascii('node1/pa/eth0')} 000000 0900 0100 09000000 00000000 34000000`,
      ),
    );
  });
});

describe('encodeShb()', () => {
  it('writes a little-endian version 1.0 section of unknown length with shb_userappl', () => {
    expect(encodeShb({ userAppl: 'podwire' })).toEqual(
      hex(
        `0a0d0d0a 2c000000 4d3c2b1a 0100 0000 ffffffff ffffffff 0400 0700 ${ascii('podwire')} 00 00000000 2c000000`,
      ),
    );
  });
});

describe('encodeEpb()', () => {
  it('splits the ns timestamp, pads the data and carries the direction in epb_flags', () => {
    const t = 5 * 4294967296 + 0x01020304;
    const epb = encodeEpb(3, t, Uint8Array.of(0xde, 0xad, 0xbe, 0xef, 0x42), EPB_OUTBOUND);
    expect(epb).toEqual(
      hex(`06000000 34000000 03000000 05000000 04030201 05000000 05000000
           deadbeef 42000000 0200 0400 02000000 00000000 34000000`),
    );
    expect(epb.length).toBe(epbLength(5));
  });

  it('writes the inbound flag as 1 in the low two bits', () => {
    const epb = encodeEpb(0, 0, new Uint8Array(4), EPB_INBOUND);
    expect(epb.subarray(32, 40)).toEqual(hex('0200 0400 01000000'));
  });

  it('truncates to the snaplen but records the original length', () => {
    const epb = encodeEpb(0, 1, new Uint8Array(100).fill(7), EPB_INBOUND, 64);
    const file = readPcapng(
      new Uint8Array([...encodeShb(), ...encodeIdb({ name: 'x', snaplen: 64 }), ...epb]),
    );
    expect(file.packets[0]?.data.length).toBe(64);
    expect(file.packets[0]?.origLen).toBe(100);
    expect(DEFAULT_SNAPLEN).toBe(262144);
  });
});
