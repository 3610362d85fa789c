import type { PlatformError } from "@effect/platform/Error"
import { Data } from "effect"
import { describePlatformError } from "../common/errorText.js"

export type VideoErrorReason =
  | "InvalidOption"
  | "NotFound"
  | "UnknownFormat"
  | "NoFrames"
  | "FrameOutOfRange"
  | "FrameTooLarge"
  | "DecodeFailed"
  | "EncodeFailed"
  | "FfmpegMissing"
  | "FfmpegFailed"
  | "ReadFailed"
  | "WriteFailed"

/** Everything the video tools can refuse; `message` is one line meant for the user. */
export class VideoError extends Data.TaggedError("VideoError")<{
  readonly reason: VideoErrorReason
  readonly message: string
  /** Extra lines (e.g. the problems a file has), printed after the message. */
  readonly details?: ReadonlyArray<string>
  readonly cause?: unknown
}> {}

export const readFailed = (path: string, error: PlatformError): VideoError =>
  new VideoError({
    reason: error._tag === "SystemError" && error.reason === "NotFound" ? "NotFound" : "ReadFailed",
    message: `cannot read ${path}: ${describePlatformError(error)}`,
    cause: error
  })

export const writeFailed = (path: string, error: PlatformError): VideoError =>
  new VideoError({ reason: "WriteFailed", message: `cannot write ${path}: ${describePlatformError(error)}`, cause: error })
