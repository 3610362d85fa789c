/**
 * The `rtsp-harness` command tree. `runCli` parses the arguments, runs the command and turns
 * every failure into one clear line and an exit status, so it never fails itself.
 */
import { Command } from "@effect/cli"
import type { CliApp } from "@effect/cli"
import type { CommandExecutor } from "@effect/platform/CommandExecutor"
import { Effect } from "effect"
import { reportFailure } from "../../src/common/cliExit.js"
import { VERSION } from "../../src/cli/version.js"
import { conformanceCommand } from "./conformance.js"
import { loadCommand } from "./load.js"
import { mergeCommand } from "./merge.js"
import { playCommand } from "./play.js"
import { runCommand } from "./run.js"
import { scenariosCommand } from "./scenarios.js"
import { webCommand } from "./web.js"

export const rootCommand = Command.make("rtsp-harness").pipe(
  Command.withDescription("Headless RTSP test harness: play, scripted scenarios, load and conformance runs against any RTSP/RTP server (MJPEG, H.264, H.265, audio)"),
  Command.withSubcommands([playCommand, runCommand, loadCommand, mergeCommand, conformanceCommand, scenariosCommand, webCommand])
)

const run = Command.run(rootCommand, { name: "rtsp-harness", version: VERSION })

/** CommandExecutor: `play --dump-dir` decodes H.264/H.265 through ffmpeg. */
export const runCli = (argv: ReadonlyArray<string>): Effect.Effect<number, never, CliApp.CliApp.Environment | CommandExecutor> =>
  run(argv).pipe(Effect.as(0), Effect.catchAll(reportFailure))
