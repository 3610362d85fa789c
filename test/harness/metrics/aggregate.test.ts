import { describe, expect, it } from "@effect/vitest"
import { aggregateSessions, type SessionOutcome } from "../../../harness/metrics/aggregate.js"
import { makeFrameStats } from "../../../harness/metrics/frameStats.js"
import { makeRtpReceiverStats } from "../../../harness/metrics/rtpStats.js"

/** One scripted session: `packets` sent, every `dropEvery`-th (1-based, interior) lost, frames every `spacingMs`. */
const session = (opts: {
  readonly packets: number
  readonly dropEvery?: number
  readonly frames: number
  readonly spacingMs: number
  readonly startupMs: number
  readonly jitterDelayMs?: number
}): SessionOutcome => {
  const rtp = makeRtpReceiverStats({ clockRate: 90000 })
  for (let i = 0; i < opts.packets; i++) {
    if (opts.dropEvery !== undefined && i % opts.dropEvery === 1) continue
    const extra = opts.jitterDelayMs !== undefined && i % 2 === 1 ? opts.jitterDelayMs : 0
    rtp.onPacket({ sequenceNumber: i, timestamp: i * 900, marker: false, arrivalMs: i * 10 + extra, payloadBytes: 100 })
  }
  const frames = makeFrameStats({ expectedFps: 1000 / opts.spacingMs })
  frames.onPlaySent(0)
  for (let i = 0; i < opts.frames; i++) {
    frames.onFrame({ timestamp: i * 90 * opts.spacingMs, arrivalMs: opts.startupMs + i * opts.spacingMs })
  }
  return { ok: true, rtp: rtp.snapshot(), frames: frames.snapshot(), frameIntervalsMs: frames.intervalsMs() }
}

describe("aggregateSessions", () => {
  it("counts clients and failure reasons", () => {
    const a = aggregateSessions([
      { ok: true },
      { ok: false, failureReason: "connect-refused" },
      { ok: false, failureReason: "connect-refused" },
      { ok: false, failureReason: "rtsp-454" },
      { ok: false }
    ])
    expect(a).toMatchObject({ clients: 5, clientsOk: 1, clientsFailed: 4 })
    expect(a.failureReasons).toEqual({ "connect-refused": 2, "rtsp-454": 1, unknown: 1 })
    expect(a.fps).toBeUndefined()
    expect(a.intervalMs).toBeUndefined()
    expect(a.lossPct).toBe(0)
  })

  it("sums packets and frames and computes overall loss from the totals", () => {
    const sessions = [
      session({ packets: 1000, dropEvery: 10, frames: 41, spacingMs: 50, startupMs: 100 }), // 100 lost of 1000
      session({ packets: 1000, frames: 21, spacingMs: 100, startupMs: 300 }), // none lost
      { ...session({ packets: 500, dropEvery: 5, frames: 11, spacingMs: 50, startupMs: 200 }), ok: false, failureReason: "timeout" } // 100 of 500
    ]
    const a = aggregateSessions(sessions)
    expect(a).toMatchObject({
      clients: 3,
      clientsOk: 2,
      clientsFailed: 1,
      failureReasons: { timeout: 1 },
      packetsExpected: 2500,
      packetsLost: 200,
      packetsReceived: 2300,
      framesReceived: 73,
      framesDropped: 0,
      lossPct: 8
    })
    expect(a.fps).toEqual({ mean: (20 + 10 + 20) / 3, min: 10 })
    expect(a.startupMs).toEqual({ p50: 200, p99: 300, max: 300 })
    // Pooled intervals: 40 + 10 gaps of 50 ms, 20 gaps of 100 ms.
    expect(a.intervalMs).toEqual({ count: 70, p50: 50, p95: 100, p99: 100, max: 100 })
  })

  it("averages jitter and keeps the maximum", () => {
    const a = aggregateSessions([
      session({ packets: 400, frames: 2, spacingMs: 50, startupMs: 0 }),
      session({ packets: 400, frames: 2, spacingMs: 50, startupMs: 0, jitterDelayMs: 4 })
    ])
    expect(a.jitterMs?.max).toBeCloseTo(4, 6)
    expect(a.jitterMs?.mean).toBeCloseTo(2, 6)
  })
})
