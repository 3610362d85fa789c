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
import { VERSION } from "./version.js"
import { videoCommand } from "./video/index.js"

export const rootCommand = Command.make("effect-rtsp").pipe(
  Command.withDescription("RTSP/RTP MJPEG server and video tools"),
  Command.withSubcommands([serveCommand, impairmentsCommand, usersCommand, videoCommand])
)

export const run = Command.run(rootCommand, { name: "effect-rtsp", version: VERSION })

/** Runs the CLI on `argv` (as in process.argv: runtime, script, then arguments) and succeeds with the exit status. */
export const runCli = (
  argv: ReadonlyArray<string>
): Effect.Effect<number, never, CliApp.CliApp.Environment | CommandExecutor.CommandExecutor> =>
  run(argv).pipe(
    Effect.as(0),
    Effect.catchAll(reportFailure),
    Effect.provide(Ffmpeg.layer())
  )
