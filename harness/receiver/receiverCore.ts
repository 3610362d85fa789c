/**
 * What every track's receiver shares, whatever its codec: each datagram's RTP figures (read in
 * place, strays from another SSRC set apart), then, after the codec's frame machine, the frame
 * statistics of what it completed or dropped. The codec receivers (mjpegReceiver.ts,
 * nalReceiver.ts, markerReceiver.ts) are this plus their machine.
 */
import { locateRtp, makeRtpLayout, rtpMarkerAt, rtpSequenceNumberAt, rtpSsrcAt, rtpTimestampAt } from "../../src/protocol/rtp.js"
import { type FrameStatsSnapshot, makeFrameStats } from "../metrics/frameStats.js"
import { makeRtpReceiverStats, type RtpStatsSnapshot } from "../metrics/rtpStats.js"

export interface ReceiverSnapshot {
  readonly rtp: RtpStatsSnapshot
  readonly frames: FrameStatsSnapshot
  /** Datagrams that were not RTP at all (counted, never fatal). */
  readonly undecodable: number
}

/** What every kind of receiver tells. */
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
  /** The last packets' RTP timestamps and arrivals (with `timingSamples`), for aligning tracks. */
  readonly timingSamples: () => ReadonlyArray<TimingSample>
}

export interface TimingSample {
  readonly timestamp: number
  readonly arrivalMs: number
}

/** Feeds the datagram in bytes [offset, offset + length), read during the call only; returns how many frames it completed. */
export type CountRtp = (bytes: Uint8Array, offset: number, length: number, arrivalMs: number) => number

export interface ReceiverCoreOptions {
  /** The track's RTP clock, for jitter and the timestamp step. */
  readonly clockRate: number
  readonly expectedFps?: number | undefined
  /** Keep the last this many packets' timestamps and arrivals (default 0: none, the load path). */
  readonly timingSamples?: number | undefined
}

/** A frame the codec's machine finished: whole, or dropped for a reason. */
export type FrameEvent =
  | { readonly _tag: "Frame"; readonly timestamp: number }
  | { readonly _tag: "Dropped"; readonly reason: string }

export const makeReceiverCore = (options: ReceiverCoreOptions) => {
  const rtpStats = makeRtpReceiverStats({ clockRate: options.clockRate })
  const frameStats = makeFrameStats({ clockRate: options.clockRate, ...(options.expectedFps === undefined ? {} : { expectedFps: options.expectedFps }) })
  const layout = makeRtpLayout()
  // The header fields of the packet takePacket last accepted, read once for the frame machine too.
  const header = { sequenceNumber: 0, timestamp: 0, marker: false }
  let undecodable = 0
  let expectedSsrc: number | undefined
  const samplesKept = options.timingSamples ?? 0
  const samples: Array<TimingSample> = []
  let nextSample = 0

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
    header.sequenceNumber = rtpSequenceNumberAt(bytes, offset)
    header.timestamp = rtpTimestampAt(bytes, offset)
    header.marker = rtpMarkerAt(bytes, offset)
    rtpStats.onPacketFields(header.sequenceNumber, header.timestamp, header.marker, arrivalMs, layout.payloadEnd - layout.payloadStart, ssrc)
    if (samplesKept > 0) {
      // A ring of the newest: they sit closest to the last sender report.
      samples[nextSample] = { timestamp: header.timestamp, arrivalMs }
      nextSample = (nextSample + 1) % samplesKept
    }
    return true
  }

  /** The frame statistics of one frame event: true for a whole frame. */
  const tally = (event: FrameEvent, arrivalMs: number): boolean => {
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
    frameIntervalsMs: frameStats.intervalsMs,
    timingSamples: () => [...samples]
  }
  return { layout, header, takePacket, tally, frameStats, figures }
}
