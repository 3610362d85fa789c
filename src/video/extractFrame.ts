/** `video frame`: one frame of an MJPEG file as PNG, for eyes and image diffs. */
import * as FileSystem from "@effect/platform/FileSystem"
import { Effect } from "effect"
import { loadMjpegFile, type MediaError } from "../media/MjpegFile.js"
import { formatProblem } from "../media/problems.js"
import { VideoError, writeFailed } from "./errors.js"
import { jpegToPng } from "./rawFrame.js"

export interface ExtractedFrame {
  readonly index: number
  readonly width: number
  readonly height: number
  readonly out: string
}

const fromMediaError = (error: MediaError): VideoError =>
  new VideoError({
    reason: error.reason === "NotFound" ? "NotFound" : error.reason === "UnknownFormat" ? "UnknownFormat" : "ReadFailed",
    message: error.message,
    cause: error
  })

/** Writes frame `index` (0-based, counting every frame in the file) of `file` to `out` as PNG. */
export const extractFramePng = (
  file: string,
  index: number,
  out: string
): Effect.Effect<ExtractedFrame, VideoError, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const video = yield* Effect.mapError(loadMjpegFile(file), fromMediaError)
    const count = video.frames.length === 0 ? 0 : Math.max(...video.frames.map((f) => f.index)) + 1
    if (!Number.isInteger(index) || index < 0 || index >= count) {
      return yield* Effect.fail(new VideoError({
        reason: "FrameOutOfRange",
        message: count === 0
          ? `${file} holds no frames`
          : `frame ${index} is out of range: ${file} has ${count} frame${count === 1 ? "" : "s"}, numbered 0 to ${count - 1}`
      }))
    }
    const slice = video.frames.find((f) => f.index === index)
    if (slice === undefined) {
      const why = video.problems.find((p) => p.frameIndex === index)
      return yield* Effect.fail(new VideoError({
        reason: "DecodeFailed",
        message: `frame ${index} cannot be cut out of ${file}${why ? `: ${formatProblem(video.fileName, why)}` : ""}`
      }))
    }
    const png = yield* jpegToPng(slice.jpeg, `frame ${index} of ${file}`)
    const fs = yield* FileSystem.FileSystem
    yield* Effect.mapError(fs.writeFile(out, png.data), (e) => writeFailed(out, e))
    return { index, width: png.width, height: png.height, out }
  })
