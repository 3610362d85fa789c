/**
 * ffmpeg and ffprobe as a service: probe a video's size and rate, and decode
 * it to RGB frames at a chosen size (and optionally a new frame rate). The
 * child processes live in a scope: a consumer that stops early, fails or is
 * interrupted kills them.
 */
import * as Command from "@effect/platform/Command"
import * as CommandExecutor from "@effect/platform/CommandExecutor"
import type { PlatformError } from "@effect/platform/Error"
import { Chunk, Context, Effect, Fiber, Layer, Schema, Stream } from "effect"
import { VideoError } from "./errors.js"
import { makeFrameSplitter } from "./frameSplitter.js"
import type { RawFrame } from "./rawFrame.js"
import type { FrameSize } from "./size.js"

export interface VideoProbe {
  readonly size: FrameSize
  /** Frames per second of the first video stream, when ffprobe knows it. */
  readonly fps: number | undefined
  readonly durationSeconds: number | undefined
  /** As declared by the container, when it says. */
  readonly frames: number | undefined
}

export interface DecodeOptions {
  /** Output size: the picture is scaled to cover it and centre-cropped. */
  readonly size: FrameSize
  /** Resample to this rate (frames are dropped or repeated); undefined keeps the source's frames. */
  readonly fps: number | undefined
}

export interface FfmpegService {
  readonly probe: (path: string) => Effect.Effect<VideoProbe, VideoError>
  readonly decode: (path: string, options: DecodeOptions) => Stream.Stream<RawFrame, VideoError>
}

export class Ffmpeg extends Context.Tag("effect-rtsp/video/Ffmpeg")<Ffmpeg, FfmpegService>() {}

export interface FfmpegOptions {
  /** Executable names or paths (default "ffmpeg" and "ffprobe" on the PATH). */
  readonly ffmpeg?: string
  readonly ffprobe?: string
}

export const FFMPEG_MISSING_MESSAGE = "ffmpeg is not installed; install it or convert from images"

const spawnFailed = (error: PlatformError, program: string): VideoError =>
  error._tag === "SystemError" && error.reason === "NotFound"
    ? new VideoError({ reason: "FfmpegMissing", message: FFMPEG_MISSING_MESSAGE, cause: error })
    : new VideoError({ reason: "FfmpegFailed", message: `cannot run ${program}: ${error.message}`, cause: error })

const collectText = <E>(stream: Stream.Stream<Uint8Array, E>, keepLast: number): Effect.Effect<string, E> =>
  stream.pipe(
    Stream.decodeText(),
    Stream.runFold("", (text, piece) => (text + piece).slice(-keepLast))
  )

/** The last non-empty line of a tool's stderr: usually the one that says what went wrong. */
const lastLine = (text: string): string => text.trim().split("\n").filter((l) => l.trim() !== "").at(-1)?.trim() ?? "no message"

const ProbeOutput = Schema.Struct({
  streams: Schema.Array(Schema.Struct({
    width: Schema.Number,
    height: Schema.Number,
    avg_frame_rate: Schema.optional(Schema.String),
    r_frame_rate: Schema.optional(Schema.String),
    nb_frames: Schema.optional(Schema.String),
    duration: Schema.optional(Schema.String)
  })),
  format: Schema.optional(Schema.Struct({ duration: Schema.optional(Schema.String) }))
})

/** "30000/1001" -> 29.97..., "0/0" or garbage -> undefined. */
export const parseRate = (text: string | undefined): number | undefined => {
  const match = /^(\d+)(?:\/(\d+))?$/.exec(text ?? "")
  if (!match) return undefined
  const rate = Number(match[1]) / Number(match[2] ?? "1")
  return Number.isFinite(rate) && rate > 0 ? rate : undefined
}

const positive = (text: string | undefined): number | undefined => {
  const n = Number(text)
  return text !== undefined && Number.isFinite(n) && n > 0 ? n : undefined
}

export const make = (options: FfmpegOptions = {}): Effect.Effect<FfmpegService, never, CommandExecutor.CommandExecutor> =>
  Effect.gen(function*() {
    const executor = yield* CommandExecutor.CommandExecutor
    const ffmpeg = options.ffmpeg ?? "ffmpeg"
    const ffprobe = options.ffprobe ?? "ffprobe"

    const probe = (path: string): Effect.Effect<VideoProbe, VideoError> =>
      Effect.scoped(Effect.gen(function*() {
        const command = Command.make(
          ffprobe, "-v", "error", "-select_streams", "v:0",
          "-show_entries", "stream=width,height,avg_frame_rate,r_frame_rate,nb_frames,duration:format=duration",
          "-of", "json", path
        )
        const process = yield* Effect.mapError(executor.start(command), (e) => spawnFailed(e, ffprobe))
        const [stdout, stderr, exitCode] = yield* Effect.all(
          [collectText(process.stdout, 1_000_000), collectText(process.stderr, 4000), process.exitCode],
          { concurrency: "unbounded" }
        ).pipe(Effect.mapError((e) => spawnFailed(e, ffprobe)))
        if (exitCode !== 0) {
          return yield* Effect.fail(new VideoError({ reason: "UnknownFormat", message: `${path} is not a video ffmpeg can read: ${lastLine(stderr)}` }))
        }
        const parsed = yield* Schema.decodeUnknown(Schema.parseJson(ProbeOutput))(stdout).pipe(
          Effect.mapError((error) => new VideoError({ reason: "FfmpegFailed", message: `unexpected ffprobe output for ${path}`, cause: error }))
        )
        const stream = parsed.streams[0]
        if (!stream || stream.width <= 0 || stream.height <= 0) {
          return yield* Effect.fail(new VideoError({ reason: "UnknownFormat", message: `${path} has no video stream` }))
        }
        const fps = parseRate(stream.avg_frame_rate) ?? parseRate(stream.r_frame_rate)
        return {
          size: { width: stream.width, height: stream.height },
          fps,
          durationSeconds: positive(stream.duration) ?? positive(parsed.format?.duration),
          frames: positive(stream.nb_frames)
        }
      }))

    const decode = (path: string, decodeOptions: DecodeOptions): Stream.Stream<RawFrame, VideoError> =>
      Stream.unwrapScoped(Effect.gen(function*() {
        const { width, height } = decodeOptions.size
        const filters = [
          ...(decodeOptions.fps === undefined ? [] : [`fps=${decodeOptions.fps}`]),
          `scale=${width}:${height}:force_original_aspect_ratio=increase`,
          `crop=${width}:${height}`
        ]
        const command = Command.make(
          ffmpeg, "-nostdin", "-v", "error", "-i", path,
          "-map", "0:v:0", "-an", "-sn", "-dn",
          "-vf", filters.join(","),
          "-f", "rawvideo", "-pix_fmt", "rgb24", "-"
        )
        const process = yield* Effect.mapError(executor.start(command), (e) => spawnFailed(e, ffmpeg))
        const stderr = yield* Effect.fork(collectText(process.stderr, 4000).pipe(Effect.orElseSucceed(() => "")))
        const splitter = makeFrameSplitter(width * height * 3)
        const finish = Effect.gen(function*() {
          const exitCode = yield* Effect.mapError(process.exitCode, (e) => spawnFailed(e, ffmpeg))
          const message = yield* Fiber.join(stderr)
          if (exitCode !== 0) {
            return yield* Effect.fail(new VideoError({ reason: "FfmpegFailed", message: `ffmpeg could not decode ${path}: ${lastLine(message)}` }))
          }
        })
        return process.stdout.pipe(
          Stream.mapError((e) => spawnFailed(e, ffmpeg)),
          Stream.mapChunks((chunks) => Chunk.flatMap(chunks, (chunk) => Chunk.unsafeFromArray(splitter.push(chunk)))),
          Stream.map((data): RawFrame => ({ width, height, data })),
          Stream.concat(Stream.drain(Stream.fromEffect(finish)))
        )
      }))

    return { probe, decode }
  })

export const layer = (options: FfmpegOptions = {}): Layer.Layer<Ffmpeg, never, CommandExecutor.CommandExecutor> =>
  Layer.effect(Ffmpeg, make(options))
