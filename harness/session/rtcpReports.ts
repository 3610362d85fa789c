/**
 * A session's RTCP, both ways: sender reports and BYE coming in (counted, the last SR kept for
 * LSR/DLSR), receiver reports going out every few seconds (RFC 3550 §6.4.2). The bytes of a
 * report are receiverReport.ts's; this file holds the running state and the periodic sender.
 */
import { Effect, Either } from "effect"
import { decodeRtcpCompound } from "../../src/protocol/rtcpDecode.js"
import { ntpMiddle32, unixMillisFromNtp } from "../../src/protocol/rtcpNtp.js"
import type { RtpStatsSnapshot } from "../metrics/rtpStats.js"
import { makeSignal } from "./signal.js"
import { EMPTY_BASELINE, type LastSenderReport, receiverReportCompound, reportBlockFor } from "./receiverReport.js"

export const DEFAULT_RTCP_INTERVAL_MS = 5000
/** Reports are never sent more often than this, whatever the options say. */
const MIN_RTCP_INTERVAL_MS = 100

export interface RtcpReportsOptions {
  readonly ssrc: number
  readonly cname: string
  /** The receiver's statistics now. */
  readonly stats: () => RtpStatsSnapshot
}

/** The clock mapping of the last sender report: the sender's wallclock (NTP, as Unix ms) at an RTP timestamp. */
export interface SenderClock {
  readonly ntpMs: number
  readonly rtpTimestamp: number
  readonly arrivalMs: number
}

/** Sends a compound to the server's RTCP port or channel; false when there is nowhere to send it yet. */
export type SendRtcp = (compound: Uint8Array) => boolean

export interface RtcpReports {
  /** Handles one RTCP compound from the server (socket callback; never throws). */
  readonly onRtcp: (datagram: Uint8Array, arrivalMs: number) => void
  /** Sends one receiver report now, if there is somewhere to send it. */
  readonly sendReport: (send: SendRtcp) => void
  /**
   * Sends a report now and then every `intervalMs` (at least 100 ms) on a node timer, until the
   * returned function is called: no fiber per session for a task this small.
   */
  readonly startReporting: (intervalMs: number, send: SendRtcp) => () => void
  /** Waits up to `ms` for an RTCP BYE; true if it came. */
  readonly awaitBye: (ms: number) => Effect.Effect<boolean>
  readonly senderReports: () => number
  /** The last SR's clock mapping, for aligning tracks (lip sync). */
  readonly senderClock: () => SenderClock | undefined
  readonly receiverReportsSent: () => number
  readonly byeReceived: () => boolean
}

export const makeRtcpReports = (options: RtcpReportsOptions): Effect.Effect<RtcpReports> =>
  Effect.gen(function* () {
    const bye = makeSignal()
    let senderReports = 0
    let receiverReportsSent = 0
    let byeReceived = false
    let lastSr: LastSenderReport | undefined
    let senderClock: SenderClock | undefined
    let baseline = EMPTY_BASELINE

    const onRtcp = (datagram: Uint8Array, arrivalMs: number): void => {
      const decoded = decodeRtcpCompound(datagram)
      if (Either.isLeft(decoded)) return
      for (const packet of decoded.right) {
        if (packet._tag === "SenderReport") {
          senderReports += 1
          lastSr = { middle32: ntpMiddle32(packet.ntpTimestamp), arrivalMs }
          senderClock = { ntpMs: unixMillisFromNtp(packet.ntpTimestamp), rtpTimestamp: packet.rtpTimestamp, arrivalMs }
        } else if (packet._tag === "Goodbye") {
          byeReceived = true
          bye.fire()
        }
      }
    }

    const sendReport = (send: SendRtcp): void => {
      const stats = options.stats()
      const { block, baseline: next } = reportBlockFor(stats, baseline, lastSr, performance.now())
      baseline = next
      const compound = receiverReportCompound(options.ssrc, options.cname, stats.packetsReceived > 0 ? block : undefined)
      if (send(compound)) receiverReportsSent += 1
    }

    return {
      onRtcp,
      sendReport,
      startReporting: (intervalMs, send) => {
        sendReport(send)
        const timer = setInterval(() => sendReport(send), Math.max(MIN_RTCP_INTERVAL_MS, intervalMs))
        return () => clearInterval(timer)
      },
      awaitBye: bye.awaitFor,
      senderReports: () => senderReports,
      senderClock: () => senderClock,
      receiverReportsSent: () => receiverReportsSent,
      byeReceived: () => byeReceived
    }
  })
