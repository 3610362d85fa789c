/**
 * The line `effect-rtsp serve` logs once it serves: tools and tests wait for it and read the
 * RTSP port from it (/RTSP server listening on [^:]+:(\d+)/). One server or a cluster, it is
 * logged once, by the process that was started.
 */
import { livePath } from "./liveChannel.js"

export interface AnnouncedPair {
  readonly rtpPort: number
  readonly rtcpPort: number
  /** The cluster worker that owns the pair; absent for a server on its own. */
  readonly worker?: number
}

export const readyLine = (host: string, port: number, pairs: ReadonlyArray<AnnouncedPair>): string =>
  `RTSP server listening on ${host}:${port}, RTP/RTCP on UDP ${
    pairs.map((p) => `${p.rtpPort}/${p.rtcpPort}${p.worker === undefined ? "" : ` (worker ${p.worker})`}`).join(", ")
  }`

/** One line per live channel after the ready line: where to watch it (a wildcard host reads as 127.0.0.1). */
export const liveChannelLines = (host: string, port: number, live: ReadonlyArray<string>): ReadonlyArray<string> => {
  const shown = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host
  return live.map((path) => `live channel: rtsp://${shown}:${port}/${livePath(path)}`)
}
