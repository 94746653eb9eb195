/** Runs the real tshark on files the tests wrote; tests skip with a message when it is not installed. */
import { spawnSync } from 'node:child_process';

/** True when `tshark` runs from PATH. */
export const haveTshark: boolean = spawnSync('tshark', ['--version'], { encoding: 'utf8' }).status === 0;

/** Why tshark tests are skipped, for describe titles. */
export const tsharkSkipNote = haveTshark
  ? ''
  : ' (SKIPPED: tshark is not on PATH; install wireshark-common/tshark)';

/** tshark with `args`; returns stdout, throws with stderr on a non-zero exit. */
export function tshark(args: readonly string[]): string {
  const r = spawnSync('tshark', args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`tshark ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** Verbose dissection with every checksum check tshark offers for IPv4, UDP and TCP turned on (ICMP always checks). */
export function tsharkVerbose(file: string, extra: readonly string[] = []): string {
  return tshark([
    ...extra,
    '-r',
    file,
    '-o',
    'ip.check_checksum:TRUE',
    '-o',
    'udp.check_checksum:TRUE',
    '-o',
    'tcp.check_checksum:TRUE',
    '-V',
  ]);
}

/** Lines of a verbose dissection that signal a broken packet: malformed, bad or incorrect checksums. */
export function problems(verbose: string): string[] {
  return verbose.split('\n').filter((l) => /Malformed|\[Bad|incorrect|Checksum Status: Bad/i.test(l));
}

/** `-T fields` output as rows of columns. */
export function fields(file: string, names: readonly string[], filter?: string): string[][] {
  const display = filter === undefined ? [] : ['-Y', filter];
  const out = tshark(['-r', file, ...display, '-T', 'fields', ...names.flatMap((n) => ['-e', n])]);
  return out
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => l.split('\t'));
}
