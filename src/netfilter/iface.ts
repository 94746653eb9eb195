/**
 * Interface-name tests (`-i cni0`, `! -o flannel.1`, `-i veth+`, `--physdev-in veth1a`), compiled once
 * per rule record and shared by every namespace holding it. A test remembers its last answer by name:
 * the hook passes the device's own name string, so the common case is one identity compare — the
 * kernel likewise compares names as words under a precomputed mask (ifname_compare_aligned).
 */
import type { IfaceMatch } from './rule.js';

/** One compiled `[!] -i NAME[+]` test. */
export class IfaceTest {
  private readonly name: string;
  private readonly prefix: boolean;
  private readonly invert: boolean;
  private lastName: string | undefined = undefined;
  private lastAnswer = false;

  constructor(m: IfaceMatch) {
    this.invert = m.invert;
    this.prefix = m.name.endsWith('+');
    this.name = this.prefix ? m.name.slice(0, -1) : m.name;
  }

  /** Whether device `dev` (undefined: the hook has none) satisfies the test. */
  test(dev: string | undefined): boolean {
    if (dev !== this.lastName || dev === undefined) {
      this.lastName = dev;
      this.lastAnswer = this.matches(dev);
    }
    return this.lastAnswer;
  }

  private matches(dev: string | undefined): boolean {
    // No device never matches a name, except the bare `+` (any name, even none).
    const hit = this.prefix ? this.name === '' || dev?.startsWith(this.name) === true : dev === this.name;
    return hit !== this.invert;
  }
}
