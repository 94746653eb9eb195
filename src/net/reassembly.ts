import { type Sim, Timer } from '../sim/index.js';
import { IP_FLAG_MF, type Ip4, type Ipv4Packet, reassemble } from '../wire/index.js';
import { IP } from './defaults.js';

interface FragQueue {
  readonly frags: Ipv4Packet[];
  readonly timer: Timer;
}

/**
 * ip_defrag: fragments wait per (src, dst, protocol, id) until all have arrived, then the whole datagram
 * is handed on. A queue left incomplete for ipfrag_time (30 s) is dropped; `expired` reports its first
 * fragment so the stack can send ICMP time exceeded (code 1) as ip_expire does.
 */
export class Reassembly {
  private queuesMap: Map<string, FragQueue> | undefined;
  private get queues(): Map<string, FragQueue> {
    this.queuesMap ??= new Map();
    return this.queuesMap;
  }

  constructor(
    private readonly sim: Sim,
    private readonly expired: (first: Ipv4Packet | undefined) => void,
  ) {}

  /** Adds a fragment; returns the reassembled packet when it completes the datagram. */
  add(frag: Ipv4Packet): Ipv4Packet | undefined {
    const key = fragKey(frag.src, frag.dst, frag.protocol, frag.id);
    let q = this.queues.get(key);
    if (q === undefined) {
      const timer = new Timer(this.sim, () => {
        this.queues.delete(key);
        this.expired(q?.frags.find((f) => f.fragOffset === 0));
      });
      q = { frags: [], timer };
      this.queues.set(key, q);
      timer.start(IP.fragTimeNs);
    }
    q.frags.push(frag);
    if (!complete(q.frags)) return undefined;
    q.timer.cancel();
    this.queues.delete(key);
    const whole = reassemble(q.frags);
    return whole.ok ? whole.value : undefined;
  }
}

function fragKey(src: Ip4, dst: Ip4, protocol: number, id: number): string {
  return `${src}/${dst}/${protocol}/${id}`;
}

/** True when the fragments cover offset 0 through a last fragment (MF clear) without holes. */
function complete(frags: readonly Ipv4Packet[]): boolean {
  const sorted = [...frags].sort((a, b) => a.fragOffset - b.fragOffset);
  let next = 0;
  let sawLast = false;
  for (const f of sorted) {
    const start = f.fragOffset * 8;
    if (start > next) return false;
    const end = start + f.totalLength - 20 - f.options.length;
    if (end > next) next = end;
    if ((f.flags & IP_FLAG_MF) === 0) sawLast = true;
  }
  return sawLast;
}
