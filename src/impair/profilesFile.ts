/**
 * Named impairment profiles from a file (`--impairments FILE`), in the query's vocabulary:
 *
 *     { "profiles": { "flaky": { "impair": "lossy-wifi", "loss": "5%", "close-after": "30s", "seed": 7 } } }
 *
 * Each profile is an object of knobs, the same names and value text as the URL query; a value is
 * a string or a JSON number, read as its decimal text (`"loss": 2` is 2%, `"delay": 100` is
 * refused for want of a unit, as `delay=100` is). `"impair"` names a built-in to start from.
 * A name is lower-case letters, digits, `-` and `_`, and may not be a built-in's: a file that
 * silently redefined `lossy-wifi` would make the name mean two things. Every problem is reported,
 * one line each: `impairments.json: profiles.flaky.loss: 150% is above 100%`. Pure.
 */
import { Either, ParseResult, Schema } from "effect"
import { messageOf } from "../common/errorText.js"
import { BUILTIN_PROFILES } from "./builtinProfiles.js"
import { composeProfile, DEFAULT_SEED, isKnobName, type KnobSettings, PROFILE_PARAMETER, readKnob, unknownKnobHint } from "./knobs.js"
import { plainDecimal } from "./knobValues.js"
import type { ImpairmentProfile } from "./profile.js"

const KnobValue = Schema.Union(Schema.String, Schema.Number).annotations({
  message: () => ({ message: `must be text (like "2%" or "15ms") or a number`, override: true })
})
const FileProfile = Schema.Record({ key: Schema.String, value: KnobValue }).annotations({
  message: () => ({ message: "must be an object of knobs", override: false })
})
const ProfilesFile = Schema.Struct({
  profiles: Schema.Record({ key: Schema.String, value: FileProfile }).annotations({
    message: () => ({ message: "must be an object of profiles by name", override: false })
  })
}).annotations({ message: () => ({ message: `must be an object with "profiles"`, override: false }) })

const decodeProfilesFile = Schema.decodeUnknownEither(ProfilesFile, { errors: "all", onExcessProperty: "error" })

const PROFILE_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/

interface FileIssue {
  readonly path: ReadonlyArray<PropertyKey>
  readonly message: string
}

/** ["profiles", "flaky", "loss"] → "profiles.flaky.loss"; a key that is not a plain word goes in brackets. */
const formatPath = (path: ReadonlyArray<PropertyKey>): string => {
  let text = ""
  for (const key of path) {
    if (typeof key === "string" && /^[A-Za-z_$][\w$-]*$/.test(key)) text += text === "" ? key : `.${key}`
    else text += typeof key === "number" ? `[${key}]` : `[${JSON.stringify(String(key))}]`
  }
  return text === "" ? "(root)" : text
}

/**
 * Where the text has a `__proto__` key, if anywhere. JSON.parse keeps it as an own key, but
 * copying the object (as decoding does) turns it into the prototype, so it would vanish unread.
 */
const findProtoKey = (json: unknown): ReadonlyArray<PropertyKey> | undefined => {
  interface Visit {
    readonly value: unknown
    readonly key: PropertyKey
    readonly parent: Visit | undefined
  }
  const pathOf = (visit: Visit): ReadonlyArray<PropertyKey> => {
    const path: Array<PropertyKey> = []
    for (let at: Visit | undefined = visit; at?.parent !== undefined; at = at.parent) path.push(at.key)
    return path.reverse()
  }
  // A stack, not recursion: JSON.parse accepts nesting deeper than the call stack. Paths are
  // made only for the key found, so deep text costs linear time.
  const pending: Array<Visit> = [{ value: json, key: "", parent: undefined }]
  for (let visit = pending.pop(); visit !== undefined; visit = pending.pop()) {
    const { value } = visit
    if (typeof value !== "object" || value === null) continue
    for (const [key, inner] of Object.entries(value)) {
      const child: Visit = { value: inner, key: Array.isArray(value) ? Number(key) : key, parent: visit }
      if (key === "__proto__") return pathOf(child)
      pending.push(child)
    }
  }
  return undefined
}

/** A JSON number as the knob text it stands for: 2 → "2", 0.5 → "0.5", -5 → "-5". */
const knobText = (value: string | number): string =>
  typeof value === "string" ? value : value < 0 ? `-${plainDecimal(-value)}` : plainDecimal(value)

/** One profile's knobs over its base, or the issues with them (paths inside the file). */
const readFileProfile = (
  name: string,
  entries: { readonly [knob: string]: string | number }
): Either.Either<ImpairmentProfile, ReadonlyArray<FileIssue>> => {
  const at = (knob: string) => ["profiles", name, knob]
  const issues: Array<FileIssue> = []
  let base: ImpairmentProfile = { seed: DEFAULT_SEED }
  let settings: KnobSettings = {}
  for (const [knob, value] of Object.entries(entries)) {
    const text = knobText(value)
    if (knob === PROFILE_PARAMETER) {
      const builtin = BUILTIN_PROFILES.get(text)
      if (builtin === undefined) {
        issues.push({ path: at(knob), message: `no built-in profile named ${JSON.stringify(text)} (built-ins: ${[...BUILTIN_PROFILES.keys()].join(", ")})` })
      } else base = builtin
    } else if (isKnobName(knob)) {
      const read = readKnob(knob, text)
      if (Either.isLeft(read)) issues.push({ path: at(knob), message: read.left.problem })
      else settings = { ...settings, ...read.right }
    } else {
      issues.push({ path: at(knob), message: `unknown knob (${unknownKnobHint(knob)})` })
    }
  }
  if (issues.length > 0) return Either.left(issues)
  return Either.mapBoth(composeProfile(base, settings), {
    onLeft: (problems) => problems.map((problem) => ({ path: at(problem.knob), message: problem.problem })),
    // A file's profile is known by its name, whatever it started from.
    onRight: (profile) => ({ ...profile, name })
  })
}

const issuesText = (fileName: string, issues: ReadonlyArray<FileIssue>): string =>
  issues.map((issue) => `${fileName}: ${formatPath(issue.path)}: ${issue.message}`).join("\n")

/** The file's profiles by name, in file order; or every problem, one line each. Never throws. */
export const parseProfilesFile = (text: string, fileName: string): Either.Either<ReadonlyMap<string, ImpairmentProfile>, string> => {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    return Either.left(`${fileName} is not JSON: ${messageOf(error)}`)
  }
  const protoKey = findProtoKey(json)
  if (protoKey !== undefined) return Either.left(issuesText(fileName, [{ path: protoKey, message: "is not allowed as a key" }]))
  const decoded = decodeProfilesFile(json)
  if (Either.isLeft(decoded)) {
    return Either.left(issuesText(fileName, ParseResult.ArrayFormatter.formatErrorSync(decoded.left)))
  }
  const issues: Array<FileIssue> = []
  const profiles = new Map<string, ImpairmentProfile>()
  for (const [name, entries] of Object.entries(decoded.right.profiles)) {
    if (!PROFILE_NAME.test(name)) {
      issues.push({ path: ["profiles", name], message: "a profile name is 1 to 64 lower-case letters, digits, - and _, starting with a letter or digit" })
    } else if (BUILTIN_PROFILES.has(name)) {
      issues.push({ path: ["profiles", name], message: `is a built-in profile; give yours another name (to start from it, write "impair": "${name}")` })
    } else {
      Either.match(readFileProfile(name, entries), {
        onLeft: (problems) => issues.push(...problems),
        onRight: (profile) => profiles.set(name, profile)
      })
    }
  }
  return issues.length > 0 ? Either.left(issuesText(fileName, issues)) : Either.right(profiles)
}
