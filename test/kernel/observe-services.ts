/**
 * Prints a markdown transcript of every command the services-lab observation runs, verbatim, followed by
 * the normalised ServicesObservation as JSON. Used to write OBSERVED-services.md:
 *
 *   sudo npx tsx test/kernel/observe-services.ts > /tmp/observed-services.md
 */
import { kernelAvailable, withLab } from './netns.js';
import { buildServicesLab, observeServicesKernel } from './services-lab.js';
import { markdownTranscript } from './transcript.js';

const avail = kernelAvailable();
if (!avail.ok) {
  console.error(`services observation skipped: ${avail.reason}`);
  process.exit(1);
}

const transcript = markdownTranscript();
const observation = await withLab(async (lab) => {
  buildServicesLab(lab);
  return observeServicesKernel(lab, transcript.record);
});
transcript.print(observation);
