/**
 * The harness's figures against a made-up record: loss counts from the record's range (a drop at
 * either end included, a wrap of the sequence numbers too), duplicates and reordering exactly,
 * jitter within the tolerance; a record with restarted sequence numbers is not comparable.
 */
import { describe, expect, it } from "@effect/vitest"
import { emptyRecord, type ImpairmentRecord } from "../../../src/impair/packetPlan.js"
import { agreementOf, JITTER_TOLERANCE_MS, packetsInRange } from "../../../harness/impair/agreement.js"
import { makeRtpReceiverStats } from "../../../harness/metrics/rtpStats.js"

const recordOf = (over: Partial<ImpairmentRecord>): ImpairmentRecord => ({ ...emptyRecord(), ...over })

/** What a receiver makes of these sequence numbers (timestamps step with them; 1 ms apart). */
const received = (sequence: ReadonlyArray<number>) => {
  const stats = makeRtpReceiverStats({ clockRate: 90_000 })
  sequence.forEach((seq, i) => stats.onPacket({ sequenceNumber: seq & 0xffff, timestamp: seq * 90, marker: false, arrivalMs: i, payloadBytes: 100 }))
  return stats.snapshot()
}

describe("packetsInRange", () => {
  it("counts last - first + 1 across a wrap, and the whole cycles the packet count says", () => {
    expect(packetsInRange(recordOf({ firstSequence: 65530, lastSequence: 5, packets: 12 }))).toBe(12)
    expect(packetsInRange(recordOf({ firstSequence: 10, lastSequence: 9, packets: 65536 }))).toBe(65536)
    expect(packetsInRange(recordOf({ firstSequence: 10, lastSequence: 19, packets: 65546 }))).toBe(65546)
    expect(packetsInRange(emptyRecord())).toBe(0)
  })
})

describe("agreementOf", () => {
  it("agrees when the lost, doubled and late packets are the ones the record says, drops at the ends included", () => {
    // 100 … 111 decided; 100 and 111 dropped (the harness never saw either end), 105 held behind 106, 107 sent twice.
    const rtp = received([101, 102, 103, 104, 106, 105, 107, 107, 108, 109, 110])
    const record = recordOf({ packets: 12, firstSequence: 100, lastSequence: 111, duplicated: 1, reordered: 1, dropped: { ...emptyRecord().dropped, loss: 1, burst: 1 }, jitterMs: rtp.jitterMs + 0.5 })
    const agreement = agreementOf(rtp, record)
    expect(agreement.loss).toStrictEqual({ harness: 2, server: 2, verdict: "agree" })
    expect(agreement.duplicates).toStrictEqual({ harness: 1, server: 1, verdict: "agree" })
    expect(agreement.reordered).toStrictEqual({ harness: 1, server: 1, verdict: "agree" })
    expect(agreement.jitter).toMatchObject({ verdict: "agree", toleranceMs: JITTER_TOLERANCE_MS })
    expect(agreement.jitter.differenceMs).toBeCloseTo(-0.5, 9)
    expect(agreement.exact).toBe(true)
  })

  it("says DISAGREE for a figure that differs, and a jitter beyond the tolerance", () => {
    const rtp = received([1, 2, 3, 4])
    const agreement = agreementOf(rtp, recordOf({ packets: 5, firstSequence: 1, lastSequence: 5, reordered: 1, jitterMs: rtp.jitterMs + JITTER_TOLERANCE_MS + 0.1 }))
    expect(agreement.loss).toMatchObject({ harness: 1, server: 0, verdict: "disagree" })
    expect(agreement.reordered).toMatchObject({ harness: 0, server: 1, verdict: "disagree" })
    expect(agreement.jitter.verdict).toBe("disagree")
    expect(agreement.exact).toBe(false)
  })

  it("a restart of the sequence numbers makes the loss not comparable", () => {
    const agreement = agreementOf(received([1, 2, 40000, 40001]), recordOf({ packets: 4, firstSequence: 1, lastSequence: 40001, sequenceResets: 1 }))
    expect(agreement.loss.verdict).toBe("not comparable")
    expect(agreement.exact).toBe(false)
  })
})
