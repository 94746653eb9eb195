/**
 * HostLocalStore answers GetByID and ReleaseByID from an index of the address files, scans the few other
 * files (`lock`, `last_reserved_ip.N`) apart, and keeps the last-reserved address it wrote decoded. This
 * checks all of that against a plain model of the disk backend that walks every file, as the Go code does
 * (backend/disk/backend.go GetByID, ReleaseByID/ReleaseByKey, LastReservedIP), with the awkward IDs:
 * empty, padded with spaces, equal to an address's text, and interface names with trailing spaces.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HostLocalStore } from '../../src/cni/index.js';
import { formatIp4, type Ip4, parseIp4 } from '../../src/wire/index.js';
import { flannelDelegate, mustLoad } from './helpers.js';

const NET = 0x0af40100; // 10.244.1.0/28: .1 is the gateway, .2 – .14 are handed out
const FIRST = NET + 2;
const LAST = NET + 14;
const LB = '\r\n';

/** The state directory as plain files, with the Go code's whole-directory walks. */
class DiskModel {
  readonly files = new Map<string, string>();

  allocate(id: string, ifname: string): Ip4 | undefined {
    this.files.set('lock', '');
    const exact = id.trim() + LB + ifname;
    for (const [name, content] of this.files) {
      const c = content.trim();
      if ((c === exact || c === id.trim()) && parseIp4(name) !== undefined) return undefined; // duplicate
    }
    const lastText = this.files.get('last_reserved_ip.0');
    const last = lastText === undefined ? undefined : parseIp4(lastText);
    const count = LAST - FIRST + 1;
    const from = last === undefined || last < FIRST || last > LAST ? 0 : last - FIRST + 1;
    for (let k = 0; k < count; k++) {
      const ip = FIRST + ((from + k) % count);
      if (this.files.has(formatIp4(ip))) continue;
      this.files.set(formatIp4(ip), exact);
      this.files.set('last_reserved_ip.0', formatIp4(ip));
      return ip;
    }
    return undefined;
  }

  release(id: string, ifname: string): void {
    this.files.set('lock', '');
    if (!this.releaseByKey(id.trim() + LB + ifname)) this.releaseByKey(id.trim());
  }

  private releaseByKey(match: string): boolean {
    let found = false;
    for (const [name, content] of [...this.files]) {
      if (content.trim() !== match) continue;
      this.files.delete(name);
      found = true;
    }
    return found;
  }

  listing(): { name: string; content: string }[] {
    return [...this.files.entries()]
      .map(([name, content]) => ({ name, content }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}

const arbId = fc.constantFrom('a', 'b', ' a ', '', '  ', '10.244.1.2', '10.244.1.3', 'c', 'lock');
const arbIfname = fc.constantFrom('eth0', 'eth1', 'eth0 ', '');
const arbOp = fc.record({ add: fc.boolean(), id: arbId, ifname: arbIfname });

describe('host-local index', () => {
  it('ADD and DEL leave the same files and hand out the same addresses as a full directory walk', () => {
    const config = mustLoad(flannelDelegate('10.244.1.0/28'));
    fc.assert(
      fc.property(fc.array(arbOp, { maxLength: 60 }), (ops) => {
        const store = new HostLocalStore('cbr0');
        const model = new DiskModel();
        for (const op of ops) {
          if (op.add) {
            const want = model.allocate(op.id, op.ifname);
            const r = store.allocate(config, op.id, op.ifname);
            expect(r.ok ? r.value.ips[0]?.address : undefined).toBe(want);
          } else {
            model.release(op.id, op.ifname);
            store.release(op.id, op.ifname);
          }
          expect(store.listFiles()).toEqual(model.listing());
        }
      }),
      { numRuns: 400 },
    );
  });

  it('an ID equal to the last reserved address releases that file, and the next ADD starts over', () => {
    const config = mustLoad(flannelDelegate('10.244.1.0/28'));
    const store = new HostLocalStore('cbr0');
    store.allocate(config, 'a', 'eth0'); // .2
    store.allocate(config, 'b', 'eth0'); // .3, last_reserved_ip.0 = 10.244.1.3
    store.release('10.244.1.3', 'eth0'); // matches no address file, then the bare ID matches the cursor
    expect(store.listFiles().map((f) => f.name)).toEqual(['10.244.1.2', '10.244.1.3', 'lock']);
    const r = store.allocate(config, 'c', 'eth0');
    expect(r.ok && r.value.ips[0]?.address).toBe(NET + 4); // no cursor: the first free from the start
  });
});
