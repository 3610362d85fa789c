/**
 * The packet plan: the same seed makes the same choices whatever the timing (so over UDP and TCP
 * alike), each knob's rate comes out as asked over many packets, and the record adds up.
 */
import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { type DropReason, gilbertElliott, makePacketPlan, type PacketIn } from "../../src/impair/packetPlan.js"
import type { ImpairmentProfile } from "../../src/impair/profile.js"
import { normal, Stream, uniform } from "../../src/impair/random.js"

/** A stream of `count` packets, 7 a frame, a frame every 50 ms; `timing` shifts each packet's time. */
const packets = (count: number, bytes = 1400, timing: (i: number) => number = () => 0): Array<PacketIn> =>
  Array.from({ length: count }, (_, i) => ({ index: i, frameIndex: Math.floor(i / 7), bytes, atMs: Math.floor(i / 7) * 50 + timing(i) }))

interface Outcome {
  readonly drop: DropReason | undefined
  readonly copies: number
  readonly holdFor: number
  readonly delayMs: number
  readonly sendAtMs: number
}

const run = (profile: ImpairmentProfile, input: ReadonlyArray<PacketIn>) => {
  const plan = makePacketPlan(profile)
  const outcomes: Array<Outcome> = input.map((p) => ({ ...plan.decide(p) }))
  return { outcomes, record: plan.record }
}

const share = (n: number) => fc.double({ min: 0, max: n, noNaN: true })
const randomProfile = fc.record({
  seed: fc.integer({ min: 0, max: 0xffffffff }),
  loss: fc.option(share(0.5), { nil: undefined }),
  burst: fc.option(fc.record({ share: share(0.5), meanLength: fc.integer({ min: 1, max: 10 }) }), { nil: undefined }),
  delay: fc.option(fc.record({ meanMs: fc.integer({ min: 0, max: 300 }), jitterMs: fc.integer({ min: 0, max: 50 }) }), { nil: undefined }),
  reorder: fc.option(fc.record({ share: share(0.2), depth: fc.integer({ min: 1, max: 5 }) }), { nil: undefined }),
  duplicate: fc.option(share(0.2), { nil: undefined }),
  frameDrop: fc.option(share(0.2), { nil: undefined })
})

describe("random draws", () => {
  it("are in [0, 1), the same for the same (seed, counter, stream), and differ between streams", () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 2 ** 40 }), (seed, counter) => {
      const u = uniform(seed, counter, Stream.Loss)
      expect(u).toBeGreaterThanOrEqual(0)
      expect(u).toBeLessThan(1)
      expect(uniform(seed, counter, Stream.Loss)).toBe(u)
    }))
    const same = Array.from({ length: 1000 }, (_, i) => uniform(7, i, Stream.Loss) === uniform(7, i, Stream.Duplicate)).filter(Boolean)
    expect(same.length).toBe(0)
  })

  it("are uniform: each tenth of [0, 1) gets a tenth of 100,000 draws, within 3 %", () => {
    const buckets = new Array<number>(10).fill(0)
    for (let i = 0; i < 100_000; i++) buckets[Math.floor(uniform(42, i, Stream.Loss) * 10)]!++
    for (const n of buckets) expect(Math.abs(n - 10_000)).toBeLessThan(300)
  })

  it("normal draws have the mean and standard deviation asked", () => {
    const draws = Array.from({ length: 50_000 }, (_, i) => normal(3, i, 100, 15))
    const mean = draws.reduce((a, b) => a + b, 0) / draws.length
    const sd = Math.sqrt(draws.reduce((a, b) => a + (b - mean) ** 2, 0) / draws.length)
    expect(Math.abs(mean - 100)).toBeLessThan(0.3)
    expect(Math.abs(sd - 15)).toBeLessThan(0.3)
  })
})

describe("the packet plan", () => {
  it("makes the same choices for the same seed, whatever the packets' timing (UDP or TCP alike)", () => {
    fc.assert(fc.property(randomProfile, fc.integer({ min: 0, max: 1000 }), (profile, shift) => {
      const input = packets(700)
      const later = packets(700, 1400, (i) => (i * shift) % 37)
      const a = run(profile, input)
      const b = run(profile, later)
      expect(b.outcomes.map(({ drop, copies, holdFor, delayMs }) => ({ drop, copies, holdFor, delayMs })))
        .toEqual(a.outcomes.map(({ drop, copies, holdFor, delayMs }) => ({ drop, copies, holdFor, delayMs })))
      expect(b.record).toEqual(a.record)
    }), { numRuns: 100 })
  })

  it("a different seed makes different choices", () => {
    const a = run({ seed: 1, loss: 0.1 }, packets(1000)).outcomes.map((o) => o.drop)
    const b = run({ seed: 2, loss: 0.1 }, packets(1000)).outcomes.map((o) => o.drop)
    expect(b).not.toEqual(a)
  })

  it("adds up: every packet is sent or dropped for one reason; a dropped one is neither doubled, held nor delayed", () => {
    fc.assert(fc.property(randomProfile, (profile) => {
      const { outcomes, record } = run(profile, packets(700))
      const dropped = Object.values(record.dropped).reduce((a, b) => a + b, 0)
      expect(record.packets).toBe(700)
      expect(outcomes.filter((o) => o.drop !== undefined).length).toBe(dropped)
      expect(outcomes.filter((o) => o.copies === 2).length).toBe(record.duplicated)
      expect(outcomes.filter((o) => o.holdFor > 0).length).toBe(record.reordered)
      for (const o of outcomes) if (o.drop !== undefined) expect([o.copies, o.holdFor, o.delayMs]).toEqual([1, 0, 0])
    }), { numRuns: 100 })
  })

  it("random loss drops the share asked over 100,000 packets (2 % ± 0.2)", () => {
    const { record } = run({ seed: 9, loss: 0.02 }, packets(100_000))
    expect(Math.abs(record.dropped.loss / 100_000 - 0.02)).toBeLessThan(0.002)
  })

  it("burst loss (Gilbert–Elliott) loses the share asked, in bursts of the mean length asked", () => {
    const { outcomes, record } = run({ seed: 5, burst: { share: 0.05, meanLength: 4 } }, packets(200_000))
    expect(Math.abs(record.dropped.burst / 200_000 - 0.05)).toBeLessThan(0.005)
    const bursts: Array<number> = []
    let length = 0
    for (const o of outcomes) {
      if (o.drop === "burst") length++
      else if (length > 0) {
        bursts.push(length)
        length = 0
      }
    }
    const mean = bursts.reduce((a, b) => a + b, 0) / bursts.length
    expect(Math.abs(mean - 4)).toBeLessThan(0.2)
    expect(gilbertElliott(0.05, 4)).toEqual({ goodToBad: (0.05 * 0.25) / 0.95, badToGood: 0.25 })
  })

  it("delay has the mean and jitter asked, and never reorders: send times never go back", () => {
    const { outcomes, record } = run({ seed: 3, delay: { meanMs: 80, jitterMs: 10 } }, packets(50_000))
    expect(Math.abs(record.delay.sumMs / record.delay.count - 80)).toBeLessThan(0.5)
    for (let i = 1; i < outcomes.length; i++) expect(outcomes[i]!.sendAtMs).toBeGreaterThanOrEqual(outcomes[i - 1]!.sendAtMs)
    expect(record.delay.minMs).toBeGreaterThanOrEqual(0)
  })

  it("reordering holds the share asked, one packet at a time, by the depth asked", () => {
    const { outcomes, record } = run({ seed: 8, reorder: { share: 0.01, depth: 3 } }, packets(100_000))
    expect(Math.abs(record.reordered / 100_000 - 0.01)).toBeLessThan(0.0015)
    const held = outcomes.flatMap((o, i) => (o.holdFor > 0 ? [i] : []))
    for (let k = 1; k < held.length; k++) expect(held[k]! - held[k - 1]!).toBeGreaterThan(3)
    expect(outcomes.every((o) => o.holdFor === 0 || o.holdFor === 3)).toBe(true)
  })

  it("duplicates the share asked", () => {
    const { record } = run({ seed: 4, duplicate: 0.005 }, packets(200_000))
    expect(Math.abs(record.duplicated / 200_000 - 0.005)).toBeLessThan(0.0007)
  })

  it("frame-drop leaves out whole frames, counted once each", () => {
    const { outcomes, record } = run({ seed: 6, frameDrop: 0.1 }, packets(7000))
    const byFrame = new Map<number, Set<DropReason | undefined>>()
    outcomes.forEach((o, i) => byFrame.set(Math.floor(i / 7), (byFrame.get(Math.floor(i / 7)) ?? new Set()).add(o.drop)))
    for (const reasons of byFrame.values()) expect(reasons.size).toBe(1)
    const dropped = [...byFrame.values()].filter((r) => r.has("frame")).length
    expect(record.framesDropped).toBe(dropped)
    expect(Math.abs(dropped / 1000 - 0.1)).toBeLessThan(0.03)
  })

  it("a bandwidth cap above the stream's rate drops nothing; at half the rate it drops about half, and never queues", () => {
    // 7 × 1400 bytes every 50 ms: 1568 kbit/s.
    expect(run({ seed: 1, bandwidthKbps: 2000 }, packets(7000)).record.dropped.bandwidth).toBe(0)
    const { outcomes, record } = run({ seed: 1, bandwidthKbps: 784 }, packets(7000))
    expect(Math.abs(record.dropped.bandwidth / 7000 - 0.5)).toBeLessThan(0.05)
    expect(outcomes.every((o) => o.delayMs === 0)).toBe(true)
  })
})

describe("the record of broken frames and the freeze", () => {
  it("frames broken are exactly the frames with a packet left out, for random profiles and seeds", () => {
    fc.assert(fc.property(randomProfile, (profile) => {
      const { outcomes, record } = run(profile, packets(700))
      const broken = new Set(outcomes.flatMap((o, i) => (o.drop === undefined ? [] : [Math.floor(i / 7)])))
      expect(record.framesBroken).toBe(broken.size)
    }), { numRuns: 50 })
  })

  it("freeze-after leaves out every packet from that long after the first PLAY, and nothing before it", () => {
    const plan = makePacketPlan({ seed: 3, freezeAfterMs: 1000 })
    plan.playing(200)
    plan.playing(5000) // a later PLAY does not move it
    const outcomes = packets(700).map((p) => plan.decide(p).drop)
    // Frame k goes at k·50 ms: frames from 24 (1200 ms) on are frozen.
    expect(outcomes.slice(0, 24 * 7).every((drop) => drop === undefined)).toBe(true)
    expect(outcomes.slice(24 * 7).every((drop) => drop === "freeze")).toBe(true)
    expect(plan.record.dropped.freeze).toBe(700 - 24 * 7)
    expect(plan.record.framesBroken).toBe(100 - 24)
  })

  it("without a PLAY nothing freezes, and a drop after the decision (a full queue) breaks its frame once", () => {
    const plan = makePacketPlan({ seed: 3, freezeAfterMs: 0 })
    expect(packets(14).every((p) => plan.decide(p).drop === undefined)).toBe(true)
    plan.dropAfterDecision(1, "overflow")
    plan.dropAfterDecision(1, "overflow")
    expect(plan.record.dropped.overflow).toBe(2)
    expect(plan.record.framesBroken).toBe(1)
  })
})
