/**
 * Receiver statistics for one RTP stream (RFC 3550 appendix A.3 and A.8).
 *
 * Pure bookkeeping: the caller supplies each packet's header fields and its
 * arrival time in milliseconds; nothing here reads a clock.
 *
 * Sequence numbers are extended to a monotonic counter with the signed 16-bit
 * distance from the highest packet so far (`seqDelta`), so 65535 -> 0 wraps
 * cleanly. Simplification of RFC 3550 A.1: there is no probation and no
 * restart on a large jump. Any forward jump (up to 32767) advances the highest
 * sequence number and the gap counts as loss; jumps above MAX_DROPOUT (3000)
 * are additionally counted in `sequenceJumps` so a report can flag them.
 * A packet behind the highest one is a duplicate if its extended number was
 * seen within the last DUPLICATE_WINDOW numbers, else it is `reordered`; a
 * late packet older than the first one moves the base down, so expected
 * always covers every distinct packet received.
 */
import type { RtpPacket } from "../../src/protocol/rtp.js"
import { seqDelta, timestampDelta } from "../../src/protocol/rtp.js"

/** RFC 3550 A.1: a forward jump larger than this is suspicious (counted, still treated as loss). */
export const MAX_DROPOUT = 3000
/** How many recent extended sequence numbers are remembered to recognise duplicates. */
export const DUPLICATE_WINDOW = 1024

export interface RtpPacketSample {
  readonly sequenceNumber: number
  /** Unsigned 32-bit RTP timestamp. */
  readonly timestamp: number
  readonly marker: boolean
  /** Arrival time in milliseconds (any epoch, monotonic). */
  readonly arrivalMs: number
  readonly payloadBytes: number
  /** Absent in hand-made samples; taken from the header by rtpPacketSample. */
  readonly ssrc?: number
}

export interface RtpStatsSnapshot {
  /** Every packet that arrived, duplicates included (RFC 3550 "received"). */
  readonly packetsReceived: number
  /** Extended highest sequence number - base + 1 (0 before the first packet). */
  readonly packetsExpected: number
  /** max(0, expected - (received - duplicates)); duplicates older than the window can still hide loss. */
  readonly packetsLost: number
  /** Packets whose sequence number was already seen within the duplicate window. */
  readonly duplicates: number
  /** Non-duplicate packets that arrived after a higher sequence number. */
  readonly reordered: number
  /** Forward sequence jumps larger than MAX_DROPOUT. */
  readonly sequenceJumps: number
  /** Packets with the marker bit set (one per frame for RFC 2435 MJPEG). */
  readonly markerPackets: number
  /** packetsLost / packetsExpected * 100 (0 when nothing is expected). */
  readonly lossPct: number
  /** RFC 3550 A.8 interarrival jitter, converted to milliseconds. */
  readonly jitterMs: number
  /** The same jitter in RTP timestamp units, as a receiver report carries it. */
  readonly jitterUnits: number
  /** Extended highest sequence number (cycles << 16 | seq), as a receiver report carries it. */
  readonly highestSeqExtended: number
  /** SSRC of the last packet (0 before the first). */
  readonly ssrc: number
  /** Payload bytes of every packet received. */
  readonly bytes: number
  /** Last arrival - first arrival. */
  readonly durationMs: number
  /** bytes * 8 / duration; 0 when the span is empty. */
  readonly bitrateBps: number
  /**
   * Packets from another SSRC than the one SETUP announced (a stream still going to an earlier
   * owner of the port, say): counted here and in no other figure.
   */
  readonly strayPackets: number
}

export interface RtpReceiverStats {
  readonly onPacket: (sample: RtpPacketSample) => void
  /** onPacket from the header's fields, for a per-packet path that makes no sample object (ssrc -1: none). */
  readonly onPacketFields: (sequenceNumber: number, timestamp: number, marker: boolean, arrivalMs: number, payloadBytes: number, ssrc: number) => void
  /** A packet of another source, left out of every other figure. */
  readonly onStray: () => void
  readonly snapshot: () => RtpStatsSnapshot
}

/** The sample for a decoded packet, so callers never copy header fields by hand. */
export const rtpPacketSample = (packet: RtpPacket, arrivalMs: number): RtpPacketSample => ({
  sequenceNumber: packet.header.sequenceNumber,
  timestamp: packet.header.timestamp,
  marker: packet.header.marker,
  arrivalMs,
  payloadBytes: packet.payload.length,
  ssrc: packet.header.ssrc
})

export const makeRtpReceiverStats = (options: { readonly clockRate: number }): RtpReceiverStats => {
  const unitsPerMs = options.clockRate / 1000
  // Slot i holds the extended sequence number last seen there (-Infinity: empty).
  const recent = new Float64Array(DUPLICATE_WINDOW).fill(Number.NEGATIVE_INFINITY)

  let started = false
  let baseExt = 0
  let highestExt = 0
  let received = 0
  let duplicates = 0
  let reordered = 0
  let sequenceJumps = 0
  let markerPackets = 0
  let bytes = 0
  let firstArrivalMs = 0
  let lastArrivalMs = 0
  // Jitter state, in RTP timestamp units.
  let jitter = 0
  let lastArrivalForJitterMs = 0
  let lastTimestamp = 0

  const slotOf = (ext: number): number => ((ext % DUPLICATE_WINDOW) + DUPLICATE_WINDOW) % DUPLICATE_WINDOW

  const updateJitter = (arrivalMs: number, timestamp: number): void => {
    // D(i-1, i) = (R_i - R_{i-1}) - (S_i - S_{i-1}), both in timestamp units.
    const d = (arrivalMs - lastArrivalForJitterMs) * unitsPerMs - timestampDelta(timestamp, lastTimestamp)
    jitter += (Math.abs(d) - jitter) / 16
    lastArrivalForJitterMs = arrivalMs
    lastTimestamp = timestamp
  }

  let ssrc = 0
  let strayPackets = 0

  const onPacketFields = (sequenceNumber: number, timestamp: number, marker: boolean, arrivalMs: number, payloadBytes: number, packetSsrc: number): void => {
    received += 1
    if (packetSsrc >= 0) ssrc = packetSsrc
    bytes += payloadBytes
    if (marker) markerPackets += 1
    const seq = sequenceNumber & 0xffff

    if (!started) {
      started = true
      baseExt = seq
      highestExt = seq
      firstArrivalMs = arrivalMs
      lastArrivalMs = arrivalMs
      lastArrivalForJitterMs = arrivalMs
      lastTimestamp = timestamp
      recent[slotOf(seq)] = seq
      return
    }

    firstArrivalMs = Math.min(firstArrivalMs, arrivalMs)
    lastArrivalMs = Math.max(lastArrivalMs, arrivalMs)
    const delta = seqDelta(seq, highestExt & 0xffff)
    const ext = highestExt + delta
    const slot = slotOf(ext)

    if (delta <= 0 && recent[slot] === ext) {
      // Seen before: it says nothing new about the sequence or the network path.
      duplicates += 1
      return
    }
    recent[slot] = ext
    if (delta > 0) {
      if (delta > MAX_DROPOUT) sequenceJumps += 1
      highestExt = ext
    } else {
      reordered += 1
      if (ext < baseExt) baseExt = ext
    }
    updateJitter(arrivalMs, timestamp)
  }

  const onPacket = (sample: RtpPacketSample): void =>
    onPacketFields(sample.sequenceNumber, sample.timestamp, sample.marker, sample.arrivalMs, sample.payloadBytes, sample.ssrc ?? -1)

  const snapshot = (): RtpStatsSnapshot => {
    const expected = started ? highestExt - baseExt + 1 : 0
    const lost = Math.max(0, expected - (received - duplicates))
    const durationMs = started ? lastArrivalMs - firstArrivalMs : 0
    return {
      packetsReceived: received,
      packetsExpected: expected,
      packetsLost: lost,
      duplicates,
      reordered,
      sequenceJumps,
      markerPackets,
      lossPct: expected > 0 ? (lost / expected) * 100 : 0,
      jitterMs: unitsPerMs > 0 ? jitter / unitsPerMs : 0,
      jitterUnits: Math.floor(jitter),
      highestSeqExtended: started ? highestExt >>> 0 : 0,
      ssrc,
      bytes,
      durationMs,
      bitrateBps: durationMs > 0 ? (bytes * 8 * 1000) / durationMs : 0,
      strayPackets
    }
  }

  return {
    onPacket,
    onPacketFields,
    onStray: () => {
      strayPackets += 1
    },
    snapshot
  }
}
