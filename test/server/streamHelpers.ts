/**
 * Helpers shared by the server conformance tests: RTP/RTCP decoding of what
 * the test clients receive, frame numbers read back from the pixels.
 * Polling is test/support/polling.ts.
 */
import { Either } from "effect"
import sharp from "sharp"
import { makeRfc2435Depacketizer } from "../../src/protocol/jpeg/rfc2435Depacketizer.js"
import { decodeRtcpCompound, type RtcpPacket } from "../../src/protocol/rtcp.js"
import { decodeRtpPacket, type RtpPacket } from "../../src/protocol/rtp.js"
import { readFrameNumber } from "../../src/video/frameCode.js"

/** Decodes an RTP packet, failing the test on bytes that are not one. */
export const rtp = (bytes: Uint8Array): RtpPacket => {
  const decoded = decodeRtpPacket(bytes)
  if (Either.isLeft(decoded)) throw new Error(`not an RTP packet: ${decoded.left.message}`)
  return decoded.right
}

/** Decodes an RTCP compound packet, failing the test on bytes that are not one. */
export const rtcp = (bytes: Uint8Array): ReadonlyArray<RtcpPacket> => {
  const decoded = decodeRtcpCompound(bytes)
  if (Either.isLeft(decoded)) throw new Error(`not an RTCP compound packet: ${decoded.left.message}`)
  return decoded.right
}

/** The frame number painted into a synthetic frame (see src/video/frameCode.ts). */
export const frameNumberOf = async (jpeg: Buffer): Promise<number | undefined> => {
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true })
  return readFrameNumber(data, info.width, info.height, info.channels)
}

export interface RebuiltFrame {
  readonly timestamp: number
  readonly jpeg: Buffer
}

/** Rebuilds whole JPEG frames from RFC 2435 packets (in arrival order); drops are errors here. */
export const rebuildFrames = (packets: ReadonlyArray<RtpPacket>): Array<RebuiltFrame> => {
  const depacketizer = makeRfc2435Depacketizer()
  const frames: Array<RebuiltFrame> = []
  for (const packet of packets) {
    for (const event of depacketizer.push({ timestamp: packet.header.timestamp, marker: packet.header.marker, payload: packet.payload })) {
      if (event._tag === "Dropped") throw new Error(`frame at ${event.timestamp} dropped: ${event.message}`)
      frames.push({ timestamp: event.timestamp, jpeg: event.jpeg })
    }
  }
  return frames
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** Largest gap between consecutive arrival times (ms). */
export const largestGap = (times: ReadonlyArray<number>): number => {
  let gap = 0
  for (let i = 1; i < times.length; i++) gap = Math.max(gap, times[i]! - times[i - 1]!)
  return gap
}

/** Line-by-line view of a raw reply, without the final blank line. */
export const replyLines = (reply: Buffer | string): Array<string> =>
  reply.toString("latin1").replace(/\r\n\r\n$/, "").split("\r\n")
