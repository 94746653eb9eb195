/**
 * A small harness for kernel-comparison tests: builds throwaway network namespaces, wires them with
 * veth pairs and bridges, runs commands inside them, and removes everything it made.
 *
 * Safety rules this file keeps:
 * - every namespace carries a per-run prefix (`pw<pid>x<n>-`), so names never collide with anything else;
 * - nothing is ever created in the root namespace: veth pairs are created with `ip -n NS … peer … netns NS2`,
 *   bridges inside a namespace;
 * - `cleanup()` deletes only the namespaces this `Lab` created (recorded after a successful `ip netns add`)
 *   and kills only the processes still running inside them, by pid. A process exit hook runs the same
 *   cleanup as a last resort.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export type KernelAvailability = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** Result of a command that may fail (ping returns 1 when no reply arrives). */
export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly status: number;
}

/** Extra input for `Lab.run`: data for the command's stdin, variables added to its environment. */
export interface RunOptions {
  readonly input?: string;
  readonly env?: Readonly<Record<string, string>>;
}

/** The binaries the kernel labs call, with the Debian package that provides each. */
const REQUIRED_BINARIES: readonly (readonly [binary: string, apt: string])[] = [
  ['ip', 'iproute2'],
  ['ping', 'iputils-ping'],
  ['traceroute', 'traceroute'],
];

/** Commands inside a lab never run longer than this (a stuck ping must not hang the suite). */
const COMMAND_TIMEOUT_MS = 30_000;

function findBinary(name: string): string | undefined {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter), '/usr/sbin', '/sbin', '/usr/bin', '/bin'];
  for (const dir of dirs) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

function errorText(err: unknown): string {
  if (err instanceof Error) {
    const stderr = (err as Error & { stderr?: unknown }).stderr;
    const detail =
      typeof stderr === 'string' ? stderr.trim() : Buffer.isBuffer(stderr) ? stderr.toString().trim() : '';
    return detail === '' ? err.message.split('\n')[0]! : detail.split('\n')[0]!;
  }
  return String(err);
}

let cachedAvailability: KernelAvailability | undefined;

/**
 * Can this process build namespace labs? Checks, in order: the PODWIRE_NO_KERNEL opt-out, Linux, root,
 * the binaries, and finally a real probe (a throwaway namespace holding a bridge and a veth pair, deleted
 * again) — `ip netns list` alone succeeds in containers that cannot create namespaces.
 */
export function kernelAvailable(): KernelAvailability {
  cachedAvailability ??= probeKernel();
  return cachedAvailability;
}

function probeKernel(): KernelAvailability {
  if ((process.env['PODWIRE_NO_KERNEL'] ?? '') !== '') return { ok: false, reason: 'PODWIRE_NO_KERNEL set' };
  if (process.platform !== 'linux') return { ok: false, reason: `not Linux (${process.platform})` };
  const uid = process.getuid?.();
  if (uid !== 0) return { ok: false, reason: `not root (uid ${uid ?? 'unknown'})` };
  const missing = REQUIRED_BINARIES.filter(([bin]) => findBinary(bin) === undefined);
  if (missing.length > 0) {
    const names = missing.map(([bin]) => bin).join(', ');
    const pkgs = missing.map(([, apt]) => apt).join(' ');
    return { ok: false, reason: `missing binaries: ${names} (apt-get install -y ${pkgs})` };
  }
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'pipe' });
  } catch (err) {
    return { ok: false, reason: `ip netns does not work: ${errorText(err)}` };
  }
  const probe = new Lab('pwprobe');
  try {
    probe.addNs('p');
    probe.bridge('p', 'br0');
    probe.veth('p', 'va', 'p', 'vb');
    return { ok: true };
  } catch (err) {
    return { ok: false, reason: `cannot build a namespace lab: ${errorText(err)}` };
  } finally {
    probe.cleanup();
  }
}

/** Where Debian's containernetworking-plugins installs the CNI plugin binaries. */
export const CNI_BIN_DIR = '/usr/lib/cni';

let cachedCniAvailability: KernelAvailability | undefined;

/**
 * Can this process run the real CNI plugins in a namespace lab? Everything kernelAvailable() checks, plus
 * the bridge and host-local plugins in CNI_BIN_DIR and tshark (the lab captures on cni0).
 */
export function cniAvailable(): KernelAvailability {
  cachedCniAvailability ??= probeCni();
  return cachedCniAvailability;
}

function probeCni(): KernelAvailability {
  const kernel = kernelAvailable();
  if (!kernel.ok) return kernel;
  for (const plugin of ['bridge', 'host-local']) {
    try {
      accessSync(join(CNI_BIN_DIR, plugin), constants.X_OK);
    } catch {
      return {
        ok: false,
        reason: 'containernetworking-plugins not installed (apt-get install -y containernetworking-plugins)',
      };
    }
  }
  if (findBinary('tshark') === undefined) {
    return { ok: false, reason: 'missing binaries: tshark (apt-get install -y tshark)' };
  }
  return { ok: true };
}

interface VethEnd {
  readonly ns: string;
  readonly ifname: string;
}

let labCounter = 0;
const liveLabs = new Set<Lab>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort when a test run dies between setup and afterAll: 'exit' handlers may only do sync work,
  // which is all cleanup() does.
  const cleanupAll = (): void => {
    for (const lab of liveLabs) lab.cleanup();
  };
  process.on('exit', cleanupAll);
  // A signal ends the process without 'exit': clean up, then die of the same signal as before.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      cleanupAll();
      process.kill(process.pid, signal);
    });
  }
}

/**
 * A set of namespaces built for one test. Namespace names given to methods are short lab-local names
 * (`node1`); the real namespace is `prefix + name`.
 */
export class Lab {
  readonly prefix: string;
  private readonly created: string[] = [];
  private readonly peers = new Map<string, VethEnd>();
  private readonly children = new Set<ChildProcess>();

  constructor(tag = 'pw') {
    labCounter += 1;
    this.prefix = `${tag}${process.pid}x${labCounter}-`;
    liveLabs.add(this);
    installExitHook();
  }

  /** Lab-local names of the namespaces created so far, in creation order. */
  get namespaces(): readonly string[] {
    return this.created.map((full) => full.slice(this.prefix.length));
  }

  /** The real namespace name of a lab-local one. */
  nsName(ns: string): string {
    return this.prefix + ns;
  }

  /** Creates a namespace and brings its loopback up. */
  addNs(name: string): void {
    const full = this.nsName(name);
    // `ip netns add` fails if the name exists, so a namespace that is not ours is never recorded.
    execFileSync('ip', ['netns', 'add', full], { stdio: 'pipe' });
    this.created.push(full);
    this.ip(name, ['link', 'set', 'lo', 'up']);
  }

  /** Runs `ip -n NS ARGS…`; throws on failure. */
  ip(ns: string, args: readonly string[]): string {
    this.assertOwn(ns);
    return execFileSync('ip', ['-n', this.nsName(ns), ...args], {
      encoding: 'utf8',
      stdio: 'pipe',
      timeout: COMMAND_TIMEOUT_MS,
    });
  }

  /** Runs a command inside a namespace (`ip netns exec`) and returns stdout; throws on a non-zero exit. */
  exec(ns: string, cmd: readonly string[]): string {
    this.assertOwn(ns);
    return execFileSync('ip', ['netns', 'exec', this.nsName(ns), ...cmd], {
      encoding: 'utf8',
      stdio: 'pipe',
      timeout: COMMAND_TIMEOUT_MS,
    });
  }

  /**
   * Like exec, but returns the exit status with both streams instead of throwing on a non-zero exit.
   * `opts.input` is written to the command's stdin; `opts.env` is added to this process's environment.
   */
  run(ns: string, cmd: readonly string[], opts: RunOptions = {}): RunResult {
    this.assertOwn(ns);
    const res = spawnSync('ip', ['netns', 'exec', this.nsName(ns), ...cmd], {
      encoding: 'utf8',
      stdio: 'pipe',
      timeout: COMMAND_TIMEOUT_MS,
      ...(opts.input === undefined ? {} : { input: opts.input }),
      ...(opts.env === undefined ? {} : { env: { ...process.env, ...opts.env } }),
    });
    if (res.error !== undefined) throw res.error;
    if (res.status === null) throw new Error(`${cmd.join(' ')} in ${ns} killed by ${res.signal ?? 'signal'}`);
    return { stdout: res.stdout, stderr: res.stderr, status: res.status };
  }

  /**
   * Starts a command inside a namespace without waiting for it (a capture running while pings are sent).
   * stdin is closed, stdout and stderr are pipes. cleanup() kills it (by pid) if it is still running.
   */
  background(ns: string, cmd: readonly string[]): ChildProcess {
    this.assertOwn(ns);
    const child = spawn('ip', ['netns', 'exec', this.nsName(ns), ...cmd], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    return child;
  }

  /**
   * Creates a veth pair with one end in each namespace (created directly there — never in the root
   * namespace) and brings both ends up.
   */
  veth(nsA: string, ifA: string, nsB: string, ifB: string, opts: { mtu?: number } = {}): void {
    this.assertOwn(nsA);
    this.assertOwn(nsB);
    const mtu = opts.mtu === undefined ? [] : ['mtu', String(opts.mtu)];
    this.ip(nsA, [
      'link',
      'add',
      ifA,
      ...mtu,
      'type',
      'veth',
      'peer',
      'name',
      ifB,
      ...mtu,
      'netns',
      this.nsName(nsB),
    ]);
    this.peers.set(`${nsA}/${ifA}`, { ns: nsB, ifname: ifB });
    this.peers.set(`${nsB}/${ifB}`, { ns: nsA, ifname: ifA });
    this.ip(nsA, ['link', 'set', ifA, 'up']);
    this.ip(nsB, ['link', 'set', ifB, 'up']);
  }

  /** The other end of a veth created by this lab, as `ns/ifname`. */
  vethPeer(ns: string, ifname: string): VethEnd | undefined {
    return this.peers.get(`${ns}/${ifname}`);
  }

  /** Creates a Linux bridge inside a namespace and brings it up. */
  bridge(ns: string, name: string): void {
    this.ip(ns, ['link', 'add', name, 'type', 'bridge']);
    this.ip(ns, ['link', 'set', name, 'up']);
  }

  /** Enslaves an interface to a bridge in the same namespace. */
  attach(ns: string, ifname: string, bridge: string): void {
    this.ip(ns, ['link', 'set', ifname, 'master', bridge]);
  }

  /** Adds an address (`192.168.56.11/24`) to an interface. */
  addr(ns: string, ifname: string, cidr: string): void {
    this.ip(ns, ['addr', 'add', cidr, 'dev', ifname]);
  }

  /** Sets a sysctl inside a namespace (`net.ipv4.ip_forward`, `1`). */
  sysctl(ns: string, key: string, value: string): void {
    this.exec(ns, ['sysctl', '-q', '-w', `${key}=${value}`]);
  }

  /**
   * Kills the background commands it started and processes still running in this lab's namespaces (by
   * pid, as listed by `ip netns pids`) and deletes the namespaces — which also deletes every veth and
   * bridge inside them. Idempotent; never throws.
   */
  cleanup(): void {
    for (const child of this.children) {
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    this.children.clear();
    for (const full of [...this.created].reverse()) {
      try {
        const pids = execFileSync('ip', ['netns', 'pids', full], { encoding: 'utf8', stdio: 'pipe' })
          .split('\n')
          .map((s) => Number.parseInt(s, 10))
          .filter((pid) => Number.isInteger(pid) && pid > 0 && pid !== process.pid);
        for (const pid of pids) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
      } catch {
        // the namespace may already be gone
      }
      try {
        execFileSync('ip', ['netns', 'del', full], { stdio: 'pipe' });
      } catch {
        // already deleted
      }
    }
    this.created.length = 0;
    this.peers.clear();
    liveLabs.delete(this);
  }

  private assertOwn(ns: string): void {
    if (!this.created.includes(this.nsName(ns))) throw new Error(`namespace ${ns} is not part of this lab`);
  }
}

/**
 * Runs a capture (`tshark -i … -a duration:SECONDS`) in `ns` in the background and returns once it
 * really captures, `settleMs` after tshark said so. `done()` waits for it to end (at most SECONDS + 10 s).
 */
export async function startCapture(
  lab: Lab,
  ns: string,
  argv: readonly string[],
  seconds: number,
  settleMs: number,
): Promise<{ done: () => Promise<{ exitCode: number | null; stderr: string }> }> {
  const tshark = lab.background(ns, argv);
  let stderr = '';
  tshark.stderr?.setEncoding('utf8');
  tshark.stderr?.on('data', (chunk: string) => {
    stderr += chunk;
  });
  tshark.stdout?.resume();
  const exited = once(tshark, 'exit');
  const started = Date.now();
  while (!stderr.includes('Capturing on') && tshark.exitCode === null && Date.now() - started < 10_000) {
    await sleep(20);
  }
  if (!stderr.includes('Capturing on')) throw new Error(`tshark did not start: ${stderr.trim()}`);
  // "Capturing on" comes before dumpcap really captures; tshark 4 logs "Capture started." a little later.
  while (!stderr.includes('Capture started') && tshark.exitCode === null && Date.now() - started < 2_000) {
    await sleep(20);
  }
  await sleep(settleMs);
  return {
    done: async () => {
      const [exitCode] = (await Promise.race([
        exited,
        sleep((seconds + 10) * 1000, undefined, { ref: false }).then(() => [null]),
      ])) as [number | null];
      return { exitCode, stderr };
    },
  };
}

/** Builds a lab, hands it to `fn`, and always cleans it up afterwards. */
export async function withLab<T>(fn: (lab: Lab) => T | Promise<T>): Promise<T> {
  const lab = new Lab();
  try {
    return await fn(lab);
  } finally {
    lab.cleanup();
  }
}
