/**
 * Placeholder hook for the datapath benchmark: packets forwarded through a chain of routers, counted as
 * hops. The datapath (net/) is being written elsewhere; until it exists this returns undefined and the
 * runner prints "n/a (datapath not built)".
 */

/** Runs the router-chain benchmark; undefined while the datapath is not built. */
export async function routerChainBench(): Promise<{ hops: number; seconds: number } | undefined> {
  return undefined;
}
