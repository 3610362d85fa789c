/**
 * The impaired sink on the TestClock: packets go out whole, in one call per frame, when nothing
 * is asked; a delay holds them exactly that long; drops, duplicates and reordering are what the
 * record says; a full queue drops and counts rather than growing.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, TestClock } from "effect"
import type { ImpairmentProfile } from "../../src/impair/profile.js"
import { RTP_FIXED_HEADER_SIZE, rtpSequenceNumberAt, writeRtpHeader } from "../../src/protocol/rtp.js"
import { makeImpairedSink } from "../../src/server/impairedSink.js"
import { makeImpairmentReleaser } from "../../src/server/impairmentReleaser.js"
import type { PacketSink } from "../../src/server/rtpSender.js"

interface Sent {
  readonly atMs: number
  readonly seqs: ReadonlyArray<number>
}

/** A real sink's stand-in: what it was handed, when, by sequence number. */
const capture = (now: () => number) => {
  const calls: Array<Sent> = []
  const sink: PacketSink = {
    headerBuffer: (bytes) => Buffer.alloc(bytes),
    sendFrame: (headers, payloads) => {
      calls.push({ atMs: now(), seqs: payloads.map((_, i) => rtpSequenceNumberAt(headers, i * RTP_FIXED_HEADER_SIZE)) })
      return true
    },
    sendRtcp: () => {}
  }
  return { sink, calls, seqs: () => calls.flatMap((c) => c.seqs) }
}

const PAYLOAD = Buffer.alloc(1000, 7)

/** Frame `k` of `per` packets, sequence numbers k·per … */
const frame = (k: number, per: number): [Buffer, Array<Buffer>] => {
  const headers = Buffer.alloc(per * RTP_FIXED_HEADER_SIZE)
  for (let i = 0; i < per; i++) writeRtpHeader(headers, i * RTP_FIXED_HEADER_SIZE, i === per - 1, 26, k * per + i, k * 4500, 0xabc)
  return [headers, Array.from({ length: per }, () => PAYLOAD)]
}

const withSink = (profile: ImpairmentProfile, capacity?: number) =>
  Effect.gen(function* () {
    const clock = yield* Effect.clock
    const out = capture(() => clock.unsafeCurrentTimeMillis())
    const releaser = makeImpairmentReleaser(clock)
    const impaired = makeImpairedSink(out.sink, profile, clock, releaser, capacity)
    const loop = yield* Effect.fork(releaser.loop)
    return { out, impaired, loop }
  })

describe("the impaired sink", () => {
  it.effect("with no knob, each frame goes out whole, at once, in one call", () =>
    Effect.gen(function* () {
      const { out, impaired, loop } = yield* withSink({ seed: 1 })
      for (let k = 0; k < 5; k++) {
        impaired.sink.sendFrame(...frame(k, 4))
        yield* TestClock.adjust(50)
      }
      expect(out.calls.map((c) => c.seqs.length)).toEqual([4, 4, 4, 4, 4])
      expect(out.seqs()).toEqual(Array.from({ length: 20 }, (_, i) => i))
      expect(impaired.waiting()).toBe(0)
      yield* Fiber.interrupt(loop)
    }))

  it.effect("a fixed delay holds each frame exactly that long, and nothing before", () =>
    Effect.gen(function* () {
      const { out, impaired, loop } = yield* withSink({ seed: 1, delay: { meanMs: 120, jitterMs: 0 } })
      impaired.sink.sendFrame(...frame(0, 3))
      yield* TestClock.adjust(50)
      impaired.sink.sendFrame(...frame(1, 3))
      yield* TestClock.adjust(69)
      expect(out.calls).toEqual([])
      expect(impaired.waiting()).toBe(6)
      yield* TestClock.adjust(1)
      expect(out.calls).toEqual([{ atMs: 120, seqs: [0, 1, 2] }])
      yield* TestClock.adjust(50)
      expect(out.calls[1]).toEqual({ atMs: 170, seqs: [3, 4, 5] })
      expect(impaired.record.delay).toMatchObject({ count: 6, minMs: 120, maxMs: 120 })
      yield* Fiber.interrupt(loop)
    }))

  it.effect("drops, duplicates and holds back exactly what the record counts", () =>
    Effect.gen(function* () {
      const { out, impaired, loop } = yield* withSink({ seed: 11, loss: 0.05, duplicate: 0.03, reorder: { share: 0.03, depth: 2 } })
      for (let k = 0; k < 300; k++) {
        impaired.sink.sendFrame(...frame(k, 7))
        yield* TestClock.adjust(50)
      }
      const seqs = out.seqs()
      const { record } = impaired
      const distinct = new Set(seqs)
      // Every packet held back came late, but for one still held when the stream stopped.
      const stillHeld = record.reordered - countLate(seqs)
      expect([0, 1]).toContain(stillHeld)
      expect(2100 - distinct.size - stillHeld).toBe(record.dropped.loss)
      expect(seqs.length - distinct.size).toBe(record.duplicated)
      expect(countLate(seqs)).toBeGreaterThan(0)
      expect(record.dropped.loss).toBeGreaterThan(0)
      expect(record.duplicated).toBeGreaterThan(0)
      yield* Fiber.interrupt(loop)
    }))

  it.effect("a held packet goes out after the next `depth` packets", () =>
    Effect.gen(function* () {
      const { out, impaired, loop } = yield* withSink({ seed: 2, reorder: { share: 1, depth: 2 } })
      impaired.sink.sendFrame(...frame(0, 9))
      // 0 held until 1 and 2 went; then 3 is held (one at a time) until 4 and 5; then 6 until 7 and 8.
      expect(out.seqs()).toEqual([1, 2, 0, 4, 5, 3, 7, 8, 6])
      yield* Fiber.interrupt(loop)
    }))

  it.effect("a full queue drops and counts instead of growing", () =>
    Effect.gen(function* () {
      const { out, impaired, loop } = yield* withSink({ seed: 1, delay: { meanMs: 1000, jitterMs: 0 } }, 8)
      for (let k = 0; k < 3; k++) impaired.sink.sendFrame(...frame(k, 5))
      expect(impaired.waiting()).toBe(8)
      expect(impaired.record.dropped.overflow).toBe(7)
      yield* TestClock.adjust(1000)
      expect(out.seqs()).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
      expect(impaired.waiting()).toBe(0)
      yield* Fiber.interrupt(loop)
    }))

  it.effect("the same profile and seed send the same packets in the same order to any sink (UDP or TCP alike)", () =>
    Effect.gen(function* () {
      const profile: ImpairmentProfile = { seed: 77, loss: 0.05, burst: { share: 0.05, meanLength: 3 }, duplicate: 0.02, reorder: { share: 0.02, depth: 3 }, delay: { meanMs: 20, jitterMs: 5 } }
      const a = yield* withSink(profile)
      const b = yield* withSink(profile)
      for (let k = 0; k < 200; k++) {
        a.impaired.sink.sendFrame(...frame(k, 7))
        b.impaired.sink.sendFrame(...frame(k, 7))
        yield* TestClock.adjust(50)
      }
      yield* TestClock.adjust(200)
      expect(b.out.seqs()).toEqual(a.out.seqs())
      expect(b.impaired.record).toEqual(a.impaired.record)
      yield* Fiber.interrupt(a.loop)
      yield* Fiber.interrupt(b.loop)
    }))
})

/** Packets that came after a higher sequence number had: the late ones. */
const countLate = (seqs: ReadonlyArray<number>): number => {
  let max = -1
  let late = 0
  for (const s of seqs) {
    if (s < max) late++
    else max = s
  }
  return late
}

/** RFC 3550's estimator over (arrival ms, RTP timestamp) pairs, the way a receiver runs it. */
const rfc3550Jitter = (arrivals: ReadonlyArray<readonly [number, number]>): number => {
  let jitter = 0
  for (let i = 1; i < arrivals.length; i++) {
    const d = Math.abs(arrivals[i]![0] - arrivals[i - 1]![0] - (arrivals[i]![1] - arrivals[i - 1]![1]) / 90)
    jitter += (d - jitter) / 16
  }
  return jitter
}

describe("the impaired sink's clock-side knobs", () => {
  it.effect("the record's jitter is the estimator's over what went out, when it went out; 0 with none added", () =>
    Effect.gen(function* () {
      const clock = yield* Effect.clock
      for (const profile of [{ seed: 5 }, { seed: 5, delay: { meanMs: 30, jitterMs: 12 } }]) {
        const arrivals: Array<readonly [number, number]> = []
        const sink: PacketSink = {
          headerBuffer: (bytes) => Buffer.alloc(bytes),
          sendFrame: (headers, payloads) => {
            for (let i = 0; i < payloads.length; i++) arrivals.push([clock.unsafeCurrentTimeMillis(), headers.readUInt32BE(i * RTP_FIXED_HEADER_SIZE + 4)])
            return true
          },
          sendRtcp: () => {}
        }
        const releaser = makeImpairmentReleaser(clock)
        const impaired = makeImpairedSink(sink, profile, clock, releaser)
        const loop = yield* Effect.fork(releaser.loop)
        // 50 ms a frame, 4,500 ticks a frame: the timestamps keep the pace.
        for (let k = 0; k < 200; k++) {
          impaired.sink.sendFrame(...frame(k, 3))
          yield* TestClock.adjust(50)
        }
        yield* TestClock.adjust(1000)
        expect(arrivals).toHaveLength(600)
        // Packets go out in whole milliseconds after they fall due, so the two differ by less than 1 ms.
        expect(Math.abs(impaired.record.jitterMs - rfc3550Jitter(arrivals))).toBeLessThan(1)
        if (profile.delay === undefined) expect(impaired.record.jitterMs).toBe(0)
        else expect(impaired.record.jitterMs).toBeGreaterThan(3)
        yield* Fiber.interrupt(loop)
      }
    }))

  it.effect("sequence numbers and timestamps restart once, that long after the first PLAY, at a frame's start", () =>
    Effect.gen(function* () {
      const { out, impaired, loop } = yield* withSink({ seed: 9, resetSequenceAfterMs: 120, resetTimestampAfterMs: 120 })
      impaired.playing(0)
      for (let k = 0; k < 6; k++) {
        impaired.sink.sendFrame(...frame(k, 3))
        yield* TestClock.adjust(50)
      }
      const seqs = out.seqs()
      // Frames 0–2 (0, 50, 100 ms) keep their numbers; frame 3 (150 ms) starts the new run.
      expect(seqs.slice(0, 9)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8])
      const restart = seqs[9]!
      expect(seqs.slice(9)).toEqual(Array.from({ length: 9 }, (_, i) => (restart + i) & 0xffff))
      expect(impaired.record).toMatchObject({ sequenceResets: 1, timestampResets: 1, firstSequence: 0, lastSequence: (restart + 8) & 0xffff })
      yield* Fiber.interrupt(loop)
    }))
})

/** A real sink's stand-in that writes down RTP (by sequence number) and RTCP (as `rtcpLine` says) in the order handed. */
const inOrder = (rtcpLine: (packet: Buffer) => string) => {
  const order: Array<string> = []
  const sink: PacketSink = {
    headerBuffer: (bytes) => Buffer.alloc(bytes),
    sendFrame: (headers, payloads) => {
      for (let i = 0; i < payloads.length; i++) order.push(`rtp ${rtpSequenceNumberAt(headers, i * RTP_FIXED_HEADER_SIZE)}`)
      return true
    },
    sendRtcp: (packet) => {
      order.push(rtcpLine(packet))
    }
  }
  return { order, sink }
}

describe("the impaired sink's RTCP", () => {
  it.effect("a sender report waits behind the delayed packets sent before it; with none waiting it goes at once", () =>
    Effect.gen(function* () {
      const clock = yield* Effect.clock
      const { order, sink } = inOrder((packet) => `rtcp ${packet[1]} at ${clock.unsafeCurrentTimeMillis()}`)
      // An SR (type 200), 28 bytes: length field 6.
      const senderReport = () => Buffer.from([0x80, 200, 0, 6, ...new Array<number>(24).fill(0)])
      const releaser = makeImpairmentReleaser(clock)
      const clean = makeImpairedSink(sink, { seed: 1 }, clock, releaser)
      clean.sink.sendRtcp(senderReport())
      expect(order).toEqual(["rtcp 200 at 0"])
      order.length = 0
      const impaired = makeImpairedSink(sink, { seed: 1, delay: { meanMs: 100, jitterMs: 0 } }, clock, releaser)
      const loop = yield* Effect.fork(releaser.loop)
      impaired.sink.sendFrame(...frame(0, 2))
      impaired.sink.sendRtcp(senderReport())
      yield* TestClock.adjust(50)
      impaired.sink.sendFrame(...frame(1, 2))
      yield* TestClock.adjust(49)
      expect(order).toEqual([])
      yield* TestClock.adjust(1)
      expect(order).toEqual(["rtp 0", "rtp 1", "rtcp 200 at 100"])
      yield* TestClock.adjust(50)
      expect(order).toEqual(["rtp 0", "rtp 1", "rtcp 200 at 100", "rtp 2", "rtp 3"])
      yield* Fiber.interrupt(loop)
    }))

  it.effect("the end-of-stream BYE sends the held-back packet and goes after the last delayed one, by the stream's own wait", () =>
    Effect.gen(function* () {
      const clock = yield* Effect.clock
      const { order, sink } = inOrder((packet) => `rtcp ${packet[1]} ${packet[29]} at ${clock.unsafeCurrentTimeMillis()}`)
      // SR (28 bytes) then BYE (type 203, 8 bytes: length field 1).
      const goodbye = Buffer.from([0x80, 200, 0, 6, ...new Array<number>(24).fill(0), 0x81, 203, 0, 1, 0, 0, 0, 0])
      // Every packet held back behind 5 later ones: the stream's last packet is still held when it ends.
      const releaser = makeImpairmentReleaser(clock)
      const impaired = makeImpairedSink(sink, { seed: 1, reorder: { share: 1, depth: 5 }, delay: { meanMs: 200, jitterMs: 0 } }, clock, releaser)
      const loop = yield* Effect.fork(releaser.loop)
      impaired.sink.sendFrame(...frame(0, 3))
      yield* TestClock.adjust(10)
      impaired.sink.sendRtcp(goodbye)
      yield* TestClock.adjust(189)
      expect(order).toEqual([])
      yield* TestClock.adjust(1)
      // The held packet goes with the last due, after those that passed it; the BYE 10 ms later, as the stream waited.
      expect(order).toEqual(["rtp 1", "rtp 2", "rtp 0"])
      yield* TestClock.adjust(10)
      expect(order).toEqual(["rtp 1", "rtp 2", "rtp 0", "rtcp 200 203 at 210"])
      expect(impaired.record.reordered).toBe(1)
      yield* Fiber.interrupt(loop)
    }))

  it.effect("a packet held when the stream pauses goes at once; passed by none, it is no reordering", () =>
    Effect.gen(function* () {
      const { out, impaired, loop } = yield* withSink({ seed: 1, reorder: { share: 1, depth: 5 } })
      impaired.sink.sendFrame(...frame(0, 1))
      expect(out.seqs()).toEqual([])
      expect(impaired.record.reordered).toBe(1)
      impaired.releaseHeld()
      expect(out.seqs()).toEqual([0])
      expect(impaired.record.reordered).toBe(0)
      yield* Fiber.interrupt(loop)
    }))
})

describe("the server's one releaser", () => {
  it.effect("sends every session's delayed packets when due, and a sooner one wakes it while it sleeps for a later one", () =>
    Effect.gen(function* () {
      const clock = yield* Effect.clock
      const releaser = makeImpairmentReleaser(clock)
      const loop = yield* Effect.fork(releaser.loop)
      const slow = capture(() => clock.unsafeCurrentTimeMillis())
      const fast = capture(() => clock.unsafeCurrentTimeMillis())
      const slowSink = makeImpairedSink(slow.sink, { seed: 1, delay: { meanMs: 300, jitterMs: 0 } }, clock, releaser)
      const fastSink = makeImpairedSink(fast.sink, { seed: 1, delay: { meanMs: 20, jitterMs: 0 } }, clock, releaser)
      slowSink.sink.sendFrame(...frame(0, 2))
      yield* TestClock.adjust(10)
      // The loop sleeps until 300; this one is due at 30.
      fastSink.sink.sendFrame(...frame(0, 2))
      expect(releaser.active()).toBe(2)
      yield* TestClock.adjust(20)
      expect(fast.calls).toEqual([{ atMs: 30, seqs: [0, 1] }])
      expect(slow.calls).toEqual([])
      yield* TestClock.adjust(270)
      expect(slow.calls).toEqual([{ atMs: 300, seqs: [0, 1] }])
      // Both empty: neither is held by the releaser any more.
      expect(releaser.active()).toBe(0)
      // A session that ended: what waited in it is never sent.
      slowSink.sink.sendFrame(...frame(1, 2))
      releaser.forget(slowSink.releasable)
      yield* TestClock.adjust(400)
      expect(slow.calls).toHaveLength(1)
      yield* Fiber.interrupt(loop)
    }))
})

describe("the impaired sink when its session ends", () => {
  it.effect("drops what waits, and the session's last BYE goes at once", () =>
    Effect.gen(function* () {
      const clock = yield* Effect.clock
      const releaser = makeImpairmentReleaser(clock)
      const loop = yield* Effect.fork(releaser.loop)
      const { order, sink } = inOrder((packet) => `rtcp ${packet[29]}`)
      const impaired = makeImpairedSink(sink, { seed: 1, delay: { meanMs: 500, jitterMs: 0 } }, clock, releaser)
      impaired.sink.sendFrame(...frame(0, 3))
      impaired.close()
      impaired.sink.sendRtcp(Buffer.from([0x80, 200, 0, 6, ...new Array<number>(24).fill(0), 0x81, 203, 0, 1, 0, 0, 0, 0]))
      expect(order).toEqual(["rtcp 203"])
      yield* TestClock.adjust(1000)
      expect(order).toEqual(["rtcp 203"])
      expect(impaired.waiting()).toBe(0)
      yield* Fiber.interrupt(loop)
    }))
})
