/**
 * How a command ends: user errors become one clear line on stderr (plus any
 * detail lines) and an exit status, never a stack trace.
 */
import { ValidationError } from "@effect/cli"
import { Console, Data, Effect } from "effect"
import { MediaError } from "../media/MjpegFile.js"
import { VideoError } from "../video/errors.js"
import { messageOf } from "../common/errorText.js"

/** Ends the command with `code`; whatever had to be said was printed already. */
export class CliExit extends Data.TaggedError("CliExit")<{ readonly code: number }> {}

const printLines = (first: string, details: ReadonlyArray<string> = []): Effect.Effect<void> =>
  Console.error([first, ...details.map((d) => `  ${d}`)].join("\n"))

/** Prints what went wrong (unless already printed) and returns the exit status. */
export const reportFailure = (error: unknown): Effect.Effect<number> => {
  if (error instanceof CliExit) return Effect.succeed(error.code)
  // @effect/cli has printed the usage error and help already.
  if (ValidationError.isValidationError(error)) return Effect.succeed(1)
  if (error instanceof VideoError) return Effect.as(printLines(`error: ${error.message}`, error.details), 1)
  if (error instanceof MediaError) return Effect.as(printLines(`error: ${error.message}`), 1)
  const message = messageOf(error)
  return Effect.as(printLines(`error: ${message}`), 1)
}
