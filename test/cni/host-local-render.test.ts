import { describe, expect, it } from 'vitest';
import { bashQuote } from '../../src/cni/index.js';

// Expected texts recorded from GNU bash 5.2.15: printf '%q\n' "$s".
const BASH_52: ReadonlyArray<readonly [string, string]> = [
  ['cid1\r\neth0', "$'cid1\\r\\neth0'"],
  ['cid1\neth0', "$'cid1\\neth0'"],
  ['10.244.1.6', '10.244.1.6'],
  ['', "''"],
  ['a,b', 'a\\,b'],
  ['a=b', 'a=b'],
  ['a:b', 'a:b'],
  ['a b', 'a\\ b'],
  ["a'b", "a\\'b"],
  ['a~b', 'a~b'],
  ['~a', '\\~a'],
  ['a#b', 'a#b'],
  ['#a', '\\#a'],
  ['a^b', 'a\\^b'],
  ['a\x01b', "$'a\\001b'"],
  ['a\\b\r', "$'a\\\\b\\r'"],
  ["it's\r", "$'it\\'s\\r'"],
  ['a]b', 'a\\]b'],
  ['a!b', 'a\\!b'],
];

describe('bashQuote()', () => {
  it.each(BASH_52)('quotes %j as bash printf %%q does', (input, quoted) => {
    expect(bashQuote(input)).toBe(quoted);
  });
});
