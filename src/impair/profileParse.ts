/**
 * An impairment profile from a request URL's query, and back. Pure.
 *
 * `impair=NAME` picks a named profile (built-in or from the profiles file); knobs override it, or
 * make a profile on their own: `loss=2%&burst=4&jitter=15ms&seed=7`. Rules:
 * - Which parameters are ours: `impair` and the knobs (KNOB_NAMES). A query with none of them
 *   asks for nothing (Right(undefined)), and its other parameters are left alone, except that a
 *   name one typo away from a knob (`los`, `Loss`, `jiter`) is refused rather than ignored.
 * - Once a query has one of ours, every parameter must be ours: an unknown name is refused.
 * - Each parameter at most once. Values are percent-decoded (`2%25` is `2%`; a bare `2%` works too).
 * - `off` turns a knob the named profile has off (`impair=congested-lte&bandwidth=off`).
 * - The seed: `seed=N`, else the named profile's, else DEFAULT_SEED, so a run is reproducible
 *   without one.
 * The first problem, in query order, is the answer; its message is the 400 reply's body line.
 */
import { Either } from "effect"
import {
  closestKnob,
  composeProfile,
  DEFAULT_SEED,
  isKnobName,
  type KnobSettings,
  PROFILE_PARAMETER,
  profileKnobs,
  readKnob,
  unknownKnobHint
} from "./knobs.js"
import { badValue, ImpairmentProblem, unknownKnob, unknownProfile } from "./problem.js"
import type { ImpairmentProfile } from "./profile.js"
import { formatQuery, queryParameters } from "./queryParameters.js"

export { ImpairmentProblem }

const isOurs = (name: string): boolean => name === PROFILE_PARAMETER || isKnobName(name)

/** A setting's text (`--impair`, BENCH_IMPAIR) as a query: knobs as they are, a bare name as `impair=NAME`. */
export const impairmentQueryOf = (text: string): string => (text.includes("=") ? text : `${PROFILE_PARAMETER}=${text}`)

export const parseImpairmentQuery = (
  query: string,
  profiles: ReadonlyMap<string, ImpairmentProfile>
): Either.Either<ImpairmentProfile | undefined, ImpairmentProblem> => {
  const parameters = queryParameters(query)
  const asksForImpairment = parameters.some(({ name }) => isOurs(name))
  const seen = new Set<string>()
  let base: ImpairmentProfile = { seed: DEFAULT_SEED }
  let settings: KnobSettings = {}
  for (const { name, value } of parameters) {
    if (!isOurs(name)) {
      if (asksForImpairment || closestKnob(name) !== undefined) return Either.left(unknownKnob(name, unknownKnobHint(name)))
      continue
    }
    if (seen.has(name)) return Either.left(badValue(name, "is given twice"))
    seen.add(name)
    if (name === PROFILE_PARAMETER) {
      if (value === undefined || value.length === 0) return Either.left(badValue(name, "needs a profile name"))
      const named = profiles.get(value)
      if (named === undefined) return Either.left(unknownProfile(value, [...profiles.keys()]))
      base = named
    } else if (isKnobName(name)) {
      const read = readKnob(name, value ?? "")
      if (Either.isLeft(read)) return Either.left(read.left)
      settings = { ...settings, ...read.right }
    }
  }
  if (!asksForImpairment) return Either.right(undefined)
  return Either.mapLeft(composeProfile(base, settings), (problems) => problems[0])
}

/**
 * The query that asks for exactly this profile: its seed and every knob it has, in canonical
 * form, percent-encoded (`loss=2%25`). The name is left out, so the query stands alone:
 * parseImpairmentQuery gives back the same profile, without a name.
 */
export const formatImpairmentQuery = (profile: ImpairmentProfile): string => formatQuery(profileKnobs(profile))
