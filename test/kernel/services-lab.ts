/**
 * The services lab: one flannel-shaped node running podwire's kube-proxy ruleset (iptables mode), and
 * the connections whose DNAT target and masquerade decision the kernel and the simulator must agree on.
 *
 *   ext 192.168.56.1 ─┐                      node1: eth0 192.168.56.11/24, cni0 10.244.1.1/24 (hairpin on)
 *   node1 .11 ────────┼─ [bridge br0]          ├─ vethpa ─ pa 10.244.1.2 (client pod)
 *   node2 .12 ────────┘   in `underlay`        └─ vethpb ─ pb 10.244.1.3 (endpoint pod: tcp 8080, udp 5353)
 *
 * node2 stands in for the rest of the cluster: it holds the remote endpoint 10.244.2.2 on its eth0 and
 * node1 reaches 10.244.2.0/24 through it (a host-gw route), so the remote endpoint needs no overlay.
 * node1 forwards (ip_forward=1), calls iptables for bridged IPv4 (bridge-nf-call-iptables=1, kube-proxy's
 * requirement) and has a default route via ext, as a node has one for Service IPs to be routed at all.
 *
 * This file is the kernel side: it builds the namespaces, loads the ruleset with iptables-restore, runs
 * the servers and clients (Python) and reads conntrack and counters. The Services, the connections and
 * the observation records are in services-cases.ts; services-sim.ts is the simulator side.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Lab, RunResult } from './netns.js';
import type { Transcript } from './router-lab.js';
import {
  CASES,
  type CaseObservation,
  CLIENT_ADDR,
  CLIENT_TIMEOUT_S,
  CNI0,
  caseObservation,
  EXT,
  type IcmpSeen,
  NODE_SYSCTLS,
  NODE1,
  NODE2,
  nodeSave,
  PB,
  PODS,
  REMOTE,
  type ServicesObservation,
} from './services-cases.js';

/** Builds the namespaces (see the file comment). */
export function buildServicesLab(lab: Lab): void {
  for (const ns of ['underlay', 'ext', 'node1', 'node2', 'pa', 'pb']) lab.addNs(ns);
  lab.bridge('underlay', 'br0');
  for (const host of ['ext', 'node1', 'node2']) {
    lab.veth(host, 'eth0', 'underlay', host);
    lab.attach('underlay', host, 'br0');
  }
  lab.addr('ext', 'eth0', `${EXT}/24`);
  lab.ip('ext', ['route', 'add', '10.96.0.0/12', 'via', NODE1]);
  lab.addr('node2', 'eth0', `${NODE2}/24`);
  lab.addr('node2', 'eth0', `${REMOTE}/32`);
  lab.ip('node2', ['route', 'add', '10.244.1.0/24', 'via', NODE1]);
  lab.addr('node1', 'eth0', `${NODE1}/24`);
  lab.bridge('node1', 'cni0');
  lab.addr('node1', 'cni0', `${CNI0}/24`);
  for (const p of PODS) {
    lab.veth(p.ns, 'eth0', 'node1', p.veth);
    lab.attach('node1', p.veth, 'cni0');
    lab.ip('node1', ['link', 'set', p.veth, 'type', 'bridge_slave', 'hairpin', 'on']);
    lab.addr(p.ns, 'eth0', `${p.ip}/24`);
    lab.ip(p.ns, ['route', 'add', 'default', 'via', CNI0]);
  }
  lab.ip('node1', ['route', 'add', '10.244.2.0/24', 'via', NODE2]);
  lab.ip('node1', ['route', 'add', 'default', 'via', EXT]);
  for (const [key, value] of NODE_SYSCTLS) lab.sysctl('node1', key, value);
}

/** Both endpoints' server: TCP 8080 on every address, UDP 5353 on argv[1] (if given); answers `local= peer=`. */
const SERVER_PY = `
import socket, sys, threading
def answer(l, p): return ('local=%s:%d peer=%s:%d\\n' % (l[0], l[1], p[0], p[1])).encode()
def udp(addr):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind((addr, 5353))
    while True:
        data, peer = u.recvfrom(2048); u.sendto(answer(u.getsockname(), peer), peer)
if len(sys.argv) > 1: threading.Thread(target=udp, args=(sys.argv[1],), daemon=True).start()
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('0.0.0.0', 8080)); s.listen(64)
while True:
    c, peer = s.accept(); c.settimeout(3)
    try:
        c.recv(2048); c.sendall(answer(c.getsockname(), peer))
    except OSError: pass
    c.close()
`;

/**
 * One connection: bind the source port, connect (TCP) or send (UDP), send the case's name, read the answer
 * to the end; then every ICMP error a raw socket opened beforehand received. Prints one JSON object.
 */
const CLIENT_PY = `
import socket, json, sys, errno, struct
a = json.loads(sys.argv[1])
raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
out = {'outcome': '', 'body': None, 'icmp': []}
try:
    if a['proto'] == 'tcp':
        s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(('0.0.0.0', a['sport'])); s.settimeout(a['timeout'])
    s.connect((a['dst'], a['dport'])); s.send(a['tag'].encode())
    data = b''
    while True:
        chunk = s.recv(2048); data += chunk
        if a['proto'] == 'udp' or not chunk: break
    out['outcome'] = 'reply'; out['body'] = data.decode()
except socket.timeout:
    out['outcome'] = 'timeout'
except OSError as e:
    out['outcome'] = errno.errorcode.get(e.errno, str(e.errno))
raw.setblocking(False)
while True:
    try: p = raw.recv(2048)
    except BlockingIOError: break
    ihl = (p[0] & 15) * 4
    if p[ihl] in (3, 11, 12):
        out['icmp'].append({'src': socket.inet_ntoa(p[12:16]), 'type': p[ihl], 'code': p[ihl + 1]})
print(json.dumps(out))
`;

interface ClientReport {
  readonly outcome: string;
  readonly body: string | null;
  readonly icmp: IcmpSeen[];
}

/** The packet counter of the MASQUERADE rule in `iptables -t nat -S KUBE-POSTROUTING -v` output (`-c P B`). */
export function masqueradePackets(text: string): number {
  const line = text.split('\n').find((l) => l.includes('-j MASQUERADE'));
  const m = line === undefined ? null : / -c (\d+) \d+ /.exec(line);
  if (m === null) throw new Error(`no MASQUERADE counter in:\n${text}`);
  return Number(m[1]);
}

/** `iptables-save` output without the `# Generated by` / `# Completed on` lines. */
export function withoutDateComments(save: string): string {
  return save
    .split('\n')
    .filter((l) => !l.startsWith('# Generated by') && !l.startsWith('# Completed on'))
    .join('\n');
}

async function waitListening(lab: Lab, ns: string, flags: string, port: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (lab.run(ns, ['ss', flags]).stdout.includes(port)) return;
    await sleep(50);
  }
  throw new Error(`${ns}: nothing listens on ${port}`);
}

/**
 * Loads podwire's ruleset into node1 with iptables-restore, prints it back with iptables-save, starts the
 * servers, then makes every connection of CASES and reads node1's conntrack entry after each.
 */
export async function observeServicesKernel(lab: Lab, transcript?: Transcript): Promise<ServicesObservation> {
  const record = (ns: string, command: string, result: RunResult): RunResult => {
    transcript?.(ns, command, result);
    return result;
  };
  const input = nodeSave();
  const restore = record(
    'node1',
    'iptables-restore < podwire-node1.save',
    lab.run('node1', ['iptables-restore'], { input }),
  );
  if (restore.status !== 0) throw new Error(`iptables-restore failed: ${restore.stderr}`);
  const save = record('node1', 'iptables-save', lab.run('node1', ['iptables-save']));
  lab.background('pb', ['python3', '-u', '-c', SERVER_PY, PB]);
  lab.background('node2', ['python3', '-u', '-c', SERVER_PY]);
  await waitListening(lab, 'pb', '-ltn', ':8080');
  await waitListening(lab, 'pb', '-lun', ':5353');
  await waitListening(lab, 'node2', '-ltn', ':8080');
  const masqCommand = ['iptables', '-t', 'nat', '-S', 'KUBE-POSTROUTING', '-v'];
  const masqueraded = (): number =>
    masqueradePackets(record('node1', masqCommand.join(' '), lab.run('node1', masqCommand)).stdout);
  let masqBefore = masqueraded();
  const cases: CaseObservation[] = [];
  for (const c of CASES) {
    const args = JSON.stringify({ ...c, tag: c.name, timeout: CLIENT_TIMEOUT_S });
    const run = record(
      c.from,
      `python3 -c "$CLIENT_PY" '${args}'`,
      lab.run(c.from, ['python3', '-c', CLIENT_PY, args]),
    );
    const report = JSON.parse(run.stdout) as ClientReport;
    const pattern = `src=${CLIENT_ADDR[c.from]} dst=${c.dst} sport=${c.sport} dport=${c.dport} `;
    const ct = record(
      'node1',
      `grep -F '${pattern}' /proc/net/nf_conntrack`,
      lab.run('node1', ['grep', '-F', pattern, '/proc/net/nf_conntrack']),
    );
    const masqAfter = masqueraded();
    const masq = masqAfter - masqBefore;
    if (masq > 1) throw new Error(`${c.name}: ${masq} packets masqueraded`);
    masqBefore = masqAfter;
    cases.push(
      caseObservation(c, report.outcome, report.body ?? undefined, masq === 1, ct.stdout, report.icmp),
    );
  }
  return { save: withoutDateComments(save.stdout), cases };
}
