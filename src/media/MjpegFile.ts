/**
 * Loading an MJPEG file: the one place in media/ that touches the file system.
 * The file is read once into one Buffer; every frame (and every RFC 2435 scan)
 * is a view into it, shared by all sessions.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import type { PlatformError } from "@effect/platform/Error"
import { Data, Effect } from "effect"
import { asBuffer } from "../protocol/bytes.js"
import { analyzeMjpeg, type AnalyzeOptions, type MjpegAnalysis } from "./analyze.js"
import { detectContainer, type MjpegContainer } from "./container.js"
import { type Dialect, formatProblems, type MediaProblem, problemsFor } from "./problems.js"

export type MediaErrorReason = "NotFound" | "Unreadable" | "NotServable" | "UnknownFormat"

export class MediaError extends Data.TaggedError("MediaError")<{
  readonly reason: MediaErrorReason
  readonly path: string
  /** For NotServable: every problem that stops the dialect asked for (the message may collapse repeats). */
  readonly problems: ReadonlyArray<MediaProblem>
  readonly message: string
  readonly cause?: unknown
}> {}

export interface MjpegFile extends MjpegAnalysis {
  readonly path: string
}

export interface LoadMjpegOptions {
  readonly fps?: number
  /** Skips container detection. */
  readonly container?: MjpegContainer
  /** How the file is named in problem messages (default: the path as given). */
  readonly fileName?: string
}

/** Lines of one problem code shown in a NotServable message before the rest are summed up. */
const MAX_LINES_PER_CODE = 10

const readError = (path: string, error: PlatformError): MediaError =>
  error._tag === "SystemError" && error.reason === "NotFound"
    ? new MediaError({ reason: "NotFound", path, problems: [], message: `${path}: no such file`, cause: error })
    : new MediaError({ reason: "Unreadable", path, problems: [], message: `${path}: cannot be read: ${error.message}`, cause: error })

const firstBytesHex = (buf: Buffer): string =>
  Array.from(buf.subarray(0, 8), (b) => b.toString(16).padStart(2, "0")).join(" ")

/**
 * Reads and analyses an MJPEG file. Fails on NotFound, Unreadable and
 * UnknownFormat only: whether the file can be served is for the caller to
 * ask of the dialect it needs (see requireServable). An empty file is not
 * UnknownFormat: it loads with an Empty problem.
 */
export const loadMjpegFile = (
  path: string,
  options: LoadMjpegOptions = {}
): Effect.Effect<MjpegFile, MediaError, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const bytes = yield* Effect.mapError(fs.readFile(path), (error) => readError(path, error))
    const buf = asBuffer(bytes)
    const container = options.container ?? detectContainer(buf)
    if (container === undefined && buf.length > 0) {
      return yield* new MediaError({
        reason: "UnknownFormat",
        path,
        problems: [],
        message: `${path}: neither a lab .Mjpeg file (5-digit length before each frame) nor raw concatenated JPEGs (FF D8 first); it starts with ${firstBytesHex(buf)}`
      })
    }
    const analyzeOptions: AnalyzeOptions = {
      fileName: options.fileName ?? path,
      ...(options.fps === undefined ? {} : { fps: options.fps }),
      ...(container === undefined ? {} : { container })
    }
    return { ...analyzeMjpeg(buf, analyzeOptions), path }
  })

const dialectName = (dialect: Dialect): string =>
  dialect === "standard" ? "standard (RTSP/RFC 2435)" : "classic (lab client)"

/** Succeeds with the file when `dialect` can serve it; otherwise fails NotServable, listing why. */
export const requireServable = <F extends MjpegFile>(file: F, dialect: Dialect): Effect.Effect<F, MediaError> => {
  if (file[dialect].servable) return Effect.succeed(file)
  const problems = problemsFor(file.problems, dialect)
  const lines = formatProblems(file.fileName, problems, { maxPerCode: MAX_LINES_PER_CODE })
  return Effect.fail(new MediaError({
    reason: "NotServable",
    path: file.path,
    problems,
    message: [
      `${file.fileName} cannot be served to ${dialectName(dialect)} clients (${problems.length} problem${problems.length === 1 ? "" : "s"}):`,
      ...lines.map((line) => `  ${line}`)
    ].join("\n")
  }))
}
