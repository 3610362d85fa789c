import { Args, Command } from "@effect/cli"
import { Console, Effect } from "effect"
import { extractFramePng } from "../../video/extractFrame.js"

const file = Args.text({ name: "file" }).pipe(Args.withDescription("An MJPEG file: lab .Mjpeg or raw concatenated JPEGs"))
const n = Args.integer({ name: "n" }).pipe(Args.withDescription("Frame number, 0-based: the first frame is 0"))
const out = Args.text({ name: "out.png" }).pipe(Args.withDescription("Where to write the PNG"))

export const frameCommand = Command.make(
  "frame",
  { file, n, out },
  (options) =>
    Effect.gen(function*() {
      const frame = yield* extractFramePng(options.file, options.n, options.out)
      yield* Console.log(`wrote frame ${frame.index} (${frame.width}x${frame.height}) to ${frame.out}`)
    })
).pipe(Command.withDescription("Write frame n (0-based) of an MJPEG file as a PNG image"))
