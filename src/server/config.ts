/**
 * Everything the server can be told, with the defaults `effect-rtsp serve`
 * uses. One plain record so that embedding programs and the CLI build it the
 * same way.
 */
import { DEFAULT_MULTICAST_PORT, DEFAULT_MULTICAST_RANGE, DEFAULT_MULTICAST_TTL } from "../net/multicastRange.js"

export interface ServerConfig {
  /** Interface to listen on for RTSP (TCP). */
  readonly host: string
  /** RTSP port; 0 picks a free one (tests). */
  readonly port: number
  /** Folder whose MJPEG files are served; nothing outside it is ever opened. */
  readonly mediaRoot: string
  /** Frame rate for every file, overriding the rate recorded in the file. */
  readonly fps: number | undefined
  /** Largest RTP packet (12-byte header included) for RFC 2435 payloads. */
  readonly mtu: number
  /** Server RTP port for UDP (RTCP is the next one); 0 picks a free even pair. */
  readonly rtpPort: number
  /** Restart files at the end instead of ending the stream. */
  readonly loop: boolean
  /** Media paths served as live channels: one clock from the server's start, looping, every viewer at the same frame. */
  readonly live: ReadonlyArray<string>
  /** The live channels' clock zero (clock millis); undefined: when the server starts. A cluster's primary sets it for all its workers. */
  readonly liveEpochMillis: number | undefined
  /** Accept publishers (ANNOUNCE/RECORD); off, ANNOUNCE is answered 405. */
  readonly publish: boolean
  /** Address ranges (CIDR) publishers may come from; empty: loopback only. */
  readonly publishFrom: ReadonlyArray<string>
  /** A publisher that sends no whole frame for this long is ended, and its viewers with it. */
  readonly publisherTimeoutSeconds: number
  /** Serve live channels and published paths to multicast groups (SETUP with RTP/AVP;multicast); off, such a SETUP is answered 461. */
  readonly multicast: boolean
  /** Where groups come from (IPv4 CIDR inside 224.0.0.0/4): one group per path while anyone watches it. */
  readonly multicastRange: string
  /** The first group's RTP port (RTCP is the next one); group i uses base + 2i. */
  readonly multicastPort: number
  /** Multicast time-to-live: 1 keeps the packets on the local network. */
  readonly multicastTtl: number
  /** The impairment of every session that asks for none: a profile name or knobs as in a URL's query ("lossy-wifi", "loss=2%&seed=7"). */
  readonly impair: string | undefined
  /** A JSON file of named impairment profiles, read at start; `impair` and a URL's `?impair=` may name them beside the built-ins. */
  readonly impairmentsFile: string | undefined
  /** The users file: users, their password hashes and the permission rules (auth/accessFile.ts); undefined: no authentication, every path open. */
  readonly usersFile: string | undefined
  /** Offer and take Basic on plain RTSP, where the password crosses the network readable; off, Basic is for RTSPS only. */
  readonly allowBasicCleartext: boolean
  /** A Digest nonce older than this is stale: the client is asked to answer a fresh one. */
  readonly nonceLifetimeSeconds: number
  /** Login failures one address makes before its attempts wait, the first wait, and the longest (it doubles per failure). */
  readonly authBackoff: { readonly freeFailures: number; readonly baseMillis: number; readonly maxMillis: number }
  /** Advertised standard-session timeout; a session is reaped a little after it. */
  readonly sessionTimeoutSeconds: number
  readonly maxSessions: number
  readonly maxConnections: number
  /** Connections one client address may hold (addresses in limitsExempt: no cap). */
  readonly maxConnectionsPerAddress: number
  /** Sessions one client address may hold. */
  readonly maxSessionsPerAddress: number
  /** Requests a second one client address may send (a bucket of twice that lets a burst through); more are answered 503 with Retry-After. */
  readonly maxRequestsPerSecond: number
  /** Reply and interleaved bytes a connection may leave unread before it is closed. */
  readonly maxBufferedBytes: number
  /** Address ranges (CIDR) without per-address caps; default loopback, the operator's own tools and load tests. */
  readonly limitsExempt: ReadonlyArray<string>
  /** Largest RTSP header section; a larger one is answered 400 and the connection closed. */
  readonly maxHeaderBytes: number
  /** A connection that has not sent a complete request for this long is closed. */
  readonly idleConnectionTimeoutSeconds: number
  /** Frames an interleaved (TCP) session may have queued before whole frames are dropped. */
  readonly tcpQueueFrames: number
  /** Port for /metrics and /healthz; undefined = no HTTP endpoint. */
  readonly httpPort: number | undefined
  /** RTSPS: the PEM certificate (chain) and private key; both given, the server also listens for RTSP over TLS on `tlsPort`. Read again on reloadTls (SIGHUP). */
  readonly tlsCert: string | undefined
  readonly tlsKey: string | undefined
  /** The RTSPS port; 0 picks a free one (tests). */
  readonly tlsPort: number
  /** Let SETUP over RTSPS choose UDP (RTP then leaves the TLS connection, readable on the network); off, it is answered 461. */
  readonly allowUdpWithTls: boolean
  /** Batch UDP sends where the platform can: the frames of one event-loop turn in one kernel call, segmented by the kernel (GSO); false forces one send per packet. */
  readonly udpBatching: boolean
}

export const defaultServerConfig: ServerConfig = {
  host: "0.0.0.0",
  port: 8554,
  mediaRoot: "video",
  fps: undefined,
  mtu: 1400,
  rtpPort: 6970,
  loop: false,
  live: [],
  liveEpochMillis: undefined,
  publish: false,
  publishFrom: [],
  publisherTimeoutSeconds: 10,
  multicast: true,
  multicastRange: DEFAULT_MULTICAST_RANGE,
  multicastPort: DEFAULT_MULTICAST_PORT,
  multicastTtl: DEFAULT_MULTICAST_TTL,
  impair: undefined,
  impairmentsFile: undefined,
  usersFile: undefined,
  allowBasicCleartext: false,
  nonceLifetimeSeconds: 300,
  authBackoff: { freeFailures: 5, baseMillis: 100, maxMillis: 10_000 },
  sessionTimeoutSeconds: 60,
  maxSessions: 2000,
  maxConnections: 2000,
  maxConnectionsPerAddress: 64,
  maxSessionsPerAddress: 64,
  maxRequestsPerSecond: 50,
  maxBufferedBytes: 8 * 1024 * 1024,
  limitsExempt: ["127.0.0.0/8", "::1/128"],
  maxHeaderBytes: 8192,
  idleConnectionTimeoutSeconds: 30,
  tcpQueueFrames: 8,
  httpPort: undefined,
  udpBatching: true,
  tlsCert: undefined,
  tlsKey: undefined,
  tlsPort: 8322,
  allowUdpWithTls: false
}
