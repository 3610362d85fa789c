/**
 * Sessions for the metrics tests, fed the way the server feeds them: the
 * session's own counters and state change, and the server-wide totals are
 * bumped beside them (rtpSender + sessionLifecycle).
 */
import type { Dialect, SessionState, TransportKind } from "../../src/protocol/rtsp/vocabulary.js"
import type { MeteredSession, ReceiverReportMetrics, ServerMetrics } from "../../src/server/Metrics.js"
import { emptyStats, type SessionStats } from "../../src/server/session.js"

export interface TestSession extends MeteredSession {
  state: SessionState
  readonly stats: SessionStats
}

export const startSession = (m: ServerMetrics, id: string, dialect: Dialect, transport: TransportKind, urlPath = "movie.Mjpeg"): TestSession => {
  const session: TestSession = {
    id,
    dialect,
    path: urlPath,
    state: "ready",
    transport: { _tag: transport === "udp" ? "Udp" : "Interleaved" },
    stats: emptyStats()
  }
  m.sessionStarted(session)
  return session
}

export const sendFrames = (m: ServerMetrics, s: TestSession, frames: number, packets: number, bytes: number): void => {
  s.stats.framesSent += frames
  s.stats.packetsSent += packets
  s.stats.octetsSent += bytes
  m.framesSent(frames, packets, bytes)
}

export const dropFrames = (m: ServerMetrics, s: TestSession, frames: number): void => {
  s.stats.framesDropped += frames
  m.framesDropped(frames)
}

export const receiveReport = (m: ServerMetrics, s: TestSession, report: ReceiverReportMetrics): void => {
  s.stats.receiverReports++
  s.stats.fractionLost = report.fractionLost
  s.stats.cumulativeLost = report.cumulativeLost
  s.stats.jitterSeconds = report.jitterSeconds
  m.receiverReport()
}
