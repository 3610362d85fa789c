/**
 * The RTCP receiver report a harness session sends every few seconds (RFC 3550 §6.4.2, A.3):
 * it keeps standard servers' sessions alive and tells them what we lost. Pure: statistics,
 * the previous report's counters and the last sender report in; the compound's bytes out.
 */
import { encodeRtcpCompound } from "../../src/protocol/rtcpEncode.js"
import { fractionLostByte } from "../../src/protocol/rtcpFractionLost.js"
import { ntpShortFromMillis } from "../../src/protocol/rtcpNtp.js"
import { type ReportBlock, SdesItemType } from "../../src/protocol/rtcpTypes.js"
import type { RtpStatsSnapshot } from "../metrics/rtpStats.js"

/** Counters as of the previous report, for the fraction lost over the interval. */
export interface ReportBaseline {
  readonly expected: number
  readonly received: number
}

export const EMPTY_BASELINE: ReportBaseline = { expected: 0, received: 0 }

export interface LastSenderReport {
  /** The SR's NTP timestamp, middle 32 bits (LSR). */
  readonly middle32: number
  /** When it arrived, on the same clock as `nowMs`. */
  readonly arrivalMs: number
}

export const reportBlockFor = (
  stats: RtpStatsSnapshot,
  baseline: ReportBaseline,
  lastSr: LastSenderReport | undefined,
  nowMs: number
): { readonly block: ReportBlock; readonly baseline: ReportBaseline } => {
  const received = stats.packetsReceived - stats.duplicates
  const expectedInterval = stats.packetsExpected - baseline.expected
  const lostInterval = expectedInterval - (received - baseline.received)
  return {
    block: {
      ssrc: stats.ssrc,
      fractionLost: fractionLostByte(expectedInterval, lostInterval),
      cumulativeLost: stats.packetsExpected - received,
      highestSeq: stats.highestSeqExtended,
      jitter: stats.jitterUnits,
      lastSr: lastSr?.middle32 ?? 0,
      delaySinceLastSr: lastSr === undefined ? 0 : ntpShortFromMillis(nowMs - lastSr.arrivalMs)
    },
    baseline: { expected: stats.packetsExpected, received }
  }
}

/** RR (with a block once a packet arrived) + SDES CNAME, as RFC 3550 requires of every compound. */
export const receiverReportCompound = (ssrc: number, cname: string, block: ReportBlock | undefined): Buffer =>
  encodeRtcpCompound([
    { _tag: "ReceiverReport", ssrc, reports: block === undefined ? [] : [block] },
    { _tag: "SourceDescription", chunks: [{ ssrc, items: [{ type: SdesItemType.CNAME, value: cname }] }] }
  ])
