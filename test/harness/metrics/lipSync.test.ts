/**
 * Lip sync from the sender reports, with sender clocks made up here: each track's SR maps an RTP
 * timestamp to the sender's wallclock; packets captured at known wallclock times arrive after
 * known network delays on a receiver clock that has nothing to do with the sender's. A table of
 * cases (audio late, audio early, jitter, the RTP timestamp wrapping, no SR, no samples) and
 * properties seeded from it: moving both sender clocks' NTP time by one constant, moving the
 * receiver clock, or moving one track's RTP timestamps across the wrap changes no offset.
 */
import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { lipSyncOffsetMs, medianDelayMs, type TrackTiming } from "../../../harness/metrics/lipSync.js"

/** The sender's wallclock (NTP as Unix ms) at its SR, and the receiver's clock (a monotonic one) when the sender's read it. */
const SENDER_MS = 1_700_000_000_000
const RECEIVER_AT_SENDER_MS = 5_000

interface TrackPlan {
  readonly clockRate: number
  /** The SR: the sender's wallclock and the RTP timestamp it maps to. */
  readonly srNtpMs: number
  readonly srRtp: number
  /** Packets: when captured on the sender's wallclock (ms after SENDER_MS), and the network delay. */
  readonly packets: ReadonlyArray<{ readonly capturedMs: number; readonly delayMs: number }>
}

/** The track's timing as a receiver sees it: the SR's clock, each packet's RTP timestamp and arrival on the receiver's clock. */
const timing = (plan: TrackPlan): TrackTiming => ({
  clockRate: plan.clockRate,
  senderClock: { ntpMs: plan.srNtpMs, rtpTimestamp: plan.srRtp, arrivalMs: RECEIVER_AT_SENDER_MS + (plan.srNtpMs - SENDER_MS) },
  samples: plan.packets.map(({ capturedMs, delayMs }) => ({
    timestamp: (plan.srRtp + Math.round(((SENDER_MS + capturedMs - plan.srNtpMs) * plan.clockRate) / 1000)) >>> 0,
    arrivalMs: RECEIVER_AT_SENDER_MS + capturedMs + delayMs
  }))
})

const every = (n: number, stepMs: number, delayMs: (i: number) => number, fromMs = 0) =>
  Array.from({ length: n }, (_, i) => ({ capturedMs: fromMs + i * stepMs, delayMs: delayMs(i) }))

/** What a delay comes out as: the network's, plus the receiver clock's offset from the sender's. */
const measured = (networkMs: number): number => networkMs + RECEIVER_AT_SENDER_MS - SENDER_MS

export const LIP_SYNC_VECTORS: ReadonlyArray<{
  readonly name: string
  readonly audio: TrackPlan
  readonly video: TrackPlan
  /** The median network delays, and the offset. */
  readonly audioDelayMs: number
  readonly videoDelayMs: number
  readonly offsetMs: number
}> = [
  {
    name: "audio 40 ms later than the video captured with it: +40",
    audio: { clockRate: 48000, srNtpMs: SENDER_MS, srRtp: 123_456, packets: every(50, 20, () => 60) },
    video: { clockRate: 90000, srNtpMs: SENDER_MS, srRtp: 3_000_000, packets: every(25, 40, () => 20) },
    audioDelayMs: 60,
    videoDelayMs: 20,
    offsetMs: 40
  },
  {
    name: "audio 25 ms ahead: −25; the two SRs sent at different times",
    audio: { clockRate: 8000, srNtpMs: SENDER_MS + 730, srRtp: 999, packets: every(40, 20, () => 15) },
    video: { clockRate: 90000, srNtpMs: SENDER_MS - 1_250, srRtp: 77, packets: every(20, 40, () => 40) },
    audioDelayMs: 15,
    videoDelayMs: 40,
    offsetMs: -25
  },
  {
    name: "jitter: the median, not the mean (a 400 ms straggler changes nothing)",
    audio: { clockRate: 48000, srNtpMs: SENDER_MS, srRtp: 0, packets: every(5, 20, (i) => [59, 60, 61, 60, 60][i]!) },
    video: { clockRate: 90000, srNtpMs: SENDER_MS, srRtp: 0, packets: every(5, 40, (i) => [20, 21, 19, 400, 20][i]!) },
    audioDelayMs: 60,
    videoDelayMs: 20,
    offsetMs: 40
  },
  {
    name: "the RTP timestamp wraps between the SR and the packets, and packets from before the SR",
    audio: { clockRate: 48000, srNtpMs: SENDER_MS, srRtp: 0xffff_ff00, packets: every(30, 20, () => 70, -200) },
    video: { clockRate: 90000, srNtpMs: SENDER_MS, srRtp: 0xffff_f000, packets: every(30, 40, () => 35, -400) },
    audioDelayMs: 70,
    videoDelayMs: 35,
    offsetMs: 35
  },
  {
    name: "in sync",
    audio: { clockRate: 16000, srNtpMs: SENDER_MS, srRtp: 4242, packets: every(10, 20, () => 33) },
    video: { clockRate: 90000, srNtpMs: SENDER_MS, srRtp: 4242, packets: every(10, 40, () => 33) },
    audioDelayMs: 33,
    videoDelayMs: 33,
    offsetMs: 0
  }
]

describe("lip sync vectors", () => {
  it.each(LIP_SYNC_VECTORS)("$name", ({ audio, video, audioDelayMs, videoDelayMs, offsetMs }) => {
    expect(medianDelayMs(timing(audio))).toBe(measured(audioDelayMs))
    expect(medianDelayMs(timing(video))).toBe(measured(videoDelayMs))
    expect(lipSyncOffsetMs(timing(audio), timing(video))).toBe(offsetMs)
  })

  it("the wrap vector's samples do wrap", () => {
    const audio = timing(LIP_SYNC_VECTORS[3]!.audio)
    expect(audio.samples.some((s) => s.timestamp > 0xffff_0000)).toBe(true)
    expect(audio.samples.some((s) => s.timestamp < 0x1_0000)).toBe(true)
  })

  it("undefined without a sender report, without samples, or without a clock rate", () => {
    const { audio, video } = LIP_SYNC_VECTORS[0]!
    const a = timing(audio)
    const v = timing(video)
    expect(medianDelayMs({ ...a, senderClock: undefined })).toBeUndefined()
    expect(medianDelayMs({ ...a, samples: [] })).toBeUndefined()
    expect(medianDelayMs({ ...a, clockRate: 0 })).toBeUndefined()
    expect(lipSyncOffsetMs({ ...a, senderClock: undefined }, v)).toBeUndefined()
    expect(lipSyncOffsetMs(a, { ...v, senderClock: undefined })).toBeUndefined()
    expect(lipSyncOffsetMs(a, { ...v, samples: [] })).toBeUndefined()
    expect(lipSyncOffsetMs(a, v)).toBe(40)
  })
})

describe("lip sync properties", () => {
  const arbVector = fc.constantFrom(...LIP_SYNC_VECTORS)
  const plusNtp = (t: TrackTiming, ms: number): TrackTiming => ({ ...t, senderClock: t.senderClock === undefined ? undefined : { ...t.senderClock, ntpMs: t.senderClock.ntpMs + ms } })

  it("adding the same constant to both sender clocks' NTP time (another epoch) changes no offset", () => {
    fc.assert(
      fc.property(arbVector, fc.integer({ min: -2_208_988_800_000, max: 2_208_988_800_000 }), fc.double({ min: 0, max: 1, noNaN: true }), (v, whole, fraction) => {
        const shift = whole + fraction
        const a = timing(v.audio)
        const b = timing(v.video)
        expect(lipSyncOffsetMs(plusNtp(a, shift), plusNtp(b, shift))).toBeCloseTo(v.offsetMs, 2)
        // Each delay alone moves by it: only the difference is free of the clocks.
        expect(medianDelayMs(plusNtp(a, shift))).toBeCloseTo(measured(v.audioDelayMs) - shift, 2)
      }),
      { numRuns: 300 }
    )
  })

  it("moving the receiver's clock, or one track's RTP timestamps (across the wrap), changes no offset", () => {
    fc.assert(
      fc.property(arbVector, fc.integer({ min: -1e12, max: 1e12 }), fc.integer({ min: 0, max: 0xffff_ffff }), fc.boolean(), (v, receiverShift, rtpShift, audioMoved) => {
        const onReceiver = (t: TrackTiming): TrackTiming => ({ ...t, samples: t.samples.map((s) => ({ ...s, arrivalMs: s.arrivalMs + receiverShift })) })
        const rtpMoved = (t: TrackTiming): TrackTiming => ({
          ...t,
          senderClock: t.senderClock === undefined ? undefined : { ...t.senderClock, rtpTimestamp: (t.senderClock.rtpTimestamp + rtpShift) >>> 0 },
          samples: t.samples.map((s) => ({ ...s, timestamp: (s.timestamp + rtpShift) >>> 0 }))
        })
        const a = onReceiver(timing(v.audio))
        const b = onReceiver(timing(v.video))
        expect(lipSyncOffsetMs(audioMoved ? rtpMoved(a) : a, audioMoved ? b : rtpMoved(b))).toBeCloseTo(v.offsetMs, 6)
      }),
      { numRuns: 300 }
    )
  })

  it("audio that arrives d ms later than its video gives +d, at any clock rates and any SR", () => {
    fc.assert(
      fc.property(
        arbVector,
        fc.integer({ min: -500, max: 500 }),
        fc.constantFrom(8000, 16000, 44100, 48000),
        fc.integer({ min: 0, max: 0xffff_ffff }),
        fc.integer({ min: -60_000, max: 60_000 }),
        (v, d, audioRate, srRtp, srAtMs) => {
          const audio: TrackPlan = { ...v.audio, clockRate: audioRate, srRtp, srNtpMs: SENDER_MS + srAtMs, packets: v.video.packets.map((p) => ({ ...p, delayMs: p.delayMs + d })) }
          expect(lipSyncOffsetMs(timing(audio), timing(v.video))).toBeCloseTo(d, 1)
        }
      ),
      { numRuns: 300 }
    )
  })
})
