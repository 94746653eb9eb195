import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HostLocalStore } from '../../src/cni/index.js';
import { formatIp4, type Ip4, networkOf } from '../../src/wire/index.js';
import { flannelDelegate, mustLoad } from './helpers.js';

type Op = { readonly kind: 'add' } | { readonly kind: 'del'; readonly pick: number };

const arbCase = fc
  .record({
    prefixLen: fc.integer({ min: 26, max: 30 }),
    base: fc.integer({ min: 0, max: 0xffffffff }),
    gatewayOffset: fc.option(fc.nat(), { nil: undefined }),
    ops: fc.array(
      fc.oneof(
        { weight: 3, arbitrary: fc.constant<Op>({ kind: 'add' }) },
        { weight: 2, arbitrary: fc.nat().map((pick): Op => ({ kind: 'del', pick })) },
      ),
      { maxLength: 150 },
    ),
  })
  .map(({ prefixLen, base, gatewayOffset, ops }) => {
    const network = networkOf(base, prefixLen);
    const size = 2 ** (32 - prefixLen);
    // A configured gateway anywhere between the network and broadcast addresses.
    const gateway = gatewayOffset === undefined ? network + 1 : network + 1 + (gatewayOffset % (size - 2));
    return { network, prefixLen, size, gateway, configured: gatewayOffset !== undefined, ops };
  });

/**
 * The reference: candidates are rangeStart..rangeEnd in order, minus the gateway; ADD takes the first
 * free one at or after the position following the last address handed out, wrapping once.
 */
class RoundRobinModel {
  readonly held = new Map<Ip4, string>();
  last: Ip4 | undefined;
  readonly #all: Ip4[];

  constructor(
    start: Ip4,
    end: Ip4,
    readonly gateway: Ip4,
  ) {
    this.#all = [];
    for (let ip = start; ip <= end; ip++) this.#all.push(ip);
  }

  add(cid: string): Ip4 | undefined {
    const n = this.#all.length;
    const from = this.last === undefined ? 0 : this.#all.indexOf(this.last) + 1;
    for (let k = 0; k < n; k++) {
      const ip = this.#all[(from + k) % n];
      if (ip !== undefined && ip !== this.gateway && !this.held.has(ip)) {
        this.held.set(ip, cid);
        this.last = ip;
        return ip;
      }
    }
    return undefined;
  }

  del(cid: string): void {
    for (const [ip, holder] of this.held) if (holder === cid) this.held.delete(ip);
  }
}

describe('host-local properties', () => {
  it('any ADD/DEL sequence follows the round-robin model and keeps the directory consistent', () => {
    fc.assert(
      fc.property(arbCase, ({ network, prefixLen, size, gateway, configured, ops }) => {
        const subnet = `${formatIp4(network)}/${prefixLen}`;
        const range = configured ? { subnet, gateway: formatIp4(gateway) } : { subnet };
        const config = mustLoad(flannelDelegate(subnet, { ranges: [[range]] }));
        const broadcast = network + size - 1;
        const store = new HostLocalStore('cbr0');
        const model = new RoundRobinModel(network + 1, broadcast - 1, gateway);
        const live: string[] = [];
        let next = 0;
        for (const op of ops) {
          if (op.kind === 'add') {
            const cid = `c${next++}`;
            const want = model.add(cid);
            const r = store.allocate(config, cid, 'eth0');
            if (want === undefined) {
              expect(r.ok).toBe(false);
              continue;
            }
            expect(r.ok && r.value.ips.map((ip) => ip.address)).toEqual([want]);
            expect([gateway, network, broadcast]).not.toContain(want);
            live.push(cid);
          } else {
            // Sometimes a container that was never added: DEL must still succeed quietly.
            const cid =
              live.length === 0 || op.pick % 5 === 0 ? `ghost${op.pick}` : live[op.pick % live.length];
            if (cid === undefined) continue;
            store.release(cid, 'eth0');
            model.del(cid);
            live.splice(live.indexOf(cid), 1);
            expect(store.listFiles().some((f) => f.content === `${cid}\r\neth0`)).toBe(false);
          }
          // The address files are exactly the model's reservations, one container per address.
          const reserved = store.listFiles().filter((f) => /^\d/.test(f.name));
          const expected = [...model.held].map(([ip, cid]) => ({
            name: formatIp4(ip),
            content: `${cid}\r\neth0`,
          }));
          expect(reserved).toEqual(expect.arrayContaining(expected));
          expect(reserved).toHaveLength(expected.length);
          const cursor = store.listFiles().find((f) => f.name === 'last_reserved_ip.0');
          expect(cursor?.content).toBe(model.last === undefined ? undefined : formatIp4(model.last));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('after DEL of everything, the next ADD continues after the last reserved address', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 26, max: 30 }), (adds, prefixLen) => {
        const usable = 2 ** (32 - prefixLen) - 3;
        const n = Math.min(adds, usable);
        const config = mustLoad(flannelDelegate(`10.244.1.0/${prefixLen}`));
        const store = new HostLocalStore('cbr0');
        for (let i = 0; i < n; i++) store.allocate(config, `c${i}`, 'eth0');
        for (let i = 0; i < n; i++) store.release(`c${i}`, 'eth0');
        const r = store.allocate(config, 'again', 'eth0');
        // .2 … .(n+1) were used; the next is .(n+2), or .2 again after wrapping past the range end.
        const expected = n === usable ? 2 : n + 2;
        expect(r.ok && r.value.ips[0]?.address).toBe(0x0af40100 + expected);
      }),
    );
  });
});
