import { describe, expect, it } from "@effect/vitest"
import { Clock, Duration, Effect, Exit, Fiber, TestClock } from "effect"
import { frameDueMillis, isLiveClock, MAX_LATENESS_MS, runSchedule, type ScheduleOptions } from "../../src/server/FrameScheduler.js"

interface Sent {
  readonly frame: number
  readonly at: number
}

/** sendFrame that records the clock's time of each frame; `followUp` may add work after a frame. */
const recorder = (clock: Clock.Clock, followUp?: (frame: number) => Effect.Effect<void> | undefined) => {
  const sent: Array<Sent> = []
  const sendFrame: ScheduleOptions["sendFrame"] = (frame) => {
    sent.push({ frame, at: clock.unsafeCurrentTimeMillis() })
    return followUp?.(frame)
  }
  return { sent, sendFrame }
}

/**
 * A clock whose sleep returns at once after moving time forward (by the
 * duration plus an optional timer lateness). TestClock.adjust waits for
 * every fiber to suspend at each sleep (a few ms of real time per frame), so
 * an hour of frames needs this one instead.
 */
const virtualClock = (lateness: (n: number) => number = () => 0) => {
  let now = 1_700_000_000_000
  let sleeps = 0
  const clock: Clock.Clock = {
    [Clock.ClockTypeId]: Clock.ClockTypeId,
    unsafeCurrentTimeMillis: () => now,
    currentTimeMillis: Effect.sync(() => now),
    unsafeCurrentTimeNanos: () => BigInt(Math.floor(now * 1e6)),
    currentTimeNanos: Effect.sync(() => BigInt(Math.floor(now * 1e6))),
    sleep: (duration) =>
      Effect.sync(() => {
        now += Duration.toMillis(duration) + lateness(sleeps++)
      })
  }
  return { clock, start: now, advance: (ms: number) => { now += ms } }
}

/** Deterministic pseudo-random numbers in [0, 1) (a tiny LCG), so failures reproduce. */
const lcg = (seed: number) => {
  let s = seed >>> 0
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

describe("FrameScheduler", () => {
  it("frameDueMillis is start + k * 1000 / fps", () => {
    expect(frameDueMillis(0, 0, 20)).toBe(0)
    expect(frameDueMillis(0, 199, 20)).toBe(9950)
    expect(frameDueMillis(1000, 3, 30)).toBe(1100)
    expect(frameDueMillis(0, 1, 30)).toBe(1000 / 30)
    expect(frameDueMillis(0, 108_000, 30)).toBe(3_600_000)
  })

  it.effect("200 frames at 20 fps take exactly 9.95 s: frame k at k * 50 ms", () =>
    Effect.gen(function* () {
      const clock = yield* Effect.clock
      const { sent, sendFrame } = recorder(clock)
      const fiber = yield* Effect.fork(runSchedule({ fps: 20, firstFrame: 0, endFrame: 200, sendFrame }))
      yield* TestClock.adjust(Duration.millis(9949))
      expect(sent).toHaveLength(199)
      expect(fiber.unsafePoll()).toBeNull()
      yield* TestClock.adjust(Duration.millis(1))
      const result = yield* Fiber.join(fiber)
      expect(result).toEqual({ framesSent: 200, nextFrame: 200 })
      expect(sent).toEqual(Array.from({ length: 200 }, (_, k) => ({ frame: k, at: k * 50 })))
    }))

  it.effect("a run with firstFrame > 0 counts from its own start and stops before endFrame", () =>
    Effect.gen(function* () {
      const clock = yield* Effect.clock
      yield* TestClock.adjust(Duration.millis(1234))
      const { sent, sendFrame } = recorder(clock)
      const fiber = yield* Effect.fork(runSchedule({ fps: 20, firstFrame: 190, endFrame: 200, sendFrame }))
      yield* TestClock.adjust(Duration.seconds(5))
      expect(yield* Fiber.join(fiber)).toEqual({ framesSent: 10, nextFrame: 200 })
      expect(sent).toEqual(Array.from({ length: 10 }, (_, j) => ({ frame: 190 + j, at: 1234 + j * 50 })))
    }))

  it.effect("30 fps on TestClock: frame k at t0 + k * 1000/30, 10 s without accumulated error", () =>
    Effect.gen(function* () {
      const clock = yield* Effect.clock
      const { sent, sendFrame } = recorder(clock)
      const fiber = yield* Effect.fork(runSchedule({ fps: 30, firstFrame: 0, endFrame: 301, sendFrame }))
      yield* TestClock.adjust(Duration.seconds(10))
      expect(yield* Fiber.join(fiber)).toEqual({ framesSent: 301, nextFrame: 301 })
      // Sleeps are rounded to whole nanoseconds, so each frame may be off by < 1 ns — never more, however late in the run.
      const worst = Math.max(...sent.map(({ frame, at }) => Math.abs(at - (frame * 1000) / 30)))
      expect(worst).toBeLessThan(1e-6)
      expect(sent.map((s) => s.frame)).toEqual(Array.from({ length: 301 }, (_, k) => k))
      expect(Math.abs(sent[300]!.at - 10_000)).toBeLessThan(1e-6)
    }))

  it.effect("one hour at 20 fps (72,000 frames): every frame exactly on its due time", () =>
    Effect.gen(function* () {
      const virtual = virtualClock()
      const { sent, sendFrame } = recorder(virtual.clock)
      const result = yield* runSchedule({ fps: 20, firstFrame: 0, endFrame: 72_000, sendFrame }).pipe(Effect.withClock(virtual.clock))
      expect(result).toEqual({ framesSent: 72_000, nextFrame: 72_000 })
      let off = 0
      for (const { frame, at } of sent) if (at !== virtual.start + frame * 50) off++
      expect(off).toBe(0)
      expect(sent[71_999]!.at - virtual.start).toBe(3_599_950)
    }))

  it.effect("one hour at 30 fps with per-frame work and late timers: error stays bounded, never accumulates", () =>
    Effect.gen(function* () {
      const late = lcg(7)
      const work = lcg(11)
      // Timers fire 0-12 ms late, and each frame costs 0-25 ms of work, as on a busy machine.
      const virtual = virtualClock(() => late() * 12)
      const { sent, sendFrame } = recorder(virtual.clock, () => Effect.sync(() => virtual.advance(work() * 25)))
      const frames = 108_000
      const result = yield* runSchedule({ fps: 30, firstFrame: 0, endFrame: frames, sendFrame }).pipe(Effect.withClock(virtual.clock))
      expect(result).toEqual({ framesSent: frames, nextFrame: frames })
      let worst = 0
      let early = 0
      for (const { frame, at } of sent) {
        const error = at - (virtual.start + (frame * 1000) / 30)
        if (error < -1e-6) early++
        worst = Math.max(worst, error)
      }
      expect(early).toBe(0)
      expect(worst).toBeLessThanOrEqual(12 + 1e-6)
      // The last frame of the hour is still within a timer's lateness of t0 + 3,599,966.67 ms.
      expect(sent[frames - 1]!.at - virtual.start - ((frames - 1) * 1000) / 30).toBeLessThanOrEqual(12 + 1e-6)
    }))

  it.effect("PAUSE (interrupt) then PLAY (a new run from the next frame) keeps the new run's schedule", () =>
    Effect.gen(function* () {
      const clock = yield* Effect.clock
      const { sent, sendFrame } = recorder(clock)
      const first = yield* Effect.fork(runSchedule({ fps: 20, firstFrame: 0, endFrame: 200, sendFrame }))
      yield* TestClock.adjust(Duration.millis(1020))
      yield* Fiber.interrupt(first)
      // Frames 0..20 went out at 0..1000 ms; nothing after the interrupt.
      expect(sent).toEqual(Array.from({ length: 21 }, (_, k) => ({ frame: k, at: k * 50 })))
      yield* TestClock.adjust(Duration.millis(3317))
      expect(sent).toHaveLength(21)
      const t1 = clock.unsafeCurrentTimeMillis()
      expect(t1).toBe(4337)
      const second = yield* Effect.fork(runSchedule({ fps: 20, firstFrame: 21, endFrame: 60, sendFrame }))
      yield* TestClock.adjust(Duration.seconds(3))
      expect(yield* Fiber.join(second)).toEqual({ framesSent: 39, nextFrame: 60 })
      expect(sent.slice(21)).toEqual(Array.from({ length: 39 }, (_, j) => ({ frame: 21 + j, at: t1 + j * 50 })))
    }))

  it.effect("a seek (interrupt, new run at another frame) restarts the timeline at the seek time", () =>
    Effect.gen(function* () {
      const clock = yield* Effect.clock
      const { sent, sendFrame } = recorder(clock)
      const playing = yield* Effect.fork(runSchedule({ fps: 20, firstFrame: 0, endFrame: 200, sendFrame }))
      // Seek half-way between two frames' due times.
      yield* TestClock.adjust(Duration.millis(1025))
      yield* Fiber.interrupt(playing)
      const seeked = yield* Effect.fork(runSchedule({ fps: 20, firstFrame: 100, endFrame: 110, sendFrame }))
      yield* TestClock.adjust(Duration.seconds(1))
      expect(yield* Fiber.join(seeked)).toEqual({ framesSent: 10, nextFrame: 110 })
      expect(sent.slice(0, 21).map((s) => s.frame)).toEqual(Array.from({ length: 21 }, (_, k) => k))
      expect(sent.slice(21)).toEqual(Array.from({ length: 10 }, (_, j) => ({ frame: 100 + j, at: 1025 + j * 50 })))
    }))

  it.effect("a stall longer than MAX_LATENESS_MS re-anchors the timeline: no burst of late frames", () =>
    Effect.gen(function* () {
      expect(MAX_LATENESS_MS).toBe(1000)
      const clock = yield* Effect.clock
      // Frame 10's follow-up work takes 2 s.
      const { sent, sendFrame } = recorder(clock, (frame) => (frame === 10 ? Effect.sleep(Duration.seconds(2)) : undefined))
      const fiber = yield* Effect.fork(runSchedule({ fps: 20, firstFrame: 0, endFrame: 20, sendFrame }))
      yield* TestClock.adjust(Duration.seconds(5))
      expect(yield* Fiber.join(fiber)).toEqual({ framesSent: 20, nextFrame: 20 })
      expect(sent).toEqual([
        ...Array.from({ length: 11 }, (_, k) => ({ frame: k, at: k * 50 })),
        // Frame 11 was due at 550; it goes out when the stall ends (2500), then every 50 ms again.
        ...Array.from({ length: 9 }, (_, j) => ({ frame: 11 + j, at: 2500 + j * 50 }))
      ])
    }))

  it.effect("a stall shorter than MAX_LATENESS_MS catches up on the original timeline", () =>
    Effect.gen(function* () {
      const clock = yield* Effect.clock
      const { sent, sendFrame } = recorder(clock, (frame) => (frame === 10 ? Effect.sleep(Duration.millis(300)) : undefined))
      const fiber = yield* Effect.fork(runSchedule({ fps: 20, firstFrame: 0, endFrame: 20, sendFrame }))
      yield* TestClock.adjust(Duration.seconds(2))
      expect(yield* Fiber.join(fiber)).toEqual({ framesSent: 20, nextFrame: 20 })
      // Frames 11..16 (due 550..800) go out at 800 when the stall ends; 17.. are on time again.
      expect(sent).toEqual([
        ...Array.from({ length: 11 }, (_, k) => ({ frame: k, at: k * 50 })),
        ...Array.from({ length: 6 }, (_, j) => ({ frame: 11 + j, at: 800 })),
        ...Array.from({ length: 3 }, (_, j) => ({ frame: 17 + j, at: 850 + j * 50 }))
      ])
    }))

  it.effect("without endFrame (loop) the run goes on until interrupted", () =>
    Effect.gen(function* () {
      const clock = yield* Effect.clock
      const { sent, sendFrame } = recorder(clock)
      const fiber = yield* Effect.fork(runSchedule({ fps: 20, firstFrame: 195, endFrame: undefined, sendFrame }))
      yield* TestClock.adjust(Duration.millis(1000))
      expect(fiber.unsafePoll()).toBeNull()
      yield* Fiber.interrupt(fiber)
      expect(sent).toEqual(Array.from({ length: 21 }, (_, j) => ({ frame: 195 + j, at: j * 50 })))
    }))
})

// The live clock takes its own timer path (no clock.sleep per frame), so it gets its own tests on real time.
describe("FrameScheduler on the live clock", () => {
  it.live("the default clock is recognised as live, a TestClock is not", () =>
    Effect.gen(function* () {
      expect(isLiveClock(yield* Effect.clock)).toBe(true)
      expect(isLiveClock(virtualClock().clock)).toBe(false)
    }))

  it.effect("a TestClock is not the live clock", () => Effect.map(Effect.clock, (clock) => expect(isLiveClock(clock)).toBe(false)))

  it.live("a run sends every frame in order, runs each follow-up, and ends at endFrame", () =>
    Effect.gen(function* () {
      const clock = yield* Effect.clock
      const followUps: Array<number> = []
      const { sent, sendFrame } = recorder(clock, (frame) => (frame % 2 === 0 ? Effect.sync(() => followUps.push(frame)) : undefined))
      const result = yield* runSchedule({ fps: 200, firstFrame: 10, endFrame: 16, sendFrame })
      expect(result).toEqual({ framesSent: 6, nextFrame: 16 })
      expect(sent.map((s) => s.frame)).toEqual([10, 11, 12, 13, 14, 15])
      expect(followUps).toEqual([10, 12, 14])
    }))

  it.live("interrupted while waiting for a frame, the run sends nothing more", () =>
    Effect.gen(function* () {
      const clock = yield* Effect.clock
      const { sent, sendFrame } = recorder(clock)
      const fiber = yield* Effect.fork(runSchedule({ fps: 100, firstFrame: 0, endFrame: undefined, sendFrame }))
      yield* Effect.sleep(Duration.millis(35))
      const exit = yield* Fiber.interrupt(fiber)
      expect(Exit.isInterrupted(exit)).toBe(true)
      const sentBefore = sent.length
      expect(sentBefore).toBeGreaterThan(0)
      // Several frame intervals later, still nothing: the run ended with its interruption.
      yield* Effect.sleep(Duration.millis(60))
      expect(sent).toHaveLength(sentBefore)
    }))
})
