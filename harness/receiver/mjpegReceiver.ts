/**
 * The harness's receiving end, as a pure state machine: RTP datagrams (with
 * their arrival times) in, whole JPEG frames and honest statistics out. One
 * path for both dialects: RFC 2435 fragments are reassembled by the
 * project's depacketizer, classic datagrams carry a whole JPEG each.
 */
import { Either } from "effect"
import { decodeClassicPayload } from "../../src/protocol/jpeg/classic.js"
import { type DecodedFrame, makeRfc2435Depacketizer } from "../../src/protocol/jpeg/rfc2435Depacketizer.js"
import { decodeRtpPacket } from "../../src/protocol/rtp.js"
import { JPEG_CLOCK_RATE } from "../../src/protocol/rtpJpeg.js"
import type { Dialect } from "../../src/protocol/rtsp/vocabulary.js"
import { type FrameStatsSnapshot, makeFrameStats } from "../metrics/frameStats.js"
import { makeRtpReceiverStats, rtpPacketSample, type RtpStatsSnapshot } from "../metrics/rtpStats.js"

export interface ReceivedFrame {
  readonly jpeg: Buffer
  readonly timestamp: number
  /** Arrival of the frame's last packet. */
  readonly arrivalMs: number
}

export interface ReceiverSnapshot {
  readonly rtp: RtpStatsSnapshot
  readonly frames: FrameStatsSnapshot
  /** Datagrams that were not RTP at all (counted, never fatal). */
  readonly undecodable: number
}

export interface MjpegReceiver {
  /** Feeds one datagram (or interleaved RTP payload); returns the frames it completed. */
  readonly onRtp: (datagram: Uint8Array, arrivalMs: number) => ReadonlyArray<ReceivedFrame>
  readonly onPlaySent: (ms: number) => void
  readonly snapshot: () => ReceiverSnapshot
  /** The RTP half alone: cheap enough to poll every second for live progress. */
  readonly rtpSnapshot: () => RtpStatsSnapshot
  /** Arrival (ms) of every whole frame, and the intervals between them: copies, for reports. */
  readonly frameArrivalsMs: () => ReadonlyArray<number>
  readonly frameIntervalsMs: () => ReadonlyArray<number>
}

const NONE: ReadonlyArray<ReceivedFrame> = []

export const makeMjpegReceiver = (options: { readonly dialect: Dialect; readonly expectedFps?: number }): MjpegReceiver => {
  const rtpStats = makeRtpReceiverStats({ clockRate: JPEG_CLOCK_RATE })
  const frameStats = makeFrameStats({ clockRate: JPEG_CLOCK_RATE, ...(options.expectedFps === undefined ? {} : { expectedFps: options.expectedFps }) })
  const depacketizer = makeRfc2435Depacketizer()
  let undecodable = 0

  const frameOf = (jpeg: Buffer, timestamp: number, arrivalMs: number): ReceivedFrame => {
    frameStats.onFrame({ timestamp, arrivalMs })
    return { jpeg, timestamp, arrivalMs }
  }

  // The depacketizer builds a frame's JPEG on first read; passing the read on keeps it so, and a
  // run that only counts frames (load) never copies their bytes.
  const rebuiltFrameOf = (event: DecodedFrame, arrivalMs: number): ReceivedFrame => {
    frameStats.onFrame({ timestamp: event.timestamp, arrivalMs })
    return {
      get jpeg() {
        return event.jpeg
      },
      timestamp: event.timestamp,
      arrivalMs
    }
  }

  // Per packet (the hot path): most packets complete nothing, and get the shared empty array.
  const onRtp = (datagram: Uint8Array, arrivalMs: number): ReadonlyArray<ReceivedFrame> => {
    const decoded = decodeRtpPacket(datagram)
    if (Either.isLeft(decoded)) {
      undecodable++
      return NONE
    }
    const packet = decoded.right
    rtpStats.onPacket(rtpPacketSample(packet, arrivalMs))
    if (options.dialect === "classic") {
      const jpeg = decodeClassicPayload(packet.payload)
      if (jpeg) return [frameOf(jpeg, packet.header.timestamp, arrivalMs)]
      frameStats.onDropped("NotJpeg")
      return NONE
    }
    const events = depacketizer.push({ timestamp: packet.header.timestamp, marker: packet.header.marker, payload: packet.payload })
    if (events.length === 0) return NONE
    const frames: Array<ReceivedFrame> = []
    for (const event of events) {
      if (event._tag === "Frame") frames.push(rebuiltFrameOf(event, arrivalMs))
      else frameStats.onDropped(event.reason)
    }
    return frames
  }

  return {
    onRtp,
    onPlaySent: frameStats.onPlaySent,
    snapshot: () => ({ rtp: rtpStats.snapshot(), frames: frameStats.snapshot(), undecodable }),
    rtpSnapshot: rtpStats.snapshot,
    frameArrivalsMs: frameStats.arrivalsMs,
    frameIntervalsMs: frameStats.intervalsMs
  }
}
