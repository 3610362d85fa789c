import type { PlatformError } from "@effect/platform/Error"
import { Data } from "effect"

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

/** A short reason for a failed file operation, without Effect's module/method prefix. */
export const describePlatformError = (error: PlatformError): string => {
  if (error._tag === "SystemError") {
    switch (error.reason) {
      case "NotFound":
        return "no such file or directory"
      case "PermissionDenied":
        return "permission denied"
      case "AlreadyExists":
        return "already exists"
      default:
        return error.description ?? error.message
    }
  }
  return error.description ?? error.message
}

export const readFailed = (path: string, error: PlatformError): VideoError =>
  new VideoError({
    reason: error._tag === "SystemError" && error.reason === "NotFound" ? "NotFound" : "ReadFailed",
    message: `cannot read ${path}: ${describePlatformError(error)}`,
    cause: error
  })

export const writeFailed = (path: string, error: PlatformError): VideoError =>
  new VideoError({ reason: "WriteFailed", message: `cannot write ${path}: ${describePlatformError(error)}`, cause: error })
