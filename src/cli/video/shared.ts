/** Option parsing and output shared by the video subcommands. */
import { Console, Effect, Either, Option } from "effect"
import { CLASSIC_MAX_FRAME_BYTES } from "../../protocol/jpeg/classic.js"
import { VideoError } from "../../video/errors.js"
import { formatFps } from "../../video/fpsComment.js"
import { type FrameSize, parseSize } from "../../video/size.js"
import type { VideoSummary } from "../../video/writeVideo.js"

export const sizeFromText = (text: string): Effect.Effect<FrameSize, VideoError> =>
  Either.match(parseSize(text), {
    onLeft: (message) => Effect.fail(new VideoError({ reason: "InvalidOption", message: `--size: ${message}` })),
    onRight: Effect.succeed
  })

export const optionalSize = (text: Option.Option<string>): Effect.Effect<FrameSize | undefined, VideoError> =>
  Option.match(text, { onNone: () => Effect.succeed(undefined), onSome: sizeFromText })

const grouped = (n: number): string => n.toLocaleString("en-US")

/** What was written, on stdout; anything that keeps a dialect from serving it, on stderr. */
export const printSummary = (summary: VideoSummary, requestedQuality: number, fixHint: string): Effect.Effect<void> =>
  Effect.gen(function*() {
    const seconds = (summary.frames / summary.fps).toFixed(2)
    const format = summary.container === "lab" ? "lab .Mjpeg" : "raw MJPEG"
    const quality = summary.quality.min === summary.quality.max
      ? `quality ${summary.quality.max}`
      : `quality ${summary.quality.min}-${summary.quality.max}`
    yield* Console.log(
      `wrote ${summary.path}: ${summary.frames} frames, ${summary.width}x${summary.height} 4:2:0, ${formatFps(summary.fps)} fps (${seconds} s), ${format}\n` +
        `frame bytes: min ${grouped(summary.frameBytes.min)}, avg ${grouped(summary.frameBytes.avg)}, max ${grouped(summary.frameBytes.max)}; ${quality}`
    )
    if (summary.reducedQualityFrames > 0) {
      yield* Console.error(
        `note: ${summary.reducedQualityFrames} frame${summary.reducedQualityFrames === 1 ? " was" : "s were"} encoded below quality ${requestedQuality} (down to ${summary.quality.min}) to fit the frame size limit`
      )
    }
    if (summary.overClassicLimit > 0) {
      yield* Console.error(
        `warning: ${summary.overClassicLimit} of ${summary.frames} frames are larger than the classic client's ${grouped(CLASSIC_MAX_FRAME_BYTES)}-byte limit ` +
          `(largest ${grouped(summary.frameBytes.max)} bytes); classic clients cannot play this file. ${fixHint}`
      )
    }
  })
