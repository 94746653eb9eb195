/**
 * Seeded pseudo-random streams. Every consumer asks the simulator for a stream by a stable name
 * (`node1/neigh`, `rack1/switch`); the stream's state derives from the cluster seed and that name only,
 * so adding a node never changes the draws of another part (ns-3 AssignStreams, Deno std random/seeded).
 *
 * Generator: xoshiro128** (Blackman & Vigna), 32-bit arithmetic only, seeded through splitmix32.
 * Written here rather than taken from a package so that a dependency upgrade can never change a run.
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /**
   * Builds a stream from a 32-bit seed and a stream name: four splitmix32 outputs of the name's hash.
   * The state is kept as signed 32-bit numbers (the same bits: every use goes through ToInt32 or
   * `>>>`), which stay small integers instead of heap numbers; a pod namespace opens a few streams.
   */
  constructor(seed: number, name: string) {
    const x = hashName(name, seed >>> 0);
    this.a = splitmix32(x + GOLDEN);
    this.b = splitmix32(x + 2 * GOLDEN);
    this.c = splitmix32(x + 3 * GOLDEN);
    this.d = splitmix32(x + 4 * GOLDEN);
    if ((this.a | this.b | this.c | this.d) === 0) this.d = 1;
  }

  /** Next uniformly distributed unsigned 32-bit integer. */
  u32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** Uniform float in [0, 1) with 32 bits of precision. */
  float(): number {
    return this.u32() / 4294967296;
  }

  /** Uniform integer in [lo, hi], both inclusive, without modulo bias. */
  int(lo: number, hi: number): number {
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || hi < lo) {
      throw new RangeError(`Rng.int(${lo}, ${hi}): bounds must be integers with lo <= hi`);
    }
    const span = hi - lo + 1;
    if (span > 4294967296) throw new RangeError(`Rng.int(${lo}, ${hi}): span above 2^32`);
    if (span === 4294967296) return lo + this.u32();
    // 2^32 mod span as (2^32 - span) mod span on unsigned 32-bit values: the same number, without a
    // floating-point remainder (a scheduling cycle draws once per tied node).
    const limit = 4294967296 - (((4294967296 - span) >>> 0) % span);
    let v = this.u32();
    while (v >= limit) v = this.u32();
    return lo + (v % span);
  }

  /** A random locally administered unicast MAC (as Linux's eth_random_addr), as a 48-bit number. */
  mac(): number {
    const hi = (this.u32() & 0xfeff) | 0x0200; // clear multicast bit, set locally-administered bit
    return hi * 4294967296 + this.u32();
  }
}

/** splitmix32's increment (2^32 / golden ratio). */
const GOLDEN = 0x9e3779b9;

/** splitmix32's output for the counter value `x` (taken mod 2^32), as a signed 32-bit number. */
function splitmix32(x: number): number {
  let z = x | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return z ^ (z >>> 16);
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** FNV-1a over the UTF-16 code units of `name`, started from the seed. */
function hashName(name: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
