/**
 * Prints a markdown transcript of every command the router-lab observation runs, verbatim (not
 * normalised), followed by the normalised RouterObservation as JSON. Used to write OBSERVED.md:
 *
 *   sudo npx tsx test/kernel/observe.ts > /tmp/observed.md
 */
import { kernelAvailable, withLab } from './netns.js';
import { buildRouterLab, observeKernel } from './router-lab.js';

const avail = kernelAvailable();
if (!avail.ok) {
  console.error(`kernel observation skipped: ${avail.reason}`);
  process.exit(1);
}

const blocks: string[] = [];
const observation = await withLab(async (lab) => {
  buildRouterLab(lab);
  return observeKernel(lab, (ns, command, result) => {
    const stderr = result.stderr === '' ? '' : `--- stderr ---\n${result.stderr}`;
    blocks.push(`${ns}$ ${command}    # exit ${result.status}\n${result.stdout}${stderr}`);
  });
});
for (const block of blocks) console.log(`\`\`\`\n${block}\`\`\`\n`);
console.log(`\`\`\`json\n${JSON.stringify(observation, null, 2)}\n\`\`\``);
