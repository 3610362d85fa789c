/**
 * The harness's own figures set beside the server's record of what it did (issue 13). Pure.
 *
 * - Loss: the packets the server decided on are its wire sequence numbers first-seq … last-seq
 *   (a sent packet is never renumbered), so the harness's loss is that count minus the distinct
 *   packets that arrived; it must equal the record's drops, whatever their reason. Counting
 *   from the record's range, not the harness's own first and last packet, counts a drop at
 *   either end too.
 * - Duplicates: a packet whose sequence number had already arrived (rtpStats.ts) is one copy the
 *   server sent (it never doubles a held packet, nor sends three).
 * - Reordering: rtpStats counts a packet that arrives after a higher sequence number; the server
 *   holds one packet at a time behind `depth` later ones that it sends, and delays never reorder,
 *   so each packet it held is exactly one such late packet.
 * These three must agree exactly. Jitter cannot: the server's figure is RFC 3550's estimate over
 * the send times it scheduled, the harness's over the arrival times it saw, and the two differ by
 * the loopback's scheduling error (see JITTER_TOLERANCE_MS).
 */
import type { ImpairmentRecord } from "../../src/impair/packetPlan.js"
import { DROP_REASONS } from "../../src/impair/packetPlan.js"
import type { RtpStatsSnapshot } from "../metrics/rtpStats.js"

/**
 * How far the harness's jitter may be from the record's. Both are RFC 3550's running mean of |D|
 * (gain 1/16) over the same packets, so the estimator's own noise cancels out; what is left is
 * timing: each D of the harness is the server's plus the change in the send error of two
 * packets. (Almost the same packets: the harness leaves a duplicate out of its estimate, the
 * record counts the copy with D = 0, a shift of 1/16 of the estimate per copy, far inside this.) The server schedules on whole milliseconds (its clock and its release timer), so a
 * packet leaves up to 1 ms after the time the record holds, plus event-loop latency at both
 * ends. Measured on loopback with server and harness in one process (test/harness/impair):
 * one session at a time ≤ 0.45 ms apart; seven side by side ≤ 0.94 ms over UDP and ≤ 1.49 ms
 * over TCP (means 0.12 and 0.29 ms); twenty-one side by side up to 3 ms, a loop too busy for
 * the figure to mean much. So: 1 ms of granularity and 1 ms of latency.
 */
export const JITTER_TOLERANCE_MS = 2

export type Verdict = "agree" | "disagree" | "not comparable"

export interface FigureAgreement {
  readonly harness: number
  readonly server: number
  readonly verdict: Verdict
  /** Why the figures cannot be compared, when they cannot. */
  readonly why?: string
}

export interface JitterAgreement extends FigureAgreement {
  readonly differenceMs: number
  readonly toleranceMs: number
}

export interface Agreement {
  readonly loss: FigureAgreement
  readonly duplicates: FigureAgreement
  readonly reordered: FigureAgreement
  readonly jitter: JitterAgreement
  /** Loss, duplicates and reordering all agree (jitter is judged apart, within its tolerance). */
  readonly exact: boolean
}

const SEQUENCE_SPACE = 0x10000

export const totalDropped = (record: ImpairmentRecord): number => DROP_REASONS.reduce((sum, reason) => sum + record.dropped[reason], 0)

/**
 * How many packets the record's range covers: last - first + 1 modulo 2^16, with the whole
 * cycles the record's packet count says passed (a session of more than 65,536 packets).
 */
export const packetsInRange = (record: ImpairmentRecord): number => {
  if (record.firstSequence < 0) return 0
  const inCycle = ((record.lastSequence - record.firstSequence + SEQUENCE_SPACE) % SEQUENCE_SPACE) + 1
  return inCycle + SEQUENCE_SPACE * Math.max(0, Math.round((record.packets - inCycle) / SEQUENCE_SPACE))
}

const exactly = (harness: number, server: number): FigureAgreement =>
  ({ harness, server, verdict: harness === server ? "agree" : "disagree" })

export const agreementOf = (rtp: RtpStatsSnapshot, record: ImpairmentRecord, toleranceMs = JITTER_TOLERANCE_MS): Agreement => {
  const distinct = rtp.packetsReceived - rtp.duplicates
  const dropped = totalDropped(record)
  const loss: FigureAgreement = record.sequenceResets > 0
    ? { harness: rtp.packetsLost, server: dropped, verdict: "not comparable", why: "the server restarted the sequence numbers mid-stream" }
    : exactly(packetsInRange(record) - distinct, dropped)
  const duplicates = exactly(rtp.duplicates, record.duplicated)
  const reordered = exactly(rtp.reordered, record.reordered)
  const differenceMs = rtp.jitterMs - record.jitterMs
  const jitter: JitterAgreement = {
    harness: rtp.jitterMs,
    server: record.jitterMs,
    differenceMs,
    toleranceMs,
    verdict: Math.abs(differenceMs) <= toleranceMs ? "agree" : "disagree"
  }
  return { loss, duplicates, reordered, jitter, exact: [loss, duplicates, reordered].every((f) => f.verdict === "agree") }
}
