import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { type FrameSample, makeFrameStats, minFramesPerSecond } from "../../../harness/metrics/frameStats.js"

/** Frames sent every `spacingMs` with RTP timestamps `step` apart; `stallAfter` adds `stallMs` after that frame. */
const frames = (opts: {
  readonly count: number
  readonly spacingMs: number
  readonly step?: number
  readonly startMs?: number
  readonly stallAfter?: number
  readonly stallMs?: number
}): Array<FrameSample> =>
  Array.from({ length: opts.count }, (_, i) => ({
    timestamp: i * (opts.step ?? 4500),
    arrivalMs:
      (opts.startMs ?? 0) + i * opts.spacingMs + (opts.stallAfter !== undefined && i > opts.stallAfter ? opts.stallMs ?? 0 : 0)
  }))

const feed = (samples: ReadonlyArray<FrameSample>, expectedFps?: number) => {
  const stats = makeFrameStats(expectedFps !== undefined ? { expectedFps } : {})
  for (const f of samples) stats.onFrame(f)
  return stats
}

describe("makeFrameStats: rate", () => {
  it("fps is exactly 20 for 50 ms spacing", () => {
    const s = feed(frames({ count: 41, spacingMs: 50 })).snapshot()
    expect(s.framesReceived).toBe(41)
    expect(s.fps).toBe(20)
    expect(s.fpsMin1s).toBe(20)
  })

  it("fpsMin1s catches a 300 ms stall that the mean hides", () => {
    // 21 frames at 0..1000 ms, then the next frame at 1350 instead of 1050.
    const s = feed(frames({ count: 61, spacingMs: 50, stallAfter: 20, stallMs: 300 })).snapshot()
    // Window [350, 1350) holds 350..1000 = 14 frames; no full window holds fewer.
    expect(s.fpsMin1s).toBe(14)
    expect(s.fps).toBeCloseTo((60 * 1000) / 3300, 12)
    expect(s.intervalMs?.max).toBe(350)
  })

  it("fpsMin1s only counts full windows", () => {
    expect(feed(frames({ count: 10, spacingMs: 50 })).snapshot().fpsMin1s).toBeUndefined()
    // Exactly one full window [0, 1000): frames 0..950.
    expect(minFramesPerSecond(frames({ count: 21, spacingMs: 50 }).map((f) => f.arrivalMs))).toBe(20)
    expect(minFramesPerSecond([])).toBeUndefined()
  })

  it("reports 0 fps and no intervals for fewer than two frames", () => {
    const empty = makeFrameStats().snapshot()
    expect(empty).toMatchObject({ framesReceived: 0, fps: 0, timestampsConsistent: true })
    expect(empty.intervalMs).toBeUndefined()
    expect(feed(frames({ count: 1, spacingMs: 50 })).snapshot().fps).toBe(0)
  })
})

describe("makeFrameStats: intervals, startup, drops", () => {
  it("interval percentiles are nearest rank over the arrival gaps", () => {
    // Gaps: 96 x 40 ms, then 50, 60, 70, 200 ms (100 gaps in all).
    const gaps = [...Array.from({ length: 96 }, () => 40), 50, 60, 70, 200]
    const arrivals = gaps.reduce<Array<number>>((acc, g) => [...acc, (acc[acc.length - 1] ?? 0) + g], [0])
    const stats = feed(arrivals.map((arrivalMs, i) => ({ timestamp: i * 3600, arrivalMs })))
    expect(stats.snapshot().intervalMs).toEqual({ count: 100, p50: 40, p95: 40, p99: 70, max: 200 })
    expect(stats.intervalsMs()).toEqual(gaps)
  })

  it("startup is PLAY sent to first complete frame", () => {
    const stats = makeFrameStats()
    stats.onPlaySent(1000)
    expect(stats.snapshot().startupMs).toBeUndefined()
    for (const f of frames({ count: 5, spacingMs: 50, startMs: 1234 })) stats.onFrame(f)
    expect(stats.snapshot().startupMs).toBe(234)
  })

  it("counts drops by reason", () => {
    const stats = makeFrameStats()
    stats.onDropped("incomplete")
    stats.onDropped("incomplete")
    stats.onDropped("bad-jpeg-header")
    const s = stats.snapshot()
    expect(s.framesDropped).toBe(3)
    expect(s.droppedByReason).toEqual({ incomplete: 2, "bad-jpeg-header": 1 })
    stats.onDropped("incomplete")
    expect(s.droppedByReason).toEqual({ incomplete: 2, "bad-jpeg-header": 1 }) // snapshots are copies
  })
})

describe("makeFrameStats: timestamp step", () => {
  it("is consistent for 4500-tick steps at 20 fps", () => {
    const s = feed(frames({ count: 100, spacingMs: 50, step: 4500 }), 20).snapshot()
    expect(s.timestampsConsistent).toBe(true)
    expect(s.timestampStepExpected).toBe(4500)
    expect(s.timestampStepMismatches).toBe(0)
  })

  it("is inconsistent when one step is 9000 (a missing frame)", () => {
    const samples = frames({ count: 100, spacingMs: 50, step: 4500 }).filter((_, i) => i !== 40)
    const s = feed(samples, 20).snapshot()
    expect(s.timestampsConsistent).toBe(false)
    expect(s.timestampStepMismatches).toBe(1)
  })

  it("an integer step must match exactly", () => {
    const samples = frames({ count: 10, spacingMs: 50, step: 4500 }).map((f, i) =>
      i === 5 ? { ...f, timestamp: f.timestamp + 1 } : f
    )
    expect(feed(samples, 20).snapshot().timestampsConsistent).toBe(false)
  })

  it("allows ±1 tick of rounding for a fractional step (7 fps: 12857.14)", () => {
    const step = 90000 / 7
    const samples = Array.from({ length: 50 }, (_, i) => ({ timestamp: Math.round(i * step), arrivalMs: i * 143 }))
    const s = feed(samples, 7).snapshot()
    expect(s.timestampsConsistent).toBe(true)
    expect(s.timestampStepExpected).toBeCloseTo(12857.142857, 5)
    const bad = samples.map((f, i) => (i === 20 ? { ...f, timestamp: f.timestamp + 3 } : f))
    expect(feed(bad, 7).snapshot().timestampsConsistent).toBe(false)
  })

  it("without an expected fps, checks against the first observed step", () => {
    expect(feed(frames({ count: 30, spacingMs: 40, step: 3600 })).snapshot().timestampsConsistent).toBe(true)
    const gap = frames({ count: 30, spacingMs: 40, step: 3600 }).filter((_, i) => i !== 10)
    const s = feed(gap).snapshot()
    expect(s.timestampsConsistent).toBe(false)
    expect(s.timestampStepExpected).toBeUndefined()
  })

  it("handles RTP timestamp wrap at 2^32", () => {
    const samples = Array.from({ length: 20 }, (_, i) => ({
      timestamp: (0xffffffff - 20000 + i * 4500) >>> 0,
      arrivalMs: i * 50
    }))
    expect(feed(samples, 20).snapshot().timestampsConsistent).toBe(true)
  })
})

describe("makeFrameStats: properties", () => {
  it("never throws; fpsMin1s never exceeds the frame count and intervals count is n - 1", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 200 })), { maxLength: 200 }),
        (steps) => {
          let t = 0
          const samples = steps.map(([timestamp, gap]) => ({ timestamp, arrivalMs: (t += gap) }))
          const s = feed(samples, 30).snapshot()
          expect(s.framesReceived).toBe(samples.length)
          expect(s.intervalMs?.count ?? 0).toBe(Math.max(0, samples.length - 1))
          if (s.fpsMin1s !== undefined) expect(s.fpsMin1s).toBeLessThanOrEqual(samples.length)
          expect(Number.isFinite(s.fps)).toBe(true)
        }
      ),
      { numRuns: 300 }
    )
  })
})
