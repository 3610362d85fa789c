import { Args, Command, Options } from "@effect/cli"
import { Effect, Option } from "effect"
import { convertVideo, DEFAULT_CONVERT_QUALITY } from "../../video/convert.js"
import { optionalSize, printSummary } from "./shared.js"

const input = Args.text({ name: "input" }).pipe(
  Args.withDescription(
    "A folder of images (any format sharp reads, taken in name order), an MJPEG file (.Mjpeg or raw), or any video ffmpeg can read"
  )
)
const out = Args.text({ name: "out" }).pipe(
  Args.withDescription("Output file: *.Mjpeg for the lab format, *.mjpeg or *.mjpg for raw concatenated JPEGs")
)
const fps = Options.float("fps").pipe(
  Options.optional,
  Options.withDescription(
    "Frame rate. Images: default 20. MJPEG: default the file's own (or 20). Video: resample to this rate (default: keep the source's)"
  )
)
const quality = Options.integer("quality").pipe(
  Options.withDefault(DEFAULT_CONVERT_QUALITY),
  Options.withDescription("JPEG quality 1-100")
)
const classic = Options.boolean("classic").pipe(
  Options.withDescription("Lower the quality of each frame over the classic client's 20,468-byte limit until it fits (fails if quality 10 does not)")
)
const size = Options.text("size").pipe(
  Options.optional,
  Options.withDescription(
    "WIDTHxHEIGHT, multiples of 8, at most 2040 (the picture is scaled to cover it and centre-cropped). Default: the source's size rounded down to multiples of 8, scaled down to fit 2040"
  )
)

export const convertCommand = Command.make(
  "convert",
  { input, out, fps, quality, classic, size },
  (options) =>
    Effect.gen(function*() {
      const frameSize = yield* optionalSize(options.size)
      const summary = yield* convertVideo({
        input: options.input,
        out: options.out,
        fps: Option.getOrUndefined(options.fps),
        quality: options.quality,
        classic: options.classic,
        size: frameSize
      })
      yield* printSummary(summary, options.quality, "Re-run with --classic, a lower --quality or a smaller --size.")
    })
).pipe(
  Command.withDescription(
    "Convert images, an MJPEG file or a video (through ffmpeg) into a servable MJPEG file: every frame re-encoded as baseline 4:2:0 JPEG " +
      "with the standard tables, at one size that is a multiple of 8 and at most 2040."
  )
)
