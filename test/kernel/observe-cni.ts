/**
 * Prints a markdown transcript of every command the CNI-lab observation runs, verbatim (not normalised),
 * followed by the normalised CniObservation as JSON. Used to write OBSERVED-cni.md:
 *
 *   sudo npx tsx test/kernel/observe-cni.ts > /tmp/observed-cni.md
 */
import { observeCniKernel } from './cni-lab.js';
import { cniAvailable, withLab } from './netns.js';

const avail = cniAvailable();
if (!avail.ok) {
  console.error(`CNI observation skipped: ${avail.reason}`);
  process.exit(1);
}

const blocks: string[] = [];
const observation = await withLab((lab) =>
  observeCniKernel(lab, (ns, command, result) => {
    const stdout =
      result.stdout === '' || result.stdout.endsWith('\n') ? result.stdout : `${result.stdout}\n`;
    const noNewline = stdout === result.stdout ? '' : '(no final newline)\n';
    const stderr = result.stderr === '' ? '' : `--- stderr ---\n${result.stderr}`;
    blocks.push(`${ns}$ ${command}    # exit ${result.status}\n${stdout}${noNewline}${stderr}`);
  }),
);
for (const block of blocks) console.log(`\`\`\`\n${block}${block.endsWith('\n') ? '' : '\n'}\`\`\`\n`);
console.log(`\`\`\`json\n${JSON.stringify(observation, null, 2)}\n\`\`\``);
