import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from '../../wire/index.js';
import { TCP_S } from './defaults.js';

const { ESTABLISHED: sES, SYN_SENT: sSS, SYN_RECV: sSR, FIN_WAIT: sFW, TIME_WAIT: sTW } = TCP_S;
const { CLOSE: sCL, CLOSE_WAIT: sCW, LAST_ACK: sLA, LISTEN: sLI } = TCP_S;

/** Which way a packet goes: client → real server (INPUT) or real server → client (OUTPUT). */
export type IpvsDirection = 'input' | 'output';

// tcp_states[] of ip_vs_proto_tcp.c (the non-secure_tcp table), rows syn/fin/ack/rst, columns by state
// sNO sES sSS sSR sFW sTW sCL sCW sLA sLI sSA. The INPUT-ONLY rows serve only DR/TUN forwarding.
const INPUT: readonly (readonly number[])[] = [
  [sSR, sES, sES, sSR, sSR, sSR, sSR, sSR, sSR, sSR, sSR],
  [sCL, sCW, sSS, sTW, sTW, sTW, sCL, sCW, sLA, sLI, sTW],
  [sCL, sES, sSS, sES, sFW, sTW, sCL, sCW, sCL, sLI, sES],
  [sCL, sCL, sCL, sSR, sCL, sCL, sCL, sCL, sLA, sLI, sSR],
];
const OUTPUT: readonly (readonly number[])[] = [
  [sSS, sES, sSS, sSR, sSS, sSS, sSS, sSS, sSS, sLI, sSR],
  [sTW, sFW, sSS, sTW, sFW, sTW, sCL, sTW, sLA, sLI, sTW],
  [sES, sES, sSS, sES, sFW, sTW, sCL, sCW, sLA, sES, sES],
  [sCL, sCL, sSS, sCL, sCL, sTW, sCL, sCL, sCL, sCL, sCL],
];

/** tcp_state_idx: RST wins, then SYN, FIN, ACK; -1 for a segment with none of them. */
function stateIdx(flags: number): number {
  if ((flags & TCP_RST) !== 0) return 3;
  if ((flags & TCP_SYN) !== 0) return 0;
  if ((flags & TCP_FIN) !== 0) return 1;
  if ((flags & TCP_ACK) !== 0) return 2;
  return -1;
}

/** set_tcp_state's table lookup: the next state, CLOSE for a segment without SYN/FIN/ACK/RST. */
export function nextTcpState(state: number, dir: IpvsDirection, tcpFlags: number): number {
  const idx = stateIdx(tcpFlags);
  if (idx < 0) return sCL;
  const row = (dir === 'input' ? INPUT : OUTPUT)[idx] as readonly number[];
  return row[state] as number;
}
