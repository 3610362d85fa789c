/**
 * The `effect-rtsp` command tree. `runCli` parses the arguments, runs the
 * command and turns every failure into an exit status (printing user errors
 * as one line), so it never fails itself; bin.ts only provides the platform.
 */
import { Command } from "@effect/cli"
import type { CliApp } from "@effect/cli"
import type { CommandExecutor } from "@effect/platform"
import { Effect } from "effect"
import * as Ffmpeg from "../video/Ffmpeg.js"
import { reportFailure } from "../common/cliExit.js"
import { impairmentsCommand } from "./impairments/index.js"
import { serveCommand } from "./serve.js"
import { usersCommand } from "./users/index.js"
import { configCommand } from "./config/index.js"
import { configFileIn, providerWith, readConfigFile } from "./config/configFile.js"
import { VERSION } from "./version.js"
import { videoCommand } from "./video/index.js"

export const rootCommand = Command.make("effect-rtsp").pipe(
  Command.withDescription("RTSP/RTP MJPEG server and video tools"),
  Command.withSubcommands([serveCommand, configCommand, impairmentsCommand, usersCommand, videoCommand])
)

export const run = Command.run(rootCommand, { name: "effect-rtsp", version: VERSION })

/**
 * The config file (--config or RTSP_CONFIG) is read before the command line is parsed: its values
 * stand behind the environment's, so every flag falls back to its variable, then the file. A bad
 * file stops here, before anything starts.
 */
const withConfigFile = <A, E, R>(argv: ReadonlyArray<string>, program: Effect.Effect<A, E, R>) => {
  const file = configFileIn(argv.slice(2), process.env)
  return file === undefined
    ? program
    : Effect.flatMap(readConfigFile(file), (values) => Effect.withConfigProvider(program, providerWith(values)))
}

/** Runs the CLI on `argv` (as in process.argv: runtime, script, then arguments) and succeeds with the exit status. */
export const runCli = (
  argv: ReadonlyArray<string>
): Effect.Effect<number, never, CliApp.CliApp.Environment | CommandExecutor.CommandExecutor> =>
  withConfigFile(argv, run(argv)).pipe(
    Effect.as(0),
    Effect.catchAll(reportFailure),
    Effect.provide(Ffmpeg.layer())
  )
