/**
 * The error the RTSP message parser returns (as a value; it never throws).
 *
 * `fatal` tells the caller whether framing survived:
 * - fatal (HeaderTooLarge, BodyTooLarge, BadContentLength): the parser cannot tell where the next
 *   message starts; it is poisoned and ignores all further bytes. Answer 400/413 and close.
 * - not fatal (BadStartLine, BadHeaderLine, TooManyHeaders): the message's extent was known, it was
 *   skipped whole (body included) and parsing goes on with the next one. Answer 400 and continue.
 */
import { Data } from "effect"

export type RtspParseErrorReason =
  /** No blank line within `maxHeaderBytes` bytes of the message start (fatal). */
  | "HeaderTooLarge"
  /** More header lines than `maxHeaders` (recoverable). */
  | "TooManyHeaders"
  /** Content-Length above `maxBodyBytes` (fatal: the body is not read). */
  | "BodyTooLarge"
  /** First line is neither `METHOD SP URI SP RTSP/x.y` nor `RTSP/x.y SP 3DIGIT SP reason` (recoverable). */
  | "BadStartLine"
  /** A header line is not `Name: value` (recoverable). */
  | "BadHeaderLine"
  /** Content-Length is not a decimal byte count, or repeated with different values (fatal). */
  | "BadContentLength"
  /** Only from `parseRtspMessage`: the bytes end before a whole message. */
  | "Incomplete"
  /** Only from `parseRtspMessage`: bytes are left over after the message. */
  | "TrailingData"

export class RtspParseError extends Data.TaggedError("RtspParseError")<{
  readonly reason: RtspParseErrorReason
  readonly message: string
  /** True when framing is lost and the parser is poisoned. */
  readonly fatal: boolean
  /** Byte offset in the stream (since the parser was made) where the offending message starts. */
  readonly offset: number
  /** The message's CSeq, when it could be read, so a 400 reply can echo it. */
  readonly cseq?: string | undefined
}> {}
