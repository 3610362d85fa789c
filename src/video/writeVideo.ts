/**
 * The shared back half of `create` and `convert`: RGB frames in, a servable
 * MJPEG file out. Frames are encoded in parallel (in order), each checked
 * against RFC 2435 as it is made, and streamed to a temporary file that is
 * renamed into place only when every frame made it, so a failed run never
 * leaves a half-written video behind.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import { Effect, Either, Sink, Stream } from "effect"
import { availableParallelism } from "node:os"
import { basename, dirname, join } from "node:path"
import type { FrameBytes } from "../media/analyze.js"
import { encodeLabMjpeg, type MjpegContainer } from "../media/container.js"
import { CLASSIC_MAX_FRAME_BYTES } from "../protocol/jpeg/classic.js"
import { parseJpeg } from "../protocol/jpeg/markers.js"
import { toRfc2435Frame } from "../protocol/jpeg/rfc2435Frame.js"
import { VideoError, writeFailed } from "./errors.js"
import { fpsCommentSegment, withFpsComment } from "./fpsComment.js"
import { type EncodedFrame, encodeJpegWithin } from "./jpegEncoder.js"
import { containerForPath, frameByteLimit } from "./outputFormat.js"
import { reportProgress } from "./progress.js"
import type { RawFrame } from "./rawFrame.js"

export interface WriteSettings {
  readonly quality: number
  readonly fps: number
  /** Lower the quality of any frame larger than the classic client's limit until it fits. */
  readonly classic: boolean
  /** Prefix of the progress lines, e.g. "create". */
  readonly label: string
  /** For the progress percentage; undefined when unknown. */
  readonly expectedFrames: number | undefined
}

export interface VideoSummary {
  readonly path: string
  readonly container: MjpegContainer
  readonly frames: number
  readonly width: number
  readonly height: number
  readonly fps: number
  /** The JPEG qualities used: all `quality` unless frames had to shrink to fit a limit. */
  readonly quality: { readonly min: number; readonly max: number }
  readonly frameBytes: FrameBytes
  /** Frames larger than the classic client's 20,468 bytes. */
  readonly overClassicLimit: number
  /** Frames encoded below `quality` to fit the frame size limit. */
  readonly reducedQualityFrames: number
}

const concurrency = Math.max(1, Math.min(8, availableParallelism()))

/** A frame we made must pass the same RFC 2435 check the server applies at load. */
const checkServable = (jpeg: Buffer, index: number): Effect.Effect<Buffer, VideoError> => {
  const problems = Either.match(parseJpeg(jpeg), {
    onLeft: (error) => [error.message],
    onRight: (info) => Either.match(toRfc2435Frame(jpeg, info), { onLeft: (ps) => ps.map((p) => p.message), onRight: () => [] })
  })
  return problems.length === 0
    ? Effect.succeed(jpeg)
    : Effect.fail(new VideoError({ reason: "EncodeFailed", message: `the encoder produced frame ${index} that RFC 2435 cannot carry`, details: problems }))
}

const encodeOne = (
  frame: RawFrame,
  index: number,
  settings: WriteSettings,
  limit: number | undefined
): Effect.Effect<EncodedFrame, VideoError> => {
  // Frame 0 also carries the fps comment, which counts against the limit.
  const reserve = index === 0 ? fpsCommentSegment(settings.fps).length : 0
  return encodeJpegWithin(frame, settings.quality, limit === undefined ? undefined : limit - reserve, `frame ${index}`).pipe(
    Effect.map((encoded) => (index === 0 ? { ...encoded, jpeg: withFpsComment(encoded.jpeg, settings.fps) } : encoded)),
    Effect.tap((encoded) => checkServable(encoded.jpeg, index))
  )
}

interface Tally {
  frames: number
  width: number
  height: number
  minBytes: number
  maxBytes: number
  totalBytes: number
  minQuality: number
  maxQuality: number
  overClassicLimit: number
  reducedQualityFrames: number
}

const tempPathFor = (path: string): Effect.Effect<string> =>
  Effect.map(Effect.randomWith((r) => r.nextIntBetween(0, 0x7fffffff)), (n) =>
    join(dirname(path), `.${basename(path)}.${n.toString(36)}.partial`))

/**
 * Encodes `frames` and writes them to `path` in the container its extension
 * names. Fails with NoFrames when the stream is empty and InvalidOption when
 * frames change size midway.
 */
export const writeVideo = <E, R>(
  path: string,
  frames: Stream.Stream<RawFrame, E, R>,
  settings: WriteSettings
): Effect.Effect<VideoSummary, E | VideoError, R | FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const container = yield* Either.match(containerForPath(path), {
      onLeft: (message) => Effect.fail(new VideoError({ reason: "InvalidOption", message })),
      onRight: Effect.succeed
    })
    const limit = frameByteLimit(container, settings.classic)
    const fs = yield* FileSystem.FileSystem
    const temp = yield* tempPathFor(path)
    const tally: Tally = {
      frames: 0,
      width: 0,
      height: 0,
      minBytes: Number.POSITIVE_INFINITY,
      maxBytes: 0,
      totalBytes: 0,
      minQuality: Number.POSITIVE_INFINITY,
      maxQuality: 0,
      overClassicLimit: 0,
      reducedQualityFrames: 0
    }

    const record = (frame: RawFrame, encoded: EncodedFrame): Effect.Effect<void, VideoError> =>
      Effect.suspend(() => {
        if (tally.frames === 0) {
          tally.width = frame.width
          tally.height = frame.height
        } else if (frame.width !== tally.width || frame.height !== tally.height) {
          return Effect.fail(new VideoError({
            reason: "InvalidOption",
            message: `frame ${tally.frames} is ${frame.width}x${frame.height} but frame 0 is ${tally.width}x${tally.height}`
          }))
        }
        const bytes = encoded.jpeg.length
        tally.frames++
        tally.minBytes = Math.min(tally.minBytes, bytes)
        tally.maxBytes = Math.max(tally.maxBytes, bytes)
        tally.totalBytes += bytes
        tally.minQuality = Math.min(tally.minQuality, encoded.quality)
        tally.maxQuality = Math.max(tally.maxQuality, encoded.quality)
        if (bytes > CLASSIC_MAX_FRAME_BYTES) tally.overClassicLimit++
        if (encoded.quality < settings.quality) tally.reducedQualityFrames++
        return reportProgress(settings.label, tally.frames, settings.expectedFrames)
      })

    const containerBytes = (jpeg: Buffer): Effect.Effect<Buffer, VideoError> =>
      container === "raw"
        ? Effect.succeed(jpeg)
        : Either.match(encodeLabMjpeg([jpeg]), {
          onLeft: (problem) => Effect.fail(new VideoError({ reason: "FrameTooLarge", message: `frame ${tally.frames - 1}: ${problem.message}` })),
          onRight: Effect.succeed
        })

    const removeTemp = fs.remove(temp).pipe(Effect.ignore)
    yield* frames.pipe(
      Stream.zipWithIndex,
      Stream.mapEffect(([frame, index]) => Effect.map(encodeOne(frame, index, settings, limit), (encoded) => [frame, encoded] as const), {
        concurrency
      }),
      Stream.mapEffect(([frame, encoded]) => Effect.zipRight(record(frame, encoded), containerBytes(encoded.jpeg))),
      Stream.run(Sink.mapError(fs.sink(temp), (error) => writeFailed(path, error))),
      Effect.onError(() => removeTemp)
    )
    if (tally.frames === 0) {
      yield* removeTemp
      return yield* Effect.fail(new VideoError({ reason: "NoFrames", message: `no frames to write to ${path}` }))
    }
    yield* fs.rename(temp, path).pipe(
      Effect.mapError((error) => writeFailed(path, error)),
      Effect.onError(() => removeTemp)
    )
    return {
      path,
      container,
      frames: tally.frames,
      width: tally.width,
      height: tally.height,
      fps: settings.fps,
      quality: { min: tally.minQuality, max: tally.maxQuality },
      frameBytes: { min: tally.minBytes, avg: Math.round(tally.totalBytes / tally.frames), max: tally.maxBytes },
      overClassicLimit: tally.overClassicLimit,
      reducedQualityFrames: tally.reducedQualityFrames
    }
  })
