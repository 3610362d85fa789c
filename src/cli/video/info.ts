import { Args, Command, Options } from "@effect/cli"
import { Console, Effect, Option } from "effect"
import { loadMjpegFile } from "../../media/MjpegFile.js"
import { analysisExitCode, infoErrorJson, infoJson, infoText } from "../../video/info.js"
import { CliExit } from "../../common/cliExit.js"

const file = Args.text({ name: "file" }).pipe(Args.withDescription("An MJPEG file: lab .Mjpeg or raw concatenated JPEGs"))
const json = Options.boolean("json").pipe(Options.withDescription("Print a JSON report listing every problem"))
const fps = Options.float("fps").pipe(
  Options.optional,
  Options.withDescription("Frame rate for the duration (default: the one recorded in the file, else 20)")
)

const exitWith = (code: number): Effect.Effect<void, CliExit> => (code === 0 ? Effect.void : Effect.fail(new CliExit({ code })))

export const infoCommand = Command.make(
  "info",
  { file, json, fps },
  (options) =>
    loadMjpegFile(options.file, Option.match(options.fps, { onNone: () => ({}), onSome: (n) => ({ fps: n }) })).pipe(
      Effect.matchEffect({
        onFailure: (error) =>
          Effect.zipRight(
            options.json
              ? Console.log(JSON.stringify(infoErrorJson(error, options.file), null, 2))
              : Console.error(`error: ${error.message}`),
            exitWith(2)
          ),
        onSuccess: (analysis) =>
          Effect.zipRight(
            options.json
              ? Console.log(JSON.stringify(infoJson(analysis, options.file), null, 2))
              : Console.log(infoText(analysis, options.file).join("\n")),
            exitWith(analysisExitCode(analysis))
          )
      })
    )
).pipe(
  Command.withDescription(
    "Describe an MJPEG file (frames, resolution, sampling, frame sizes, duration) and say whether the standard (RTSP/RFC 2435) " +
      "and the classic (lab client) dialect can serve it, listing every problem. " +
      "Exit status: 0 = servable in both dialects, 1 = servable in only one, 2 = servable in neither (or not readable as MJPEG)."
  )
)
