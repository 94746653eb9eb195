/**
 * Prints a markdown transcript of every command the router-lab observation runs, verbatim (not
 * normalised), followed by the normalised RouterObservation as JSON. Used to write OBSERVED.md:
 *
 *   sudo npx tsx test/kernel/observe.ts > /tmp/observed.md
 */
import { kernelAvailable, withLab } from './netns.js';
import { buildRouterLab, observeKernel } from './router-lab.js';
import { markdownTranscript } from './transcript.js';

const avail = kernelAvailable();
if (!avail.ok) {
  console.error(`kernel observation skipped: ${avail.reason}`);
  process.exit(1);
}

const transcript = markdownTranscript();
const observation = await withLab(async (lab) => {
  buildRouterLab(lab);
  return observeKernel(lab, transcript.record);
});
transcript.print(observation);
