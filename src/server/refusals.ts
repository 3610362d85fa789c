/**
 * Refusal → RTSP status, in one table beside the state machine. The reply
 * writer reads it, and so do the tests: a status code is never chosen at a
 * raise site.
 */
import type { RtspHeaders } from "../protocol/rtsp/message.js"
import type { RequestRefusal } from "./errors.js"
import { SUPPORTED_METHODS } from "./stateMachine.js"

export const REFUSAL_STATUS: Readonly<Record<RequestRefusal["_tag"], number>> = {
  AuthenticationRequired: 401,
  AccessForbidden: 403,
  MalformedRequest: 400,
  InvalidCSeq: 400,
  MalformedHeader: 400,
  NoMediaPath: 400,
  StreamNotFound: 404,
  MediaNotServable: 415,
  SessionLimitReached: 453,
  ServerSaturated: 453,
  AddressLimitReached: 503,
  SessionNotFound: 454,
  MethodNotValidInState: 455,
  UnsupportedRangeUnit: 456,
  RangeNotSatisfiable: 457,
  UnsupportedTransport: 461,
  MethodNotImplemented: 501,
  VersionNotSupported: 505,
  OptionNotSupported: 551,
  PublishingDisabled: 405,
  PublishForbidden: 403,
  PathInUse: 455,
  BadAnnouncement: 400,
  BadImpairment: 400
}

/** What a 503 for a full address says: sessions end on their own time, a few seconds is a fair first wait. */
export const ADDRESS_RETRY_AFTER_SECONDS = 5

/** `Public:` (and a 501's `Allow:`): every method this server implements. */
export const PUBLIC_METHODS = SUPPORTED_METHODS.join(", ")

/** What a server without --publish allows: everything but publishing. */
export const PLAY_METHODS = SUPPORTED_METHODS.filter((m) => m !== "ANNOUNCE" && m !== "RECORD").join(", ")

export const refusalStatus = (refusal: RequestRefusal): number => REFUSAL_STATUS[refusal._tag]

/** The headers a refusal's answer carries besides CSeq and Server (RFC 2326 §11: Allow for 455/501, Unsupported for 551). */
export const refusalHeaders = (refusal: RequestRefusal): RtspHeaders => {
  switch (refusal._tag) {
    case "MethodNotImplemented":
      return [["Public", PUBLIC_METHODS], ["Allow", PUBLIC_METHODS]]
    case "MethodNotValidInState":
      return [["Allow", refusal.allowed.join(", ")]]
    case "OptionNotSupported":
      return [["Unsupported", refusal.option]]
    case "PublishingDisabled":
      return [["Allow", PLAY_METHODS]]
    case "BadImpairment":
      return [["Content-Type", "text/plain"]]
    case "AddressLimitReached":
      return [["Retry-After", String(refusal.retryAfterSeconds ?? ADDRESS_RETRY_AFTER_SECONDS)]]
    case "AuthenticationRequired":
      return refusal.challenges.map((challenge) => ["WWW-Authenticate", challenge] as const)
    default:
      return []
  }
}

/** A refusal whose reason the client must be able to read (a test tool's user typed it) says it in the body too. */
export const refusalBody = (refusal: RequestRefusal): Buffer | undefined =>
  refusal._tag === "BadImpairment" ? Buffer.from(`${refusal.message}\r\n`) : undefined
