/**
 * A session's packet sink with its impairment profile applied: each packet of a frame is dropped,
 * doubled, held back or delayed as the plan decides (src/impair/packetPlan.ts), then handed to the
 * real sink. Packets wait in a ring of fixed size allocated once (headers copied into one slab,
 * payloads by reference, since they are shared and never change), so nothing is allocated per
 * packet and nothing grows without bound: a packet that finds the ring full is dropped and
 * counted. What is due now goes out at the end of sendFrame, in one call to the real sink; the
 * rest goes out from the server's releaser (impairmentReleaser.ts), one fiber for every session.
 */
import { type Clock, Either } from "effect"
import { decodeRtcpCompound } from "../protocol/rtcpDecode.js"
import { RtcpPacketType } from "../protocol/rtcpTypes.js"
import { makePacketPlan, type ImpairmentRecord } from "../impair/packetPlan.js"
import type { ImpairmentProfile } from "../impair/profile.js"
import { Stream, uniform } from "../impair/random.js"
import { RTP_FIXED_HEADER_SIZE as RTP_HEADER } from "../protocol/rtp.js"
import { JPEG_CLOCK_RATE } from "../protocol/rtpJpeg.js"
import type { ImpairmentReleaser, Releasable } from "./impairmentReleaser.js"
import type { PacketSink } from "./rtpSender.js"

/** Packets a session may have waiting; beyond it a packet is dropped ("overflow"). */
export const DELAY_QUEUE_PACKETS = 4096

export interface ImpairedSink {
  readonly sink: PacketSink
  /** What was done to the session's packets so far. */
  readonly record: ImpairmentRecord
  /** What the releaser sends from: forget it when the session ends. */
  readonly releasable: Releasable
  /** Packets waiting now. */
  readonly waiting: () => number
  readonly profile: ImpairmentProfile
  /** The session's transport changed (a second SETUP): its packets go to this sink from now on. */
  readonly retarget: (inner: PacketSink) => void
  /** The session's first PLAY, at this clock time: freeze-after and the resets count from it. */
  readonly playing: (atMs: number) => void
  /** The stream stopped (PAUSE): the packet held back for reordering goes now. */
  readonly releaseHeld: () => void
  /** The session ends: what waits is dropped, and from now on RTCP (its last BYE) goes straight through. */
  readonly close: () => void
}

/** Whether an RTCP compound holds a BYE: the end of the stream. */
const hasGoodbye = (compound: Buffer): boolean =>
  Either.match(decodeRtcpCompound(compound), { onLeft: () => false, onRight: (packets) => packets.some((p) => p._tag === "Goodbye") })

/** Sender reports waiting behind delayed RTP (one each 5 s): beyond this many the oldest is dropped. */
const RTCP_WAITING = 8

const RTP_TICKS_PER_MS = JPEG_CLOCK_RATE / 1000

/**
 * A restart of the sequence numbers or timestamps: from `at` on, this is added to each
 * packet's (and the sender reports' timestamps), so the stream jumps to a random point once.
 */
interface Restart {
  readonly afterMs: number | undefined
  /** Clock time it falls due: never before the first PLAY. */
  at: number
  offset: number
  done: boolean
}

const restartAfter = (afterMs: number | undefined): Restart =>
  ({ afterMs, at: Number.POSITIVE_INFINITY, offset: 0, done: afterMs === undefined })

export const makeImpairedSink = (
  first: PacketSink,
  profile: ImpairmentProfile,
  clock: Clock.Clock,
  releaser: Pick<ImpairmentReleaser, "activate">,
  capacity = DELAY_QUEUE_PACKETS
): ImpairedSink => {
  let inner = first
  const plan = makePacketPlan(profile)
  const record = plan.record
  const headers = Buffer.allocUnsafeSlow(capacity * RTP_HEADER)
  const payloads: Array<Buffer | undefined> = new Array(capacity).fill(undefined)
  const due = new Float64Array(capacity)
  let head = 0
  let count = 0
  // The one packet held back for reordering: its header, payload and how many packets it waits for.
  const heldHeader = Buffer.allocUnsafeSlow(RTP_HEADER)
  let heldPayload: Buffer | undefined
  let heldFor = 0
  let heldFrame = 0
  let heldDepth = 0
  let packetIndex = 0
  let frameIndex = 0
  const sequenceRestart = restartAfter(profile.resetSequenceAfterMs)
  const timestampRestart = restartAfter(profile.resetTimestampAfterMs)
  let played = false
  let closed = false
  // RTP packets ever put in the ring and ever sent from it: an RTCP packet waits for those before it.
  let enqueued = 0
  let released = 0
  const rtcpWaiting: Array<{ readonly packet: Buffer; readonly after: number }> = []
  const sendWaitingRtcp = (): void => {
    while (rtcpWaiting.length > 0 && rtcpWaiting[0]!.after <= released) inner.sendRtcp(rtcpWaiting.shift()!.packet)
  }
  // The end of the stream's BYE while delayed packets wait (endOfStream), and when it goes.
  let pendingGoodbye: Buffer | undefined
  let goodbyeAt = 0
  let lastFrameAt = Number.NaN
  // The plan's input, one object for every packet: nothing is allocated per packet.
  const packet = { index: 0, frameIndex: 0, bytes: 0, atMs: 0 }

  // RFC 3550 §6.4.1 over the scheduled send times: the previous packet's, and the estimate.
  let previousSendAt = Number.NaN
  let previousTimestamp = 0
  const scheduledJitter = (timestamp: number, sendAtMs: number): void => {
    if (!Number.isNaN(previousSendAt)) {
      // The timestamp step as a signed 32-bit difference, so a wrap is a small step.
      const stepMs = ((timestamp - previousTimestamp) | 0) / RTP_TICKS_PER_MS
      const d = Math.abs(sendAtMs - previousSendAt - stepMs)
      record.jitterMs += (d - record.jitterMs) / 16
    }
    previousSendAt = sendAtMs
    previousTimestamp = timestamp
  }

  const enqueue = (from: Buffer, offset: number, payload: Buffer, sendAtMs: number, frame: number): void => {
    if (count === capacity) {
      plan.dropAfterDecision(frame, "overflow")
      return
    }
    scheduledJitter(from.readUInt32BE(offset + 4), sendAtMs)
    const slot = (head + count) % capacity
    from.copy(headers, slot * RTP_HEADER, offset, offset + RTP_HEADER)
    payloads[slot] = payload
    due[slot] = sendAtMs
    count++
    enqueued++
  }

  /** Sends every packet due by `nowMs`, oldest first, in one call to the real sink; then a BYE whose time came. */
  const releaseDue = (nowMs: number): void => {
    sendPacketsDue(nowMs)
    if (count === 0 && pendingGoodbye !== undefined && nowMs >= goodbyeAt) {
      inner.sendRtcp(pendingGoodbye)
      pendingGoodbye = undefined
    }
  }

  const nextDueMs = (): number =>
    count > 0 ? due[head]! : pendingGoodbye !== undefined ? goodbyeAt : Number.POSITIVE_INFINITY

  const releasable: Releasable = { nextDueMs, releaseDue }

  /** After a frame (or the end): what still waits is the releaser's to send. */
  const handOver = (): void => {
    if (nextDueMs() !== Number.POSITIVE_INFINITY) releaser.activate(releasable)
  }

  const sendPacketsDue = (nowMs: number): void => {
    let n = 0
    while (n < count && due[(head + n) % capacity]! <= nowMs) n++
    if (n === 0) return
    const out = inner.headerBuffer(n * RTP_HEADER)
    // The real sink may keep the list until the end of the turn, so it is the one allocation per send.
    const list = new Array<Buffer>(n)
    for (let i = 0; i < n; i++) {
      const slot = (head + i) % capacity
      headers.copy(out, i * RTP_HEADER, slot * RTP_HEADER, (slot + 1) * RTP_HEADER)
      list[i] = payloads[slot]!
      payloads[slot] = undefined
    }
    head = (head + n) % capacity
    count -= n
    released += n
    inner.sendFrame(out, list)
    sendWaitingRtcp()
  }

  /** A restart falls due at a frame's start, so a frame's packets keep one numbering. */
  const restartIfDue = (restart: Restart, now: number, current: number, stream: Stream, modulus: number): boolean => {
    if (restart.done || now < restart.at) return false
    restart.done = true
    restart.offset = (Math.floor(uniform(profile.seed >>> 0, 0, stream) * modulus) - current + modulus) % modulus
    return true
  }

  /** The frame's headers as they go out: after a restart, sequence numbers and timestamps moved by its offset. */
  const renumber = (frameHeaders: Buffer, packets: number, now: number): void => {
    if (packets === 0) return
    if (restartIfDue(sequenceRestart, now, frameHeaders.readUInt16BE(2), Stream.SequenceReset, 0x10000)) record.sequenceResets++
    if (restartIfDue(timestampRestart, now, frameHeaders.readUInt32BE(4), Stream.TimestampReset, 0x1_0000_0000)) record.timestampResets++
    const seqOffset = sequenceRestart.offset
    const tsOffset = timestampRestart.offset
    for (let i = 0; i < packets; i++) {
      const at = i * RTP_HEADER
      if (seqOffset !== 0) frameHeaders.writeUInt16BE((frameHeaders.readUInt16BE(at + 2) + seqOffset) & 0xffff, at + 2)
      if (tsOffset !== 0) frameHeaders.writeUInt32BE((frameHeaders.readUInt32BE(at + 4) + tsOffset) >>> 0, at + 4)
    }
    if (record.firstSequence < 0) record.firstSequence = frameHeaders.readUInt16BE(2)
    record.lastSequence = frameHeaders.readUInt16BE((packets - 1) * RTP_HEADER + 2)
  }

  const sink: PacketSink = {
    headerBuffer: (bytes) => inner.headerBuffer(bytes),
    sendFrame: (frameHeaders, framePayloads) => {
      const now = clock.unsafeCurrentTimeMillis()
      lastFrameAt = now
      // A PLAY again after the end: the old run's BYE is moot.
      pendingGoodbye = undefined
      const frame = frameIndex++
      renumber(frameHeaders, framePayloads.length, now)
      for (let i = 0; i < framePayloads.length; i++) {
        const payload = framePayloads[i]!
        packet.index = packetIndex++
        packet.frameIndex = frame
        packet.bytes = RTP_HEADER + payload.length
        packet.atMs = now
        const decision = plan.decide(packet)
        if (decision.drop !== undefined) continue
        if (decision.holdFor > 0 && heldPayload === undefined) {
          frameHeaders.copy(heldHeader, 0, i * RTP_HEADER, (i + 1) * RTP_HEADER)
          heldPayload = payload
          heldFor = decision.holdFor
          heldDepth = decision.holdFor
          heldFrame = frame
          continue
        }
        for (let copy = 0; copy < decision.copies; copy++) enqueue(frameHeaders, i * RTP_HEADER, payload, decision.sendAtMs, frame)
        if (heldPayload !== undefined && --heldFor === 0) {
          enqueue(heldHeader, 0, heldPayload, decision.sendAtMs, heldFrame)
          heldPayload = undefined
        }
      }
      releaseDue(now)
      handOver()
      return true
    },
    sendRtcp: (packet) => {
      if (closed) return inner.sendRtcp(packet)
      // A sender report's RTP timestamp follows the restarted timestamps, so it still maps them to wall time.
      if (timestampRestart.offset !== 0 && packet.length >= 20 && packet[1] === RtcpPacketType.SenderReport) {
        packet.writeUInt32BE((packet.readUInt32BE(16) + timestampRestart.offset) >>> 0, 16)
      }
      if (hasGoodbye(packet)) return endOfStream(packet)
      if (count === 0) return inner.sendRtcp(packet)
      // Behind the packets sent before it, as on the path they share: a sender report never overtakes delayed RTP.
      if (rtcpWaiting.length === RTCP_WAITING) rtcpWaiting.shift()
      rtcpWaiting.push({ packet, after: enqueued })
    }
  }

  /**
   * The run stops (PAUSE, or the end): the packet held back for reordering goes after the last
   * one waiting. Had no later packet passed it yet, it goes in order after all: no reordering.
   */
  const releaseHeld = (): void => {
    if (heldPayload === undefined) return
    const now = clock.unsafeCurrentTimeMillis()
    if (heldFor === heldDepth) record.reordered--
    enqueue(heldHeader, 0, heldPayload, count === 0 ? now : Math.max(now, due[(head + count - 1) % capacity]!), heldFrame)
    heldPayload = undefined
    releaseDue(now)
    handOver()
  }

  /**
   * The BYE ends the stream: the packet held back for reordering goes now (late, as counted),
   * and the BYE waits until the last delayed packet is out, by as long as the stream waited after
   * its last frame, so a player that stops at the BYE has seen every packet sent.
   */
  const endOfStream = (bye: Buffer): void => {
    const now = clock.unsafeCurrentTimeMillis()
    releaseHeld()
    if (count === 0) {
      inner.sendRtcp(bye)
      return
    }
    pendingGoodbye = bye
    goodbyeAt = due[(head + count - 1) % capacity]! + (Number.isNaN(lastFrameAt) ? 0 : Math.max(0, now - lastFrameAt))
    handOver()
  }

  const playing = (atMs: number): void => {
    if (played) return
    played = true
    plan.playing(atMs)
    for (const restart of [sequenceRestart, timestampRestart]) {
      if (restart.afterMs !== undefined) restart.at = atMs + restart.afterMs
    }
  }

  const close = (): void => {
    closed = true
    payloads.fill(undefined)
    head = 0
    count = 0
    heldPayload = undefined
    pendingGoodbye = undefined
    rtcpWaiting.length = 0
  }

  return { close, sink, record, releasable, waiting: () => count, profile, retarget: (next) => { inner = next }, playing, releaseHeld }
}
