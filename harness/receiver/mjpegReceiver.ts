/**
 * The harness's receiving end, as a pure state machine: RTP datagrams (with
 * their arrival times) in, whole JPEG frames and honest statistics out. One
 * path for both dialects: RFC 2435 fragments are reassembled by the
 * project's depacketizer, classic datagrams carry a whole JPEG each.
 *
 * Two kinds share that path and its figures. The receiver hands out each
 * frame's JPEG. The counter keeps no bytes (a load run, where nobody looks at
 * a frame): it reads each datagram in place, so the bytes may come straight
 * from a reused receive buffer, and a packet allocates nothing.
 */
import { decodeClassicPayload } from "../../src/protocol/jpeg/classic.js"
import {
  type AssembledFrame,
  type DecodedFrame,
  type DroppedFrame,
  makeRfc2435Depacketizer,
  makeRfc2435FrameCounter
} from "../../src/protocol/jpeg/rfc2435Depacketizer.js"
import { locateRtp, makeRtpLayout, rtpMarkerAt, rtpSequenceNumberAt, rtpSsrcAt, rtpTimestampAt } from "../../src/protocol/rtp.js"
import { JPEG_CLOCK_RATE } from "../../src/protocol/rtpJpeg.js"
import type { Dialect } from "../../src/protocol/rtsp/vocabulary.js"
import { type FrameStatsSnapshot, makeFrameStats } from "../metrics/frameStats.js"
import { makeRtpReceiverStats, type RtpStatsSnapshot } from "../metrics/rtpStats.js"

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

/** What both kinds tell. */
export interface ReceiverFigures {
  readonly onPlaySent: (ms: number) => void
  /**
   * The SSRC SETUP announced: from now on packets of any other source are strays, counted and not
   * measured (undefined: every source counts, as when the server names none).
   */
  readonly expectSsrc: (ssrc: number | undefined) => void
  readonly snapshot: () => ReceiverSnapshot
  /** The RTP half alone: cheap enough to poll every second for live progress. */
  readonly rtpSnapshot: () => RtpStatsSnapshot
  /** Arrival (ms) of every whole frame, and the intervals between them: copies, for reports. */
  readonly frameArrivalsMs: () => ReadonlyArray<number>
  readonly frameIntervalsMs: () => ReadonlyArray<number>
}

export interface MjpegReceiver extends ReceiverFigures {
  /** Feeds one datagram (or interleaved RTP payload), which the frames keep views of; returns the frames it completed. */
  readonly onRtp: (datagram: Uint8Array, arrivalMs: number) => ReadonlyArray<ReceivedFrame>
}

export interface MjpegCounter extends ReceiverFigures {
  /** Feeds the datagram in bytes [offset, offset + length), read during the call only; returns how many frames it completed. */
  readonly countRtp: (bytes: Uint8Array, offset: number, length: number, arrivalMs: number) => number
}

export interface ReceiverOptions {
  readonly dialect: Dialect
  readonly expectedFps?: number
}

const NONE: ReadonlyArray<ReceivedFrame> = []

/**
 * The shared path: a datagram's RTP figures (takePacket), then, after the caller's frame machine,
 * the frame statistics of what it completed or dropped (classicFrame, tally).
 */
const makeReceiverCore = (options: ReceiverOptions) => {
  const rtpStats = makeRtpReceiverStats({ clockRate: JPEG_CLOCK_RATE })
  const frameStats = makeFrameStats({ clockRate: JPEG_CLOCK_RATE, ...(options.expectedFps === undefined ? {} : { expectedFps: options.expectedFps }) })
  const layout = makeRtpLayout()
  // The header fields of the packet takePacket last accepted, read once for the frame machine too.
  const header = { timestamp: 0, marker: false }
  let undecodable = 0
  let expectedSsrc: number | undefined

  /** Records the packet's RTP figures and header; false when it is not RTP (counted as undecodable) or a stray. */
  const takePacket = (bytes: Uint8Array, offset: number, length: number, arrivalMs: number): boolean => {
    if (locateRtp(bytes, offset, length, layout) !== undefined) {
      undecodable++
      return false
    }
    const ssrc = rtpSsrcAt(bytes, offset)
    if (expectedSsrc !== undefined && ssrc !== expectedSsrc) {
      rtpStats.onStray()
      return false
    }
    header.timestamp = rtpTimestampAt(bytes, offset)
    header.marker = rtpMarkerAt(bytes, offset)
    rtpStats.onPacketFields(rtpSequenceNumberAt(bytes, offset), header.timestamp, header.marker, arrivalMs, layout.payloadEnd - layout.payloadStart, ssrc)
    return true
  }

  /** A classic datagram is a whole JPEG: the JPEG (a view of the payload), or undefined, counted as dropped. */
  const classicFrame = (bytes: Uint8Array, timestamp: number, arrivalMs: number): Buffer | undefined => {
    const jpeg = decodeClassicPayload(bytes.subarray(layout.payloadStart, layout.payloadEnd))
    if (jpeg === undefined) frameStats.onDropped("NotJpeg")
    else frameStats.onFrame({ timestamp, arrivalMs })
    return jpeg
  }

  /** The frame statistics of one depacketizer event: true for a whole frame. */
  const tally = (event: AssembledFrame | DroppedFrame, arrivalMs: number): boolean => {
    if (event._tag === "Frame") {
      frameStats.onFrame({ timestamp: event.timestamp, arrivalMs })
      return true
    }
    frameStats.onDropped(event.reason)
    return false
  }

  const figures: ReceiverFigures = {
    onPlaySent: frameStats.onPlaySent,
    expectSsrc: (ssrc) => {
      expectedSsrc = ssrc === undefined ? undefined : ssrc >>> 0
    },
    snapshot: () => ({ rtp: rtpStats.snapshot(), frames: frameStats.snapshot(), undecodable }),
    rtpSnapshot: rtpStats.snapshot,
    frameArrivalsMs: frameStats.arrivalsMs,
    frameIntervalsMs: frameStats.intervalsMs
  }
  return { layout, header, takePacket, classicFrame, tally, figures }
}

export const makeMjpegReceiver = (options: ReceiverOptions): MjpegReceiver => {
  const core = makeReceiverCore(options)
  const { layout, header } = core
  const depacketizer = makeRfc2435Depacketizer()

  // The depacketizer builds a frame's JPEG on first read; passing the read on keeps it so.
  const rebuiltFrameOf = (event: DecodedFrame, arrivalMs: number): ReceivedFrame => ({
    get jpeg() {
      return event.jpeg
    },
    timestamp: event.timestamp,
    arrivalMs
  })

  // Per packet (the hot path): most packets complete nothing, and get the shared empty array.
  const onRtp = (datagram: Uint8Array, arrivalMs: number): ReadonlyArray<ReceivedFrame> => {
    if (!core.takePacket(datagram, 0, datagram.length, arrivalMs)) return NONE
    const { timestamp } = header
    if (options.dialect === "classic") {
      const jpeg = core.classicFrame(datagram, timestamp, arrivalMs)
      return jpeg === undefined ? NONE : [{ jpeg, timestamp, arrivalMs }]
    }
    const events = depacketizer.pushPayload(timestamp, header.marker, datagram, layout.payloadStart, layout.payloadEnd)
    if (events.length === 0) return NONE
    const frames: Array<ReceivedFrame> = []
    for (const event of events) {
      core.tally(event, arrivalMs)
      if (event._tag === "Frame") frames.push(rebuiltFrameOf(event, arrivalMs))
    }
    return frames
  }

  return { ...core.figures, onRtp }
}

export const makeMjpegCounter = (options: ReceiverOptions): MjpegCounter => {
  const core = makeReceiverCore(options)
  const { layout, header } = core
  const counter = makeRfc2435FrameCounter()

  const countRtp = (bytes: Uint8Array, offset: number, length: number, arrivalMs: number): number => {
    if (!core.takePacket(bytes, offset, length, arrivalMs)) return 0
    if (options.dialect === "classic") return core.classicFrame(bytes, header.timestamp, arrivalMs) === undefined ? 0 : 1
    const events = counter.pushPayload(header.timestamp, header.marker, bytes, layout.payloadStart, layout.payloadEnd)
    let frames = 0
    for (const event of events) if (core.tally(event, arrivalMs)) frames++
    return frames
  }

  return { ...core.figures, countRtp }
}
