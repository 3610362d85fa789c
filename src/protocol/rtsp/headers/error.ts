/**
 * The one error every RTSP header codec returns. `header` names the header whose value was
 * rejected, `reason` says what kind of problem it was, so a server can map it to a status code
 * (e.g. an unsupported Transport to 461, anything else to 400).
 */
import { Data } from "effect"

export type RtspHeaderName =
  | "Transport"
  | "Session"
  | "Range"
  | "RTP-Info"
  | "CSeq"
  | "WWW-Authenticate"
  | "Authorization"

export type RtspHeaderErrorReason =
  /** The value is empty or only whitespace. */
  | "Empty"
  /** The value does not follow the header's grammar. */
  | "Malformed"
  /** A field that must be a number is not one. */
  | "InvalidNumber"
  /** A number is outside its allowed range (ports, channels, CSeq, ...). */
  | "OutOfRange"
  /** A required field or parameter is missing. */
  | "MissingParameter"
  /** Well-formed but not something this codec supports (transport protocol, auth scheme, digest algorithm, mode). */
  | "Unsupported"

export class RtspHeaderError extends Data.TaggedError("RtspHeaderError")<{
  readonly header: RtspHeaderName
  readonly reason: RtspHeaderErrorReason
  readonly message: string
}> {}

/** Builds the error with a message that starts with the header name, so logs read on their own. */
export const headerError = (
  header: RtspHeaderName,
  reason: RtspHeaderErrorReason,
  detail: string
): RtspHeaderError => new RtspHeaderError({ header, reason, message: `${header}: ${detail}` })
