/**
 * Run totals from per-session results.
 *
 * Interval percentiles of a run in one process are exact: each session hands over its raw
 * inter-frame intervals (FrameStats.intervalsMs) and they are pooled before taking
 * nearest-rank percentiles. At 8 bytes per frame this is ~1 MB per client-hour at 30 fps.
 * A run merged from shards (load --shard, merge) has no raw intervals left: it passes the
 * summary of its merged histogram (logHistogram.ts, within 1 %) to aggregateFigures, which
 * computes every other figure the same way from the same per-session counters.
 *
 * Sums include every session, failed or not (a session that failed late
 * still received what it received). Means/minima/maxima of fps, jitter and
 * startup are over the sessions that report the value (fps: sessions with at
 * least two frames).
 */
import { type PercentileSummary, percentileOfSorted, sortedAscending, summarize } from "./percentile.js"
import type { FrameStatsSnapshot } from "./frameStats.js"
import type { RtpStatsSnapshot } from "./rtpStats.js"

/** What the totals read from one session's counters. */
export interface SessionFigures {
  readonly ok: boolean
  /** Why the session failed; "unknown" is counted when a failed session has none. */
  readonly failureReason?: string
  readonly rtp?: Pick<RtpStatsSnapshot, "packetsReceived" | "packetsExpected" | "packetsLost" | "duplicates" | "reordered" | "strayPackets" | "jitterMs">
  readonly frames?: Pick<FrameStatsSnapshot, "framesReceived" | "framesDropped" | "fps" | "startupMs">
}

export interface SessionOutcome extends SessionFigures {
  /** Raw inter-frame arrival intervals (ms) from FrameStats.intervalsMs(). */
  readonly frameIntervalsMs?: ReadonlyArray<number>
}

export interface MeanMin {
  readonly mean: number
  readonly min: number
}

export interface MeanMax {
  readonly mean: number
  readonly max: number
}

export interface StartupSummary {
  readonly p50: number
  readonly p99: number
  readonly max: number
}

/** The counters summed over every session (lossPct: total lost / total expected * 100, 0 when nothing was expected). */
export interface RunAggregate
  extends
    Pick<FrameStatsSnapshot, "framesReceived" | "framesDropped">,
    Pick<RtpStatsSnapshot, "packetsReceived" | "packetsExpected" | "packetsLost" | "duplicates" | "reordered" | "lossPct" | "strayPackets">
{
  readonly clients: number
  readonly clientsOk: number
  readonly clientsFailed: number
  readonly failureReasons: Readonly<Record<string, number>>
  readonly fps?: MeanMin
  readonly jitterMs?: MeanMax
  readonly startupMs?: StartupSummary
  readonly intervalMs?: PercentileSummary
}

const mean = (values: ReadonlyArray<number>): number =>
  values.reduce((sum, v) => sum + v, 0) / values.length

/** The totals of sessions in one process: interval percentiles exact, from the pooled raw intervals. */
export const aggregateSessions = (sessions: ReadonlyArray<SessionOutcome>): RunAggregate => {
  const intervals: Array<number> = []
  for (const session of sessions) {
    if (session.frameIntervalsMs !== undefined) for (const interval of session.frameIntervalsMs) intervals.push(interval)
  }
  return aggregateFigures(sessions, summarize(intervals))
}

/** The totals of sessions' counters, with the interval summary computed elsewhere (exact, or from a merged histogram). */
export const aggregateFigures = (sessions: ReadonlyArray<SessionFigures>, intervalMs: PercentileSummary | undefined): RunAggregate => {
  const failureReasons: Record<string, number> = {}
  let clientsOk = 0
  let framesReceived = 0
  let framesDropped = 0
  let packetsReceived = 0
  let packetsExpected = 0
  let packetsLost = 0
  let duplicates = 0
  let reordered = 0
  let strayPackets = 0
  const fpsValues: Array<number> = []
  const jitterValues: Array<number> = []
  const startupValues: Array<number> = []

  for (const session of sessions) {
    if (session.ok) clientsOk += 1
    else {
      const reason = session.failureReason ?? "unknown"
      failureReasons[reason] = (failureReasons[reason] ?? 0) + 1
    }
    const rtp = session.rtp
    if (rtp !== undefined) {
      packetsReceived += rtp.packetsReceived
      packetsExpected += rtp.packetsExpected
      packetsLost += rtp.packetsLost
      duplicates += rtp.duplicates
      reordered += rtp.reordered
      strayPackets += rtp.strayPackets
      if (rtp.packetsReceived > 0) jitterValues.push(rtp.jitterMs)
    }
    const frames = session.frames
    if (frames !== undefined) {
      framesReceived += frames.framesReceived
      framesDropped += frames.framesDropped
      if (frames.framesReceived >= 2) fpsValues.push(frames.fps)
      if (frames.startupMs !== undefined) startupValues.push(frames.startupMs)
    }
  }

  const startupSorted = sortedAscending(startupValues)
  const startupAt = (p: number): number => percentileOfSorted(startupSorted, p) ?? Number.NaN

  return {
    clients: sessions.length,
    clientsOk,
    clientsFailed: sessions.length - clientsOk,
    failureReasons,
    framesReceived,
    framesDropped,
    packetsReceived,
    packetsExpected,
    packetsLost,
    duplicates,
    reordered,
    strayPackets,
    lossPct: packetsExpected > 0 ? (packetsLost / packetsExpected) * 100 : 0,
    ...(fpsValues.length > 0 ? { fps: { mean: mean(fpsValues), min: Math.min(...fpsValues) } } : {}),
    ...(jitterValues.length > 0 ? { jitterMs: { mean: mean(jitterValues), max: Math.max(...jitterValues) } } : {}),
    ...(startupSorted.length > 0
      ? { startupMs: { p50: startupAt(50), p99: startupAt(99), max: startupAt(100) } }
      : {}),
    ...(intervalMs !== undefined ? { intervalMs } : {})
  }
}
