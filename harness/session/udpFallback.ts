/**
 * When a UDP session moves to TCP interleaved: SETUP over UDP answered 461 Unsupported
 * Transport, or the first PLAY brought no packet within `udpFallbackMs` (a firewall or NAT
 * eating the datagrams). Only the standard dialect can; the classic one knows no TCP transport.
 */
import { Effect } from "effect"
import type { Dialect } from "../../src/protocol/rtsp/vocabulary.js"
import { RtspClientError } from "../client/errors.js"
import type { Signal } from "./signal.js"

export const DEFAULT_FALLBACK_MS = 3000

export interface FallbackPolicy {
  /** A 461 to SETUP over UDP retries the SETUP over TCP. */
  readonly onUnsupportedTransport: boolean
  /** No packet this long after the first PLAY starts again over TCP; 0 = never. */
  readonly silenceMs: number
}

export const fallbackPolicy = (dialect: Dialect, udpFallbackMs: number | undefined): FallbackPolicy => {
  const canUseTcp = dialect === "standard"
  return { onUnsupportedTransport: canUseTcp, silenceMs: canUseTcp ? udpFallbackMs ?? DEFAULT_FALLBACK_MS : 0 }
}

export const UNSUPPORTED_TRANSPORT_REASON = "SETUP over UDP answered 461 Unsupported Transport"
export const silenceReason = (waitedMs: number): string => `no RTP over UDP within ${waitedMs} ms of PLAY`

/** The server refused the UDP transport (461): the one SETUP error a fallback answers. */
export const isUnsupportedTransport = (error: unknown): error is RtspClientError =>
  error instanceof RtspClientError && error.status === 461

/** True when no packet came within `ms` (the datagrams are not getting through). */
export const silentFor = (firstPacket: Signal, ms: number): Effect.Effect<boolean> =>
  Effect.map(firstPacket.awaitFor(ms), (arrived) => !arrived)
