/**
 * capture/ — pcapng output, written by hand (no maintained package exists). Owns the block encoders
 * (SHB, IDB with if_name and ns if_tsresol, EPB with the epb_flags direction), a streaming writer that
 * hands every block to its sink at once (an interrupted run still leaves a readable file), file and
 * memory sinks, and the trace-bus subscriber that gives one file per node or segment and one interface
 * per capture point. Imports only sim/ and wire/; the only layer besides cli/ that writes files.
 */
export { attachCaptures, type CaptureHandle, type CaptureOptions, defaultCaptureFile } from './attach.js';
export {
  DEFAULT_SNAPLEN,
  EPB_INBOUND,
  EPB_OUTBOUND,
  encodeEpb,
  encodeIdb,
  encodeShb,
  epbLength,
  type IdbOptions,
  LINKTYPE_ETHERNET,
  LINKTYPE_RAW,
  type ShbOptions,
  TSRESOL_NS,
} from './pcapng.js';
export { FileSink, MemorySink, type Sink } from './sink.js';
export { type FrameFiller, PcapngWriter, type PcapngWriterOptions } from './writer.js';
