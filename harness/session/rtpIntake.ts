/**
 * Where a session's RTP goes in: from its UDP socket or its `$` frames to the receiver, with
 * the frame count and the jitter series kept on the way. A session whose frames nobody looks
 * at (no onFrame: a load run) gets the counter, which reads each datagram in place straight
 * from the receive buffer; one that shows or saves frames gets the receiver and their JPEGs.
 * Both give the same figures.
 */
import type { UdpReceivePath, UdpSocket } from "../../src/net/UdpSocket.js"
import type { Dialect } from "../../src/protocol/rtsp/vocabulary.js"
import { makeThinningSeries, type TimedSample } from "../metrics/thinningSeries.js"
import { makeMjpegCounter, makeMjpegReceiver, type ReceivedFrame, type ReceiverFigures } from "../receiver/mjpegReceiver.js"

const JITTER_SAMPLE_EVERY_MS = 100
/** Jitter samples kept per session (see makeThinningSeries). */
export const MAX_JITTER_SAMPLES = 2048

export interface RtpIntakeOptions {
  readonly dialect: Dialect
  readonly expectedFps?: number | undefined
  /** Time zero of the jitter series (performance.now() ms). */
  readonly epochMs: number
  /** Every whole frame with its index; its absence lets the intake keep no bytes. */
  readonly onFrame?: ((frame: ReceivedFrame, index: number) => void) | undefined
  /** Every packet (cheap: the caller's first-packet signal). */
  readonly onPacket: () => void
}

export interface RtpIntake {
  readonly figures: ReceiverFigures
  /** Hands the socket's datagrams to the receiver from now on. */
  readonly fromUdp: (socket: UdpSocket, batched: boolean) => UdpReceivePath
  /** One `$` frame's RTP payload (kept by nobody after the call when counting). */
  readonly fromInterleaved: (payload: Buffer, arrivalMs: number) => void
  readonly framesSeen: () => number
  readonly jitterSeries: () => ReadonlyArray<TimedSample>
}

export const makeRtpIntake = (options: RtpIntakeOptions): RtpIntake => {
  const receiverOptions = { dialect: options.dialect, ...(options.expectedFps === undefined ? {} : { expectedFps: options.expectedFps }) }
  const jitter = makeThinningSeries({ everyMs: JITTER_SAMPLE_EVERY_MS, max: MAX_JITTER_SAMPLES })
  let framesSeen = 0
  const onFrame = options.onFrame

  if (onFrame === undefined) {
    const counter = makeMjpegCounter(receiverOptions)
    const jitterNow = () => counter.rtpSnapshot().jitterMs
    const take = (bytes: Uint8Array, offset: number, length: number, arrivalMs: number): void => {
      options.onPacket()
      const frames = counter.countRtp(bytes, offset, length, arrivalMs)
      if (frames === 0) return
      jitter.offer(arrivalMs - options.epochMs, jitterNow)
      framesSeen += frames
    }
    return {
      figures: counter,
      fromUdp: (socket, batched) => socket.deliverTransientTo(take, { batched }),
      fromInterleaved: (payload, arrivalMs) => take(payload, 0, payload.length, arrivalMs),
      framesSeen: () => framesSeen,
      jitterSeries: jitter.samples
    }
  }

  const receiver = makeMjpegReceiver(receiverOptions)
  const jitterNow = () => receiver.rtpSnapshot().jitterMs
  const take = (datagram: Uint8Array, arrivalMs: number): void => {
    options.onPacket()
    for (const frame of receiver.onRtp(datagram, arrivalMs)) {
      jitter.offer(arrivalMs - options.epochMs, jitterNow)
      onFrame(frame, framesSeen)
      framesSeen += 1
    }
  }
  return {
    figures: receiver,
    fromUdp: (socket, batched) => socket.deliverTo(take, { batched }),
    fromInterleaved: take,
    framesSeen: () => framesSeen,
    jitterSeries: jitter.samples
  }
}
