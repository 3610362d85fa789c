/** Synthetic runs for the report tests: deterministic sessions and their aggregate. */
import { aggregateSessions, type SessionOutcome } from "../../../harness/metrics/aggregate.js"
import { makeFrameStats } from "../../../harness/metrics/frameStats.js"
import { makeRtpReceiverStats } from "../../../harness/metrics/rtpStats.js"
import type { ReportInput, ReportSession } from "../../../harness/report/html.js"

/** A small deterministic PRNG (LCG) in [0, 1). */
const random = (seed: number) => {
  let x = (seed * 2654435761 + 1) >>> 0
  return (): number => {
    x = (x * 1103515245 + 12345) >>> 0
    return x / 2 ** 32
  }
}

export interface FakeSession {
  readonly report: ReportSession
  readonly outcome: SessionOutcome
}

export const fakeSession = (i: number, frames: number, options: { readonly failed?: string } = {}): FakeSession => {
  const rnd = random(i + 1)
  const stats = makeFrameStats({ expectedFps: 20 })
  stats.onPlaySent(i * 5)
  const arrivals: Array<number> = []
  let t = i * 5 + 30 + rnd() * 20
  for (let k = 0; k < frames; k++) {
    arrivals.push(Math.round(t * 100) / 100)
    stats.onFrame({ timestamp: k * 4500, arrivalMs: t })
    // 50 ms pacing, a little noise, and a rare stall.
    t += 50 + (rnd() - 0.5) * 6 + (rnd() < 0.01 ? 120 : 0)
  }
  const jitterSeries = Array.from({ length: Math.ceil((frames * 50) / 1000) }, (_, s) => ({ tMs: s * 1000 + 500, jitterMs: 0.5 + rnd() * 2 }))
  // Seven packets a frame; a fifth of the sessions lose a few interior packets.
  const lossy = rnd() < 0.2
  const rtpStats = makeRtpReceiverStats({ clockRate: 90000 })
  const packets = frames * 7
  for (let seq = 0; seq < packets; seq++) {
    if (lossy && seq > 0 && seq < packets - 1 && seq % 97 === 13) continue
    rtpStats.onPacket({ sequenceNumber: seq & 0xffff, timestamp: Math.floor(seq / 7) * 4500, marker: seq % 7 === 6, arrivalMs: (arrivals[Math.floor(seq / 7)] ?? 0) - (6 - (seq % 7)) * 0.2, payloadBytes: 1400 })
  }
  const rtp = rtpStats.snapshot()
  const jitterMs = rtp.jitterMs
  const snapshot = stats.snapshot()
  const ok = options.failed === undefined
  return {
    report: {
      id: `client ${i + 1}`,
      ok,
      ...(options.failed === undefined ? {} : { failureReason: options.failed }),
      framesReceived: snapshot.framesReceived,
      framesDropped: snapshot.framesDropped,
      lossPct: rtp.lossPct,
      fps: snapshot.fps,
      jitterMs,
      ...(snapshot.startupMs === undefined ? {} : { startupMs: snapshot.startupMs }),
      frameArrivalsMs: arrivals,
      jitterSeries
    },
    outcome: {
      ok,
      ...(options.failed === undefined ? {} : { failureReason: options.failed }),
      rtp,
      frames: snapshot,
      frameIntervalsMs: stats.intervalsMs()
    }
  }
}

export const fakeRun = (
  sessions: number,
  frames: number,
  options: { readonly failEvery?: number; readonly failureReason?: string; readonly checks?: ReportInput["checks"] } = {}
): ReportInput => {
  const fakes = Array.from({ length: sessions }, (_, i) =>
    fakeSession(i, frames, options.failEvery !== undefined && i % options.failEvery === options.failEvery - 1 ? { failed: options.failureReason ?? "rtsp-454" } : {})
  )
  return {
    title: `load: ${sessions} clients`,
    url: "rtsp://127.0.0.1:8554/movie.Mjpeg",
    command: `rtsp-harness load rtsp://127.0.0.1:8554/movie.Mjpeg --clients ${sessions} --report out.html`,
    startedAt: "2025-01-02T03:04:05.000Z",
    durationMs: frames * 50 + 500,
    aggregate: aggregateSessions(fakes.map((f) => f.outcome)),
    sessions: fakes.map((f) => f.report),
    ...(options.checks === undefined ? {} : { checks: options.checks })
  }
}
