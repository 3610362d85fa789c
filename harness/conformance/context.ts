/**
 * What every check needs to know about the run, and the small helpers they share: status texts,
 * error texts, a fresh connection, the media length of an SDP.
 */
import { Effect, type Scope } from "effect"
import { reasonPhrase } from "../../src/protocol/rtsp/message.js"
import type { TransportKind } from "../../src/protocol/rtsp/vocabulary.js"
import type { SessionDescription } from "../../src/protocol/sdp.js"
import { connect, type ConnectOptions, type RtspClientError, type RtspConnection } from "../client/RtspClient.js"
import type { RawRequestError } from "./rawRequest.js"

export interface SuiteContext {
  /** Without credentials. */
  readonly url: string
  readonly host: string
  readonly port: number
  readonly transport: TransportKind
  readonly timeoutMs: number
  readonly playMs: number
  readonly waitForEnd: boolean
  readonly connectOptions: ConnectOptions
  /** Where to bind the client's UDP ports: loopback for a local server, every interface otherwise. */
  readonly udpBindHost: string
}

/** For connections the suite opens itself: TLS for an rtsps:// URL, verified unless --insecure. */
export const tlsOf = (ctx: SuiteContext): { readonly insecure: boolean } | undefined =>
  ctx.url.startsWith("rtsps:") ? { insecure: ctx.connectOptions.insecure === true } : undefined

export const statusText = (code: number): string => `${code} ${reasonPhrase(code)}`

/** "400 Bad Request" as the server wrote it (its own phrase, or the standard one when empty). */
export const answered = (status: number, reason: string): string => `${status} ${reason.trim() === "" ? reasonPhrase(status) : reason.trim()}`

export const errorText = (error: RtspClientError | RawRequestError): string => error.message

/** A connection of its own, closed with the check's scope. */
export const freshConnection = (ctx: SuiteContext): Effect.Effect<RtspConnection, RtspClientError, Scope.Scope> =>
  connect(ctx.url, ctx.connectOptions)

/** The media's length from the session-level `a=range:npt=0-<end>`, when it has one. */
export const mediaSeconds = (sdp: SessionDescription): number | undefined => {
  const range = sdp.range
  return range?._tag === "Npt" && typeof range.end === "number" ? range.end : undefined
}

const LOOPBACK = /^(127\.|localhost$|::1$)/i

export const bindHostFor = (host: string): string => (LOOPBACK.test(host) ? (host === "::1" ? "::1" : "127.0.0.1") : "0.0.0.0")

export const elapsedSince = (startMs: number): number => Math.round((performance.now() - startMs) * 10) / 10

export const sleepMs = (ms: number): Effect.Effect<void> => Effect.sleep(`${Math.max(0, Math.round(ms))} millis`)
