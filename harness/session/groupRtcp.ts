/**
 * At a multicast group's RTCP port every member's RTCP arrives: the server's, and every viewer's
 * receiver reports (ours too, looped back). A compound's first packet is its sender's report
 * (RFC 3550 §6.1): an RR from anyone but the media's SSRC is another receiver's, so a viewer's
 * BYE when it leaves is never taken for the end of the stream.
 */
import { Either } from "effect"
import { decodeRtcpCompound } from "../../src/protocol/rtcpDecode.js"

/** `mediaSsrc`: the stream's SSRC, when known (the SETUP reply's, or the packets'). */
export const fromOtherReceiver = (datagram: Uint8Array, mediaSsrc: number | undefined): boolean => {
  const decoded = decodeRtcpCompound(datagram)
  if (Either.isLeft(decoded)) return false
  const first = decoded.right[0]
  return first?._tag === "ReceiverReport" && first.ssrc >>> 0 !== mediaSsrc
}
