/**
 * The markdown transcript the OBSERVED*.md files are written from: every command an observation ran,
 * verbatim (not normalised), then the normalised observation as JSON.
 */
import type { Transcript } from './router-lab.js';

/** Collects commands through `record` and prints them, with `observation`, as markdown to stdout. */
export function markdownTranscript(): { readonly record: Transcript; print(observation: unknown): void } {
  const blocks: string[] = [];
  return {
    record: (ns, command, result) => {
      const stdout =
        result.stdout === '' || result.stdout.endsWith('\n') ? result.stdout : `${result.stdout}\n`;
      const noNewline = stdout === result.stdout ? '' : '(no final newline)\n';
      const stderr = result.stderr === '' ? '' : `--- stderr ---\n${result.stderr}`;
      blocks.push(`${ns}$ ${command}    # exit ${result.status}\n${stdout}${noNewline}${stderr}`);
    },
    print: (observation) => {
      for (const block of blocks) console.log(`\`\`\`\n${block}${block.endsWith('\n') ? '' : '\n'}\`\`\`\n`);
      console.log(`\`\`\`json\n${JSON.stringify(observation, null, 2)}\n\`\`\``);
    },
  };
}
