// Child process for writer.test.ts: writes packets to argv[2] until killed.
import { EPB_OUTBOUND } from '../../src/capture/pcapng.js';
import { FileSink } from '../../src/capture/sink.js';
import { PcapngWriter } from '../../src/capture/writer.js';
import { tcpFrame } from './frames.js';

const path = process.argv[2];
if (path === undefined) throw new Error('usage: write-forever.ts FILE');
const w = new PcapngWriter(new FileSink(path));
w.addInterface('node1/eth0');
const frame = tcpFrame(1460);
for (let t = 0; ; t += 1000) w.writePacket(0, t, frame, EPB_OUTBOUND);
