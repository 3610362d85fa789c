/**
 * The receiving end of a track whose payload the harness does not take apart (audio, or any
 * codec it does not know): a frame is the packets that share an RTP timestamp, ended by the
 * marker bit or by the next timestamp. A frame with a sequence gap in it, or just before it, is
 * dropped as "SequenceGap". Pure: no clock, no I/O.
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

export const makeMarkerReceiver = (options: ReceiverCoreOptions): MarkerReceiver => {
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
    if (frame !== undefined && frame.timestamp !== header.timestamp && close()) completed++
    if (frame === undefined) frame = { timestamp: header.timestamp, lastArrivalMs: arrivalMs, gap }
    else {
      frame.gap ||= gap
      frame.lastArrivalMs = arrivalMs
    }
    if (header.marker && close()) completed++
    return completed
  }

  return { ...core.figures, countRtp }
}
