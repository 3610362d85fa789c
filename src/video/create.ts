/**
 * `video create`: a synthetic test video whose every frame shows its number
 * (to people as digits, to programs as the binary strip) and motion.
 */
import type { FileSystem } from "@effect/platform"
import { Effect, Stream } from "effect"
import { VideoError } from "./errors.js"
import { frameCodeLayout, MAX_CODED_FRAMES } from "./frameCode.js"
import { MAX_QUALITY } from "./jpegEncoder.js"
import { renderSvg } from "./rawFrame.js"
import { formatSize, type FrameSize, servableSizeProblem } from "./size.js"
import { syntheticFrameSvg } from "./syntheticFrame.js"
import { type VideoSummary, writeVideo } from "./writeVideo.js"

export const CREATE_DEFAULTS = {
  frames: 200,
  fps: 20,
  size: { width: 384, height: 288 },
  /** Keeps every frame of the default 384x288 video near 12 KB, well under the classic 20,468-byte limit. */
  quality: 90
} as const

export const MAX_FPS = 240

export interface CreateOptions {
  readonly out: string
  readonly frames: number
  readonly fps: number
  readonly size: FrameSize
  readonly quality: number
}

const invalid = (message: string): VideoError => new VideoError({ reason: "InvalidOption", message })

/** Every reason the options cannot make a video, checked before any work starts. */
export const checkFps = (fps: number): VideoError | undefined =>
  Number.isFinite(fps) && fps > 0 && fps <= MAX_FPS ? undefined : invalid(`--fps ${fps}: must be more than 0 and at most ${MAX_FPS}`)

export const checkQuality = (quality: number): VideoError | undefined =>
  Number.isInteger(quality) && quality >= 1 && quality <= MAX_QUALITY
    ? undefined
    : invalid(`--quality ${quality}: must be a whole number from 1 to ${MAX_QUALITY}`)

const validate = (options: CreateOptions): Effect.Effect<void, VideoError> => {
  const { frames, size } = options
  if (!Number.isInteger(frames) || frames < 1 || frames > MAX_CODED_FRAMES) {
    return Effect.fail(invalid(`--frames ${frames}: must be a whole number from 1 to ${MAX_CODED_FRAMES} (the frame-number strip holds 16 bits)`))
  }
  const problem = servableSizeProblem(size)
  if (problem !== undefined) return Effect.fail(invalid(problem))
  if (!frameCodeLayout(size)) {
    return Effect.fail(invalid(`size ${formatSize(size)} is too small for the frame-number strip; use at least 128x96`))
  }
  const error = checkFps(options.fps) ?? checkQuality(options.quality)
  return error ? Effect.fail(error) : Effect.void
}

/** The synthetic frames as RGB, rendered lazily as the writer pulls them. */
export const syntheticFrames = (frameCount: number, size: FrameSize) =>
  Stream.range(0, frameCount - 1).pipe(
    Stream.mapEffect((index) => renderSvg(syntheticFrameSvg({ index, frameCount, size }), size), { concurrency: 4 })
  )

export const createVideo = (options: CreateOptions): Effect.Effect<VideoSummary, VideoError, FileSystem.FileSystem> =>
  Effect.zipRight(
    validate(options),
    writeVideo(options.out, syntheticFrames(options.frames, options.size), {
      quality: options.quality,
      fps: options.fps,
      classic: false,
      label: "create",
      expectedFrames: options.frames
    })
  )
