import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arbIp4, arbMac } from '../../src/testing/index.js';
import {
  formatCidr,
  formatIp4,
  formatMac,
  inPrefix,
  ip4,
  isMulticastMac,
  mac,
  maskOf,
  networkOf,
  parseCidr,
  parseIp4,
  parseMac,
} from '../../src/wire/index.js';

describe('addr', () => {
  it('formatMac() prints lower-case colon-separated octets', () => {
    expect(formatMac(0x0a0000000002)).toBe('0a:00:00:00:00:02');
    expect(formatMac(0xe2e71a714dd3)).toBe('e2:e7:1a:71:4d:d3');
    expect(formatMac(0xffffffffffff)).toBe('ff:ff:ff:ff:ff:ff');
  });

  it('parseMac() reads either case and rejects anything else', () => {
    expect(parseMac('EA:91:59:50:b5:a7')).toBe(0xea915950b5a7);
    expect(parseMac('ea:91:59:50:b5')).toBeUndefined();
    expect(parseMac('ea-91-59-50-b5-a7')).toBeUndefined();
    expect(parseMac('ea:91:59:50:b5:a7 ')).toBeUndefined();
  });

  it('parseMac(formatMac(m)) is m for every MAC', () => {
    fc.assert(
      fc.property(arbMac(), (m) => {
        expect(parseMac(formatMac(m))).toBe(m);
      }),
    );
  });

  it('formatIp4() and parseIp4() convert dotted quads', () => {
    expect(formatIp4(0x0af40102)).toBe('10.244.1.2');
    expect(parseIp4('192.168.56.11')).toBe(0xc0a8380b);
    expect(parseIp4('255.255.255.255')).toBe(0xffffffff);
    fc.assert(
      fc.property(arbIp4(), (ip) => {
        expect(parseIp4(formatIp4(ip))).toBe(ip);
      }),
    );
  });

  it('parseIp4() rejects octets over 255, leading zeros and short forms', () => {
    for (const bad of ['256.0.0.1', '10.244.1', '010.0.0.1', '1.2.3.4.5', '', 'a.b.c.d', '1.2.3.-4']) {
      expect(parseIp4(bad)).toBeUndefined();
    }
  });

  it('mac() and ip4() throw RangeError on bad literals', () => {
    expect(() => mac('nope')).toThrow(RangeError);
    expect(() => ip4('1.2.3')).toThrow(RangeError);
    expect(ip4('10.96.0.1')).toBe(0x0a600001);
  });

  it('maskOf() and networkOf() compute prefixes as uint32', () => {
    expect(maskOf(0)).toBe(0);
    expect(maskOf(24)).toBe(0xffffff00);
    expect(maskOf(32)).toBe(0xffffffff);
    expect(maskOf(12)).toBe(0xfff00000);
    expect(() => maskOf(33)).toThrow(RangeError);
    expect(networkOf(ip4('10.244.1.7'), 24)).toBe(ip4('10.244.1.0'));
    expect(networkOf(ip4('10.111.2.3'), 12)).toBe(ip4('10.96.0.0'));
    expect(inPrefix(ip4('10.244.3.4'), ip4('10.244.0.0'), 16)).toBe(true);
    expect(inPrefix(ip4('10.245.3.4'), ip4('10.244.0.0'), 16)).toBe(false);
  });

  it('networkOf() is contained in its own prefix for every address and length', () => {
    fc.assert(
      fc.property(arbIp4(), fc.integer({ min: 0, max: 32 }), (ip, len) => {
        const net = networkOf(ip, len);
        expect(net).toBeGreaterThanOrEqual(0);
        expect(inPrefix(ip, net, len)).toBe(true);
      }),
    );
  });

  it('parseCidr() reads address/length and formatCidr() writes it back', () => {
    expect(parseCidr('10.244.0.0/16')).toEqual({ ip: 0x0af40000, len: 16 });
    expect(parseCidr('10.244.0.0/33')).toBeUndefined();
    expect(parseCidr('10.244.0.0')).toBeUndefined();
    expect(formatCidr(0x0a600000, 12)).toBe('10.96.0.0/12');
  });

  it('isMulticastMac() reads the group bit of the first octet', () => {
    expect(isMulticastMac(0xffffffffffff)).toBe(true);
    expect(isMulticastMac(0x01005e000001)).toBe(true);
    expect(isMulticastMac(0x0a0000000002)).toBe(false);
  });
});
