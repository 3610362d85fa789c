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

/** The host as a URL shows it: a wildcard reads as 127.0.0.1, IPv6 in brackets. */
const shownHost = (host: string): string => (host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host)

/** One line per live channel after the ready line: where to watch it. */
export const liveChannelLines = (host: string, port: number, live: ReadonlyArray<string>): ReadonlyArray<string> =>
  live.map((path) => `live channel: rtsp://${shownHost(host)}:${port}/${livePath(path)}`)

/** With --publish, after the ready line: who may publish, and where a path goes. */
export const publishingLine = (host: string, port: number, from: ReadonlyArray<string>): string =>
  `publishing: ANNOUNCE a path of your choice, e.g. rtsp://${shownHost(host)}:${port}/live/cam, from ${from.join(", ")}`

/** With multicast on and something live to watch, after the ready line: where groups come from. */
export const multicastLine = (range: string, basePort: number, ttl: number): string =>
  `multicast: live paths play to groups from ${range}, RTP on UDP ${basePort} + 2·i, ttl ${ttl}`

/** With RTSPS, after the ready line: where to play over TLS. */
export const rtspsLine = (host: string, tlsPort: number): string =>
  `RTSPS (TLS) listening on ${host}:${tlsPort}: play rtsps://${shownHost(host)}:${tlsPort}/<file> (RTP interleaved in the TLS connection)`
