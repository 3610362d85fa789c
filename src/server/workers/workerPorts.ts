/**
 * Each worker owns an RTP/RTCP pair of its own (the SETUP reply announces it, so a client's RTCP
 * comes back to the worker that has its session): worker i takes --rtp-port + 2·i and the port
 * after it. With --rtp-port 0 every worker binds a free pair of its own.
 */

export const workerRtpPort = (base: number, index: number): number => (base === 0 ? 0 : base + 2 * index)

/** Why `count` workers cannot have their pairs from `base` (the last RTCP port would pass 65535); undefined when they can. */
export const workerPortsProblem = (base: number, count: number): string | undefined => {
  const lastRtp = workerRtpPort(base, count - 1)
  return base !== 0 && lastRtp + 1 > 65535
    ? `--rtp-port ${base} leaves no room for ${count} workers: worker ${count - 1} would need UDP ${lastRtp}/${lastRtp + 1}`
    : undefined
}
