import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { Either } from "effect"
import { decodeRtpPacket, encodeRtpPacket } from "../../../src/protocol/rtp.js"
import {
  makeRtpReceiverStats,
  MAX_DROPOUT,
  rtpPacketSample,
  type RtpPacketSample,
  type RtpStatsSnapshot
} from "../../../harness/metrics/rtpStats.js"

// A scripted sender: packet i has sequence startSeq + i (mod 2^16), RTP
// timestamp startTs + i * tsStep (mod 2^32), and is sent at i * sendIntervalMs.
interface Script {
  readonly count: number
  readonly startSeq?: number
  readonly startTs?: number
  readonly tsStep?: number
  readonly sendIntervalMs?: number
  readonly payloadBytes?: number
}

const send = (script: Script): Array<RtpPacketSample> =>
  Array.from({ length: script.count }, (_, i) => ({
    sequenceNumber: ((script.startSeq ?? 1000) + i) & 0xffff,
    timestamp: ((script.startTs ?? 0) + i * (script.tsStep ?? 900)) >>> 0,
    marker: false,
    arrivalMs: i * (script.sendIntervalMs ?? 10),
    payloadBytes: script.payloadBytes ?? 100
  }))

const receive = (packets: ReadonlyArray<RtpPacketSample>): RtpStatsSnapshot => {
  const stats = makeRtpReceiverStats({ clockRate: 90000 })
  for (const p of packets) stats.onPacket(p)
  return stats.snapshot()
}

/** Swap positions 2k and 2k+1 (keeping arrival times in order: only the packet contents swap). */
const swapPairs = (packets: ReadonlyArray<RtpPacketSample>): Array<RtpPacketSample> =>
  packets.map((p, i) => {
    const partner = packets[i % 2 === 0 ? i + 1 : i - 1]
    return partner === undefined ? p : { ...partner, arrivalMs: p.arrivalMs }
  })

describe("makeRtpReceiverStats: loss", () => {
  it("counts nothing lost for a clean stream", () => {
    const s = receive(send({ count: 500 }))
    expect(s).toMatchObject({ packetsReceived: 500, packetsExpected: 500, packetsLost: 0, lossPct: 0 })
    expect(s).toMatchObject({ duplicates: 0, reordered: 0, sequenceJumps: 0 })
  })

  it("dropping every 10th packet loses exactly those packets", () => {
    const sent = send({ count: 1000 })
    // Drop indices 5, 15, ..., 995 (100 packets); the first and last arrive, as loss at the edges is invisible.
    const kept = sent.filter((_, i) => i % 10 !== 5)
    const s = receive(kept)
    expect(s.packetsExpected).toBe(1000)
    expect(s.packetsReceived).toBe(900)
    expect(s.packetsLost).toBe(100)
    expect(s.lossPct).toBe(10)
  })

  it("a forward jump above MAX_DROPOUT counts as loss and is flagged", () => {
    const first = send({ count: 10, startSeq: 0 })
    const second = send({ count: 10, startSeq: 5000 }).map((p) => ({ ...p, arrivalMs: p.arrivalMs + 200 }))
    const s = receive([...first, ...second])
    expect(5000 - 10).toBeGreaterThan(MAX_DROPOUT)
    expect(s.packetsExpected).toBe(5010)
    expect(s.packetsLost).toBe(4990)
    expect(s.sequenceJumps).toBe(1)
  })

  it("reports zero for an empty stream", () => {
    expect(receive([])).toMatchObject({
      packetsReceived: 0,
      packetsExpected: 0,
      packetsLost: 0,
      lossPct: 0,
      jitterMs: 0,
      bitrateBps: 0
    })
  })
})

describe("makeRtpReceiverStats: reordering and duplicates", () => {
  it("swapping pairs counts one reorder per pair and no loss", () => {
    const s = receive(swapPairs(send({ count: 200 })))
    expect(s.reordered).toBe(100)
    expect(s.packetsLost).toBe(0)
    expect(s.duplicates).toBe(0)
    expect(s.packetsExpected).toBe(200)
  })

  it("duplicating every 5th packet counts exactly those duplicates and no loss", () => {
    const sent = send({ count: 300 })
    const withDuplicates = sent.flatMap((p, i) => (i % 5 === 0 ? [p, { ...p, arrivalMs: p.arrivalMs + 1 }] : [p]))
    const s = receive(withDuplicates)
    expect(s.duplicates).toBe(60)
    expect(s.packetsReceived).toBe(360)
    expect(s.packetsExpected).toBe(300)
    expect(s.packetsLost).toBe(0)
    expect(s.reordered).toBe(0)
  })

  it("a late duplicate (after newer packets) is a duplicate, not a reorder", () => {
    const sent = send({ count: 20 })
    const late = { ...sent[3]!, arrivalMs: 1000 }
    const s = receive([...sent, late])
    expect(s).toMatchObject({ duplicates: 1, reordered: 0, packetsLost: 0 })
  })

  it("duplicates do not hide a real loss", () => {
    const sent = send({ count: 50 })
    const stream = sent.filter((_, i) => i !== 20).concat([{ ...sent[30]!, arrivalMs: 900 }])
    const s = receive(stream)
    expect(s).toMatchObject({ packetsLost: 1, duplicates: 1, packetsReceived: 50, packetsExpected: 50 })
  })

  it("a packet older than the first one extends the base instead of going negative", () => {
    const sent = send({ count: 10, startSeq: 100 })
    const s = receive([...sent.slice(1), { ...sent[0]!, arrivalMs: 500 }])
    expect(s).toMatchObject({ packetsExpected: 10, packetsLost: 0, reordered: 1, duplicates: 0 })
  })
})

describe("makeRtpReceiverStats: 16-bit wrap", () => {
  it("counts through 65535 -> 0 without loss", () => {
    const s = receive(send({ count: 40, startSeq: 65520 }))
    expect(s).toMatchObject({ packetsExpected: 40, packetsLost: 0, reordered: 0, duplicates: 0, sequenceJumps: 0 })
  })

  it("counts loss exactly across the wrap", () => {
    const sent = send({ count: 40, startSeq: 65520 })
    const kept = sent.filter((p) => p.sequenceNumber !== 65535 && p.sequenceNumber !== 0 && p.sequenceNumber !== 7)
    const s = receive(kept)
    expect(s).toMatchObject({ packetsExpected: 40, packetsReceived: 37, packetsLost: 3 })
  })

  it("reordering and duplication across the wrap are recognised", () => {
    const sent = send({ count: 40, startSeq: 65520 })
    const swapped = swapPairs(sent) // pairs (65534,65535), (0,1): all even-aligned
    const s = receive([...swapped, { ...sent[16]!, arrivalMs: 2000 }]) // sent[16] has seq 0
    expect(sent[16]!.sequenceNumber).toBe(0)
    expect(s).toMatchObject({ packetsExpected: 40, packetsLost: 0, reordered: 20, duplicates: 1 })
  })

  it("keeps counting over many wraps", () => {
    const s = receive(send({ count: 200_000, startSeq: 65000 }).filter((_, i) => i % 1000 !== 500))
    expect(s).toMatchObject({ packetsExpected: 200_000, packetsLost: 200 })
  })
})

describe("makeRtpReceiverStats: jitter (RFC 3550 A.8)", () => {
  it("is exactly 0 for constant transit time", () => {
    const sent = send({ count: 300, tsStep: 900, sendIntervalMs: 10 })
    const s = receive(sent.map((p) => ({ ...p, arrivalMs: p.arrivalMs + 37 })))
    expect(s.jitterMs).toBe(0)
  })

  it("is 0 when a whole frame's packets share a timestamp and arrive together", () => {
    const packets = Array.from({ length: 100 }, (_, i) => ({
      sequenceNumber: i,
      timestamp: Math.floor(i / 5) * 4500,
      marker: i % 5 === 4,
      arrivalMs: Math.floor(i / 5) * 50,
      payloadBytes: 1000
    }))
    const s = receive(packets)
    expect(s.jitterMs).toBe(0)
    expect(s.markerPackets).toBe(20)
  })

  it("alternating extra delay d follows the closed form d * (1 - (15/16)^k)", () => {
    // Transit alternates T, T + d, so every |D| = d (in clock units) and the
    // recursion J_k = J_{k-1} + (d - J_{k-1}) / 16 with J_0 = 0 has the
    // closed form J_k = d * (1 - (15/16)^k), k = packets after the first.
    const d = 4
    const sent = send({ count: 400, tsStep: 900, sendIntervalMs: 10 })
    const delayed = sent.map((p, i) => ({ ...p, arrivalMs: p.arrivalMs + (i % 2 === 1 ? d : 0) }))
    for (const n of [2, 3, 17, 60, 400]) {
      const s = receive(delayed.slice(0, n))
      expect(Math.abs(s.jitterMs - d * (1 - Math.pow(15 / 16, n - 1)))).toBeLessThan(1e-9)
    }
    // Converged: (15/16)^399 * 4 ms is ~1e-11 ms.
    expect(Math.abs(receive(delayed).jitterMs - d)).toBeLessThan(1e-6)
  })

  it("handles RTP timestamp wrap at 2^32", () => {
    const sent = send({ count: 100, startTs: 0xffffffff - 9000, tsStep: 900, sendIntervalMs: 10 })
    expect(receive(sent).jitterMs).toBe(0)
  })
})

describe("makeRtpReceiverStats: bytes and bitrate", () => {
  it("bitrate is bytes * 8 over the first-to-last arrival span", () => {
    const s = receive(send({ count: 101, sendIntervalMs: 10, payloadBytes: 1250 }))
    expect(s.bytes).toBe(101 * 1250)
    expect(s.durationMs).toBe(1000)
    expect(s.bitrateBps).toBe(101 * 1250 * 8)
  })

  it("rtpPacketSample takes its fields from a decoded packet", () => {
    const bytes = encodeRtpPacket({
      header: { marker: true, payloadType: 26, sequenceNumber: 65535, timestamp: 123456, ssrc: 1, csrcs: [] },
      payload: Buffer.alloc(321),
      paddingLength: 0
    })
    const decoded = decodeRtpPacket(bytes)
    if (Either.isLeft(decoded)) throw new Error(decoded.left.message)
    expect(rtpPacketSample(decoded.right, 42)).toEqual({
      sequenceNumber: 65535,
      timestamp: 123456,
      marker: true,
      arrivalMs: 42,
      payloadBytes: 321,
      ssrc: 1
    })
  })
})

describe("makeRtpReceiverStats: properties", () => {
  const sample = (seq: number, ts: number, arrivalMs: number): RtpPacketSample => ({
    sequenceNumber: seq,
    timestamp: ts,
    marker: false,
    arrivalMs,
    payloadBytes: 10
  })

  it("lost + received == expected for any order of distinct sequence numbers", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 0xffff }), { maxLength: 300 }),
        fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 300 }),
        (seqs, timestamps) => {
          const s = receive(seqs.map((seq, i) => sample(seq, timestamps[i] ?? 0, i * 5)))
          expect(s.duplicates).toBe(0)
          expect(s.packetsLost + s.packetsReceived).toBe(s.packetsExpected)
          expect(Number.isFinite(s.jitterMs)).toBe(true)
        }
      ),
      { numRuns: 300 }
    )
  })

  it("never throws and stays sane on arbitrary input, duplicates included", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            sequenceNumber: fc.integer({ min: 0, max: 0xffff }),
            timestamp: fc.integer({ min: 0, max: 0xffffffff }),
            marker: fc.boolean(),
            arrivalMs: fc.integer({ min: 0, max: 1e10 }).map((us) => us / 1000), // microsecond resolution
            payloadBytes: fc.nat({ max: 1500 })
          }),
          { maxLength: 300 }
        ),
        (packets) => {
          const s = receive(packets)
          expect(s.packetsReceived).toBe(packets.length)
          expect(s.packetsLost).toBeGreaterThanOrEqual(0)
          expect(s.lossPct).toBeGreaterThanOrEqual(0)
          expect(s.lossPct).toBeLessThanOrEqual(100)
          expect(s.duplicates + s.reordered).toBeLessThanOrEqual(packets.length)
          expect(Number.isFinite(s.jitterMs) && Number.isFinite(s.bitrateBps)).toBe(true)
        }
      ),
      { numRuns: 300 }
    )
  })
})
