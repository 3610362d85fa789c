/**
 * What is wrong with an impairment request, in words a client can act on: one line for a 400
 * reply's body, or, with the file and the path in front, a startup error.
 */
import { Data } from "effect"

export class ImpairmentProblem extends Data.TaggedError("ImpairmentProblem")<{
  /** The parameter at fault: a knob ("loss"), "impair", or the unknown name as sent. */
  readonly knob: string
  /** What is wrong, to follow the knob's name or its path in a file: `150% is above 100%`. */
  readonly problem: string
  /** The whole line, e.g. `loss 150% is above 100%`, `unknown knob "los" (did you mean loss?)`. */
  readonly message: string
}> {}

/** A knob's value is wrong: `loss` + `150% is above 100%`. */
export const badValue = (knob: string, problem: string): ImpairmentProblem =>
  new ImpairmentProblem({ knob, problem, message: `${knob} ${problem}` })

export const unknownKnob = (name: string, hint: string): ImpairmentProblem =>
  new ImpairmentProblem({ knob: name, problem: `unknown knob (${hint})`, message: `unknown knob ${JSON.stringify(name)} (${hint})` })

export const unknownProfile = (name: string, known: ReadonlyArray<string>): ImpairmentProblem => {
  const problem = `no profile named ${JSON.stringify(name)} (known: ${known.length === 0 ? "none" : known.join(", ")})`
  return new ImpairmentProblem({ knob: "impair", problem, message: problem })
}
