/**
 * How a command of either bin (effect-rtsp, rtsp-harness) ends: user errors
 * become one clear line on stderr (plus any detail lines) and an exit
 * status, never a stack trace.
 */
import { ValidationError } from "@effect/cli"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Console, Data, Effect } from "effect"
import { messageOf } from "./errorText.js"

/** Ends the command with `code`; whatever had to be said was printed already. */
export class CliExit extends Data.TaggedError("CliExit")<{ readonly code: number }> {}

const printLines = (first: string, details: ReadonlyArray<string> = []): Effect.Effect<void> =>
  Console.error([first, ...details.map((d) => `  ${d}`)].join("\n"))

/** Extra lines an error carries for the user (VideoError's `details`: the problems a file has). */
const detailsOf = (error: unknown): ReadonlyArray<string> => {
  const details = typeof error === "object" && error !== null && "details" in error ? error.details : undefined
  return Array.isArray(details) ? details.filter((line): line is string => typeof line === "string") : []
}

/** Prints what went wrong (unless already printed) and returns the exit status. */
export const reportFailure = (error: unknown): Effect.Effect<number> => {
  if (error instanceof CliExit) return Effect.succeed(error.code)
  // @effect/cli has printed the usage error and help already.
  if (ValidationError.isValidationError(error)) return Effect.succeed(1)
  return Effect.as(printLines(`error: ${messageOf(error)}`, detailsOf(error)), 1)
}

/** A bin's main: runs the command tree on the Node platform and exits with its status. */
export const runCliMain = <E>(runCli: (argv: ReadonlyArray<string>) => Effect.Effect<number, E, NodeContext.NodeContext>): void =>
  runCli(process.argv).pipe(
    Effect.flatMap((code) => Effect.sync(() => {
      process.exitCode = code
    })),
    Effect.provide(NodeContext.layer),
    NodeRuntime.runMain
  )
