/**
 * What an impairment profile does to each packet of a session, decided in order and recorded:
 * dropped (and why), sent twice, held back behind later packets, delayed. The random knobs draw
 * from the seed and the packet's index only (random.ts), so the same seed makes the same choices
 * over UDP and TCP; the bandwidth cap is the one knob that follows time (a token bucket). The
 * record is the truth the harness's figures are checked against. Pure and allocation-free per
 * packet: the caller carries out the decision (a delay queue, a reorder hold).
 */
import type { ImpairmentProfile } from "./profile.js"
import { normal, Stream, uniform } from "./random.js"

/**
 * Why a packet was not sent. "freeze" is every packet after the stream froze (freeze-after);
 * "overflow" is the sender's, when its bounded delay queue is full.
 */
export type DropReason = "frame" | "burst" | "loss" | "bandwidth" | "freeze" | "overflow"
export const DROP_REASONS: ReadonlyArray<DropReason> = ["frame", "burst", "loss", "bandwidth", "freeze", "overflow"]

/** One packet as the sender is about to send it. */
export interface PacketIn {
  /** The session's packet counter (0, 1, 2 …), the same whatever the transport. */
  readonly index: number
  /** The session's frame counter: every packet of a frame shares it. */
  readonly frameIndex: number
  readonly bytes: number
  /** When it would go out unimpaired (clock millis). */
  readonly atMs: number
}

/** What to do with it. The decision object is reused: read it before the next call. */
export interface PacketDecision {
  /** Why it is not sent; undefined: it is. */
  drop: DropReason | undefined
  /** 2 when it is sent twice (the copy right after it). */
  copies: 1 | 2
  /** Held back until this many later packets have gone (0: in order). */
  holdFor: number
  /** Added delay, ms (0 without a delay knob). Delays never reorder by themselves: see sendAtMs. */
  delayMs: number
  /** When it goes out: its time plus its delay, never before the previous packet's (clock millis). */
  sendAtMs: number
}

/** What was done, for the session's log, /metrics and GET_PARAMETER impairment-stats. */
export interface ImpairmentRecord {
  packets: number
  readonly dropped: Record<DropReason, number>
  duplicated: number
  reordered: number
  /** Frames left out whole (frame-drop), counted once each. */
  framesDropped: number
  /** Frames with at least one packet not sent, whatever the reason: what a player cannot show. */
  framesBroken: number
  /** Restarts of the sequence numbers and of the timestamps (reset-seq-after, reset-ts-after). */
  sequenceResets: number
  timestampResets: number
  /**
   * The sequence numbers of the first and the last packet the plan decided on, as they went out
   * (sent or not; -1 before the first): a receiver's expected count is last - first + 1.
   */
  firstSequence: number
  lastSequence: number
  /**
   * RFC 3550's interarrival jitter (ms) of the packets as the sender scheduled them, in wire
   * order, against their RTP timestamps: the jitter the impairment means a receiver to see.
   */
  jitterMs: number
  delay: { count: number; sumMs: number; minMs: number; maxMs: number }
}

export const emptyRecord = (): ImpairmentRecord => ({
  packets: 0,
  dropped: { frame: 0, burst: 0, loss: 0, bandwidth: 0, freeze: 0, overflow: 0 },
  duplicated: 0,
  reordered: 0,
  framesDropped: 0,
  framesBroken: 0,
  sequenceResets: 0,
  timestampResets: 0,
  firstSequence: -1,
  lastSequence: -1,
  jitterMs: 0,
  delay: { count: 0, sumMs: 0, minMs: Number.POSITIVE_INFINITY, maxMs: 0 }
})

/**
 * The token bucket's depth: this much of the cap's rate may go in one burst, so a stream whose
 * average is under the cap keeps its frames whole (a frame's packets leave together).
 */
export const BUCKET_DEPTH_MS = 250

export interface PacketPlan {
  readonly decide: (packet: PacketIn) => PacketDecision
  /** A packet of this frame was not sent after all (the sender's queue was full): the frame is broken. */
  readonly dropAfterDecision: (frameIndex: number, reason: DropReason) => void
  /** The session's first PLAY, at this clock time: the freeze counts from it. Later calls change nothing. */
  readonly playing: (atMs: number) => void
  readonly record: ImpairmentRecord
}

/**
 * Gilbert–Elliott's two probabilities from what people can say: the share of packets lost in
 * bursts and the mean burst length. Bad → good ends a burst (mean length 1/r); good → bad is
 * then what makes the bad state's stationary share `share`.
 */
export const gilbertElliott = (share: number, meanLength: number): { readonly goodToBad: number; readonly badToGood: number } => {
  const badToGood = 1 / Math.max(1, meanLength)
  return { goodToBad: share >= 1 ? 1 : (share * badToGood) / (1 - share), badToGood }
}

export const makePacketPlan = (profile: ImpairmentProfile): PacketPlan => {
  const seed = profile.seed >>> 0
  const record = emptyRecord()
  const decision: PacketDecision = { drop: undefined, copies: 1, holdFor: 0, delayMs: 0, sendAtMs: 0 }
  const chain = profile.burst === undefined ? undefined : gilbertElliott(profile.burst.share, profile.burst.meanLength)
  let bad = false
  const bytesPerMs = profile.bandwidthKbps === undefined ? 0 : (profile.bandwidthKbps * 1000) / 8 / 1000
  const depth = bytesPerMs * BUCKET_DEPTH_MS
  let tokens = depth
  let tokensAt = Number.NaN
  let lastFrameDropped = -1
  let lastFrameBroken = -1
  let freezeAtMs = Number.POSITIVE_INFINITY
  let lastSendAt = Number.NEGATIVE_INFINITY
  let heldUntil = -1

  const frameDropped = (frameIndex: number): boolean =>
    profile.frameDrop !== undefined && uniform(seed, frameIndex, Stream.Frame) < profile.frameDrop

  const overCap = (packet: PacketIn): boolean => {
    if (profile.bandwidthKbps === undefined) return false
    tokens = Number.isNaN(tokensAt) ? depth : Math.min(depth, tokens + (packet.atMs - tokensAt) * bytesPerMs)
    tokensAt = packet.atMs
    if (tokens < packet.bytes) return true
    tokens -= packet.bytes
    return false
  }

  // A frame's packets come one after another, so one frame index tells whether it is counted yet.
  const dropAfterDecision = (frameIndex: number, reason: DropReason): void => {
    record.dropped[reason]++
    if (lastFrameBroken !== frameIndex) {
      lastFrameBroken = frameIndex
      record.framesBroken++
    }
  }

  const playing = (atMs: number): void => {
    if (profile.freezeAfterMs !== undefined && freezeAtMs === Number.POSITIVE_INFINITY) freezeAtMs = atMs + profile.freezeAfterMs
  }

  const decide = (packet: PacketIn): PacketDecision => {
    const n = packet.index
    record.packets++
    decision.copies = 1
    decision.holdFor = 0
    decision.delayMs = 0
    // The burst chain moves on every packet, sent or not: the network's state does not wait for us.
    if (chain !== undefined) bad = uniform(seed, n, Stream.Burst) < (bad ? 1 - chain.badToGood : chain.goodToBad)
    decision.drop = packet.atMs >= freezeAtMs
      ? "freeze"
      : frameDropped(packet.frameIndex)
      ? "frame"
      : bad
      ? "burst"
      : profile.loss !== undefined && uniform(seed, n, Stream.Loss) < profile.loss
      ? "loss"
      : overCap(packet)
      ? "bandwidth"
      : undefined
    if (decision.drop !== undefined) {
      dropAfterDecision(packet.frameIndex, decision.drop)
      if (decision.drop === "frame" && lastFrameDropped !== packet.frameIndex) {
        lastFrameDropped = packet.frameIndex
        record.framesDropped++
      }
      return decision
    }
    // One packet held at a time, and a held one is not also doubled: each late packet is then
    // exactly one reordering a receiver counts, and each copy exactly one duplicate.
    const reorder = profile.reorder
    if (reorder !== undefined && n > heldUntil && uniform(seed, n, Stream.Reorder) < reorder.share) {
      decision.holdFor = reorder.depth
      heldUntil = n + reorder.depth
      record.reordered++
    } else if (profile.duplicate !== undefined && uniform(seed, n, Stream.Duplicate) < profile.duplicate) {
      decision.copies = 2
      record.duplicated++
    }
    if (profile.delay !== undefined) {
      decision.delayMs = Math.max(0, normal(seed, n, profile.delay.meanMs, profile.delay.jitterMs))
      const delay = record.delay
      delay.count++
      delay.sumMs += decision.delayMs
      delay.minMs = Math.min(delay.minMs, decision.delayMs)
      delay.maxMs = Math.max(delay.maxMs, decision.delayMs)
    }
    decision.sendAtMs = Math.max(lastSendAt, packet.atMs + decision.delayMs)
    lastSendAt = decision.sendAtMs
    return decision
  }

  return { decide, dropAfterDecision, playing, record }
}
