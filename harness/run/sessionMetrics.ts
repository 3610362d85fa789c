/**
 * What a finished session reports, in the harness's JSON names (issue 4): framesReceived,
 * framesDropped, packetsReceived, packetsLost, lossPct, fps, jitterMs, startupMs,
 * intervalMs {p50,p95,p99,max}, plus RTSP response times per method. Pure.
 */
import type { SessionOutcome } from "../metrics/aggregate.js"
import type { FrameStatsSnapshot } from "../metrics/frameStats.js"
import { percentileOfSorted, sortedAscending } from "../metrics/percentile.js"
import type { RtpStatsSnapshot } from "../metrics/rtpStats.js"
import type { ClientSessionSnapshot, RequestRecord } from "../session/types.js"
import { type TrackMetrics, trackMetrics } from "./trackMetrics.js"

export interface MethodTiming {
  readonly count: number
  readonly p50: number
  readonly p99: number
  /** Status code -> how many replies carried it (0: no reply). */
  readonly statuses: Readonly<Record<string, number>>
}

export const rtspTimings = (records: ReadonlyArray<RequestRecord>): Readonly<Record<string, MethodTiming>> => {
  const byMethod = new Map<string, Array<RequestRecord>>()
  for (const record of records) {
    const list = byMethod.get(record.method) ?? []
    list.push(record)
    byMethod.set(record.method, list)
  }
  const out: Record<string, MethodTiming> = {}
  for (const [method, list] of byMethod) {
    const sorted = sortedAscending(list.map((r) => r.elapsedMs))
    const statuses: Record<string, number> = {}
    for (const r of list) statuses[String(r.status)] = (statuses[String(r.status)] ?? 0) + 1
    out[method] = { count: list.length, p50: percentileOfSorted(sorted, 50) ?? 0, p99: percentileOfSorted(sorted, 99) ?? 0, statuses }
  }
  return out
}

/**
 * One session's figures for reports and expectations, read from its snapshot (the fields keep
 * the snapshot's meaning; timestampsConsistent: every step was JPEG_CLOCK_RATE / fps).
 */
export interface SessionMetrics
  extends
    Pick<ClientSessionSnapshot, "transport" | "fallback" | "multicastGroup" | "senderReports" | "receiverReportsSent" | "byeReceived">,
    Pick<
      FrameStatsSnapshot,
      "framesReceived" | "framesDropped" | "droppedByReason" | "fps" | "fpsMin1s" | "startupMs" | "intervalMs" | "timestampsConsistent"
    >,
    Pick<RtpStatsSnapshot, "packetsReceived" | "packetsLost" | "duplicates" | "reordered" | "lossPct" | "jitterMs" | "strayPackets">
{
  readonly bitrateKbps: number
  readonly rtspMs: Readonly<Record<string, MethodTiming>>
  /** Every track set up, the primary one (whose figures these are) first; absent before any SETUP. */
  readonly tracks?: ReadonlyArray<TrackMetrics>
  /** With audio and video: the audio's delay minus the video's (ms), from their sender reports. */
  readonly lipSyncMs?: number
}

export const sessionMetrics = (s: ClientSessionSnapshot): SessionMetrics => {
  const { rtp, frames } = s.receiver
  return {
    transport: s.transport,
    ...(s.fallback === undefined ? {} : { fallback: s.fallback }),
    ...(s.multicastGroup === undefined ? {} : { multicastGroup: s.multicastGroup }),
    framesReceived: frames.framesReceived,
    framesDropped: frames.framesDropped,
    droppedByReason: frames.droppedByReason,
    packetsReceived: rtp.packetsReceived,
    packetsLost: rtp.packetsLost,
    duplicates: rtp.duplicates,
    reordered: rtp.reordered,
    strayPackets: rtp.strayPackets,
    lossPct: rtp.lossPct,
    fps: frames.fps,
    ...(frames.fpsMin1s === undefined ? {} : { fpsMin1s: frames.fpsMin1s }),
    jitterMs: rtp.jitterMs,
    ...(frames.startupMs === undefined ? {} : { startupMs: frames.startupMs }),
    ...(frames.intervalMs === undefined ? {} : { intervalMs: frames.intervalMs }),
    bitrateKbps: rtp.bitrateBps / 1000,
    timestampsConsistent: frames.timestampsConsistent,
    senderReports: s.senderReports,
    receiverReportsSent: s.receiverReportsSent,
    byeReceived: s.byeReceived,
    rtspMs: rtspTimings(s.requests),
    ...(s.tracks.length === 0 ? {} : { tracks: s.tracks.map(trackMetrics) }),
    ...(s.lipSyncMs === undefined ? {} : { lipSyncMs: s.lipSyncMs })
  }
}

export const sessionOutcome = (ok: boolean, failureReason: string | undefined, s: ClientSessionSnapshot | undefined): SessionOutcome => ({
  ok,
  ...(failureReason === undefined ? {} : { failureReason }),
  ...(s === undefined ? {} : { rtp: s.receiver.rtp, frames: s.receiver.frames, frameIntervalsMs: s.frameIntervalsMs })
})
