/**
 * Where a track's RTP goes in: from its UDP socket or its `$` frames to the receiver of its
 * codec, with the frame count and the jitter series kept on the way. An MJPEG track whose frames
 * nobody looks at (no onFrame: a load run) gets the counter, which reads each datagram in place
 * straight from the receive buffer; one that shows or saves frames gets the receiver and their
 * JPEGs. Both give the same figures. H.264/H.265 tracks get the NAL receiver, any other the
 * marker receiver; both read in place too (the NAL depacketizer copies what it keeps).
 */
import type { UdpReceivePath, UdpSocket } from "../../src/net/UdpSocket.js"
import type { Dialect } from "../../src/protocol/rtsp/vocabulary.js"
import { makeThinningSeries, type TimedSample } from "../metrics/thinningSeries.js"
import { makeMarkerReceiver } from "../receiver/markerReceiver.js"
import { makeMjpegCounter, makeMjpegReceiver, type ReceivedFrame } from "../receiver/mjpegReceiver.js"
import { makeNalReceiver, type NalCodec, type NalFigures, type OnAccessUnit } from "../receiver/nalReceiver.js"
import type { CountRtp, ReceiverFigures } from "../receiver/receiverCore.js"

const JITTER_SAMPLE_EVERY_MS = 100
/** Jitter samples kept per session (see makeThinningSeries). */
export const MAX_JITTER_SAMPLES = 2048

/** What the intake needs to know of its track. */
export interface IntakeTrack {
  readonly codec: "JPEG" | NalCodec | "other"
  readonly clockRate: number
  /** H.264/H.265: the description's parameter sets. */
  readonly spropUnits?: ReadonlyArray<Uint8Array>
  /** Other codecs: the marker bit ends a frame (video), or starts a talkspurt (audio). */
  readonly markerEndsFrames?: boolean
}

export interface RtpIntakeOptions {
  readonly dialect: Dialect
  /** Default: MJPEG at 90 kHz, the one kind of track the classic dialect has. */
  readonly track?: IntakeTrack
  readonly expectedFps?: number | undefined
  /** Time zero of the jitter series (performance.now() ms). */
  readonly epochMs: number
  /** Every whole frame with its index; its absence lets the intake keep no bytes. */
  readonly onFrame?: ((frame: ReceivedFrame, index: number) => void) | undefined
  /** H.264/H.265: every whole access unit holding a picture. */
  readonly onAccessUnit?: OnAccessUnit | undefined
  /** Every packet (cheap: the caller's first-packet signal). */
  readonly onPacket: () => void
  /** Keep the last this many packets' timings (see receiverCore.ts; default 0). */
  readonly timingSamples?: number
}

export interface RtpIntake {
  readonly figures: ReceiverFigures
  /** Hands the socket's datagrams to the receiver from now on. */
  readonly fromUdp: (socket: UdpSocket, batched: boolean) => UdpReceivePath
  /** One `$` frame's RTP payload (kept by nobody after the call when counting). */
  readonly fromInterleaved: (payload: Buffer, arrivalMs: number) => void
  readonly framesSeen: () => number
  readonly jitterSeries: () => ReadonlyArray<TimedSample>
  /** H.264/H.265 only. */
  readonly nalFigures: () => NalFigures | undefined
}

const NO_NAL_FIGURES = (): undefined => undefined

export const makeRtpIntake = (options: RtpIntakeOptions): RtpIntake => {
  const timingSamples = options.timingSamples ?? 0
  const receiverOptions = { dialect: options.dialect, timingSamples, ...(options.expectedFps === undefined ? {} : { expectedFps: options.expectedFps }) }
  const jitter = makeThinningSeries({ everyMs: JITTER_SAMPLE_EVERY_MS, max: MAX_JITTER_SAMPLES })
  let framesSeen = 0
  const onFrame = options.onFrame

  /** A receiver that reads each datagram in place. */
  const counting = (counter: ReceiverFigures & { readonly countRtp: CountRtp }, nalFigures: RtpIntake["nalFigures"]): RtpIntake => {
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
      jitterSeries: jitter.samples,
      nalFigures
    }
  }

  const track = options.track
  if (track !== undefined && track.codec !== "JPEG") {
    const core = { clockRate: track.clockRate, expectedFps: options.expectedFps, timingSamples }
    if (track.codec === "other") return counting(makeMarkerReceiver({ ...core, markerEndsFrames: track.markerEndsFrames ?? true }), NO_NAL_FIGURES)
    const nal = makeNalReceiver({ ...core, codec: track.codec, spropUnits: track.spropUnits ?? [], onAccessUnit: options.onAccessUnit })
    return counting(nal, nal.nalFigures)
  }
  if (onFrame === undefined) return counting(makeMjpegCounter(receiverOptions), NO_NAL_FIGURES)

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
    jitterSeries: jitter.samples,
    nalFigures: NO_NAL_FIGURES
  }
}
