/**
 * The receiving end of a track whose payload the harness does not take apart (audio, or any
 * codec it does not know): a frame is the packets that share an RTP timestamp, ended by the
 * marker bit or by the next timestamp. Lost packets drop a frame as "SequenceGap":
 * - a gap inside a timestamp drops that frame;
 * - a gap where the timestamp changes, after a frame the marker closed, drops the new frame
 *   (its first packets may be the lost ones);
 * - a gap where the timestamp changes while a frame is open: where the marker ends frames
 *   (video) the open frame lost its last packet and is dropped; in audio, where a packet is a
 *   frame and the marker only starts a talkspurt, the open frame is whole and the lost packets
 *   were a frame of their own, counted dropped.
 * Pure: no clock, no I/O.
 */
import { type CountRtp, makeReceiverCore, type ReceiverCoreOptions, type ReceiverFigures } from "./receiverCore.js"

export interface MarkerReceiver extends ReceiverFigures {
  readonly countRtp: CountRtp
}

interface FrameInProgress {
  readonly timestamp: number
  lastArrivalMs: number
  gap: boolean
}

export interface MarkerReceiverOptions extends ReceiverCoreOptions {
  /** The marker bit ends a frame (video; default true); false: audio (RFC 3551: it starts a talkspurt). */
  readonly markerEndsFrames?: boolean
}

export const makeMarkerReceiver = (options: MarkerReceiverOptions): MarkerReceiver => {
  const markerEndsFrames = options.markerEndsFrames ?? true
  const core = makeReceiverCore(options)
  const { header } = core
  let frame: FrameInProgress | undefined
  let lastSequence: number | undefined

  /** Ends the frame in progress: true when it was whole. */
  const close = (): boolean => {
    if (frame === undefined) return false
    const ended = frame
    frame = undefined
    return core.tally(ended.gap ? { _tag: "Dropped", reason: "SequenceGap" } : { _tag: "Frame", timestamp: ended.timestamp }, ended.lastArrivalMs)
  }

  const countRtp: CountRtp = (bytes, offset, length, arrivalMs) => {
    if (!core.takePacket(bytes, offset, length, arrivalMs)) return 0
    const sequence = header.sequenceNumber
    const step = lastSequence === undefined ? 1 : (sequence - lastSequence) & 0xffff
    // A late or duplicate packet changes nothing in the frames already counted (its RTP figures have it).
    if (step === 0 || step >= 0x8000) return 0
    const gap = step > 1
    lastSequence = sequence
    let completed = 0
    let gapBefore = gap
    if (frame !== undefined && frame.timestamp !== header.timestamp) {
      if (gap && markerEndsFrames) frame.gap = true
      else if (gap) core.tally({ _tag: "Dropped", reason: "SequenceGap" }, arrivalMs)
      // Either way the loss is accounted for: the new frame starts whole.
      gapBefore = false
      if (close()) completed++
    }
    if (frame === undefined) frame = { timestamp: header.timestamp, lastArrivalMs: arrivalMs, gap: gapBefore }
    else {
      frame.gap ||= gap
      frame.lastArrivalMs = arrivalMs
    }
    if (header.marker && close()) completed++
    return completed
  }

  return { ...core.figures, countRtp }
}
