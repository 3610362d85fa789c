/**
 * A publisher's RTP in, whole frames out: each packet is checked (RTP, the announced payload
 * type, one SSRC), the RFC 2435 fragments are reassembled into a JPEG, the JPEG is checked as
 * one we can send (baseline, 3-component YCbCr, 4:2:0/4:2:2) and packetized once at our MTU.
 * Those payloads serve every viewer. A frame that fails any step is rejected with the reason;
 * so is a frame beyond the rate cap (a publisher flooding faster than real time). Pure: the
 * caller gives the arrival time.
 */
import { Either } from "effect"
import { makeRfc2435Depacketizer } from "../../protocol/jpeg/rfc2435Depacketizer.js"
import { toRfc2435Frame } from "../../protocol/jpeg/rfc2435Frame.js"
import { packetizeRfc2435 } from "../../protocol/jpeg/rfc2435Packetizer.js"
import { parseJpeg } from "../../protocol/jpeg/markers.js"
import { locateRtp, makeRtpLayout, rtpMarkerAt, rtpSsrcAt, rtpTimestampAt } from "../../protocol/rtp.js"
import { JPEG_CLOCK_RATE } from "../../protocol/rtpJpeg.js"

export type RejectReason =
  /** Not an RTP packet at all. */
  | "NotRtp"
  /** A payload type other than the announced one. */
  | "PayloadType"
  /** A second SSRC after the first one was seen. */
  | "Ssrc"
  /** The fragments did not make a whole frame (loss, bad offsets, a bad RFC 2435 header). */
  | "Incomplete"
  /** The frame is whole but not a JPEG this server can send. */
  | "BadJpeg"
  /** More frames than real time allows: the publisher is flooding. */
  | "TooFast"

export const REJECT_REASONS: ReadonlyArray<RejectReason> = ["NotRtp", "PayloadType", "Ssrc", "Incomplete", "BadJpeg", "TooFast"]

export interface IngestedFrame {
  readonly _tag: "Frame"
  /** The publisher's RTP timestamp. */
  readonly timestamp: number
  /** RFC 2435 payloads at our MTU, shared by every viewer. */
  readonly payloads: ReadonlyArray<Buffer>
  readonly width: number
  readonly height: number
  readonly jpegBytes: number
}

export interface RejectedFrame {
  readonly _tag: "Rejected"
  readonly reason: RejectReason
  readonly message: string
}

export type IngestEvent = IngestedFrame | RejectedFrame

export interface IngestOptions {
  readonly payloadType: number
  /** Largest RTP packet we send (12-byte header included). */
  readonly mtu: number
  /** Frames a second above which the rest of that second's frames are rejected. */
  readonly maxFps: number
  /** How far (ms) the publisher's media time may run ahead of the wall clock before frames are rejected. */
  readonly maxAheadMs: number
}

export interface FrameIngest {
  /** One RTP packet, bytes [offset, offset + length) (kept by the frame until it is packetized). */
  readonly push: (bytes: Uint8Array, offset: number, length: number, arrivalMs: number) => ReadonlyArray<IngestEvent>
  /** The publisher's SSRC, once a packet has arrived. */
  readonly ssrc: () => number | undefined
}

const NONE: ReadonlyArray<IngestEvent> = []

const rejected = (reason: RejectReason, message: string): ReadonlyArray<IngestEvent> => [{ _tag: "Rejected", reason, message }]

/** One whole JPEG as a frame we can relay: checked (baseline, YCbCr 4:2:0/4:2:2) and packetized once at `mtu`. */
export const jpegFrame = (jpeg: Buffer, timestamp: number, mtu: number): IngestedFrame | RejectedFrame => {
  const info = parseJpeg(jpeg)
  if (Either.isLeft(info)) return { _tag: "Rejected", reason: "BadJpeg", message: `the frame is not a whole JPEG: ${info.left.message}` }
  const frame = toRfc2435Frame(jpeg, info.right)
  if (Either.isLeft(frame)) return { _tag: "Rejected", reason: "BadJpeg", message: frame.left.map((p) => p.message).join("; ") }
  const payloads = packetizeRfc2435(frame.right, { mtu })
  if (Either.isLeft(payloads)) return { _tag: "Rejected", reason: "BadJpeg", message: payloads.left.message }
  return { _tag: "Frame", timestamp, payloads: payloads.right, width: frame.right.width, height: frame.right.height, jpegBytes: jpeg.length }
}

export const makeFrameIngest = (options: IngestOptions): FrameIngest => {
  const layout = makeRtpLayout()
  const depacketizer = makeRfc2435Depacketizer()
  let ssrc: number | undefined
  // The rate cap: frames in the current one-second window.
  let windowStart = Number.NEGATIVE_INFINITY
  let framesInWindow = 0
  // The real-time check: media time against wall time from the first frame on.
  let origin: { readonly timestamp: number; readonly arrivalMs: number } | undefined

  const admit = (timestamp: number, arrivalMs: number): string | undefined => {
    if (arrivalMs - windowStart >= 1000) {
      windowStart = arrivalMs
      framesInWindow = 0
    }
    framesInWindow++
    if (framesInWindow > options.maxFps) return `more than ${options.maxFps} frames in one second`
    if (origin === undefined) {
      origin = { timestamp, arrivalMs }
      return undefined
    }
    const mediaMs = (((timestamp - origin.timestamp) | 0) * 1000) / JPEG_CLOCK_RATE
    const aheadMs = mediaMs - (arrivalMs - origin.arrivalMs)
    // A publisher that restarts its clock (or jumps back) starts a new origin rather than being judged against the old one.
    if (mediaMs < 0) origin = { timestamp, arrivalMs }
    else if (aheadMs > options.maxAheadMs) return `media time ${Math.round(aheadMs)} ms ahead of real time`
    return undefined
  }

  const frameOf = (jpeg: Buffer, timestamp: number, arrivalMs: number): IngestEvent => {
    const frame = jpegFrame(jpeg, timestamp, options.mtu)
    if (frame._tag === "Rejected") return frame
    const tooFast = admit(timestamp, arrivalMs)
    return tooFast === undefined ? frame : { _tag: "Rejected", reason: "TooFast", message: `flooding: ${tooFast}` }
  }

  return {
    ssrc: () => ssrc,
    push: (bytes, offset, length, arrivalMs) => {
      const wrong = locateRtp(bytes, offset, length, layout)
      if (wrong !== undefined) return rejected("NotRtp", `not an RTP packet (${wrong})`)
      const payloadType = bytes[offset + 1]! & 0x7f
      if (payloadType !== options.payloadType) return rejected("PayloadType", `payload type ${payloadType}, but the ANNOUNCE said ${options.payloadType}`)
      const packetSsrc = rtpSsrcAt(bytes, offset)
      if (ssrc === undefined) ssrc = packetSsrc
      else if (packetSsrc !== ssrc) return rejected("Ssrc", `SSRC ${packetSsrc.toString(16)}, but the stream's is ${ssrc.toString(16)}`)
      const timestamp = rtpTimestampAt(bytes, offset)
      const events = depacketizer.pushPayload(timestamp, rtpMarkerAt(bytes, offset), bytes, layout.payloadStart, layout.payloadEnd)
      if (events.length === 0) return NONE
      return events.map((event) =>
        event._tag === "Dropped"
          ? { _tag: "Rejected", reason: "Incomplete", message: `frame dropped: ${event.message}` }
          : frameOf(event.jpeg, event.timestamp, arrivalMs))
    }
  }
}
