/**
 * The server's counters and gauges, bumped on the hot path with plain
 * synchronous calls (no Effect per frame or packet) and rendered on demand in
 * the Prometheus text exposition format 0.0.4.
 *
 * Label values are bounded so a client cannot grow the output: methods outside
 * the RTSP method set count as "other", session ids are the server's own and
 * a session's series disappear when it ends.
 */
import { Context, Layer } from "effect"
import {
  type Dialect,
  DIALECTS,
  SESSION_STATES,
  type SessionState,
  TRANSPORT_KINDS,
  type TransportKind
} from "../protocol/rtsp/vocabulary.js"
import { type SessionStats, transportKind } from "./session.js"

/** The latest RTCP receiver report of a session. */
export interface ReceiverReportMetrics {
  /** Fraction lost since the previous report as a ratio 0..1 (the RR's 8-bit field / 256). */
  readonly fractionLost: number
  readonly cumulativeLost: number
  /** Interarrival jitter in seconds (the RR's jitter over the RTP clock rate). */
  readonly jitterSeconds: number
}

/**
 * What metrics read of a live session. The session owns its counters and
 * state (the server's Session has this shape); metrics keep a reference,
 * never a copy, so there is one owner per fact.
 */
export interface MeteredSession {
  readonly id: string
  readonly dialect: Dialect
  readonly state: SessionState
  readonly transport: { readonly _tag: "Udp" | "Interleaved" }
  readonly stats: Readonly<SessionStats>
}

export interface SessionMetricsSnapshot {
  readonly dialect: Dialect
  readonly transport: TransportKind
  readonly state: SessionState
  readonly framesSent: number
  readonly packetsSent: number
  readonly bytesSent: number
  readonly framesDropped: number
  readonly receiverReports: number
  /** undefined until the first receiver report arrives. */
  readonly lastReceiverReport: ReceiverReportMetrics | undefined
}

export interface MetricsSnapshot {
  readonly connections: number
  readonly sessionsByState: Readonly<Record<SessionState, number>>
  readonly framesSent: number
  readonly packetsSent: number
  readonly bytesSent: number
  readonly framesDropped: number
  readonly rtcpReceiverReports: number
  readonly sessionsStarted: number
  /** Sessions ended, by reason. */
  readonly sessionsEnded: Readonly<Record<string, number>>
  /** Requests by method (unknown methods as "other"). */
  readonly requests: Readonly<Record<string, number>>
  /** Responses by status code. */
  readonly responses: Readonly<Record<string, number>>
  /** Live sessions by id. */
  readonly sessions: Readonly<Record<string, SessionMetricsSnapshot>>
  /** How RTP leaves the server ("gso" or "plain"), once a server has told metrics where to read it. */
  readonly udpSendPath?: UdpSendPathName
}

export type UdpSendPathName = "gso" | "plain"

/**
 * Server-wide counters (they outlive sessions) are bumped here; per-session
 * figures are read from the sessions themselves when rendered.
 */
export interface ServerMetrics {
  readonly connectionOpened: () => void
  readonly connectionClosed: () => void
  readonly request: (method: string) => void
  readonly response: (statusCode: number) => void
  /** A new live session; a second call for the same id is ignored. */
  readonly sessionStarted: (session: MeteredSession) => void
  /** Ends a live session (its per-session series go away); a second call for the same id is ignored. */
  readonly sessionEnded: (sessionId: string, reason: string) => void
  /** Server totals: frames, packets and bytes that went out. */
  readonly framesSent: (frames: number, packets: number, bytes: number) => void
  readonly framesDropped: (frames: number) => void
  /** Server total: one more receiver report arrived. */
  readonly receiverReport: () => void
  /** Where the server's current UDP send path can be read (it can fall back while running). */
  readonly readUdpSendPath: (read: () => UdpSendPathName) => void
  readonly snapshot: () => MetricsSnapshot
  /** Prometheus text exposition format 0.0.4 */
  readonly render: () => string
}

export class Metrics extends Context.Tag("effect-rtsp/Metrics")<Metrics, ServerMetrics>() {}

/** Methods counted under their own label; anything else is "other". */
export const KNOWN_METHODS: ReadonlySet<string> = new Set([
  "ANNOUNCE", "DESCRIBE", "GET_PARAMETER", "OPTIONS", "PAUSE", "PLAY",
  "RECORD", "REDIRECT", "SETUP", "SET_PARAMETER", "TEARDOWN"
])

const UDP_SEND_PATHS: ReadonlyArray<UdpSendPathName> = ["gso", "plain"]

/** The label order of the exposition: classic before standard. */
const DIALECT_LABELS: ReadonlyArray<Dialect> = [...DIALECTS].sort()

const lastReceiverReport = (stats: Readonly<SessionStats>): ReceiverReportMetrics | undefined =>
  stats.receiverReports === 0
    ? undefined
    : { fractionLost: stats.fractionLost, cumulativeLost: stats.cumulativeLost, jitterSeconds: stats.jitterSeconds }

const sessionSnapshot = (session: MeteredSession): SessionMetricsSnapshot => ({
  dialect: session.dialect,
  transport: transportKind(session.transport),
  state: session.state,
  framesSent: session.stats.framesSent,
  packetsSent: session.stats.packetsSent,
  bytesSent: session.stats.octetsSent,
  framesDropped: session.stats.framesDropped,
  receiverReports: session.stats.receiverReports,
  lastReceiverReport: lastReceiverReport(session.stats)
})

const increment = (counts: Map<string, number>, key: string, by = 1): void => {
  counts.set(key, (counts.get(key) ?? 0) + by)
}

const sortedRecord = (counts: ReadonlyMap<string, number>): Record<string, number> =>
  Object.fromEntries([...counts.entries()].sort(([a], [b]) => compareStrings(a, b)))

const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

export const makeServerMetrics = (): ServerMetrics => {
  let connections = 0
  let framesSent = 0
  let packetsSent = 0
  let bytesSent = 0
  let framesDropped = 0
  let receiverReports = 0
  const started = new Map<string, number>() // key: `${dialect} ${transport}`
  const ended = new Map<string, number>()
  const requests = new Map<string, number>()
  const responses = new Map<string, number>()
  const sessions = new Map<string, MeteredSession>()
  let sendPath: (() => UdpSendPathName) | undefined

  const countByState = (): Record<SessionState, number> => {
    const counts: Record<SessionState, number> = { init: 0, ready: 0, playing: 0 }
    for (const session of sessions.values()) counts[session.state]++
    return counts
  }

  const snapshot = (): MetricsSnapshot => ({
    connections,
    sessionsByState: countByState(),
    framesSent,
    packetsSent,
    bytesSent,
    framesDropped,
    rtcpReceiverReports: receiverReports,
    sessionsStarted: [...started.values()].reduce((sum, n) => sum + n, 0),
    sessionsEnded: sortedRecord(ended),
    requests: sortedRecord(requests),
    responses: sortedRecord(responses),
    sessions: Object.fromEntries([...sessions.entries()].map(([id, session]) => [id, sessionSnapshot(session)])),
    ...(sendPath === undefined ? {} : { udpSendPath: sendPath() })
  })

  const render = (): string => {
    const out = new Array<string>()
    const family = (name: string, type: "counter" | "gauge", help: string, samples: ReadonlyArray<Sample>) => {
      out.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`)
      for (const sample of samples) out.push(`${name}${formatLabels(sample.labels)} ${formatValue(sample.value)}`)
    }
    const labelled = (label: string, counts: ReadonlyMap<string, number>): Array<Sample> =>
      [...counts.entries()]
        .sort(([a], [b]) => compareStrings(a, b))
        .map(([value, count]) => ({ labels: [[label, value]], value: count }))
    const liveSessions = [...sessions.entries()].sort(([a], [b]) => compareStrings(a, b))
    const perSession = (pick: (r: ReceiverReportMetrics) => number): Array<Sample> =>
      liveSessions.flatMap(([id, session]) => {
        const report = lastReceiverReport(session.stats)
        return report === undefined ? [] : [{ labels: [["session", id]], value: pick(report) }]
      })
    const byState = countByState()

    family("rtsp_connections", "gauge", "Open RTSP control connections.", [{ labels: [], value: connections }])
    family(
      "rtsp_sessions",
      "gauge",
      "Live sessions by state.",
      SESSION_STATES.map((state) => ({ labels: [["state", state]], value: byState[state] }))
    )
    family(
      "rtsp_sessions_started_total",
      "counter",
      "Sessions created, by dialect and transport.",
      DIALECT_LABELS.flatMap((dialect) =>
        TRANSPORT_KINDS.map((transport) => ({
          labels: [["dialect", dialect], ["transport", transport]],
          value: started.get(`${dialect} ${transport}`) ?? 0
        }))
      )
    )
    family("rtsp_sessions_ended_total", "counter", "Sessions ended, by reason.", labelled("reason", ended))
    family("rtsp_frames_sent_total", "counter", "Video frames sent.", [{ labels: [], value: framesSent }])
    family("rtsp_rtp_packets_sent_total", "counter", "RTP packets sent.", [{ labels: [], value: packetsSent }])
    family("rtsp_rtp_bytes_sent_total", "counter", "RTP bytes sent, headers included.", [{ labels: [], value: bytesSent }])
    family(
      "rtsp_frames_dropped_total",
      "counter",
      "Whole frames dropped because a receiver could not keep up.",
      [{ labels: [], value: framesDropped }]
    )
    family("rtsp_requests_total", "counter", "RTSP requests received, by method.", labelled("method", requests))
    family("rtsp_responses_total", "counter", "RTSP responses sent, by status code.", labelled("code", responses))
    family(
      "rtsp_rtcp_receiver_reports_total",
      "counter",
      "RTCP receiver reports received.",
      [{ labels: [], value: receiverReports }]
    )
    family(
      "rtsp_rtcp_fraction_lost",
      "gauge",
      "Fraction of packets lost (0..1) in the latest RTCP receiver report of each live session.",
      perSession((r) => r.fractionLost)
    )
    family(
      "rtsp_rtcp_jitter_seconds",
      "gauge",
      "Interarrival jitter in the latest RTCP receiver report of each live session.",
      perSession((r) => r.jitterSeconds)
    )
    if (sendPath !== undefined) {
      const current = sendPath()
      family(
        "rtsp_udp_send_path",
        "gauge",
        "How RTP leaves the server: gso (one kernel call per frame) or plain (one send per packet); 1 for the path in use.",
        UDP_SEND_PATHS.map((path) => ({ labels: [["path", path]], value: path === current ? 1 : 0 }))
      )
    }
    return out.join("\n") + "\n"
  }

  return {
    connectionOpened: () => {
      connections++
    },
    connectionClosed: () => {
      if (connections > 0) connections--
    },
    request: (method) => increment(requests, KNOWN_METHODS.has(method) ? method : "other"),
    response: (statusCode) => increment(responses, String(statusCode)),
    sessionStarted: (session) => {
      if (sessions.has(session.id)) return
      sessions.set(session.id, session)
      increment(started, `${session.dialect} ${transportKind(session.transport)}`)
    },
    sessionEnded: (sessionId, reason) => {
      if (!sessions.delete(sessionId)) return
      increment(ended, reason)
    },
    framesSent: (frames, packets, bytes) => {
      framesSent += frames
      packetsSent += packets
      bytesSent += bytes
    },
    framesDropped: (frames) => {
      framesDropped += frames
    },
    receiverReport: () => {
      receiverReports++
    },
    readUdpSendPath: (read) => {
      sendPath = read
    },
    snapshot,
    render
  }
}

export const layer: Layer.Layer<Metrics> = Layer.sync(Metrics, makeServerMetrics)

// --- Prometheus text format 0.0.4 -------------------------------------------

interface Sample {
  readonly labels: ReadonlyArray<readonly [name: string, value: string]>
  readonly value: number
}

/** HELP text escapes backslash and newline. */
const escapeHelp = (text: string): string => text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")

/** Label values escape backslash, double quote and newline. */
export const escapeLabelValue = (value: string): string =>
  value.replace(/\\/g, "\\\\").replace(/"/g, "\\\"").replace(/\n/g, "\\n")

const formatLabels = (labels: Sample["labels"]): string =>
  labels.length === 0 ? "" : `{${labels.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(",")}}`

const formatValue = (value: number): string =>
  Number.isNaN(value) ? "NaN" : value === Infinity ? "+Inf" : value === -Infinity ? "-Inf" : String(value)
