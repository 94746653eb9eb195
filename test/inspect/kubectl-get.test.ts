import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { humanDuration, tabwrite } from '../../src/inspect/index.js';

const S = 1_000_000_000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('humanDuration()', () => {
  it('formats ages as apimachinery duration.HumanDuration does', () => {
    const cases: [number, string][] = [
      [0, '0s'],
      [1999_999_999, '1s'],
      [119 * S, '119s'],
      [120 * S, '2m'],
      [150 * S, '2m30s'],
      [599 * S, '9m59s'],
      [10 * M, '10m'],
      [179 * M + 59 * S, '179m'],
      [3 * H, '3h'],
      [3 * H + 15 * M, '3h15m'],
      [7 * H + 59 * M, '7h59m'],
      [8 * H + 30 * M, '8h'],
      [47 * H + 59 * M, '47h'],
      [48 * H, '2d'],
      [49 * H, '2d1h'],
      [7 * D + 23 * H, '7d23h'],
      [8 * D + 2 * H, '8d'],
      [729 * D, '729d'],
      [730 * D, '2y'],
      [733 * D, '2y3d'],
      [2920 * D + 2 * H, '8y'],
      [3650 * D, '10y'],
    ];
    for (const [ns, text] of cases) expect([ns, humanDuration(ns)]).toEqual([ns, text]);
  });

  it('tolerates clock skew under two seconds and calls more <invalid>', () => {
    expect(humanDuration(-1 * S)).toBe('0s');
    expect(humanDuration(-1.5 * S)).toBe('0s');
    expect(humanDuration(-2 * S)).toBe('<invalid>');
  });
});

describe('tabwrite()', () => {
  it('pads short columns to tabwriter minwidth 6 and leaves the last cell as is', () => {
    expect(
      tabwrite([
        ['a', 'b', 'c'],
        ['dd', 'e', 'ffff'],
      ]),
    ).toBe('a     b     c\ndd    e     ffff\n');
  });

  it('starts every column at the same offset on every line, at least 3 past its widest cell', () => {
    const cell = fc.string({ unit: fc.constantFrom('a', 'b', '-', '/', '.', '1'), maxLength: 20 });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.array(cell, { minLength: 6, maxLength: 6 })),
        (n, raw) => {
          const lines = raw.map((l) => l.slice(0, n));
          const out = tabwrite(lines).split('\n').slice(0, -1);
          expect(out.length).toBe(lines.length);
          let offset = 0;
          for (let c = 0; c < n - 1; c++) {
            const widest = Math.max(0, ...lines.map((l) => (l[c] ?? '').length));
            const width = Math.max(6, widest + 3);
            lines.forEach((l, i) => {
              const text = out[i] ?? '';
              const value = l[c] ?? '';
              expect(text.slice(offset, offset + width)).toBe(value.padEnd(width, ' '));
            });
            offset += width;
          }
          lines.forEach((l, i) => {
            expect((out[i] ?? '').slice(offset)).toBe(l[n - 1] ?? '');
          });
        },
      ),
    );
  });
});
