/** RTCP encoder limits: saturated loss, truncated text, 5-bit counts. */
import { describe, expect, it } from "@effect/vitest"
import { encodeRtcpPacket, type Goodbye, type RtcpPacket, type SdesChunk, type SourceDescription } from "../../src/protocol/rtcp.js"
import { block, decodeOk, sr } from "./rtcpKit.js"

describe("RTCP encode limits", () => {
  it("saturates cumulative loss at the signed 24-bit range", () => {
    const rrWith = (cumulativeLost: number): RtcpPacket => ({
      _tag: "ReceiverReport",
      ssrc: 1,
      reports: [{ ...block(2, 0, cumulativeLost, 0) }]
    })
    const lostField = (p: RtcpPacket) => encodeRtcpPacket(p).subarray(13, 16).toString("hex")
    expect(lostField(rrWith(10_000_000))).toBe("7fffff")
    expect(lostField(rrWith(-10_000_000))).toBe("800000")
    expect(lostField(rrWith(-1))).toBe("ffffff")
  })

  it("cuts SDES text and BYE reasons to 255 bytes on a character boundary", () => {
    const long = "é".repeat(200) // 400 UTF-8 bytes; 127 whole characters fit in 255
    const encoded = encodeRtcpPacket({ _tag: "SourceDescription", chunks: [{ ssrc: 1, items: [{ type: 1, value: long }] }] })
    const decoded = decodeOk(encoded)[0] as SourceDescription
    expect(decoded.chunks[0]!.items[0]!.value).toBe("é".repeat(127))
    const byeDecoded = decodeOk(encodeRtcpPacket({ _tag: "Goodbye", ssrcs: [], reason: "x".repeat(300) }))[0] as Goodbye
    expect(byeDecoded.reason).toBe("x".repeat(255))
  })

  it("throws RangeError for counts that do not fit 5 bits", () => {
    const blocks = Array.from({ length: 32 }, (_, i) => block(i, 0, 0, 0))
    expect(() => encodeRtcpPacket({ _tag: "ReceiverReport", ssrc: 1, reports: blocks })).toThrow(RangeError)
    expect(() => encodeRtcpPacket({ ...sr, reports: blocks })).toThrow(RangeError)
    const chunks: Array<SdesChunk> = Array.from({ length: 32 }, (_, i) => ({ ssrc: i, items: [] }))
    expect(() => encodeRtcpPacket({ _tag: "SourceDescription", chunks })).toThrow(RangeError)
    expect(() => encodeRtcpPacket({ _tag: "Goodbye", ssrcs: Array.from({ length: 32 }, (_, i) => i) })).toThrow(RangeError)
    expect(() => encodeRtcpPacket({ _tag: "Unknown", packetType: 204, count: 32, body: Buffer.alloc(0) })).toThrow(RangeError)
  })

  it("accepts exactly 31 report blocks", () => {
    const blocks = Array.from({ length: 31 }, (_, i) => block(i, i, i - 15, i * 7))
    const packet: RtcpPacket = { _tag: "ReceiverReport", ssrc: 1, reports: blocks }
    const encoded = encodeRtcpPacket(packet)
    expect(encoded.length).toBe(8 + 31 * 24)
    expect(decodeOk(encoded)).toStrictEqual([packet])
  })
})
