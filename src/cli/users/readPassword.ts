/**
 * Where `users add` gets a password: a prompt that shows nothing typed (asked
 * twice) on a terminal, else the first line of standard input, so scripts can
 * pipe it in. Never from the command line, where `ps` and shell history see it.
 */
import { Prompt } from "@effect/cli"
import type { Terminal } from "@effect/platform"
import { Effect, Redacted } from "effect"
import { UsersCommandError } from "./errors.js"

const firstLineOfStdin: Effect.Effect<string, UsersCommandError> = Effect.async<string, UsersCommandError>((resume) => {
  const chunks: Array<Buffer> = []
  const onData = (chunk: Buffer) => {
    chunks.push(chunk)
    if (chunk.includes(0x0a)) finish()
  }
  const onEnd = () => finish()
  const onError = (cause: Error) => resume(Effect.fail(new UsersCommandError({ message: `cannot read the password from standard input: ${cause.message}` })))
  const finish = () => {
    cleanup()
    const text = Buffer.concat(chunks).toString("utf8")
    const newline = text.indexOf("\n")
    resume(Effect.succeed((newline < 0 ? text : text.slice(0, newline)).replace(/\r$/, "")))
  }
  const cleanup = () => {
    process.stdin.off("data", onData)
    process.stdin.off("end", onEnd)
    process.stdin.off("error", onError)
    process.stdin.pause()
  }
  process.stdin.on("data", onData)
  process.stdin.on("end", onEnd)
  process.stdin.on("error", onError)
  process.stdin.resume()
  return Effect.sync(cleanup)
})

const prompted = (name: string): Effect.Effect<string, UsersCommandError, Terminal.Terminal> =>
  Effect.gen(function* () {
    const first = yield* Prompt.password({ message: `Password for ${name}` })
    const again = yield* Prompt.password({ message: "Again" })
    if (Redacted.value(first) !== Redacted.value(again)) return yield* new UsersCommandError({ message: "the two passwords differ; nothing was written" })
    return Redacted.value(first)
  }).pipe(Effect.catchTag("QuitException", () => Effect.fail(new UsersCommandError({ message: "cancelled; nothing was written" }))))

export const readPassword = (name: string): Effect.Effect<string, UsersCommandError, Terminal.Terminal> =>
  Effect.flatMap(process.stdin.isTTY === true ? prompted(name) : firstLineOfStdin, (password) =>
    password === "" ? Effect.fail(new UsersCommandError({ message: "the password is empty; nothing was written" })) : Effect.succeed(password))
