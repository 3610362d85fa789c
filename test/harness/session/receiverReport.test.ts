import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { decodeRtcpCompound } from "../../../src/protocol/rtcpDecode.js"
import { EMPTY_BASELINE, receiverReportCompound, reportBlockFor } from "../../../harness/session/receiverReport.js"
import { makeRtpReceiverStats } from "../../../harness/metrics/rtpStats.js"

const statsAfter = (seqs: ReadonlyArray<number>) => {
  const stats = makeRtpReceiverStats({ clockRate: 90000 })
  seqs.forEach((seq, i) => stats.onPacket({ sequenceNumber: seq, timestamp: i * 4500, marker: true, arrivalMs: i * 50, payloadBytes: 100, ssrc: 0xabc }))
  return stats
}

describe("receiver reports", () => {
  it("a block reports the source, cumulative and interval loss, the extended highest sequence and LSR/DLSR", () => {
    // 65534, 65535, 0, 2, 3: one packet (1) lost across the wrap.
    const stats = statsAfter([65534, 65535, 0, 2, 3])
    const first = reportBlockFor(stats.snapshot(), EMPTY_BASELINE, { middle32: 0x12345678, arrivalMs: 1000 }, 1500)
    expect(first.block).toMatchObject({ ssrc: 0xabc, cumulativeLost: 1, highestSeq: 65536 + 3, lastSr: 0x12345678, delaySinceLastSr: 32768 })
    // 1 of 6 expected lost in the interval: floor(256 / 6).
    expect(first.block.fractionLost).toBe(42)
    expect(first.block.jitter).toBe(0)
    // Nothing new since: the next interval has no loss.
    const second = reportBlockFor(stats.snapshot(), first.baseline, undefined, 2000)
    expect(second.block).toMatchObject({ fractionLost: 0, cumulativeLost: 1, lastSr: 0, delaySinceLastSr: 0 })
  })

  it("the compound is RR + SDES CNAME and decodes back", () => {
    const { block } = reportBlockFor(statsAfter([10, 11, 12]).snapshot(), EMPTY_BASELINE, undefined, 0)
    const decoded = decodeRtcpCompound(receiverReportCompound(0x1111, "rtsp-harness-1111@127.0.0.1", block))
    expect(Either.isRight(decoded)).toBe(true)
    const packets = Either.getOrThrow(decoded)
    expect(packets[0]).toMatchObject({ _tag: "ReceiverReport", ssrc: 0x1111, reports: [{ ssrc: 0xabc, highestSeq: 12, cumulativeLost: 0 }] })
    expect(packets[1]).toMatchObject({ _tag: "SourceDescription", chunks: [{ ssrc: 0x1111, items: [{ type: 1, value: "rtsp-harness-1111@127.0.0.1" }] }] })
    // Before any packet: an RR without blocks.
    const empty = Either.getOrThrow(decodeRtcpCompound(receiverReportCompound(0x1111, "x", undefined)))
    expect(empty[0]).toMatchObject({ _tag: "ReceiverReport", reports: [] })
  })
})
