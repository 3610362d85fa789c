/**
 * `--impair` (and a scenario client's `impair`) as the URL query the server reads (issue 13):
 * knob text (`loss=2%&seed=7`, `impair=bursty&seed=3`) goes as it is, a bare name means
 * `impair=NAME`, the rule the server's own `--impair` follows. Parameters already in the URL
 * stay; one that --impair names again is replaced, since the server refuses a name given twice.
 * Knob names and values are checked here with the server's own readers, so a typo is refused
 * before connecting; profile names are left to the server, which may have a profiles file. Pure.
 */
import { Data, Effect, Either } from "effect"
import { isKnobName, PROFILE_PARAMETER, readKnob, unknownKnobHint } from "../../src/impair/knobs.js"
import { unknownKnob } from "../../src/impair/problem.js"
import { formatQuery, queryParameters } from "../../src/impair/queryParameters.js"
import { NO_IMPAIRMENT } from "../../src/impair/impairmentStats.js"

/** The impairment text cannot be put in a query (a scenario built in code; a decoded one is checked already). */
export class BadImpairmentText extends Data.TaggedError("BadImpairmentText")<{ readonly message: string }> {}

/** What a scenario says for a client left alone: the name the server's record gives such a session. */
export const NO_IMPAIRMENT_ASKED = NO_IMPAIRMENT

const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/

/** The name/value pairs the text asks for, or why it cannot be an impairment. */
export const impairmentParameters = (text: string): Either.Either<ReadonlyArray<readonly [string, string]>, string> => {
  const trimmed = text.trim()
  if (trimmed === "") return Either.left("an impairment needs a profile name or knobs, e.g. lossy-wifi or loss=2%&seed=7")
  if (!trimmed.includes("=")) {
    return PROFILE_NAME.test(trimmed)
      ? Either.right([[PROFILE_PARAMETER, trimmed]])
      : Either.left(`${JSON.stringify(trimmed)} is not a profile name (letters, digits, ".", "_", "-") nor knobs such as loss=2%`)
  }
  const pairs: Array<readonly [string, string]> = []
  for (const { name, value } of queryParameters(trimmed)) {
    const problem = parameterProblem(name, value)
    if (problem !== undefined) return Either.left(problem)
    pairs.push([name, value ?? ""])
  }
  return Either.right(pairs)
}

const parameterProblem = (name: string, value: string | undefined): string | undefined => {
  if (value === undefined) return `${name} needs a value (${name}=…)`
  if (name === PROFILE_PARAMETER) return PROFILE_NAME.test(value) ? undefined : `impair needs a profile name, got ${JSON.stringify(value)}`
  if (!isKnobName(name)) return unknownKnob(name, unknownKnobHint(name)).message
  return Either.match(readKnob(name, value), { onLeft: (problem) => problem.message, onRight: () => undefined })
}

/** The URL with the impairment in its query: the URL's own parameters first, as written, less those the impairment names again. */
export const withImpairment = (url: string, text: string): Either.Either<string, string> =>
  Either.map(impairmentParameters(text), (asked) => {
    const hashAt = url.indexOf("#")
    const beforeHash = hashAt < 0 ? url : url.slice(0, hashAt)
    const queryAt = beforeHash.indexOf("?")
    const base = queryAt < 0 ? beforeHash : beforeHash.slice(0, queryAt)
    const named = new Set(asked.map(([name]) => name))
    const kept = (queryAt < 0 ? [] : beforeHash.slice(queryAt + 1).split("&"))
      .filter((piece) => piece !== "" && !queryParameters(piece).some(({ name }) => named.has(name)))
    return `${base}?${[...kept, formatQuery(asked)].join("&")}${hashAt < 0 ? "" : url.slice(hashAt)}`
  })

/** The client's URL with the impairment, as an Effect for the runner. */
export const impairedUrl = (url: string, text: string): Effect.Effect<string, BadImpairmentText> =>
  Either.match(withImpairment(url, text), {
    onLeft: (problem) => Effect.fail(new BadImpairmentText({ message: `impair ${text}: ${problem}` })),
    onRight: Effect.succeed
  })

/** A client's impairment text, or undefined for a client left alone ("none" or empty). */
export const askedImpairment = (text: string | undefined): string | undefined => {
  const trimmed = text?.trim()
  return trimmed === undefined || trimmed === "" || trimmed === NO_IMPAIRMENT_ASKED ? undefined : trimmed
}
