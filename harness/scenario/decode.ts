/**
 * Scenario files from text: JSON parsing, Schema validation with unknown keys
 * refused, and errors that name the file, the path and the problem.
 */
import { Data, Either, ParseResult, Schema } from "effect"
import { parseJsonText } from "./jsonPosition.js"
import { Scenario } from "./schema.js"

export interface ScenarioIssue {
  /** Where in the file, e.g. "steps[2].duration"; "(root)" for the whole document. */
  readonly path: string
  readonly message: string
}

export class ScenarioError extends Data.TaggedError("ScenarioError")<{
  readonly reason: "InvalidJson" | "InvalidScenario"
  readonly source: string
  readonly issues: ReadonlyArray<ScenarioIssue>
  /** One line per issue: `<source>: <path>: <message>`. */
  readonly message: string
}> {}

const ROOT = "(root)"

/** ["steps", 2, "duration"] -> "steps[2].duration". */
export const formatIssuePath = (path: ReadonlyArray<PropertyKey>): string => {
  let text = ""
  for (const key of path) {
    if (typeof key === "number") text += `[${key}]`
    else if (typeof key === "symbol") text += `[${String(key)}]`
    else if (/^[A-Za-z_$][\w$-]*$/.test(key)) text += text === "" ? key : `.${key}`
    else text += `[${JSON.stringify(key)}]`
  }
  return text === "" ? ROOT : text
}

const scenarioError = (
  reason: ScenarioError["reason"],
  source: string,
  issues: ReadonlyArray<ScenarioIssue>
): ScenarioError =>
  new ScenarioError({
    reason,
    source,
    issues,
    message: issues.map((issue) => `${source}: ${issue.path}: ${issue.message}`).join("\n")
  })

const decodeUnknown = Schema.decodeUnknownEither(Scenario, { errors: "all", onExcessProperty: "error" })

/** Decodes an already-parsed value (e.g. a scenario built in code). Never throws. */
export const decodeScenarioValue = (value: unknown, source: string): Either.Either<Scenario, ScenarioError> =>
  Either.mapLeft(decodeUnknown(value), (parseError) =>
    scenarioError(
      "InvalidScenario",
      source,
      ParseResult.ArrayFormatter.formatErrorSync(parseError).map((issue) => ({
        path: formatIssuePath(issue.path),
        message: issue.message
      }))
    ))

/** Parses and validates a scenario file's text. Never throws, on any input. */
export const decodeScenario = (jsonText: string, source: string): Either.Either<Scenario, ScenarioError> => {
  const value = parseJsonText(jsonText)
  if (Either.isLeft(value)) return Either.left(scenarioError("InvalidJson", source, [{ path: ROOT, message: value.left }]))
  return decodeScenarioValue(value.right, source)
}

/** The file form of a decoded scenario (durations back to text), for printing. */
export const encodeScenario = Schema.encodeSync(Scenario)
