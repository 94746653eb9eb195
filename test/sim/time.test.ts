import { describe, expect, it } from 'vitest';
import { formatSeconds, MS, parseDuration, SECOND, US } from '../../src/sim/index.js';

describe('parseDuration()', () => {
  it('reads every unit to integer nanoseconds', () => {
    expect(parseDuration('10s')).toBe(10 * SECOND);
    expect(parseDuration('250ms')).toBe(250 * MS);
    expect(parseDuration('1500us')).toBe(1500 * US);
    expect(parseDuration('1500µs')).toBe(1500 * US);
    expect(parseDuration('7ns')).toBe(7);
    expect(parseDuration('2m')).toBe(120 * SECOND);
    expect(parseDuration('1h')).toBe(3600 * SECOND);
  });

  it('accepts fractions and surrounding or inner spaces, rounding to whole ns', () => {
    expect(parseDuration('1.5s')).toBe(1_500_000_000);
    expect(parseDuration(' 50 us ')).toBe(50_000);
    expect(parseDuration('0.0000000004s')).toBe(0);
    expect(parseDuration('0s')).toBe(0);
  });

  it('returns undefined for malformed text, a missing unit, a negative value or an unsafe size', () => {
    for (const bad of ['', 's', '10', '-1s', '1e3ms', '10 sec', '1.s', '.5s', '10S', '1s2', '99999999h']) {
      expect(parseDuration(bad), bad).toBeUndefined();
    }
  });
});

describe('formatSeconds()', () => {
  it('prints seconds with six decimals', () => {
    expect(formatSeconds(0)).toBe('0.000000');
    expect(formatSeconds(1_250_000_000)).toBe('1.250000');
    expect(formatSeconds(12_345_678_999)).toBe('12.345678');
  });
});
