/** RTCP property tests: decode never throws, encode/decode round trips, mutated compounds re-encode canonically. */
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import fc from "fast-check"
import {
  decodeRtcpCompound,
  encodeRtcpCompound,
  type Goodbye,
  type ReportBlock,
  type RtcpPacket
} from "../../src/protocol/rtcp.js"
import { decodeOk, hex, nonCanonical, vectors } from "./rtcpKit.js"

// --- Properties ----------------------------------------------------------------------------

const uint32 = fc.integer({ min: 0, max: 0xffffffff })

const arbBlock: fc.Arbitrary<ReportBlock> = fc.record({
  ssrc: uint32,
  fractionLost: fc.integer({ min: 0, max: 255 }),
  cumulativeLost: fc.integer({ min: -0x800000, max: 0x7fffff }),
  highestSeq: uint32,
  jitter: uint32,
  lastSr: uint32,
  delaySinceLastSr: uint32
})

const arbBlocks = fc.array(arbBlock, { maxLength: 4 })

// At most 63 code points of up to 4 bytes: always within the 255-byte item limit.
const arbText = fc.fullUnicodeString({ maxLength: 63 })

const arbPacket: fc.Arbitrary<RtcpPacket> = fc.oneof(
  fc.record({
    _tag: fc.constant("SenderReport" as const),
    ssrc: uint32,
    ntpTimestamp: fc.record({ msw: uint32, lsw: uint32 }),
    rtpTimestamp: uint32,
    packetCount: uint32,
    octetCount: uint32,
    reports: arbBlocks
  }),
  fc.record({ _tag: fc.constant("ReceiverReport" as const), ssrc: uint32, reports: arbBlocks }),
  fc.record({
    _tag: fc.constant("SourceDescription" as const),
    chunks: fc.array(
      fc.record({
        ssrc: uint32,
        items: fc.array(fc.record({ type: fc.integer({ min: 1, max: 255 }), value: arbText }), { maxLength: 4 })
      }),
      { maxLength: 4 }
    )
  }),
  fc
    .record({ ssrcs: fc.array(uint32, { maxLength: 5 }), reason: fc.option(arbText, { nil: undefined }) })
    .map(({ ssrcs, reason }): Goodbye =>
      reason === undefined ? { _tag: "Goodbye", ssrcs } : { _tag: "Goodbye", ssrcs, reason }
    ),
  fc.record({
    _tag: fc.constant("Unknown" as const),
    packetType: fc.integer({ min: 0, max: 255 }).filter((t) => t < 200 || t > 203),
    count: fc.integer({ min: 0, max: 31 }),
    body: fc.array(uint32, { maxLength: 6 }).map((words) => {
      const body = Buffer.alloc(words.length * 4)
      words.forEach((w, i) => body.writeUInt32BE(w, i * 4))
      return body
    })
  })
)

const arbCompound = fc.array(arbPacket, { minLength: 1, maxLength: 5 })

/** Re-encodes whatever decodes; undefined when it does not. */
const normalise = (bytes: Uint8Array): Buffer | undefined => {
  const result = decodeRtcpCompound(bytes)
  return Either.isRight(result) ? encodeRtcpCompound(result.right) : undefined
}

describe("RTCP properties", () => {
  it("decode never throws on arbitrary bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 160 }), (bytes) => {
        expect(Either.isEither(decodeRtcpCompound(bytes))).toBe(true)
      }),
      { numRuns: 500 }
    )
  })

  it("decode(encode(compound)) is the compound", () => {
    fc.assert(
      fc.property(arbCompound, (packets) => {
        expect(decodeOk(encodeRtcpCompound(packets))).toStrictEqual(packets)
      }),
      { numRuns: 300 }
    )
  })

  it("mutated valid compounds never throw, and what decodes is canonical after one re-encode", () => {
    const seeds = fc.oneof(
      fc.constantFrom(...vectors.map((v) => hex(v.bytes)), ...nonCanonical.map((v) => hex(v.bytes))),
      arbCompound.map(encodeRtcpCompound)
    )
    const mutation = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 })
    let decodedCount = 0
    fc.assert(
      fc.property(seeds, mutation, (seed, edits) => {
        const bytes = Buffer.from(seed)
        for (const [position, value] of edits) if (bytes.length > 0) bytes[position % bytes.length] = value
        const once = normalise(bytes)
        if (once === undefined) return
        decodedCount++
        expect(normalise(once)?.toString("hex")).toBe(once.toString("hex"))
      }),
      { numRuns: 500 }
    )
    // Guard against a vacuous property: a good share of mutants must still decode.
    expect(decodedCount).toBeGreaterThan(50)
  })
})
