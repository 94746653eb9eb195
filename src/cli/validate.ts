import { formatIp4 } from '../topology/index.js';
import { loadOrFail } from './load.js';
import type { Output } from './output.js';

/** `podwire validate FILE`: a one-line summary when the file is good; the issues (exit 2) when not. */
export function validateCommand(file: string, io: Output): number {
  const t = loadOrFail(file);
  const s = t.scenario;
  const routers = t.routers.map((r) => `${r.name} (${r.interfaces.map((i) => formatIp4(i.ip)).join(', ')})`);
  io.out(
    `${file}: ok — ${t.nodes.length} node(s) on ${t.segments.length} segment(s)` +
      `${routers.length > 0 ? `, router ${routers.join(', router ')}` : ''}` +
      `${t.hosts.length > 0 ? `, host ${t.hosts.map((h) => `${h.name} (${formatIp4(h.ip)})`).join(', host ')}` : ''}` +
      `${t.pods.length > 0 ? `, ${t.pods.length} pod(s)` : ''}` +
      `${t.services.length > 0 ? `, ${t.services.length} service(s)` : ''}; ` +
      `scenario: ${s.steps.length} step(s), ${s.expectations.length} expectation(s); seed ${t.seed}`,
  );
  return 0;
}
