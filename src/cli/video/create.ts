import { Args, Command, Options } from "@effect/cli"
import { Effect } from "effect"
import { CREATE_DEFAULTS, createVideo } from "../../video/create.js"
import { formatSize } from "../../video/size.js"
import { printSummary, sizeFromText } from "./shared.js"

const out = Args.text({ name: "out" }).pipe(
  Args.withDescription("Output file: *.Mjpeg for the lab format (5-digit length before each frame), *.mjpeg or *.mjpg for raw concatenated JPEGs")
)
const frames = Options.integer("frames").pipe(
  Options.withDefault(CREATE_DEFAULTS.frames),
  Options.withDescription("Number of frames (1 to 65536)")
)
const fps = Options.float("fps").pipe(
  Options.withDefault(CREATE_DEFAULTS.fps),
  Options.withDescription("Frame rate recorded in the file")
)
const size = Options.text("size").pipe(
  Options.withDefault(formatSize(CREATE_DEFAULTS.size)),
  Options.withDescription("WIDTHxHEIGHT, multiples of 8, at most 2040, at least 128x96")
)
const quality = Options.integer("quality").pipe(
  Options.withDefault(CREATE_DEFAULTS.quality),
  Options.withDescription(`JPEG quality 1-100 (the default keeps every frame of a ${formatSize(CREATE_DEFAULTS.size)} video far below the classic client's 20,468-byte limit)`)
)

export const createCommand = Command.make(
  "create",
  { out, frames, fps, size, quality },
  (options) =>
    Effect.gen(function*() {
      const frameSize = yield* sizeFromText(options.size)
      const summary = yield* createVideo({ ...options, size: frameSize })
      yield* printSummary(summary, options.quality, "Use a lower --quality or a smaller --size.")
    })
).pipe(
  Command.withDescription(
    "Make a synthetic test video: each frame shows its number in large digits and in a binary strip along the bottom edge " +
      "(machine-readable), with a bar that moves. Baseline 4:2:0 JPEG with the standard tables, servable in both dialects."
  )
)
