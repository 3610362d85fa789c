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
import { type DecodedFrame, makeRfc2435Depacketizer, makeRfc2435FrameCounter } from "../../src/protocol/jpeg/rfc2435Depacketizer.js"
import { JPEG_CLOCK_RATE } from "../../src/protocol/rtpJpeg.js"
import type { Dialect } from "../../src/protocol/rtsp/vocabulary.js"
import { type CountRtp, makeReceiverCore, type ReceiverFigures } from "./receiverCore.js"

export type { ReceiverFigures, ReceiverSnapshot } from "./receiverCore.js"

export interface ReceivedFrame {
  readonly jpeg: Buffer
  readonly timestamp: number
  /** Arrival of the frame's last packet. */
  readonly arrivalMs: number
}

export interface MjpegReceiver extends ReceiverFigures {
  /** Feeds one datagram (or interleaved RTP payload), which the frames keep views of; returns the frames it completed. */
  readonly onRtp: (datagram: Uint8Array, arrivalMs: number) => ReadonlyArray<ReceivedFrame>
}

export interface MjpegCounter extends ReceiverFigures {
  readonly countRtp: CountRtp
}

export interface ReceiverOptions {
  readonly dialect: Dialect
  readonly expectedFps?: number
  readonly timingSamples?: number
}

const NONE: ReadonlyArray<ReceivedFrame> = []

/** The MJPEG core: the shared one, plus the classic dialect's whole-JPEG datagrams. */
const makeMjpegCore = (options: ReceiverOptions) => {
  const core = makeReceiverCore({ clockRate: JPEG_CLOCK_RATE, expectedFps: options.expectedFps, timingSamples: options.timingSamples })
  const { layout, frameStats } = core

  /** A classic datagram is a whole JPEG: the JPEG (a view of the payload), or undefined, counted as dropped. */
  const classicFrame = (bytes: Uint8Array, timestamp: number, arrivalMs: number): Buffer | undefined => {
    const jpeg = decodeClassicPayload(bytes.subarray(layout.payloadStart, layout.payloadEnd))
    if (jpeg === undefined) frameStats.onDropped("NotJpeg")
    else frameStats.onFrame({ timestamp, arrivalMs })
    return jpeg
  }
  return { ...core, classicFrame }
}

export const makeMjpegReceiver = (options: ReceiverOptions): MjpegReceiver => {
  const core = makeMjpegCore(options)
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
  const core = makeMjpegCore(options)
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
