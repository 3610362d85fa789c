/** At a group's RTCP port, other receivers' compounds (ours included) are told from the media sender's. */
import { describe, expect, it } from "@effect/vitest"
import { encodeRtcpCompound, SdesItemType } from "../../../src/protocol/rtcp.js"
import { fromOtherReceiver } from "../../../harness/session/groupRtcp.js"

const sdes = (ssrc: number) => ({ _tag: "SourceDescription" as const, chunks: [{ ssrc, items: [{ type: SdesItemType.CNAME, value: "x@y" }] }] })
const leaving = (ssrc: number) => encodeRtcpCompound([{ _tag: "ReceiverReport", ssrc, reports: [] }, sdes(ssrc), { _tag: "Goodbye", ssrcs: [ssrc] }])
const MEDIA = 0xdeadbeef

describe("fromOtherReceiver", () => {
  it("an RR-first compound is another receiver's, even with a BYE in it, unless it is the media's own SSRC", () => {
    expect(fromOtherReceiver(leaving(7), MEDIA)).toBe(true)
    expect(fromOtherReceiver(leaving(7), undefined)).toBe(true)
    // A sender that has sent nothing lately starts with an RR too (RFC 3550 §6.4): its BYE still counts.
    expect(fromOtherReceiver(leaving(MEDIA), MEDIA)).toBe(false)
  })

  it("an SR-first compound is a sender's; bytes that are not RTCP are nobody's report", () => {
    const sender = encodeRtcpCompound([
      { _tag: "SenderReport", ssrc: MEDIA, ntpTimestamp: { msw: 1, lsw: 2 }, rtpTimestamp: 3, packetCount: 4, octetCount: 5, reports: [] },
      sdes(MEDIA),
      { _tag: "Goodbye", ssrcs: [MEDIA] }
    ])
    expect(fromOtherReceiver(sender, undefined)).toBe(false)
    expect(fromOtherReceiver(Buffer.from("nonsense"), MEDIA)).toBe(false)
  })
})
