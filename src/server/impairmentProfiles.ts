/**
 * The server's impairment settings, resolved once at start: the profiles a session may name (the
 * built-ins and a profiles file's) and the profile of every session that asks for none. A file
 * that cannot be read or holds a bad profile, or an `impair` that names nothing, stops the start
 * with a ServerStartError naming the file, the path inside it and the problem.
 */
import { FileSystem } from "@effect/platform"
import type { PlatformError } from "@effect/platform/Error"
import { Effect, Either } from "effect"
import { BUILTIN_PROFILES, withBuiltinProfiles } from "../impair/builtinProfiles.js"
import type { ImpairmentProfile } from "../impair/profile.js"
import { impairmentQueryOf, parseImpairmentQuery } from "../impair/profileParse.js"
import { parseProfilesFile } from "../impair/profilesFile.js"
import type { ServerConfig } from "./config.js"
import { ServerStartError } from "./errors.js"

export interface ServerImpairments {
  /** By name: the built-ins, then the file's. */
  readonly profiles: ReadonlyMap<string, ImpairmentProfile>
  /** The impairment of every session that asks for none (config `impair`). */
  readonly every: ImpairmentProfile | undefined
}

const impairmentError = (message: string, cause?: unknown) => new ServerStartError({ reason: "Impairment", message, cause })

const unreadable = (file: string, error: PlatformError): ServerStartError =>
  error._tag === "SystemError" && error.reason === "NotFound"
    ? impairmentError(`impairments file ${file}: no such file`, error)
    : impairmentError(`impairments file ${file} cannot be read: ${error.message}`, error)

/**
 * Several problems (one `file: path: problem` line each) get a heading and are indented under it.
 * Other text stays one line: a line break in it is the file's own text, quoted (JSON.parse quotes
 * the start of a file that is not JSON), shown as \n.
 */
const problemsText = (file: string, text: string): string => {
  const lines = text.split("\n")
  return lines.length > 1 && lines.every((line) => line.startsWith(`${file}: `))
    ? [`impairments file ${file} has ${lines.length} problems:`, ...lines.map((line) => `  ${line}`)].join("\n")
    : text.replaceAll("\n", "\\n")
}

/** The named profiles of a profiles file (`--impairments FILE`), in file order. */
export const readProfilesFile = (
  file: string
): Effect.Effect<ReadonlyMap<string, ImpairmentProfile>, ServerStartError, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const text = yield* Effect.mapError(fs.readFileString(file), (error) => unreadable(file, error))
    return yield* Either.match(parseProfilesFile(text, file), {
      onLeft: (lines) => Effect.fail(impairmentError(problemsText(file, lines))),
      onRight: Effect.succeed
    })
  })

/** `impair` read against `profiles`: a profile's name, or knobs as in a query ("loss=2%&seed=7"). */
const impairEveryOf = (impair: string | undefined, profiles: ReadonlyMap<string, ImpairmentProfile>) => {
  const text = impair?.trim()
  if (text === undefined || text === "") return Effect.succeed(undefined)
  return Either.match(parseImpairmentQuery(impairmentQueryOf(text), profiles), {
    onLeft: (problem) => Effect.fail(impairmentError(`impair ${text}: ${problem.message}`)),
    onRight: Effect.succeed
  })
}

/** The config's impairment settings, checked; with neither set, the built-ins and no file is read. */
export const resolveImpairments = (
  config: Pick<ServerConfig, "impair" | "impairmentsFile">
): Effect.Effect<ServerImpairments, ServerStartError, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const profiles = config.impairmentsFile === undefined
      ? BUILTIN_PROFILES
      : withBuiltinProfiles(yield* readProfilesFile(config.impairmentsFile))
    return { profiles, every: yield* impairEveryOf(config.impair, profiles) }
  })

/** What the start log says about impairments: nothing when none are set up. */
export const impairmentLogLines = (config: Pick<ServerConfig, "impair" | "impairmentsFile">, resolved: ServerImpairments): ReadonlyArray<string> => {
  const fromFile = [...resolved.profiles.keys()].filter((name) => !BUILTIN_PROFILES.has(name))
  return [
    ...(config.impairmentsFile === undefined
      ? []
      : [`impairment profiles from ${config.impairmentsFile}: ${fromFile.length === 0 ? "none" : fromFile.join(", ")}`]),
    ...(resolved.every === undefined ? [] : [`every session that asks for no impairment gets ${config.impair?.trim() ?? ""}`])
  ]
}
