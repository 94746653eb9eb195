/**
 * Prints a markdown transcript of every command the CNI-lab observation runs, verbatim (not normalised),
 * followed by the normalised CniObservation as JSON. Used to write OBSERVED-cni.md:
 *
 *   sudo npx tsx test/kernel/observe-cni.ts > /tmp/observed-cni.md
 */
import { observeCniKernel } from './cni-lab.js';
import { cniAvailable, withLab } from './netns.js';
import { markdownTranscript } from './transcript.js';

const avail = cniAvailable();
if (!avail.ok) {
  console.error(`CNI observation skipped: ${avail.reason}`);
  process.exit(1);
}

const transcript = markdownTranscript();
const observation = await withLab((lab) => observeCniKernel(lab, transcript.record));
transcript.print(observation);
